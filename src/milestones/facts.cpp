#include "milestones/facts.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

namespace uplift::milestones::detail {
namespace {

constexpr double kEps = 1e-9;

const Override* find_override(const Params& p, int i, bool (*has)(const Override&)) {
  const std::string& id = p.graph.milestones[i].id;
  for (const auto& o : p.graph.overrides)
    if (o.milestone == id && has(o) && o.matches(p.account)) return &o;
  return nullptr;
}

// The value of an event field ("learner", "name", "props.a.b"); nullptr when absent.
const nlohmann::json* prop(const Event& e, const std::string& field) {
  const nlohmann::json* cur = &e.props;
  std::size_t start = 6;  // after "props."
  while (true) {
    std::size_t dot = field.find('.', start);
    std::string key = field.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

bool matches_where(const Event& e, const std::vector<Condition>& where) {
  for (const auto& c : where) {
    bool ok = false;
    if (c.field == "learner" || c.field == "name") {
      const std::string& v = c.field == "learner" ? e.learner : e.name;
      for (const auto& want : c.values) ok = ok || (want.is_string() && want.get_ref<const std::string&>() == v);
    } else if (const nlohmann::json* v = prop(e, c.field)) {
      for (const auto& want : c.values) ok = ok || *v == want;
    }
    if (!ok) return false;
  }
  return true;
}

// The distinct-value key of an event; false when the event has no such value.
bool distinct_key(const Event& e, const std::string& field, std::string& out) {
  if (field == "learner") {
    out = e.learner;
    return !out.empty();
  }
  if (field == "name") {
    out = e.name;
    return true;
  }
  const nlohmann::json* v = prop(e, field);
  if (!v || v->is_null()) return false;
  out = v->is_string() ? v->get_ref<const std::string&>() : v->dump();
  return true;
}

bool reads(const Criterion& c, const Event& e) {
  if (!c.events.empty() && std::find(c.events.begin(), c.events.end(), e.name) == c.events.end()) return false;
  return c.where.empty() || matches_where(e, c.where);
}

// Running measurement of one criterion during a pass over time-ordered events.
struct Accumulator {
  int index = 0;
  const Criterion* c = nullptr;
  double threshold = 1;
  std::optional<int> window;
  Facts facts;
  std::unordered_map<std::string, int> counts;  // distinct: occurrences (in the window, if any)
  std::deque<std::pair<Date, std::string>> keys;  // windowed distinct
  std::deque<std::pair<Date, double>> amounts;    // windowed count/sum
  double window_sum = 0;

  void add(const Event& e) {
    if (!facts.first_use) facts.first_use = e.ts;
    Date day = date_of(e.ts);
    double value = 0;
    if (c->measure == Measure::kDistinct) {
      std::string key;
      if (!distinct_key(e, c->field, key)) return;
      if (!window) {
        if (counts.emplace(std::move(key), 1).second) facts.total += 1;
        value = facts.total;
      } else {
        ++counts[key];  // facts.total stays 0: windowed progress reads the current window
        keys.emplace_back(day, std::move(key));
        while (keys.front().first <= day - *window) {
          auto it = counts.find(keys.front().second);
          if (--it->second == 0) counts.erase(it);
          keys.pop_front();
        }
        value = static_cast<double>(counts.size());
      }
    } else {
      double amount = c->measure == Measure::kSum ? e.qty : 1.0;
      facts.total += amount;
      value = facts.total;
      if (window) {
        amounts.emplace_back(day, amount);
        window_sum += amount;
        while (amounts.front().first <= day - *window) {
          window_sum -= amounts.front().second;
          amounts.pop_front();
        }
        value = window_sum;
      }
    }
    if (!facts.met_at && value + kEps >= threshold) facts.met_at = e.ts;
  }
};

}  // namespace

double Params::threshold(int i) const {
  const Override* o = find_override(*this, i, [](const Override& x) { return x.threshold.has_value(); });
  return o ? *o->threshold : graph.milestones[i].criterion->threshold;
}

std::optional<int> Params::window(int i) const {
  const Override* o = find_override(*this, i, [](const Override& x) { return x.window_days.has_value(); });
  return o ? o->window_days : graph.milestones[i].criterion->window_days;
}

int Params::k(int i) const {
  const Override* o = find_override(*this, i, [](const Override& x) { return x.k.has_value(); });
  return o ? *o->k : graph.milestones[i].gate->k;
}

void scan_criteria(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of,
                   const std::vector<int>& criteria, std::vector<Facts>& facts) {
  std::vector<Accumulator> accs;
  std::vector<int> completions;
  for (int i : criteria) {
    const Criterion& c = *p.graph.milestones[i].criterion;
    if (c.source == Source::kCompletions) {
      completions.push_back(i);
      continue;
    }
    Accumulator a;
    a.index = i;
    a.c = &c;
    a.threshold = p.threshold(i);
    a.window = p.window(i);
    accs.push_back(std::move(a));
  }
  if (!accs.empty()) {
    // Few criteria per pass: a linear check per event is cheaper than any index here.
    for (const Event& e : data.events_of(account)) {
      if (e.ts > as_of) break;
      for (auto& a : accs)
        if (reads(*a.c, e)) a.add(e);
    }
    for (auto& a : accs) facts[a.index] = std::move(a.facts);
  }
  for (int i : completions) {
    const Criterion& c = *p.graph.milestones[i].criterion;
    std::vector<Timestamp> firsts;  // first qualifying completion per learner
    for (const Learner* l : data.learners_of(account)) {
      for (const Completion& comp : data.completions_of(l->id)) {
        if (comp.ts > as_of) break;
        if (comp.status != CompletionStatus::kCompleted && comp.status != CompletionStatus::kPassed) continue;
        if (!c.content.empty() && std::find(c.content.begin(), c.content.end(), comp.content) == c.content.end())
          continue;
        firsts.push_back(comp.ts);
        break;
      }
    }
    std::sort(firsts.begin(), firsts.end());
    Facts f;
    f.total = static_cast<double>(firsts.size());
    if (!firsts.empty()) f.first_use = firsts.front();
    auto need = static_cast<std::size_t>(std::ceil(p.threshold(i) - kEps));
    if (need == 0) need = 1;
    if (firsts.size() >= need) f.met_at = firsts[need - 1];
    facts[i] = f;
  }
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

TimeValues time_values(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of) {
  const Graph& g = p.graph;
  std::size_t n = g.milestones.size();
  TimeValues tv;
  tv.window_value.assign(n, 0);
  tv.recent.assign(n, 0);
  tv.baseline.assign(n, 0);
  Date today = date_of(as_of);
  struct Want {
    int index;
    std::optional<int> window;
    std::unordered_set<std::string> keys;
  };
  std::vector<Want> wants;
  for (std::size_t i = 0; i < n; ++i) {
    const Milestone& m = g.milestones[i];
    if (!m.criterion || m.criterion->source != Source::kEvents) continue;
    auto w = p.window(static_cast<int>(i));
    if (w || m.decline) wants.push_back({static_cast<int>(i), w, {}});
  }
  if (wants.empty()) return tv;
  const auto& events = data.events_of(account);
  Timestamp from = time_horizon(g, g.overrides, as_of);
  auto it = std::lower_bound(events.begin(), events.end(), from,
                             [](const Event& e, Timestamp t) { return e.ts < t; });
  for (; it != events.end() && it->ts <= as_of; ++it) {
    const Event& e = *it;
    Date day = date_of(e.ts);
    for (auto& w : wants) {
      const Milestone& m = g.milestones[w.index];
      const Criterion& c = *m.criterion;
      if (!reads(c, e)) continue;
      if (w.window && day > today - *w.window) {
        if (c.measure == Measure::kDistinct) {
          std::string key;
          if (distinct_key(e, c.field, key) && w.keys.insert(key).second) tv.window_value[w.index] += 1;
        } else {
          tv.window_value[w.index] += c.measure == Measure::kSum ? e.qty : 1.0;
        }
      }
      if (m.decline) {
        double amount = c.measure == Measure::kSum ? e.qty : 1.0;
        int r = m.decline->recent_days, b = m.decline->baseline_days;
        if (day > today - r) tv.recent[w.index] += amount;
        else if (day > today - r - b) tv.baseline[w.index] += amount;
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (tv.window_value[i] != 0 || tv.recent[i] != 0 || tv.baseline[i] != 0) tv.nonzero = true;
  return tv;
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
  const Graph& g = p.graph;
  AccountState s;
  s.account = account;
  s.milestones.resize(g.milestones.size());
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
      std::vector<Timestamp> times;
      for (const auto& o : m.gate->operands) {
        const MilestoneStatus& os = s.milestones[g.index_of(o)];
        if (os.achieved) times.push_back(*os.achieved_at);
      }
      std::sort(times.begin(), times.end());
      st.progress.target = k;
      st.progress.current = static_cast<double>(times.size());
      if (static_cast<int>(times.size()) >= k && k > 0) met = times[k - 1];
    }
    for (const auto& r : m.requires_) {
      const MilestoneStatus& rs = s.milestones[g.index_of(r)];
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
    bool ready = std::all_of(m.requires_.begin(), m.requires_.end(),
                             [&](const std::string& r) { return s.milestones[g.index_of(r)].achieved; });
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
    for (const auto& e : m.expects) {
      const MilestoneStatus& es = s.milestones[g.index_of(e)];
      if (!es.achieved || *es.achieved_at > *used) f.missing.push_back(e);
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
  return s;
}

}  // namespace uplift::milestones::detail
