#include "core/learner_table.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace uplift {
namespace {

void put_varint(std::string& out, std::size_t n) {
  for (;; n >>= 7) {
    out.push_back(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
    if (n < 0x80) return;
  }
}

// The next varint-prefixed text of a packed list, advancing `at`.
std::string_view take_text(std::string_view packed, std::size_t& at) {
  std::size_t len = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(packed[at++]);
    len |= static_cast<std::size_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  std::string_view text = packed.substr(at, len);
  at += len;
  return text;
}

const std::vector<std::uint32_t>& no_codes() {
  static const std::vector<std::uint32_t> kNone;
  return kNone;
}

}  // namespace

// ---- LearnerRef ----

std::string_view LearnerRef::id() const { return table_->ids_[code_]; }
std::string_view LearnerRef::account() const { return table_->accounts_[table_->rows_[code_].account]; }
std::string_view LearnerRef::role() const { return table_->values_[table_->rows_[code_].role]; }
std::string_view LearnerRef::access_level() const { return table_->values_[table_->rows_[code_].access_level]; }

std::string_view LearnerRef::packed() const { return table_->texts_.text(table_->rows_[code_].texts); }

std::string_view LearnerRef::email() const {
  const std::string_view packed = this->packed();
  std::size_t at = 0;
  return take_text(packed, at);
}

std::optional<Timestamp> LearnerRef::created_at() const {
  const Timestamp t = table_->rows_[code_].created_at;
  return t == LearnerTable::kNoTime ? std::nullopt : std::optional<Timestamp>(t);
}

std::optional<Timestamp> LearnerRef::departed_at() const {
  const Timestamp t = table_->rows_[code_].departed_at;
  return t == LearnerTable::kNoTime ? std::nullopt : std::optional<Timestamp>(t);
}

std::optional<Audience> LearnerRef::audience() const {
  const std::uint8_t a = table_->rows_[code_].audience;
  return a == LearnerTable::kNoAudience ? std::nullopt : std::optional<Audience>(static_cast<Audience>(a));
}

std::vector<std::string_view> LearnerRef::aliases() const {
  const std::string_view packed = this->packed();
  std::size_t at = 0;
  take_text(packed, at);  // the email
  std::vector<std::string_view> out;
  while (at < packed.size()) out.push_back(take_text(packed, at));
  return out;
}

bool LearnerRef::holds_alias(std::string_view alias) const {
  const std::string_view packed = this->packed();
  std::size_t at = 0;
  const std::string_view email = take_text(packed, at);
  while (at < packed.size())
    if (take_text(packed, at) == alias) return true;
  return !email.empty() && email_alias(email) == alias;
}

Learner LearnerRef::record() const {
  Learner l;
  l.id = std::string(id());
  l.account = std::string(account());
  l.email = std::string(email());
  l.role = std::string(role());
  l.access_level = std::string(access_level());
  l.created_at = created_at();
  l.audience = audience();
  l.departed_at = departed_at();
  for (std::string_view a : aliases()) l.aliases.emplace_back(a);
  return l;
}

// ---- LearnerTable ----

LearnerTable::LearnerTable() {
  values_.intern("");
  intern_id("");  // code 0 (EventTable::kNoLearner): no learner
}

std::uint32_t LearnerTable::intern_id(std::string_view id) {
  const std::uint32_t code = ids_.intern(id);
  if (code >= rows_.size()) rows_.resize(code + 1);
  return code;
}

std::uint32_t LearnerTable::find(std::string_view id) const {
  const std::uint32_t code = ids_.find(id);
  return code != kNone && rows_[code].present ? code : kNone;
}

bool LearnerTable::put(const Learner& l, std::string* moved_from) {
  const std::uint32_t code = intern_id(l.id);
  const bool added = !rows_[code].present;
  if (!added && LearnerRef(this, code).record() == l) return false;
  // Learners in a set are validated records: aliases sorted and unique (records.h).
  std::string packed;
  put_varint(packed, l.email.size());
  packed += l.email;
  for (const std::string& a : l.aliases) {
    put_varint(packed, a.size());
    packed += a;
  }
  Row row;
  row.texts = texts_.append(packed);
  row.created_at = l.created_at.value_or(kNoTime);
  row.departed_at = l.departed_at.value_or(kNoTime);
  row.account = accounts_.intern(l.account);
  row.role = values_.intern(l.role);
  row.access_level = values_.intern(l.access_level);
  row.audience = l.audience ? static_cast<std::uint8_t>(*l.audience) : kNoAudience;
  row.present = true;
  const std::uint32_t old_account = rows_[code].account;
  const bool moved = !added && old_account != row.account;
  if (moved) {
    if (moved_from) *moved_from = accounts_[old_account];
    leave_account(code);
  }
  rows_[code] = row;
  if (added || moved) join_account(code);
  if (added) {
    ++size_;
    join_order(code);
  }
  index_alias(email_alias(l.email), code);
  for (const std::string& a : l.aliases) index_alias(a, code);
  return true;
}

void LearnerTable::leave_account(std::uint32_t code) {
  auto& list = by_account_[rows_[code].account];
  list.erase(std::remove(list.begin(), list.end(), code), list.end());
}

void LearnerTable::join_account(std::uint32_t code) {
  const std::uint32_t account = rows_[code].account;
  if (account >= by_account_.size()) by_account_.resize(account + 1);
  auto& list = by_account_[account];
  list.insert(std::upper_bound(list.begin(), list.end(), code,
                               [&](std::uint32_t x, std::uint32_t y) { return ids_[x] < ids_[y]; }),
              code);
}

void LearnerTable::join_order(std::uint32_t code) {
  auto by_id = [&](std::uint32_t x, std::uint32_t y) { return ids_[x] < ids_[y]; };
  if (order_.empty() || by_id(order_.back(), code)) {  // arrivals in id order (a store's scan): appended
    order_.push_back(code);
    return;
  }
  recent_.insert(std::upper_bound(recent_.begin(), recent_.end(), code, by_id), code);
  if (recent_.size() < kRecentMax) return;
  std::vector<std::uint32_t> merged;
  merged.reserve(order_.size() + recent_.size());
  std::merge(order_.begin(), order_.end(), recent_.begin(), recent_.end(), std::back_inserter(merged), by_id);
  order_ = std::move(merged);
  recent_.clear();
}

void LearnerTable::index_alias(std::string_view alias, std::uint32_t code) {
  if (alias.empty()) return;
  const std::uint64_t hash = CodeSlots::hash_of(alias);
  if (aliases_.holds(hash, code)) return;  // held under this hash already
  if (aliases_.needs_room()) {
    // Placed again from what every learner holds now — this alias included (put() wrote the row
    // first) — in a table sized for them (stale slots are dropped: the size follows the live ones).
    reindex_aliases();
    return;
  }
  aliases_.place(hash, code);
}

void LearnerTable::reindex_aliases() {
  std::size_t live = 0;
  for (std::uint32_t code = 0; code < rows_.size(); ++code) {
    if (!rows_[code].present) continue;
    LearnerRef l(this, code);
    live += !l.email().empty() + l.aliases().size();
  }
  // Room for as many again before the next reindex, at most 7 in 10 slots used.
  std::size_t slots = 64;
  while (slots * 7 < (2 * live + 1) * 10) slots *= 2;
  aliases_.reset(slots);
  for (std::uint32_t code = 0; code < rows_.size(); ++code) {
    if (!rows_[code].present) continue;
    LearnerRef l(this, code);
    if (!l.email().empty()) aliases_.place(CodeSlots::hash_of(email_alias(l.email())), code);
    for (std::string_view a : l.aliases()) aliases_.place(CodeSlots::hash_of(a), code);
  }
}

std::uint32_t LearnerTable::by_alias(std::string_view alias, bool* ambiguous) const {
  std::uint32_t found = kNone;
  bool several = false;
  aliases_.find(CodeSlots::hash_of(alias), [&](std::uint32_t code) {  // stale slots: holders that no longer hold it
    if (code == found || !LearnerRef(this, code).holds_alias(alias)) return false;
    several = found != kNone;
    found = code;
    return several;
  });
  if (ambiguous) *ambiguous = several;
  return several ? kNone : found;
}

LearnerList LearnerTable::of_account(std::string_view account) const {
  const std::uint32_t code = accounts_.find(account);
  return LearnerList(this, code < by_account_.size() ? by_account_[code] : no_codes());
}

std::vector<std::string> LearnerTable::accounts() const {
  std::vector<std::string> out;
  for (std::uint32_t code = 0; code < by_account_.size(); ++code)
    if (!by_account_[code].empty()) out.push_back(accounts_[code]);
  std::sort(out.begin(), out.end());
  return out;
}

LearnerTable::Order::iterator LearnerTable::Order::begin() const {
  return iterator(t_, t_->order_.data(), t_->order_.data() + t_->order_.size(), t_->recent_.data(),
                  t_->recent_.data() + t_->recent_.size());
}

LearnerTable::Order::iterator LearnerTable::Order::end() const {
  const std::uint32_t* a_end = t_->order_.data() + t_->order_.size();
  const std::uint32_t* b_end = t_->recent_.data() + t_->recent_.size();
  return iterator(t_, a_end, a_end, b_end, b_end);
}

}  // namespace uplift
