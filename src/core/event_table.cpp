#include "core/event_table.h"

#include <algorithm>
#include <functional>

namespace uplift {
namespace {

constexpr std::size_t kIdBlockBytes = std::size_t{1} << 20;
constexpr std::uint64_t kPlaceBits = 48;
constexpr std::uint64_t kPlaceMask = (std::uint64_t{1} << kPlaceBits) - 1;

std::uint64_t hash_of(std::string_view id) { return std::hash<std::string_view>{}(id); }
std::uint64_t tag_of(std::uint64_t hash) { return hash >> kPlaceBits; }

const std::vector<EventRow>& no_rows() {
  static const std::vector<EventRow> kNone;
  return kNone;
}

}  // namespace

StringCodes::StringCodes(const StringCodes& other) : values_(other.values_) {
  codes_.reserve(values_.size());
  for (std::uint32_t i = 0; i < values_.size(); ++i) codes_.emplace(values_[i], i);
}

StringCodes& StringCodes::operator=(const StringCodes& other) {
  if (this != &other) *this = StringCodes(other);
  return *this;
}

std::uint32_t StringCodes::intern(std::string_view s) {
  auto it = codes_.find(s);
  if (it != codes_.end()) return it->second;
  const auto code = static_cast<std::uint32_t>(values_.size());
  values_.emplace_back(s);
  codes_.emplace(values_.back(), code);
  return code;
}

std::uint32_t StringCodes::find(std::string_view s) const {
  auto it = codes_.find(s);
  return it == codes_.end() ? kNone : it->second;
}

EventTable::EventTable() {
  learners_.intern("");
  props_text_.intern("{}");
  props_.push_back(nlohmann::json::object());
}

std::string_view EventTable::id(const EventRow& e) const {
  const std::string& block = id_blocks_[e.id >> 32];
  std::size_t at = e.id & 0xffffffffu;
  std::size_t len = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(block[at++]);
    len |= static_cast<std::size_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  return std::string_view(block).substr(at, len);
}

std::uint64_t EventTable::store_id(std::string_view id) {
  char prefix[10];
  std::size_t prefix_len = 0;
  for (std::size_t len = id.size();; len >>= 7) {
    prefix[prefix_len++] = static_cast<char>((len & 0x7f) | (len >= 0x80 ? 0x80 : 0));
    if (len < 0x80) break;
  }
  const std::size_t need = prefix_len + id.size();
  if (id_blocks_.empty() || id_blocks_.back().size() + need > id_blocks_.back().capacity()) {
    id_blocks_.emplace_back();
    id_blocks_.back().reserve(std::max(kIdBlockBytes, need));
  }
  std::string& block = id_blocks_.back();
  const std::uint64_t place = (static_cast<std::uint64_t>(id_blocks_.size() - 1) << 32) | block.size();
  block.append(prefix, prefix_len);
  block.append(id);
  return place;
}

bool EventTable::holds_id(std::string_view id, std::uint64_t hash) const {
  if (id_slots_.empty()) return false;
  const std::size_t mask = id_slots_.size() - 1;
  EventRow probe;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const std::uint64_t slot = id_slots_[i];
    if (slot == 0) return false;
    if ((slot >> kPlaceBits) == tag_of(hash)) {
      probe.id = (slot & kPlaceMask) - 1;
      if (this->id(probe) == id) return true;
    }
  }
}

void EventTable::insert_id(std::uint64_t hash, std::uint64_t place) {
  if ((id_count_ + 1) * 10 > id_slots_.size() * 7) rehash_ids(std::max<std::size_t>(1024, id_slots_.size() * 2));
  const std::size_t mask = id_slots_.size() - 1;
  std::size_t i = hash & mask;
  while (id_slots_[i] != 0) i = (i + 1) & mask;
  id_slots_[i] = (tag_of(hash) << kPlaceBits) | (place + 1);
  ++id_count_;
}

void EventTable::rehash_ids(std::size_t slots) {
  std::vector<std::uint64_t> old = std::move(id_slots_);
  id_slots_.assign(slots, 0);
  const std::size_t mask = slots - 1;
  EventRow probe;
  for (std::uint64_t slot : old) {
    if (slot == 0) continue;
    probe.id = (slot & kPlaceMask) - 1;
    std::size_t i = hash_of(id(probe)) & mask;
    while (id_slots_[i] != 0) i = (i + 1) & mask;
    id_slots_[i] = slot;
  }
}

void EventTable::reserve(std::size_t events) {
  std::size_t want = 1024;
  while (want * 7 < events * 10) want *= 2;
  if (want > id_slots_.size()) rehash_ids(want);
}

bool EventTable::less(const EventRow& x, const EventRow& y) const {
  return x.ts != y.ts ? x.ts < y.ts : id(x) < id(y);
}

bool EventTable::add(const Event& e, bool append, bool id_is_new) {
  const std::uint64_t hash = hash_of(e.id);
  if (!id_is_new && holds_id(e.id, hash)) return false;
  EventRow row;
  row.ts = e.ts;
  row.qty = e.qty;
  row.id = store_id(e.id);
  insert_id(hash, row.id);
  row.name = names_.intern(e.name);
  row.learner = learners_.intern(e.learner);
  if (!e.props.is_object() || !e.props.empty()) {
    const std::uint32_t code = props_text_.intern(e.props.dump());
    if (code == props_.size()) props_.push_back(e.props);
    row.props = code;
  }
  ++size_;
  auto& rows = rows_[e.account];
  if (append || rows.empty() || less(rows.back(), row)) {
    rows.push_back(row);
    return true;
  }
  rows.insert(std::upper_bound(rows.begin(), rows.end(), row,
                               [this](const EventRow& x, const EventRow& y) { return less(x, y); }),
              row);
  return true;
}

void EventTable::sort() {
  auto by_time_then_id = [this](const EventRow& x, const EventRow& y) { return less(x, y); };
  for (auto& [_, rows] : rows_) {
    if (!std::is_sorted(rows.begin(), rows.end(), by_time_then_id))
      std::sort(rows.begin(), rows.end(), by_time_then_id);
    // Appends left up to half of the capacity unused: keep an eighth as headroom (the next events
    // append without moving all) and give the rest back.
    const std::size_t keep = rows.size() + rows.size() / 8 + 4;
    if (rows.capacity() > keep + keep / 4) {
      std::vector<EventRow> exact;
      exact.reserve(keep);
      exact.assign(rows.begin(), rows.end());
      rows = std::move(exact);
    }
  }
}

const std::vector<EventRow>& EventTable::of(std::string_view account) const {
  auto it = rows_.find(std::string(account));
  return it == rows_.end() ? no_rows() : it->second;
}

std::vector<std::string> EventTable::accounts() const {
  std::vector<std::string> out;
  out.reserve(rows_.size());
  for (const auto& [id, _] : rows_) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

Event EventTable::event(std::string_view account, const EventRow& e) const {
  Event out;
  out.id = std::string(id(e));
  out.account = std::string(account);
  out.name = name(e);
  out.ts = e.ts;
  out.learner = learner(e);
  out.qty = e.qty;
  out.props = props(e);
  return out;
}

}  // namespace uplift
