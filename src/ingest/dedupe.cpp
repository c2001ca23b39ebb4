#include "ingest/dedupe.h"

#include <functional>
#include <string_view>

#include <sys/mman.h>

namespace uplift::ingest {
namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

// FNV-1a then a final avalanche: std::hash is not guaranteed to be 64-bit strong everywhere.
std::uint64_t hash_str(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

std::uint64_t event_content_hash(const Event& e) {
  std::uint64_t h = hash_str(e.account);
  h = mix(h, hash_str(e.name));
  h = mix(h, static_cast<std::uint64_t>(e.ts));
  h = mix(h, hash_str(e.learner));
  h = mix(h, std::hash<double>{}(e.qty));
  if (!e.props.empty()) h = mix(h, std::hash<nlohmann::json>{}(e.props));
  return h;
}

void EventDedupe::grow() { rehash(slots_.empty() ? 1024 : slots_.size() * 2); }

void EventDedupe::reserve(std::size_t events) {
  std::size_t slots = slots_.empty() ? 1024 : slots_.size();
  while (events * 10 > slots * 7) slots *= 2;
  if (slots > slots_.size()) rehash(slots);
}

void EventDedupe::rehash(std::size_t slots) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(slots, Slot{});
#ifdef MADV_HUGEPAGE
  // Every lookup lands on a random slot: huge pages spare most of the TLB misses.
  constexpr std::uintptr_t kPage = 4096;
  auto begin = (reinterpret_cast<std::uintptr_t>(slots_.data()) + kPage - 1) & ~(kPage - 1);
  auto end = reinterpret_cast<std::uintptr_t>(slots_.data() + slots_.size()) & ~(kPage - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.id) continue;
    std::size_t i = s.id & mask;
    while (slots_[i].id) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

EventDedupe::Check EventDedupe::check(const Event& e, std::uint32_t position) {
  if ((size_ + 1) * 10 > slots_.size() * 7) grow();
  std::uint64_t id = hash_str(e.id);
  if (id == 0) id = 1;
  std::uint32_t content = static_cast<std::uint32_t>(event_content_hash(e));
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = id & mask;
  while (slots_[i].id) {
    if (slots_[i].id == id)
      return {slots_[i].content == content ? Seen::kSameContent : Seen::kDifferentContent,
              slots_[i].position};
    i = (i + 1) & mask;
  }
  slots_[i] = Slot{id, content, position};
  ++size_;
  return {};
}

}  // namespace uplift::ingest
