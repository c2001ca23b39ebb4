#include "core/event_table.h"

#include <algorithm>
#include <bit>
#include <functional>
#include <stdexcept>

namespace uplift {
namespace {

constexpr std::size_t kTextBlockBytes = std::size_t{1} << 20;

const std::vector<EventRow>& no_rows() {
  static const std::vector<EventRow> kNone;
  return kNone;
}

}  // namespace

std::uint32_t StringCodes::find(std::string_view s) const { return find(s, CodeSlots::hash_of(s)); }

std::uint32_t StringCodes::find(std::string_view s, std::uint64_t hash) const {
  return index_.find(hash, [&](std::uint32_t code) { return values_[code] == s; });
}

std::uint32_t StringCodes::intern(std::string_view s) {
  const std::uint64_t hash = CodeSlots::hash_of(s);
  const std::uint32_t found = find(s, hash);
  if (found != kNone) return found;
  if (index_.needs_room()) rehash(std::max<std::size_t>(64, index_.slots() * 2));
  const auto code = static_cast<std::uint32_t>(values_.size());
  if (code == kNone - 1) throw std::length_error("StringCodes: more than 4 billion strings");
  values_.emplace_back(s);
  index_.place(hash, code);
  return code;
}

void StringCodes::rehash(std::size_t slots) {
  index_.reset(slots);
  for (std::uint32_t code = 0; code < values_.size(); ++code) index_.place(CodeSlots::hash_of(values_[code]), code);
}

std::uint32_t TextSet::find(std::string_view text) const { return find(text, CodeSlots::hash_of(text)); }

std::uint32_t TextSet::find(std::string_view text, std::uint64_t hash) const {
  return index_.find(hash, [&](std::uint32_t code) { return this->text(code) == text; });
}

std::uint32_t TextSet::add_new(std::string_view text) { return add_new(text, CodeSlots::hash_of(text)); }

std::uint32_t TextSet::add_new(std::string_view text, std::uint64_t hash) {
  if (places_.size() >= kAbsent - 1) throw std::length_error("TextSet: more than 4 billion texts");
  if (index_.needs_room()) rehash(std::max<std::size_t>(1024, index_.slots() * 2));
  const auto code = static_cast<std::uint32_t>(places_.size());
  places_.push_back(texts_.append(text));
  index_.place(hash, code);
  return code;
}

std::uint32_t TextSet::intern(std::string_view text) {
  const std::uint64_t hash = CodeSlots::hash_of(text);
  const std::uint32_t found = find(text, hash);
  return found != kAbsent ? found : add_new(text, hash);
}

void TextSet::rehash(std::size_t slots) {
  index_.reset(slots);
  for (std::uint32_t code = 0; code < places_.size(); ++code) index_.place(CodeSlots::hash_of(text(code)), code);
}

void TextSet::reserve(std::size_t texts) {
  std::size_t want = 1024;
  while (want * 7 < texts * 10) want *= 2;
  if (want > index_.slots()) rehash(want);
  places_.reserve(texts);
}

std::string_view TextArena::text(std::uint64_t place) const {
  const std::string& block = blocks_[place >> 32];
  std::size_t at = place & 0xffffffffu;
  std::size_t len = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(block[at++]);
    len |= static_cast<std::size_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  return std::string_view(block).substr(at, len);
}

std::uint64_t TextArena::append(std::string_view text) {
  char prefix[10];
  std::size_t prefix_len = 0;
  for (std::size_t len = text.size();; len >>= 7) {
    prefix[prefix_len++] = static_cast<char>((len & 0x7f) | (len >= 0x80 ? 0x80 : 0));
    if (len < 0x80) break;
  }
  const std::size_t need = prefix_len + text.size();
  if (blocks_.empty() || blocks_.back().size() + need > blocks_.back().capacity()) {
    blocks_.emplace_back();
    blocks_.back().reserve(std::max(kTextBlockBytes, need));
  }
  std::string& block = blocks_.back();
  const std::uint64_t place = (static_cast<std::uint64_t>(blocks_.size() - 1) << 32) | block.size();
  block.append(prefix, prefix_len);
  block.append(text);
  return place;
}

std::uint32_t EventTable::qty_code(double qty) {
  if (qty == 1.0) return 0;
  const auto bits = std::bit_cast<std::uint64_t>(qty == 0 ? 0.0 : qty);  // -0 and 0 alike
  if (auto it = qty_codes_.find(bits); it != qty_codes_.end()) return it->second;
  if (qtys_.size() >= UINT32_MAX) throw std::length_error("EventTable: more than 4 billion distinct quantities");
  const auto code = static_cast<std::uint32_t>(qtys_.size());
  qtys_.push_back(qty);
  qty_codes_.emplace(bits, code);
  return code;
}

std::uint64_t EventTable::id_hash(std::string_view id) {
  const std::uint64_t h = CodeSlots::hash_of(id);
  return h == 0 ? 1 : h;
}

void EventTable::hold_ids() {
  if (!ids_pending_) return;
  id_slots_.clear();
  id_count_ = 0;
  reserve(size_);
  for (const auto& rows : rows_)
    for (const EventRow& row : rows) hold_id(row.id);
  for (const auto& [_, row] : appended_) hold_id(row.id);
  ids_pending_ = false;
}

bool EventTable::holds_id(std::uint64_t hash) const {
  if (id_slots_.empty()) return false;
  const std::size_t mask = id_slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    if (id_slots_[i] == hash) return true;
    if (id_slots_[i] == 0) return false;
  }
}

void EventTable::hold_id(std::uint64_t hash) {
  if ((id_count_ + 1) * 10 > id_slots_.size() * 7) rehash_ids(std::max<std::size_t>(1024, id_slots_.size() * 2));
  const std::size_t mask = id_slots_.size() - 1;
  std::size_t i = hash & mask;
  while (id_slots_[i] != 0) i = (i + 1) & mask;
  id_slots_[i] = hash;
  ++id_count_;
}

void EventTable::rehash_ids(std::size_t slots) {
  std::vector<std::uint64_t> old = std::move(id_slots_);
  id_slots_.assign(slots, 0);
  id_count_ = 0;
  for (std::uint64_t h : old)
    if (h != 0) hold_id(h);
}

void EventTable::reserve(std::size_t events) {
  std::size_t want = 1024;
  while (want * 7 < events * 10) want *= 2;
  if (want > id_slots_.size()) rehash_ids(want);
}

std::string_view EventTable::props_text(const EventRow& e) const {
  return e.props == kEmptyProps ? std::string_view("{}") : props_.text(e.props - 1);
}

nlohmann::json EventTable::props(const EventRow& e) const {
  if (e.props == kEmptyProps) return nlohmann::json::object();
  return nlohmann::json::parse(props_text(e));
}

bool EventTable::less(const EventRow& x, const EventRow& y) const {
  return x.ts != y.ts ? x.ts < y.ts : x.id < y.id;
}

bool EventTable::add(const Event& e, std::uint32_t learner, bool append, bool id_is_new) {
  if (!(append && id_is_new)) hold_ids();
  if (!id_is_new && holds_id(id_hash(e.id))) return false;  // before the props' text is made
  const bool no_props = e.props.is_object() && e.props.empty();
  const std::string props = no_props ? std::string() : e.props.dump();
  return add(EventFields{e.id, e.account, e.name, e.learner, no_props ? std::string_view("{}") : props, e.ts, e.qty},
             learner, append, id_is_new);
}

bool EventTable::add(const EventFields& e, std::uint32_t learner, bool append, bool id_is_new) {
  const std::uint64_t hash = id_hash(e.id);
  // A bulk load of known-new ids (a store's scan) leaves their set to hold_ids(): built once at
  // its final size, off the load's path. Any other add needs the set complete first.
  const bool defer = append && id_is_new;
  if (!defer) hold_ids();
  if (!id_is_new && holds_id(hash)) return false;
  EventRow row;
  row.ts = e.ts;
  row.qty = qty_code(e.qty);
  // What may throw (memory) before the id is held: a failed add holds nothing that would refuse
  // the event's retry as a duplicate.
  if (!e.props.empty() && e.props != "{}") row.props = props_.intern(e.props) + 1;
  row.name = names_.intern(e.name);
  row.learner = learner;
  row.id = hash;
  if (defer) ids_pending_ = true;
  else hold_id(hash);
  ++size_;
  std::uint32_t account = accounts_.intern(e.account);
  if (account == rows_.size()) rows_.emplace_back();
  if (append) {
    appended_.emplace_back(account, row);
    return true;
  }
  auto& rows = rows_[account];
  if (rows.empty() || less(rows.back(), row)) {
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
  if (!appended_.empty()) {
    std::vector<std::size_t> more(rows_.size(), 0);
    for (const auto& [account, _] : appended_) ++more[account];
    for (std::size_t a = 0; a < rows_.size(); ++a) {
      if (more[a] == 0) continue;
      std::vector<EventRow>& rows = rows_[a];
      if (rows.capacity() < rows.size() + more[a]) {
        std::vector<EventRow> exact;
        exact.reserve(rows.size() + more[a]);
        exact.assign(rows.begin(), rows.end());
        rows = std::move(exact);
      }
    }
    for (const auto& [account, row] : appended_) rows_[account].push_back(row);
    std::vector<std::pair<std::uint32_t, EventRow>>().swap(appended_);  // give the memory back
    for (std::size_t a = 0; a < rows_.size(); ++a)
      if (more[a] != 0 && !std::is_sorted(rows_[a].begin(), rows_[a].end(), by_time_then_id))
        std::sort(rows_[a].begin(), rows_[a].end(), by_time_then_id);
  }
}

const std::vector<EventRow>& EventTable::of(std::string_view account) const {
  const std::uint32_t code = accounts_.find(account);
  return code == StringCodes::kNone ? no_rows() : rows_[code];
}

std::vector<std::string> EventTable::accounts() const {
  std::vector<std::string> out;
  out.reserve(accounts_.size());
  for (std::uint32_t a = 0; a < accounts_.size(); ++a) out.push_back(accounts_[a]);
  std::sort(out.begin(), out.end());
  return out;
}

void EventTable::recode_learners(const std::vector<std::uint32_t>& to) {
  for (auto& rows : rows_)
    for (EventRow& row : rows) row.learner = to[row.learner];
  for (auto& [_, row] : appended_) row.learner = to[row.learner];
}

Event EventTable::event(std::string_view account, const EventRow& e, std::string_view learner) const {
  Event out;
  out.account = std::string(account);
  out.name = name(e);
  out.ts = e.ts;
  out.learner = std::string(learner);
  out.qty = qty(e);
  out.props = props(e);
  return out;
}

}  // namespace uplift
