#include "milestones/facts.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace uplift::milestones::detail {

bool may_change_with_day(const Graph& g, const std::vector<Event>& events, const AccountState& state, Date from,
                         Date to) {
  if (from == to) return false;
  for (const auto& f : state.flags)
    if (f.kind == "usage_decline") return true;
  if (events.empty()) return false;
  if (to < from) return true;  // not expected (as-of only moves forward); stay exact anyway
  // An event on day d counts toward a span S ending today while d > today - S: it leaves when
  // today - S moves past it, i.e. for d in (from - S, to - S].
  auto crosses = [&](int span) {
    Timestamp lo = start_of(from - span + 1), hi = start_of(to - span + 1);
    auto it = std::lower_bound(events.begin(), events.end(), lo, [](const Event& e, Timestamp t) { return e.ts < t; });
    return it != events.end() && it->ts < hi;
  };
  for (const auto& m : g.milestones) {
    if (m.criterion && m.criterion->window_days && crosses(*m.criterion->window_days)) return true;
    if (m.decline && (crosses(m.decline->recent_days) || crosses(m.decline->recent_days + m.decline->baseline_days)))
      return true;
  }
  for (const auto& o : g.overrides)
    if (o.window_days && crosses(*o.window_days)) return true;
  return false;
}

Timestamp time_horizon(const Graph& g, const std::vector<Override>& overrides, Timestamp as_of) {
  int span = 0;
  for (const auto& m : g.milestones) {
    if (m.criterion && m.criterion->window_days) span = std::max(span, *m.criterion->window_days);
    if (m.decline) span = std::max(span, m.decline->recent_days + m.decline->baseline_days);
  }
  for (const auto& o : overrides)
    if (o.window_days) span = std::max(span, *o.window_days);
  if (span == 0) return as_of + 1;
  return start_of(date_of(as_of) - span + 1);
}

namespace {

double round1(double x) { return std::round(x * 10) / 10; }

std::optional<Flag> decline_flag(const Milestone& m, double recent, double baseline, Timestamp as_of) {
  const Decline& d = *m.decline;
  if (baseline <= 0 || baseline + kEps < d.min_baseline) return std::nullopt;
  double after = recent / (d.recent_days / 7.0), before = baseline / (d.baseline_days / 7.0);
  double change = (after - before) / before * 100.0;
  if (change > -d.drop_pct + kEps) return std::nullopt;
  Flag f;
  f.kind = "usage_decline";
  f.milestone = m.id;
  f.before_rate = round1(before);
  f.after_rate = round1(after);
  f.change_pct = round1(change);
  f.at = start_of(date_of(as_of));
  f.detail = fmt::format("{}: {:g}/week in the last {} days vs {:g}/week in the {} days before ({:g}%)", m.id,
                         *f.after_rate, d.recent_days, *f.before_rate, d.baseline_days, *f.change_pct);
  return f;
}

}  // namespace

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
  for (std::size_t i = 0; i < g.milestones.size(); ++i) {
    const Milestone& m = g.milestones[i];
    if (!m.decline || !s.milestones[i].achieved) continue;
    if (auto f = decline_flag(m, tv.recent[i], tv.baseline[i], as_of)) s.flags.push_back(std::move(*f));
  }
}

}  // namespace uplift::milestones::detail
