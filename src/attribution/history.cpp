#include "attribution/history.h"

#include <algorithm>

namespace uplift::attribution {

int stage_index_at(const milestones::AccountState* state, const std::vector<StageGate>& gates, Timestamp t) {
  int best = 0;
  if (!state) return best;
  for (std::size_t i = 0; i < gates.size(); ++i) {
    if (gates[i].milestone.empty()) continue;
    const auto* m = state->find(gates[i].milestone);
    if (m && m->achieved && m->achieved_at.value_or(0) <= t) best = static_cast<int>(i);
  }
  return best;
}

double arr_at(const Dataset& data, std::string_view account, Date day) {
  const auto& snaps = data.arr_of(account);  // by date
  auto it = std::upper_bound(snaps.begin(), snaps.end(), day, [](Date d, const ArrSnapshot& s) { return d < s.date; });
  if (it != snaps.begin()) return std::prev(it)->arr;
  const Account* a = data.account(account);
  return a && a->arr ? *a->arr : 0.0;
}

const std::vector<Timestamp>& UsageIndex::times(std::string_view account) {
  if (given_) {
    static const std::vector<Timestamp> kNone;
    auto found = given_->find(std::string(account));
    return found == given_->end() ? kNone : found->second;
  }
  auto it = cache_.find(std::string(account));
  if (it != cache_.end()) return it->second;
  std::vector<Timestamp> ts;
  const Dataset::NameCode code = data_.event_name_code(event_);
  if (code != Dataset::kNoNameCode)
    for (const EventRow& e : data_.events_of(account))
      if (e.name == code) ts.push_back(e.ts);  // events are sorted by (ts, id)
  return cache_.emplace(std::string(account), std::move(ts)).first->second;
}

double UsageIndex::count(std::string_view account, Date from, Date to) {
  const auto& ts = times(account);
  auto lo = std::lower_bound(ts.begin(), ts.end(), start_of(from));
  auto hi = std::lower_bound(ts.begin(), ts.end(), start_of(to));
  return static_cast<double>(hi - lo);
}

}  // namespace uplift::attribution
