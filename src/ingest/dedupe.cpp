#include "ingest/dedupe.h"

#include <functional>
#include <new>
#include <utility>
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

// A flat object of strings (nearly all props) is hashed here directly rather than by
// std::hash<json>'s generic walk. Equal objects still hash equal (std::map iterates in order).
std::uint64_t hash_props(const nlohmann::json& props) {
  if (!props.is_object()) return std::hash<nlohmann::json>{}(props);
  std::uint64_t h = props.size();
  for (const auto& [key, value] : props.get_ref<const nlohmann::json::object_t&>()) {
    h = mix(h, hash_str(key));
    h = mix(h, value.is_string() ? hash_str(value.get_ref<const std::string&>()) : std::hash<nlohmann::json>{}(value));
  }
  return h;
}

}  // namespace

std::uint64_t event_content_hash(const Event& e) {
  std::uint64_t h = hash_str(e.account);
  h = mix(h, hash_str(e.name));
  h = mix(h, static_cast<std::uint64_t>(e.ts));
  h = mix(h, hash_str(e.learner));
  h = mix(h, std::hash<double>{}(e.qty));
  if (!e.props.empty()) h = mix(h, hash_props(e.props));
  return h;
}

void EventDedupe::grow() { rehash(slots_.empty() ? 1024 : slots_.size() * 2); }

void EventDedupe::reserve(std::size_t events) {
  std::size_t slots = slots_.empty() ? 1024 : slots_.size();
  while (events * 10 > slots * 7) slots *= 2;
  if (slots > slots_.size()) rehash(slots);
}

EventDedupe::Table::Table(std::size_t count) : count_(count) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  std::size_t bytes = count * sizeof(Slot);
  // Room to start the slots on a 2 MiB boundary, so every huge page of them can be one.
  map_bytes_ = ((bytes + kHuge - 1) & ~(kHuge - 1)) + kHuge;
  map_ = ::mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw std::bad_alloc();
  }
  auto start = (reinterpret_cast<std::uintptr_t>(map_) + kHuge - 1) & ~(kHuge - 1);
  slots_ = reinterpret_cast<Slot*>(start);
#ifdef MADV_HUGEPAGE
  ::madvise(slots_, (bytes + kHuge - 1) & ~(kHuge - 1), MADV_HUGEPAGE);  // a hint: failure is harmless
#endif
}

EventDedupe::Table::~Table() {
  if (map_) ::munmap(map_, map_bytes_);
}

void EventDedupe::Table::swap(Table& o) noexcept {
  std::swap(slots_, o.slots_);
  std::swap(count_, o.count_);
  std::swap(map_, o.map_);
  std::swap(map_bytes_, o.map_bytes_);
}

void EventDedupe::rehash(std::size_t slots) {
  Table old = std::move(slots_);
  slots_ = Table(slots);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.id) continue;
    std::size_t i = s.id & mask;
    while (slots_[i].id) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

std::uint64_t EventDedupe::prefetch(const Event& e) const {
  std::uint64_t id = hash_str(e.id);
  if (id == 0) id = 1;
  if (!slots_.empty()) __builtin_prefetch(slots_.data() + (id & (slots_.size() - 1)), 1);
  return id;
}

EventDedupe::Check EventDedupe::check(const Event& e, std::uint32_t position, std::uint64_t id) {
  if ((size_ + 1) * 10 > slots_.size() * 7) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = id & mask;
  std::uint32_t content = static_cast<std::uint32_t>(event_content_hash(e));
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
