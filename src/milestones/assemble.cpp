#include "milestones/facts.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace uplift::milestones::detail {

namespace {

// The decline triggers milestone i may run with for some account: its own and, for each override
// that sets `decline`, the one that override gives.
template <typename F>
void each_decline(const Graph& g, std::size_t i, const F& f) {
  const Milestone& m = g.milestones[i];
  if (m.decline) f(*m.decline);
  for (int oi : g.overrides_of[i]) {
    const Override& o = g.overrides[oi];
    if (o.decline)
      if (auto d = o.decline->apply(m.decline)) f(*d);
  }
}

}  // namespace

bool may_change_with_day(const Graph& g, const Dataset& data, const std::string& account, const AccountState& state,
                         Date from, Date to) {
  if (from == to) return false;
  for (const auto& f : state.flags)
    if (f.kind == "usage_decline") return true;
  const std::vector<EventRow>& events = data.events_of(account);
  if (events.empty()) return false;
  if (to < from) return true;  // not expected (as-of only moves forward); stay exact anyway
  // An event on day d counts toward a span S ending today while d > today - S: it leaves when
  // today - S moves past it, i.e. for d in (from - S, to - S]. The same edge decides whether a
  // criterion was met before a decline's baseline period (its met_at is one of these events).
  auto crosses = [&](int span) {
    Timestamp lo = start_of(from - span + 1), hi = start_of(to - span + 1);
    auto it = std::lower_bound(events.begin(), events.end(), lo, [](const EventRow& e, Timestamp t) { return e.ts < t; });
    return it != events.end() && it->ts < hi;
  };
  bool declines = false;
  for (std::size_t i = 0; i < g.milestones.size(); ++i) {
    const Milestone& m = g.milestones[i];
    if (m.criterion && m.criterion->window_days && crosses(*m.criterion->window_days)) return true;
    bool hit = false;
    each_decline(g, i, [&](const Decline& d) {
      declines = true;
      hit = hit || crosses(d.recent_days) || crosses(d.recent_days + d.baseline_days);
    });
    if (hit) return true;
  }
  for (const auto& o : g.overrides)
    if (o.window_days && crosses(*o.window_days)) return true;
  return declines && churn_may_change(data, account, from, to);
}

Timestamp time_horizon(const Graph& g, const std::vector<Override>& overrides, Timestamp as_of) {
  int span = 0;
  for (std::size_t i = 0; i < g.milestones.size(); ++i) {
    const Milestone& m = g.milestones[i];
    if (m.criterion && m.criterion->window_days) span = std::max(span, *m.criterion->window_days);
    each_decline(g, i, [&](const Decline& d) { span = std::max(span, d.recent_days + d.baseline_days); });
  }
  for (const auto& o : overrides)
    if (o.window_days) span = std::max(span, *o.window_days);
  if (span == 0) return as_of + 1;
  return start_of(date_of(as_of) - span + 1);
}

AccountState assemble(const Params& p, const std::string& account, const std::vector<Facts>& facts,
                      const TimeValues& tv, Timestamp as_of) {
  AccountState s;
  assemble(p, account, facts, tv, as_of, s);
  return s;
}

void assemble(const Params& p, const std::string& account, const std::vector<Facts>& facts, const TimeValues& tv,
              Timestamp as_of, AccountState& s) {
  const Graph& g = p.graph;
  s.account = account;
  s.stage_reached_at.reset();
  s.frontier.clear();
  s.flags.clear();
  s.milestones.resize(g.milestones.size());
  std::vector<Timestamp> times;
  for (std::size_t i = 0; i < g.milestones.size(); ++i) {
    const Milestone& m = g.milestones[i];
    MilestoneStatus& st = s.milestones[i];
    st.id = m.id;
    st.progress.unit = m.unit;
    std::optional<Timestamp> met;
    if (m.criterion) {
      int ii = static_cast<int>(i);
      st.progress.target = p.threshold(ii);
      st.progress.current = p.window(ii) ? tv.window_value[i] : facts[i].total;
      met = facts[i].met_at;
    } else {
      int k = p.k(static_cast<int>(i));
      times.clear();
      for (int o : g.operand_index[i]) {
        const MilestoneStatus& os = s.milestones[o];
        if (os.achieved) times.push_back(*os.achieved_at);
      }
      std::sort(times.begin(), times.end());
      st.progress.target = k;
      st.progress.current = static_cast<double>(times.size());
      if (static_cast<int>(times.size()) >= k && k > 0) met = times[k - 1];
    }
    for (int r : g.requires_index[i]) {
      const MilestoneStatus& rs = s.milestones[r];
      if (!met) break;
      if (!rs.achieved) met.reset();
      else met = std::max(*met, *rs.achieved_at);
    }
    st.achieved = met.has_value();
    st.achieved_at = met;
  }
  for (std::size_t i = 0; i < g.milestones.size(); ++i) {
    const Milestone& m = g.milestones[i];
    if (m.is_gate() || s.milestones[i].achieved) continue;
    bool ready = std::all_of(g.requires_index[i].begin(), g.requires_index[i].end(),
                             [&](int r) { return s.milestones[r].achieved; });
    if (ready) s.frontier.push_back(m.id);
  }
  s.stage = g.stages.empty() ? "" : g.stages.front();
  for (std::size_t st = 0; st < g.stages.size(); ++st) {
    int marker = g.stage_marker[st];
    if (marker >= 0 && s.milestones[marker].achieved) {
      s.stage = g.stages[st];
      s.stage_reached_at = s.milestones[marker].achieved_at;
    }
  }
  for (std::size_t i = 0; i < g.milestones.size(); ++i) {
    const Milestone& m = g.milestones[i];
    if (m.expects.empty()) continue;
    std::optional<Timestamp> used = m.criterion ? facts[i].first_use : s.milestones[i].achieved_at;
    if (!used) continue;
    Flag f;
    for (int e : g.expects_index[i]) {
      const MilestoneStatus& es = s.milestones[e];
      if (!es.achieved || *es.achieved_at > *used) f.missing.push_back(es.id);
    }
    if (f.missing.empty()) continue;
    f.kind = "out_of_order";
    f.milestone = m.id;
    f.at = used;
    f.detail = fmt::format("{} used on {} before {}", m.id, format_timestamp(*used), fmt::join(f.missing, ", "));
    s.flags.push_back(std::move(f));
  }
  if (tv.churned) return;
  for (std::size_t i = 0; i < g.milestones.size(); ++i) {
    if (!g.milestones[i].criterion || !s.milestones[i].achieved) continue;
    const auto d = p.decline(static_cast<int>(i));
    if (!d || !facts[i].met_at || *facts[i].met_at >= baseline_start(*d, as_of)) continue;
    if (auto f = decline_flag(g.milestones[i].id, *d, tv.decline[i], as_of)) s.flags.push_back(std::move(*f));
  }
}

}  // namespace uplift::milestones::detail
