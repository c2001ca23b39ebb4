#include "milestones/graph.h"

#include <algorithm>

#include <fmt/format.h>

namespace uplift::milestones {

std::optional<Decline> DeclineOverride::apply(const std::optional<Decline>& own) const {
  if (off) return std::nullopt;
  Decline d = own.value_or(Decline{});
  if (recent_days) d.recent_days = *recent_days;
  if (baseline_days) d.baseline_days = *baseline_days;
  if (drop_pct) d.drop_pct = *drop_pct;
  if (min_baseline) d.min_baseline = *min_baseline;
  if (significance) d.significance = *significance;
  return d;
}

bool Override::matches(const Account* account) const {
  // An account known only from its events has no record: it is matched as the record contract's
  // defaults describe it (audience customer, no tier, plan or CSM), as everywhere else.
  static const Account kUnrecorded{};
  if (!account) account = &kUnrecorded;
  for (const auto& [field, values] : when) {
    std::string actual;
    if (field == "tier") actual = account->tier;
    else if (field == "plan") actual = account->plan;
    else if (field == "csm") actual = account->csm;
    else if (field == "audience") actual = std::string(audience_name(account->audience));
    if (std::find(values.begin(), values.end(), actual) == values.end()) return false;
  }
  return true;
}

const Milestone* Graph::find(const std::string& id) const {
  int i = index_of(id);
  return i < 0 ? nullptr : &milestones[i];
}

int Graph::index_of(const std::string& id) const {
  auto it = index.find(id);
  return it == index.end() ? -1 : it->second;
}

void Graph::finalize() {
  index.clear();
  by_event.clear();
  any_event.clear();
  completion_criteria.clear();
  readers.assign(milestones.size(), {});
  for (std::size_t i = 0; i < milestones.size(); ++i) index[milestones[i].id] = static_cast<int>(i);
  for (std::size_t i = 0; i < milestones.size(); ++i) {
    const Milestone& m = milestones[i];
    int mi = static_cast<int>(i);
    if (m.criterion) {
      if (m.criterion->source == Source::kCompletions) completion_criteria.push_back(mi);
      else if (m.criterion->events.empty()) any_event.push_back(mi);
      else
        for (const auto& name : m.criterion->events) by_event[name].push_back(mi);
    }
    auto add_reader = [&](const std::string& dep) {
      int d = index_of(dep);
      if (d >= 0) readers[d].push_back(mi);
    };
    for (const auto& r : m.requires_) add_reader(r);
    if (m.gate)
      for (const auto& o : m.gate->operands) add_reader(o);
  }
  auto indexes = [&](const std::vector<std::string>& ids) {
    std::vector<int> out;
    for (const auto& id : ids) out.push_back(index_of(id));
    return out;
  };
  requires_index.assign(milestones.size(), {});
  operand_index.assign(milestones.size(), {});
  expects_index.assign(milestones.size(), {});
  overrides_of.assign(milestones.size(), {});
  for (std::size_t i = 0; i < milestones.size(); ++i) {
    requires_index[i] = indexes(milestones[i].requires_);
    if (milestones[i].gate) operand_index[i] = indexes(milestones[i].gate->operands);
    expects_index[i] = indexes(milestones[i].expects);
  }
  for (std::size_t o = 0; o < overrides.size(); ++o)
    if (int i = index_of(overrides[o].milestone); i >= 0) overrides_of[i].push_back(static_cast<int>(o));
  stage_marker.assign(stages.size(), -1);
  for (std::size_t s = 0; s < stages.size(); ++s)
    for (std::size_t i = 0; i < milestones.size(); ++i)
      if (milestones[i].stage == stages[s]) stage_marker[s] = static_cast<int>(i);
}

std::string_view measure_name(Measure m) {
  switch (m) {
    case Measure::kCount: return "count";
    case Measure::kDistinct: return "distinct";
    case Measure::kSum: return "sum";
  }
  return "?";
}

std::optional<Measure> parse_measure(std::string_view name) {
  for (Measure m : {Measure::kCount, Measure::kDistinct, Measure::kSum})
    if (measure_name(m) == name) return m;
  return std::nullopt;
}

std::string_view source_name(Source s) {
  switch (s) {
    case Source::kEvents: return "events";
    case Source::kCompletions: return "completions";
  }
  return "?";
}

std::optional<Source> parse_source(std::string_view name) {
  for (Source s : {Source::kEvents, Source::kCompletions})
    if (source_name(s) == name) return s;
  return std::nullopt;
}

std::string_view gate_mode_name(GateMode m) {
  switch (m) {
    case GateMode::kAll: return "all";
    case GateMode::kAny: return "any";
    case GateMode::kKOfN: return "k_of_n";
  }
  return "?";
}

std::optional<GateMode> parse_gate_mode(std::string_view name) {
  for (GateMode m : {GateMode::kAll, GateMode::kAny, GateMode::kKOfN})
    if (gate_mode_name(m) == name) return m;
  return std::nullopt;
}

namespace {

std::string describe(const Milestone& m) {
  if (m.gate) {
    const Gate& g = *m.gate;
    if (g.mode != GateMode::kKOfN) return std::string(gate_mode_name(g.mode));
    return fmt::format("{} of {}", g.k, g.operands.size());
  }
  const Criterion& c = *m.criterion;
  std::string what;
  if (c.source == Source::kCompletions) {
    what = fmt::format("learners completed {}", c.content.empty() ? "any content" : fmt::format("{}", fmt::join(c.content, "|")));
  } else {
    std::string ev = c.events.empty() ? "any event" : fmt::format("{}", fmt::join(c.events, "|"));
    if (c.measure == Measure::kCount) what = fmt::format("count {}", ev);
    else if (c.measure == Measure::kSum) what = fmt::format("sum qty {}", ev);
    else what = fmt::format("distinct {} of {}", c.field, ev);
  }
  std::string out = fmt::format("{} >= {}", what, c.threshold);
  if (c.window_days) out += fmt::format(" in {}d", *c.window_days);
  return out;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

std::string to_dot(const Graph& g) {
  std::string out = fmt::format("digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n", escape(g.id));
  for (const auto& m : g.milestones) {
    std::string label = m.id + "\\n" + escape(describe(m));
    if (m.stage) label += "\\nstage: " + escape(*m.stage);
    out += fmt::format("  \"{}\" [label=\"{}\"{}];\n", escape(m.id), label,
                       m.is_gate() ? ", shape=diamond, style=solid" : "");
  }
  for (const auto& m : g.milestones) {
    if (m.gate)
      for (const auto& o : m.gate->operands) out += fmt::format("  \"{}\" -> \"{}\";\n", escape(o), escape(m.id));
    for (const auto& r : m.requires_)
      out += fmt::format("  \"{}\" -> \"{}\" [label=\"requires\", style=bold];\n", escape(r), escape(m.id));
    for (const auto& e : m.expects)
      out += fmt::format("  \"{}\" -> \"{}\" [label=\"expects\", style=dashed];\n", escape(e), escape(m.id));
  }
  out += "}\n";
  return out;
}

std::string to_mermaid(const Graph& g) {
  std::string out = "flowchart LR\n";
  auto text = [](std::string s) {
    std::replace(s.begin(), s.end(), '"', '\'');
    return s;
  };
  for (const auto& m : g.milestones) {
    std::string label = m.id + "<br/>" + text(describe(m));
    if (m.stage) label += "<br/>stage: " + text(*m.stage);
    if (m.is_gate()) out += fmt::format("  {}{{\"{}\"}}\n", m.id, label);
    else out += fmt::format("  {}[\"{}\"]\n", m.id, label);
  }
  for (const auto& m : g.milestones) {
    if (m.gate)
      for (const auto& o : m.gate->operands) out += fmt::format("  {} --> {}\n", o, m.id);
    for (const auto& r : m.requires_) out += fmt::format("  {} ==>|requires| {}\n", r, m.id);
    for (const auto& e : m.expects) out += fmt::format("  {} -.->|expects| {}\n", e, m.id);
  }
  return out;
}

nlohmann::json to_json(const Graph& g) {
  nlohmann::json ms = nlohmann::json::array();
  for (const auto& m : g.milestones) {
    nlohmann::json j = {{"id", m.id}, {"kind", m.is_gate() ? "gate" : "criterion"}, {"describe", describe(m)}};
    if (!m.title.empty()) j["title"] = m.title;
    if (!m.unit.empty()) j["unit"] = m.unit;
    if (m.gate) {
      j["mode"] = gate_mode_name(m.gate->mode);
      j["k"] = m.gate->k;
      j["of"] = m.gate->operands;
    }
    if (m.criterion) {
      const Criterion& c = *m.criterion;
      j["source"] = source_name(c.source);
      if (!c.events.empty()) j["events"] = c.events;
      if (!c.content.empty()) j["content"] = c.content;
      j["measure"] = measure_name(c.measure);
      if (!c.field.empty()) j["field"] = c.field;
      j["threshold"] = c.threshold;
      if (c.window_days) j["window_days"] = *c.window_days;
    }
    if (!m.requires_.empty()) j["requires"] = m.requires_;
    if (!m.expects.empty()) j["expects"] = m.expects;
    if (m.stage) j["stage"] = *m.stage;
    if (m.decline)
      j["decline"] = {{"recent_days", m.decline->recent_days},
                      {"baseline_days", m.decline->baseline_days},
                      {"drop_pct", m.decline->drop_pct},
                      {"min_baseline", m.decline->min_baseline},
                      {"significance", m.decline->significance}};
    ms.push_back(std::move(j));
  }
  return {{"id", g.id}, {"stages", g.stages}, {"milestones", ms}};
}

}  // namespace uplift::milestones
