#include "milestones/loader.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "milestones/topology.h"

namespace uplift::milestones {
namespace {

using nlohmann::json;

const std::set<std::string> kGraphKeys = {"id", "title", "description", "stages", "milestones", "overrides"};
const std::set<std::string> kMilestoneKeys = {
    "id",  "title", "unit",    "description", "event", "events",   "count",    "distinct",
    "sum", "active_learners",  "window_days", "where", "completed", "all",     "any",
    "k",   "of",    "requires", "expects",    "stage", "decline"};
const std::set<std::string> kDeclineKeys = {"recent_days", "baseline_days", "drop_pct", "min_baseline", "significance"};
const std::set<std::string> kOverrideKeys = {"when", "milestone", "count", "sum", "active_learners", "k",
                                             "window_days", "decline", "description"};
const std::set<std::string> kWhenFields = {"tier", "plan", "audience", "csm"};

std::string type_of(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return fmt::format("\"{}\"", j.get<std::string>());
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return j.dump();
  }
}

// Collects problems for one file; `where` prefixes are built by the callers.
struct Ctx {
  std::string source;
  std::vector<std::string>* problems;
  void add(const std::string& where, const std::string& msg) {
    problems->push_back(fmt::format("{}: {}{}", source, where.empty() ? "" : where + ": ", msg));
  }
};

bool valid_event_field(const std::string& f) {
  return f == "learner" || f == "name" || (f.size() > 6 && f.rfind("props.", 0) == 0);
}

std::optional<double> positive_number(Ctx& c, const std::string& where, const json& j, const char* key) {
  if (!j.is_number()) {
    c.add(where, fmt::format("{}: must be a number > 0, got {}", key, type_of(j)));
    return std::nullopt;
  }
  double v = j.get<double>();
  if (!(v > 0)) {
    c.add(where, fmt::format("{}: must be a number > 0, got {}", key, j.dump()));
    return std::nullopt;
  }
  return v;
}

std::optional<int> positive_int(Ctx& c, const std::string& where, const json& j, const char* key) {
  if (!j.is_number_integer() || j.get<long long>() < 1 || j.get<long long>() > 1'000'000) {
    c.add(where, fmt::format("{}: must be a whole number >= 1, got {}", key, type_of(j)));
    return std::nullopt;
  }
  return static_cast<int>(j.get<long long>());
}

std::vector<std::string> string_list(Ctx& c, const std::string& where, const json& j, const char* key,
                                     bool allow_single = false) {
  std::vector<std::string> out;
  if (allow_single && j.is_string()) {
    out.push_back(j.get<std::string>());
    return out;
  }
  if (!j.is_array()) {
    c.add(where, fmt::format("{}: must be {}an array of strings, got {}", key,
                             allow_single ? "a string or " : "", type_of(j)));
    return out;
  }
  for (const auto& x : j) {
    if (!x.is_string() || x.get<std::string>().empty()) {
      c.add(where, fmt::format("{}: every entry must be a non-empty string, got {}", key, type_of(x)));
      continue;
    }
    out.push_back(x.get<std::string>());
  }
  return out;
}

std::vector<Condition> parse_where(Ctx& c, const std::string& where, const json& j) {
  std::vector<Condition> out;
  if (!j.is_object()) {
    c.add(where, fmt::format("where: must be an object of field: value, got {}", type_of(j)));
    return out;
  }
  for (const auto& [field, value] : j.items()) {
    if (!valid_event_field(field)) {
      c.add(where, fmt::format("where: unknown event field \"{}\" (use learner, name or props.<field>)", field));
      continue;
    }
    Condition cond{field, {}};
    auto scalar = [](const json& v) { return v.is_string() || v.is_number() || v.is_boolean(); };
    if (value.is_array()) {
      for (const auto& v : value) {
        if (!scalar(v)) c.add(where, fmt::format("where.{}: values must be strings, numbers or booleans", field));
        else cond.values.push_back(v);
      }
    } else if (scalar(value)) {
      cond.values.push_back(value);
    } else {
      c.add(where, fmt::format("where.{}: must be a string, number, boolean or an array of them", field));
    }
    out.push_back(std::move(cond));
  }
  return out;
}

// Which key holds a milestone's threshold ("count", "sum", "active_learners"), for overrides.
using ThresholdKeys = std::map<std::string, std::string>;

void parse_criterion(Ctx& c, const std::string& where, const json& m, Milestone& out, ThresholdKeys& keys) {
  Criterion cr;
  bool completed = m.contains("completed"), active = m.contains("active_learners");
  bool has_event = m.contains("event") || m.contains("events");
  if (m.contains("event") && m.contains("events")) c.add(where, "use either event or events, not both");
  if (m.contains("event")) {
    if (!m["event"].is_string() || m["event"].get<std::string>().empty())
      c.add(where, fmt::format("event: must be a non-empty string, got {}", type_of(m["event"])));
    else cr.events.push_back(m["event"].get<std::string>());
  }
  if (m.contains("events")) cr.events = string_list(c, where, m["events"], "events");
  if (completed) {
    cr.source = Source::kCompletions;
    cr.measure = Measure::kDistinct;
    cr.field = "learner";
    for (const char* k : {"event", "events", "distinct", "sum", "active_learners", "window_days", "where"})
      if (m.contains(k)) c.add(where, fmt::format("{}: not allowed with completed (a learner-scoped criterion)", k));
    if (m["completed"] == "*") cr.content.clear();
    else cr.content = string_list(c, where, m["completed"], "completed", true);
    cr.threshold = 1;
    if (m.contains("count")) {
      if (auto v = positive_number(c, where, m["count"], "count")) cr.threshold = *v;
    }
    keys[out.id] = "count";
    if (out.unit.empty()) out.unit = "learners";
  } else if (active) {
    cr.measure = Measure::kDistinct;
    cr.field = "learner";
    for (const char* k : {"count", "sum", "distinct"})
      if (m.contains(k)) c.add(where, fmt::format("{}: not allowed with active_learners", k));
    if (auto v = positive_number(c, where, m["active_learners"], "active_learners")) cr.threshold = *v;
    keys[out.id] = "active_learners";
    if (out.unit.empty()) out.unit = "learners";
  } else if (has_event) {
    if (m.contains("sum")) {
      cr.measure = Measure::kSum;
      if (m.contains("count")) c.add(where, "use either count or sum, not both");
      if (m.contains("distinct")) c.add(where, "distinct: not allowed with sum");
      if (auto v = positive_number(c, where, m["sum"], "sum")) cr.threshold = *v;
      keys[out.id] = "sum";
    } else {
      if (m.contains("distinct")) {
        cr.measure = Measure::kDistinct;
        const json& d = m["distinct"];
        if (!d.is_string()) c.add(where, fmt::format("distinct: must be an event field name, got {}", type_of(d)));
        else if (!valid_event_field(d.get<std::string>()))
          c.add(where, fmt::format("distinct: unknown event field \"{}\" (use learner, name or props.<field>)",
                                   d.get<std::string>()));
        else cr.field = d.get<std::string>();
      }
      if (m.contains("count")) {
        if (auto v = positive_number(c, where, m["count"], "count")) cr.threshold = *v;
      }
      keys[out.id] = "count";
    }
  }
  if (m.contains("window_days") && !completed) cr.window_days = positive_int(c, where, m["window_days"], "window_days");
  if (m.contains("where") && !completed) cr.where = parse_where(c, where, m["where"]);
  if (out.unit.empty()) {
    if (cr.measure == Measure::kSum) out.unit = "qty";
    else if (cr.measure == Measure::kDistinct) out.unit = cr.field == "learner" ? "learners" : "distinct " + cr.field;
    else out.unit = "events";
  }
  out.criterion = std::move(cr);
}

// The key that lists a gate's operands in a graph file: the mode's name, "of" for k of n.
std::string_view operands_key(GateMode mode) { return mode == GateMode::kKOfN ? "of" : gate_mode_name(mode); }

void parse_gate(Ctx& c, const std::string& where, const json& m, Milestone& out) {
  Gate g;
  int forms = m.contains("all") + m.contains("any") + (m.contains("of") || m.contains("k"));
  if (forms > 1) c.add(where, "use exactly one of all, any, or k + of");
  if (m.contains("all")) {
    g.mode = GateMode::kAll;
    g.operands = string_list(c, where, m["all"], "all");
    g.k = static_cast<int>(g.operands.size());
  } else if (m.contains("any")) {
    g.mode = GateMode::kAny;
    g.operands = string_list(c, where, m["any"], "any");
    g.k = 1;
  } else if (m.contains("of") || m.contains("k")) {
    g.mode = GateMode::kKOfN;
    if (!m.contains("of")) c.add(where, "k: needs of (the milestones to count)");
    else g.operands = string_list(c, where, m["of"], "of");
    if (!m.contains("k")) {
      c.add(where, "of: needs k (how many must be achieved)");
    } else if (auto k = positive_int(c, where, m["k"], "k")) {
      g.k = *k;
      if (m.contains("of") && g.k > static_cast<int>(g.operands.size()))
        c.add(where, fmt::format("k: {} is more than the {} milestones in of", g.k, g.operands.size()));
    }
  } else {
    // Shorthand from the design sketch: a milestone with only `requires` is an all-gate over them.
    g.mode = GateMode::kAll;
    g.operands = std::move(out.requires_);
    out.requires_.clear();
    g.k = static_cast<int>(g.operands.size());
  }
  if (g.operands.empty() && forms > 0 && m.contains(std::string(operands_key(g.mode))))
    c.add(where, "a gate needs at least one milestone");
  if (out.unit.empty()) out.unit = "milestones";
  out.gate = std::move(g);
}

// A `decline` value: true (the defaults), false (off) or an object of some of kDeclineKeys. The
// fields given are set in `out`; returns false when the value is false.
bool parse_decline_fields(Ctx& c, const std::string& where, const json& j, DeclineOverride& out) {
  if (j.is_boolean()) return j.get<bool>();
  if (!j.is_object()) {
    c.add(where, fmt::format("decline: must be true, false or an object, got {}", type_of(j)));
    return false;
  }
  for (const auto& [k, v] : j.items()) {
    if (!kDeclineKeys.count(k)) {
      c.add(where, fmt::format("decline: unknown key \"{}\" (known: recent_days, baseline_days, drop_pct, "
                               "min_baseline, significance)", k));
      continue;
    }
    if (k == "recent_days") {
      out.recent_days = positive_int(c, where, v, "decline.recent_days");
    } else if (k == "baseline_days") {
      out.baseline_days = positive_int(c, where, v, "decline.baseline_days");
    } else if (k == "drop_pct") {
      if (auto x = positive_number(c, where, v, "decline.drop_pct")) {
        if (*x > 100) c.add(where, fmt::format("decline.drop_pct: must be at most 100, got {}", v.dump()));
        else out.drop_pct = *x;
      }
    } else if (k == "significance") {
      if (auto x = positive_number(c, where, v, "decline.significance")) {
        if (*x > 1) c.add(where, fmt::format("decline.significance: must be at most 1 (1: no test), got {}", v.dump()));
        else out.significance = *x;
      }
    } else if (!v.is_number() || v.get<double>() < 0) {
      c.add(where, fmt::format("decline.min_baseline: must be a number >= 0, got {}", type_of(v)));
    } else {
      out.min_baseline = v.get<double>();
    }
  }
  return true;
}

std::optional<Decline> parse_decline(Ctx& c, const std::string& where, const json& j) {
  DeclineOverride fields;
  if (!parse_decline_fields(c, where, j, fields)) return std::nullopt;
  return fields.apply(std::nullopt);
}

std::optional<Milestone> parse_milestone(Ctx& c, const json& m, std::size_t pos, ThresholdKeys& keys) {
  std::string where = fmt::format("milestones[{}]", pos);
  if (!m.is_object()) {
    c.add(where, fmt::format("must be an object, got {}", type_of(m)));
    return std::nullopt;
  }
  Milestone out;
  out.source = c.source;
  if (!m.contains("id") || !m["id"].is_string() || m["id"].get<std::string>().empty()) {
    c.add(where, "id: required, a non-empty string");
    return std::nullopt;
  }
  out.id = m["id"].get<std::string>();
  where = fmt::format("milestone \"{}\"", out.id);
  size_t before = c.problems->size();
  for (const auto& [k, _] : m.items())
    if (!kMilestoneKeys.count(k)) c.add(where, fmt::format("unknown key \"{}\"", k));
  for (const char* k : {"title", "unit", "description", "stage"})
    if (m.contains(k) && !m[k].is_string()) c.add(where, fmt::format("{}: must be a string, got {}", k, type_of(m[k])));
  if (m.contains("title") && m["title"].is_string()) out.title = m["title"].get<std::string>();
  if (m.contains("unit") && m["unit"].is_string()) out.unit = m["unit"].get<std::string>();
  if (m.contains("stage") && m["stage"].is_string()) out.stage = m["stage"].get<std::string>();
  if (m.contains("requires")) out.requires_ = string_list(c, where, m["requires"], "requires");
  if (m.contains("expects")) out.expects = string_list(c, where, m["expects"], "expects");
  bool criterion = m.contains("event") || m.contains("events") || m.contains("active_learners") || m.contains("completed");
  bool gate = m.contains("all") || m.contains("any") || m.contains("k") || m.contains("of");
  if (criterion && gate) {
    c.add(where, "has both a criterion (event/active_learners/completed) and a gate (all/any/k+of); split it in two");
  } else if (criterion) {
    parse_criterion(c, where, m, out, keys);
  } else if (gate || !out.requires_.empty()) {
    for (const char* k : {"count", "sum", "distinct", "window_days", "where"})
      if (m.contains(k)) c.add(where, fmt::format("{}: only for criteria (add event or events)", k));
    parse_gate(c, where, m, out);
  } else {
    c.add(where, "needs a criterion (event, events, active_learners or completed) or a gate (all, any, k + of, requires)");
  }
  if (m.contains("decline")) {
    out.decline = parse_decline(c, where, m["decline"]);
    if (out.decline && !(out.criterion && out.criterion->source == Source::kEvents))
      c.add(where, "decline: only for criteria over events");
  }
  if (c.problems->size() != before) return std::nullopt;
  return out;
}

struct RawOverride {
  Override o;
  std::string source;
  std::string key;  // the threshold key given ("count", "k", ...)
  size_t pos;
};

struct Raw {
  std::string id;
  std::vector<std::string> stages;
  std::string stages_source;
  std::vector<Milestone> milestones;
  std::vector<RawOverride> overrides;
  ThresholdKeys keys;
  std::set<std::string> bad_ids;  // ids whose definition had problems (suppress follow-on errors)
};

void parse_overrides(Ctx& c, const json& list, Raw& raw) {
  if (!list.is_array()) {
    c.add("overrides", fmt::format("must be an array, got {}", type_of(list)));
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& j = list[i];
    std::string where = fmt::format("overrides[{}]", i);
    if (!j.is_object()) {
      c.add(where, fmt::format("must be an object, got {}", type_of(j)));
      continue;
    }
    RawOverride ro{{}, c.source, "", i};
    for (const auto& [k, _] : j.items())
      if (!kOverrideKeys.count(k)) c.add(where, fmt::format("unknown key \"{}\"", k));
    if (!j.contains("milestone") || !j["milestone"].is_string()) c.add(where, "milestone: required, a milestone id");
    else ro.o.milestone = j["milestone"].get<std::string>();
    if (!j.contains("when") || !j["when"].is_object() || j["when"].empty()) {
      c.add(where, "when: required, an object such as {\"tier\": \"upmarket\"}");
    } else {
      for (const auto& [field, v] : j["when"].items()) {
        if (!kWhenFields.count(field)) {
          c.add(where, fmt::format("when: unknown account field \"{}\" (use tier, plan, audience or csm)", field));
          continue;
        }
        ro.o.when[field] = string_list(c, where, v, ("when." + field).c_str(), true);
      }
    }
    int given = 0;
    for (const char* k : {"count", "sum", "active_learners"}) {
      if (!j.contains(k)) continue;
      ++given;
      ro.key = k;
      ro.o.threshold = positive_number(c, where, j[k], k);
    }
    if (j.contains("k")) {
      ++given;
      ro.key = "k";
      ro.o.k = positive_int(c, where, j["k"], "k");
    }
    if (j.contains("window_days")) ro.o.window_days = positive_int(c, where, j["window_days"], "window_days");
    if (j.contains("decline")) {
      DeclineOverride d;
      d.off = !parse_decline_fields(c, where, j["decline"], d);
      ro.o.decline = d;
    }
    if (given > 1) c.add(where, "give one threshold (count, sum, active_learners or k)");
    if (given == 0 && !j.contains("window_days") && !j.contains("decline"))
      c.add(where, "needs something to override (count, sum, active_learners, k, window_days or decline)");
    raw.overrides.push_back(std::move(ro));
  }
}

void parse_into(const json& doc, Ctx& c, Raw& raw) {
  if (!doc.is_object()) {
    c.add("", fmt::format("a milestone graph must be a JSON object, got {}", type_of(doc)));
    return;
  }
  for (const auto& [k, _] : doc.items())
    if (!kGraphKeys.count(k)) c.add("", fmt::format("unknown top-level key \"{}\"", k));
  if (doc.contains("id")) {
    if (!doc["id"].is_string()) c.add("id", "must be a string");
    else if (raw.id.empty()) raw.id = doc["id"].get<std::string>();
  }
  if (doc.contains("stages")) {
    auto stages = string_list(c, "", doc["stages"], "stages");
    std::set<std::string> seen;
    for (const auto& s : stages)
      if (!seen.insert(s).second) c.add("stages", fmt::format("\"{}\" listed twice", s));
    if (!raw.stages_source.empty() && stages != raw.stages)
      c.add("stages", fmt::format("differ from the stages declared in {}", raw.stages_source));
    raw.stages = stages;
    raw.stages_source = c.source;
  }
  if (!doc.contains("milestones") || !doc["milestones"].is_array()) {
    c.add("milestones", "required, an array of milestones");
  } else {
    const json& list = doc["milestones"];
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto m = parse_milestone(c, list[i], i, raw.keys);
      if (m) raw.milestones.push_back(std::move(*m));
      else if (list[i].is_object() && list[i].contains("id") && list[i]["id"].is_string())
        raw.bad_ids.insert(list[i]["id"].get<std::string>());
    }
  }
  if (doc.contains("overrides")) parse_overrides(c, doc["overrides"], raw);
}

// Cross-milestone checks: duplicates, references, stages, overrides, cycles; then topo order.
GraphLoad resolve(Raw raw, std::vector<std::string> problems, std::vector<std::string> sources) {
  auto add = [&](const std::string& source, const std::string& msg) {
    problems.push_back(fmt::format("{}: {}", source, msg));
  };
  std::map<std::string, const Milestone*> by_id;
  std::vector<Milestone> unique;
  for (auto& m : raw.milestones) {
    auto [it, ok] = by_id.emplace(m.id, &m);
    if (!ok) {
      add(m.source, fmt::format("milestone \"{}\": duplicate id (first defined in {})", m.id, it->second->source));
      continue;
    }
  }
  std::set<std::string> known;
  for (const auto& m : raw.milestones) known.insert(m.id);
  auto check_ref = [&](const Milestone& m, const std::string& ref, std::string_view field) {
    if (known.count(ref) || raw.bad_ids.count(ref)) return;
    add(m.source, fmt::format("milestone \"{}\": {}: unknown milestone \"{}\"", m.id, field, ref));
  };
  std::map<std::string, std::string> stage_owner;
  for (const auto& m : raw.milestones) {
    for (const auto& r : m.requires_) check_ref(m, r, "requires");
    for (const auto& e : m.expects) check_ref(m, e, "expects");
    if (m.gate)
      for (const auto& o : m.gate->operands) check_ref(m, o, operands_key(m.gate->mode));
    if (m.stage) {
      if (std::find(raw.stages.begin(), raw.stages.end(), *m.stage) == raw.stages.end())
        add(m.source, fmt::format("milestone \"{}\": stage: \"{}\" is not one of the graph's stages", m.id, *m.stage));
      else if (auto [it, ok] = stage_owner.emplace(*m.stage, m.id); !ok)
        add(m.source, fmt::format("milestone \"{}\": stage: \"{}\" is already marked by milestone \"{}\"", m.id,
                                  *m.stage, it->second));
    }
  }
  if (raw.stages.empty()) add(sources.empty() ? "graph" : sources.front(), "stages: required, a list of stage names");
  for (std::size_t s = 1; s < raw.stages.size(); ++s)
    if (!stage_owner.count(raw.stages[s]))
      add(raw.stages_source, fmt::format("stages: \"{}\" has no milestone marking it (add \"stage\": \"{}\" to one)",
                                         raw.stages[s], raw.stages[s]));
  for (const auto& ro : raw.overrides) {
    std::string where = fmt::format("{}: overrides[{}]", ro.source, ro.pos);
    auto it = by_id.find(ro.o.milestone);
    if (ro.o.milestone.empty() || raw.bad_ids.count(ro.o.milestone)) continue;
    if (it == by_id.end()) {
      problems.push_back(fmt::format("{}: milestone: unknown milestone \"{}\"", where, ro.o.milestone));
      continue;
    }
    const Milestone& m = *it->second;
    if (ro.key == "k") {
      if (!m.gate || m.gate->mode != GateMode::kKOfN)
        problems.push_back(fmt::format("{}: k: milestone \"{}\" is not a k-of-n gate", where, m.id));
      else if (ro.o.k && *ro.o.k > static_cast<int>(m.gate->operands.size()))
        problems.push_back(fmt::format("{}: k: {} is more than the {} milestones of \"{}\"", where, *ro.o.k,
                                       m.gate->operands.size(), m.id));
    } else if (!ro.key.empty()) {
      auto kk = raw.keys.find(m.id);
      if (!m.criterion || kk == raw.keys.end() || kk->second != ro.key)
        problems.push_back(fmt::format("{}: {}: milestone \"{}\" has no {} threshold{}", where, ro.key, m.id, ro.key,
                                       kk != raw.keys.end() ? fmt::format(" (it uses {})", kk->second) : ""));
    }
    if (ro.o.window_days && !(m.criterion && m.criterion->window_days))
      problems.push_back(fmt::format("{}: window_days: milestone \"{}\" has no window", where, m.id));
    if (ro.o.decline && !(m.criterion && m.criterion->source == Source::kEvents))
      problems.push_back(fmt::format("{}: decline: milestone \"{}\" is not a criterion over events", where, m.id));
  }

  // Cycles and topological order (Boost.Graph); only over well-formed references.
  std::vector<const Milestone*> nodes;
  for (const auto& [_, m] : by_id) nodes.push_back(m);
  std::sort(nodes.begin(), nodes.end(), [&](const Milestone* a, const Milestone* b) { return a < b; });
  std::map<std::string, int> pos;
  for (std::size_t i = 0; i < nodes.size(); ++i) pos[nodes[i]->id] = static_cast<int>(i);
  std::vector<std::vector<int>> deps(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto link = [&](const std::string& ref) {
      auto it = pos.find(ref);
      if (it != pos.end()) deps[i].push_back(it->second);
    };
    for (const auto& r : nodes[i]->requires_) link(r);
    if (nodes[i]->gate)
      for (const auto& o : nodes[i]->gate->operands) link(o);
  }
  std::vector<int> order;
  if (auto cycle = find_cycle_and_order(deps, order)) {
    std::vector<std::string> names;
    for (int v : *cycle) names.push_back(nodes[v]->id);
    add(nodes[cycle->front()]->source, fmt::format("milestone \"{}\": cycle: {}", names.front(), fmt::join(names, " → ")));
  }
  GraphLoad out;
  out.problems = std::move(problems);
  if (!out.problems.empty()) return out;
  Graph g;
  g.id = raw.id.empty() ? "milestones" : raw.id;
  g.stages = raw.stages;
  g.sources = std::move(sources);
  for (int v : order) g.milestones.push_back(*nodes[v]);
  for (auto& ro : raw.overrides) g.overrides.push_back(std::move(ro.o));
  g.finalize();
  out.graph = std::move(g);
  return out;
}

std::pair<int, int> line_col(std::string_view text, std::size_t byte) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

bool read_text(const std::filesystem::path& p, std::string& text, std::vector<std::string>& problems) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    problems.push_back(fmt::format("{}: cannot read file", p.string()));
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  return true;
}

}  // namespace

bool parse_config_json(std::string_view text, const std::string& source, json& doc, std::vector<std::string>& problems) {
  try {
    doc = json::parse(text);
    return true;
  } catch (const json::parse_error& e) {
    auto [line, col] = line_col(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    auto p = what.find("syntax error");
    problems.push_back(fmt::format("{}:{}:{}: not valid JSON: {}", source, line, col,
                                   p == std::string::npos ? what : what.substr(p)));
    return false;
  } catch (const json::exception& e) {  // out_of_range 406: a number no double holds (fuzz_milestones)
    problems.push_back(fmt::format("{}: not valid JSON: {}", source, e.what()));
    return false;
  }
}

GraphLoad parse_graph(const nlohmann::json& doc, const std::string& source) {
  Raw raw;
  std::vector<std::string> problems;
  Ctx c{source, &problems};
  parse_into(doc, c, raw);
  return resolve(std::move(raw), std::move(problems), {source});
}

GraphLoad parse_graph_text(std::string_view text, const std::string& source) {
  json doc;
  GraphLoad out;
  if (!parse_config_json(text, source, doc, out.problems)) return out;
  return parse_graph(doc, source);
}

GraphLoad load_graph(const std::filesystem::path& path) {
  GraphLoad out;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(path, ec))
      if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      out.problems.push_back(fmt::format("{}: no *.json milestone graph files in this directory", path.string()));
      return out;
    }
  } else if (std::filesystem::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    out.problems.push_back(fmt::format("{}: no such file or directory", path.string()));
    return out;
  }
  Raw raw;
  std::vector<std::string> sources;
  for (const auto& f : files) {
    std::string text;
    json doc;
    std::string source = f.string();
    sources.push_back(source);
    if (!read_text(f, text, out.problems) || !parse_config_json(text, source, doc, out.problems)) continue;
    Ctx c{source, &out.problems};
    parse_into(doc, c, raw);
  }
  return resolve(std::move(raw), std::move(out.problems), std::move(sources));
}

Result<Graph> load_graph_or_error(const std::filesystem::path& path) {
  GraphLoad g = load_graph(path);
  if (g.graph) return std::move(*g.graph);
  return Status::InvalidArgument(fmt::format("{}", fmt::join(g.problems, "\n")));
}

}  // namespace uplift::milestones
