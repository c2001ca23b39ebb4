#include "core/dataset.h"

#include <algorithm>
#include <new>
#include <stdexcept>

namespace uplift {
namespace {

template <typename T>
const std::vector<T>& find_or_empty(const std::unordered_map<std::string, std::vector<T>>& m,
                                    std::string_view key) {
  static const std::vector<T> kEmpty;
  auto it = m.find(std::string(key));
  return it == m.end() ? kEmpty : it->second;
}

// Inserts or replaces `v` in a vector kept sorted by `less`, matching on `same`.
// Returns true if the vector changed.
template <typename T, typename Less, typename Same>
bool upsert_sorted(std::vector<T>& vec, const T& v, Less less, Same same, std::size_t& count) {
  auto it = std::find_if(vec.begin(), vec.end(), [&](const T& x) { return same(x, v); });
  if (it != vec.end()) {
    if (*it == v) return false;
    vec.erase(it);
    --count;
  }
  vec.insert(std::upper_bound(vec.begin(), vec.end(), v, less), v);
  ++count;
  return true;
}

std::uint64_t alias_hash(std::string_view alias) { return std::hash<std::string_view>{}(alias); }

template <typename T>
void index_alias(std::unordered_multimap<std::uint64_t, const T*>& index, std::string_view alias, const T* holder) {
  if (alias.empty()) return;
  auto [from, to] = index.equal_range(alias_hash(alias));
  for (auto it = from; it != to; ++it)
    if (it->second == holder) return;  // held under this hash already (the same alias twice)
  index.emplace(alias_hash(alias), holder);
}

template <typename T>
void unindex_alias(std::unordered_multimap<std::uint64_t, const T*>& index, std::string_view alias, const T* holder) {
  if (alias.empty()) return;
  auto [from, to] = index.equal_range(alias_hash(alias));
  for (auto it = from; it != to; ++it)
    if (it->second == holder) {
      index.erase(it);
      return;
    }
}

bool holds_alias(const Account& a, std::string_view alias) {
  return std::binary_search(a.aliases.begin(), a.aliases.end(), alias);
}

// The one holder of `alias`, or nullptr (and *ambiguous when several hold it).
template <typename T>
const T* one_holder(const std::unordered_multimap<std::uint64_t, const T*>& index, std::string_view alias,
                    bool* ambiguous) {
  if (ambiguous) *ambiguous = false;
  const T* found = nullptr;
  auto [from, to] = index.equal_range(alias_hash(alias));
  for (auto it = from; it != to; ++it) {
    if (it->second == found || !holds_alias(*it->second, alias)) continue;
    if (found) {
      if (ambiguous) *ambiguous = true;
      return nullptr;
    }
    found = it->second;
  }
  return found;
}

}  // namespace

Dataset::Dataset(const Dataset& other)
    : accounts_(other.accounts_),
      learners_(other.learners_),
      events_(other.events_),
      staged_learners_(other.staged_learners_),
      learners_staged_(other.learners_staged_),
      completions_(other.completions_),
      completion_contents_(other.completion_contents_),
      completion_ids_(other.completion_ids_),
      completion_id_holders_(other.completion_id_holders_),
      completion_moved_from_(other.completion_moved_from_),
      moved_from_(other.moved_from_),
      attendance_(other.attendance_),
      arr_(other.arr_),
      renewals_(other.renewals_),
      latest_event_ts_(other.latest_event_ts_),
      bulk_(other.bulk_),
      bulk_ids_unique_(other.bulk_ids_unique_),
      completion_count_(other.completion_count_),
      attendance_count_(other.attendance_count_),
      arr_count_(other.arr_count_),
      renewal_count_(other.renewal_count_),
      identity_version_(other.identity_version_) {
  rebuild_indexes();
}

Dataset& Dataset::operator=(const Dataset& other) {
  if (this != &other) {
    Dataset copy(other);
    *this = std::move(copy);
  }
  return *this;
}

// The account indexes (pointers into this object's map) from the map; the learner table holds
// codes, not pointers, so a copy's is right as copied.
void Dataset::rebuild_indexes() {
  account_index_.clear();
  account_index_.reserve(accounts_.size());
  for (const auto& [id, a] : accounts_) account_index_.insert(&a);
  account_aliases_.clear();
  for (const auto& [id, a] : accounts_)
    for (const auto& al : a.aliases) index_alias(account_aliases_, al, &a);
}

bool Dataset::apply(const Record& r) {
  switch (kind_of(r)) {
    case RecordKind::kAccount: {
      const auto& a = std::get<Account>(r);
      auto [it, inserted] = accounts_.try_emplace(a.id, a);
      if (inserted) account_index_.insert(&it->second);
      if (!inserted) {
        if (it->second == a) return false;
        for (const auto& al : it->second.aliases) unindex_alias(account_aliases_, al, &it->second);
        it->second = a;
      }
      for (const auto& al : a.aliases) index_alias(account_aliases_, al, &it->second);
      ++identity_version_;
      return true;
    }
    case RecordKind::kLearner: {
      const auto& l = std::get<Learner>(r);
      std::string moved_from;
      if (!learners_.put(l, &moved_from)) return false;
      if (!moved_from.empty()) moved_from_[learners_.code_of(l.id)] = std::move(moved_from);
      ++identity_version_;
      return true;
    }
    case RecordKind::kEvent:
      return add_event(std::get<Event>(r));
    case RecordKind::kCompletion:
      return apply_completion(std::get<Completion>(r));
    case RecordKind::kAttendance: {
      const auto& a = std::get<Attendance>(r);
      return upsert_sorted(
          attendance_[a.learner], a,
          [](const Attendance& x, const Attendance& y) {
            return x.program != y.program ? x.program < y.program : x.session < y.session;
          },
          [](const Attendance& x, const Attendance& y) { return x.program == y.program && x.session == y.session; },
          attendance_count_);
    }
    case RecordKind::kArr: {
      const auto& s = std::get<ArrSnapshot>(r);
      return upsert_sorted(
          arr_[s.account], s, [](const ArrSnapshot& x, const ArrSnapshot& y) { return x.date < y.date; },
          [](const ArrSnapshot& x, const ArrSnapshot& y) { return x.date == y.date; }, arr_count_);
    }
    case RecordKind::kRenewal: {
      const auto& s = std::get<Renewal>(r);
      return upsert_sorted(
          renewals_[s.account], s, [](const Renewal& x, const Renewal& y) { return x.date < y.date; },
          [](const Renewal& x, const Renewal& y) { return x.date == y.date; }, renewal_count_);
    }
  }
  return false;
}

void Dataset::reserve_events(std::size_t n) {
  try {
    events_.expect_appended(n);
  } catch (const std::bad_alloc&) {
    // Only a hint: where the address space is refused, the rows grow as they arrive.
  }
}

bool Dataset::apply_completion(const Completion& c) {
  const std::uint32_t learner = learners_.intern(c.learner);
  if (learner >= completions_.size()) completions_.resize(learner + 1);
  std::vector<CompletionRow>& rows = completions_[learner];
  const std::uint64_t held_id = c.id.empty() ? 0 : completion_ids_.find(c.id);
  const std::uint32_t content = completion_contents_.find(c.content);
  // A source id names one completion whoever it is credited to: re-sent with another learner,
  // it leaves the first learner's list (as the store's upsert by record_key replaces it).
  if (!c.id.empty() && held_id != TextSet::kAbsent) {
    std::uint32_t* holder = &completion_id_holders_[held_id];
    if (*holder != learner) {
      auto& before = completions_[*holder];
      before.erase(std::remove_if(before.begin(), before.end(), [&](const CompletionRow& x) { return x.id == held_id + 1; }),
                   before.end());
      --completion_count_;
      completion_moved_from_[held_id] = *holder;
      *holder = learner;
    }
  }
  // The row with the same record_key: the same source id, or (none) the same content, status, time.
  auto same = std::find_if(rows.begin(), rows.end(), [&](const CompletionRow& x) {
    if (!c.id.empty()) return held_id != TextSet::kAbsent && x.id == held_id + 1;
    return x.id == 0 && x.content == content && x.status == c.status && x.ts == c.ts;
  });
  CompletionRow row;
  row.ts = c.ts;
  row.status = c.status;
  row.has_score = c.score.has_value();
  row.score_value = c.score.value_or(0);
  if (same != rows.end() && content != StringCodes::kNone && same->content == content && same->ts == row.ts &&
      same->status == row.status && same->has_score == row.has_score && same->score_value == row.score_value)
    return false;  // the identical record
  row.content = completion_contents_.intern(c.content);
  if (!c.id.empty() && held_id == TextSet::kAbsent) {
    const std::uint64_t place = completion_ids_.add_new(c.id);
    completion_id_holders_[place] = learner;
    row.id = place + 1;
  } else {
    row.id = c.id.empty() ? 0 : held_id + 1;
  }
  if (same != rows.end()) {
    rows.erase(same);
    --completion_count_;
  }
  // By (ts, record_key); keys are made only for rows at the same time.
  std::string key;
  auto at = std::upper_bound(rows.begin(), rows.end(), row, [&](const CompletionRow& added, const CompletionRow& held) {
    if (added.ts != held.ts) return added.ts < held.ts;
    if (key.empty()) key = record_key(Record(c));
    return key < record_key(Record(completion(c.learner, held)));
  });
  rows.insert(at, row);
  ++completion_count_;
  return true;
}

std::string_view Dataset::completion_id(const CompletionRow& c) const {
  return c.id == 0 ? std::string_view() : completion_ids_.text(c.id - 1);
}

Completion Dataset::completion(std::string_view learner, const CompletionRow& c) const {
  Completion out;
  out.id = std::string(completion_id(c));
  out.learner = std::string(learner);
  out.content = completion_content(c);
  out.ts = c.ts;
  out.status = c.status;
  out.score = c.score();
  return out;
}

std::string_view Dataset::completion_moved_from(std::string_view id) const {
  if (id.empty()) return {};
  const std::uint64_t place = completion_ids_.find(id);
  if (place == TextSet::kAbsent) return {};
  auto it = completion_moved_from_.find(place);
  return it == completion_moved_from_.end() ? std::string_view() : std::string_view(learners_.id_of(it->second));
}

std::string_view Dataset::learner_moved_from(std::string_view learner) const {
  auto it = moved_from_.find(learners_.code_of(learner));
  return it == moved_from_.end() ? std::string_view() : std::string_view(it->second);
}

template <typename E>
bool Dataset::add_event(const E& e) {
  std::uint32_t learner = EventTable::kNoLearner;
  if (!e.learner.empty())  // staged: its own code + 1 (0 stays kNoLearner)
    learner = learners_staged_ ? staged_learners_.intern(e.learner) + 1 : learners_.intern(e.learner);
  if (!events_.add(e, learner, bulk_, bulk_ && bulk_ids_unique_)) return false;
  latest_event_ts_ = std::max(latest_event_ts_, e.ts);
  return true;
}

bool Dataset::apply(const EventFields& e) { return add_event(e); }

void Dataset::begin_bulk(bool ids_unique, bool stage_learners) {
  if (stage_learners && (learners_staged_ || events_.size() != 0))
    throw std::logic_error("Dataset: learner codes are staged only for a first load of events");
  bulk_ = true;
  bulk_ids_unique_ = ids_unique;
  learners_staged_ = learners_staged_ || stage_learners;
}

void Dataset::join_staged_learners() {
  if (!learners_staged_) return;
  std::vector<std::uint32_t> to(staged_learners_.size() + 1, EventTable::kNoLearner);
  // A row holds a staged code + 1 (add_event), kNoLearner as 0.
  for (std::uint32_t c = 0; c < staged_learners_.size(); ++c) to[c + 1] = learners_.intern(staged_learners_[c]);
  events_.recode_learners(to);
  staged_learners_ = StringCodes();
  learners_staged_ = false;
}

void Dataset::end_bulk() {
  bulk_ = bulk_ids_unique_ = false;
  events_.sort();
}

LearnerRef Dataset::learner_by_alias(std::string_view alias, bool* ambiguous) const {
  const std::uint32_t code = learners_.by_alias(alias, ambiguous);
  return code == LearnerTable::kNone ? LearnerRef() : learners_.ref(code);
}

const Account* Dataset::account_by_alias(std::string_view alias, bool* ambiguous) const {
  return one_holder(account_aliases_, alias, ambiguous);
}

const Account* Dataset::account(std::string_view id) const {
  return account_index_.find(id);
}

LearnerRef Dataset::learner(std::string_view id) const {
  const std::uint32_t code = learners_.find(id);
  return code == LearnerTable::kNone ? LearnerRef() : learners_.ref(code);
}

Audience Dataset::audience_of(LearnerRef l) const {
  if (auto audience = l.audience()) return *audience;
  if (const Account* a = account(l.account())) return a->audience;
  return Audience::kCustomer;
}

const std::vector<CompletionRow>& Dataset::completions_of(std::string_view learner) const {
  static const std::vector<CompletionRow> kNone;
  const std::uint32_t code = learners_.code_of(learner);
  return code < completions_.size() ? completions_[code] : kNone;
}
const std::vector<Attendance>& Dataset::attendance_of(std::string_view learner) const {
  return find_or_empty(attendance_, learner);
}
const std::vector<ArrSnapshot>& Dataset::arr_of(std::string_view account) const {
  return find_or_empty(arr_, account);
}
const std::vector<Renewal>& Dataset::renewals_of(std::string_view account) const {
  return find_or_empty(renewals_, account);
}

std::vector<std::string> Dataset::event_accounts() const { return events_.accounts(); }

std::vector<std::string> Dataset::learner_accounts() const { return learners_.accounts(); }

Timestamp Dataset::latest_completion_ts() const {
  Timestamp t = 0;
  for (std::uint32_t code = 0; code < completions_.size(); ++code) {
    const auto& vec = completions_[code];
    if (!vec.empty() && vec.back().ts > t && learners_.present(code)) t = vec.back().ts;
  }
  return t;
}

std::vector<const Attendance*> Dataset::all_attendance() const {
  std::vector<const Attendance*> out;
  for (const auto& [_, vec] : attendance_)
    for (const auto& a : vec) out.push_back(&a);
  std::sort(out.begin(), out.end(), [](const Attendance* x, const Attendance* y) {
    if (x->program != y->program) return x->program < y->program;
    if (x->learner != y->learner) return x->learner < y->learner;
    return x->session < y->session;
  });
  return out;
}

std::size_t Dataset::record_count() const {
  return accounts_.size() + learners_.size() + events_.size() + completion_count_ + attendance_count_ + arr_count_ +
         renewal_count_;
}

bool churned_as_of(const Dataset& data, std::string_view account, Date today) {
  const Renewal* last = nullptr;
  for (const Renewal& r : data.renewals_of(account))
    if (r.date <= today) last = &r;
  if (last) return last->outcome == RenewalOutcome::kChurned;
  const Account* a = data.account(account);
  return a && a->arr && *a->arr <= 0 && a->renewal_date && *a->renewal_date < today;
}

bool churn_may_change(const Dataset& data, std::string_view account, Date from, Date to) {
  if (from == to) return false;
  const Date lo = std::min(from, to), hi = std::max(from, to);
  for (const Renewal& r : data.renewals_of(account))
    if (r.date > lo && r.date <= hi) return true;
  const Account* a = data.account(account);
  return a && a->renewal_date && *a->renewal_date + 1 > lo && *a->renewal_date + 1 <= hi;
}

}  // namespace uplift
