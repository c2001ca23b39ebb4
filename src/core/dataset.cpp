#include "core/dataset.h"

#include <algorithm>

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

using AliasIndex = std::unordered_map<std::string, std::vector<std::string>>;

void index_alias(AliasIndex& index, const std::string& alias, const std::string& id) {
  if (alias.empty()) return;
  auto& ids = index[alias];
  auto at = std::lower_bound(ids.begin(), ids.end(), id);
  if (at == ids.end() || *at != id) ids.insert(at, id);
}

void unindex_alias(AliasIndex& index, const std::string& alias, const std::string& id) {
  auto it = index.find(alias);
  if (it == index.end()) return;
  auto& ids = it->second;
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  if (ids.empty()) index.erase(it);
}

const std::string* one_holder(const AliasIndex& index, std::string_view alias, bool* ambiguous) {
  if (ambiguous) *ambiguous = false;
  auto it = index.find(std::string(alias));
  if (it == index.end() || it->second.empty()) return nullptr;
  if (it->second.size() > 1) {
    if (ambiguous) *ambiguous = true;
    return nullptr;
  }
  return &it->second.front();
}

}  // namespace

Dataset::Dataset(const Dataset& other)
    : accounts_(other.accounts_),
      learners_(other.learners_),
      learners_by_account_(),
      events_(other.events_),
      completions_(other.completions_),
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
      learner_aliases_(other.learner_aliases_),
      account_aliases_(other.account_aliases_),
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

// The id indexes and learners_by_account_ (pointers into this object's maps) from the maps.
void Dataset::rebuild_indexes() {
  account_index_.clear();
  learner_index_.clear();
  learners_by_account_.clear();
  account_index_.reserve(accounts_.size());
  learner_index_.reserve(learners_.size());
  for (const auto& [id, a] : accounts_) account_index_.emplace(id, &a);
  for (const auto& [id, l] : learners_) {
    learner_index_.emplace(id, &l);
    learners_by_account_[l.account].push_back(&l);
  }
}

bool Dataset::apply(const Record& r) {
  switch (kind_of(r)) {
    case RecordKind::kAccount: {
      const auto& a = std::get<Account>(r);
      auto [it, inserted] = accounts_.try_emplace(a.id, a);
      if (inserted) account_index_.emplace(it->first, &it->second);
      if (!inserted) {
        if (it->second == a) return false;
        for (const auto& al : it->second.aliases) unindex_alias(account_aliases_, al, a.id);
        it->second = a;
      }
      for (const auto& al : a.aliases) index_alias(account_aliases_, al, a.id);
      ++identity_version_;
      return true;
    }
    case RecordKind::kLearner: {
      const auto& l = std::get<Learner>(r);
      auto it = learners_.find(l.id);
      if (it != learners_.end()) {
        if (it->second == l) return false;
        std::string old_account = it->second.account;
        for (const auto& al : it->second.aliases) unindex_alias(learner_aliases_, al, l.id);
        unindex_alias(learner_aliases_, email_alias(it->second.email), l.id);
        it->second = l;
        index_learner(it->second, &old_account);
      } else {
        auto [nit, _] = learners_.emplace(l.id, l);
        learner_index_.emplace(nit->first, &nit->second);
        index_learner(nit->second, nullptr);
      }
      for (const auto& al : l.aliases) index_alias(learner_aliases_, al, l.id);
      index_alias(learner_aliases_, email_alias(l.email), l.id);
      ++identity_version_;
      return true;
    }
    case RecordKind::kEvent:
      return apply_event(std::get<Event>(r));
    case RecordKind::kCompletion: {
      const auto& c = std::get<Completion>(r);
      std::string key = record_key(r);
      return upsert_sorted(
          completions_[c.learner], c,
          [](const Completion& x, const Completion& y) {
            return x.ts != y.ts ? x.ts < y.ts : record_key(x) < record_key(y);
          },
          [&](const Completion& x, const Completion&) { return record_key(x) == key; }, completion_count_);
    }
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

void Dataset::reserve_events(std::size_t n) { events_.reserve(n); }

bool Dataset::apply_event(const Event& e) {
  if (!events_.add(e, bulk_, bulk_ && bulk_ids_unique_)) return false;
  latest_event_ts_ = std::max(latest_event_ts_, e.ts);
  return true;
}

void Dataset::end_bulk() {
  bulk_ = bulk_ids_unique_ = false;
  events_.sort();
}

void Dataset::index_learner(const Learner& l, const std::string* old_account) {
  if (old_account) {
    auto& old = learners_by_account_[*old_account];
    old.erase(std::remove(old.begin(), old.end(), &l), old.end());
  }
  auto& vec = learners_by_account_[l.account];
  vec.insert(std::upper_bound(vec.begin(), vec.end(), &l,
                              [](const Learner* x, const Learner* y) { return x->id < y->id; }),
             &l);
}

const Learner* Dataset::learner_by_alias(std::string_view alias, bool* ambiguous) const {
  const std::string* id = one_holder(learner_aliases_, alias, ambiguous);
  return id ? learner(*id) : nullptr;
}

const Account* Dataset::account_by_alias(std::string_view alias, bool* ambiguous) const {
  const std::string* id = one_holder(account_aliases_, alias, ambiguous);
  return id ? account(*id) : nullptr;
}

const Account* Dataset::account(std::string_view id) const {
  auto it = account_index_.find(id);
  return it == account_index_.end() ? nullptr : it->second;
}

const Learner* Dataset::learner(std::string_view id) const {
  auto it = learner_index_.find(id);
  return it == learner_index_.end() ? nullptr : it->second;
}

Audience Dataset::audience_of(const Learner& l) const {
  if (l.audience) return *l.audience;
  if (const Account* a = account(l.account)) return a->audience;
  return Audience::kCustomer;
}

const std::vector<const Learner*>& Dataset::learners_of(std::string_view account) const {
  return find_or_empty(learners_by_account_, account);
}
const std::vector<Completion>& Dataset::completions_of(std::string_view learner) const {
  return find_or_empty(completions_, learner);
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

std::vector<std::string> Dataset::learner_accounts() const {
  std::vector<std::string> out;
  out.reserve(learners_by_account_.size());
  for (const auto& [id, vec] : learners_by_account_)
    if (!vec.empty()) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

Timestamp Dataset::latest_completion_ts() const {
  Timestamp t = 0;
  for (const auto& [learner, vec] : completions_)
    if (!vec.empty() && vec.back().ts > t && learners_.count(learner)) t = vec.back().ts;
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
