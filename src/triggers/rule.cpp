#include "triggers/rule.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "milestones/loader.h"

namespace uplift::triggers {
namespace {

using nlohmann::json;

// Collects the problems of one rule; `at` is the field path ("when[1].days").
struct RuleCtx {
  const std::string& source;
  std::string rule;
  std::vector<std::string>& problems;
  bool ok = true;
  void bad(std::string_view at, std::string_view why) {
    problems.push_back(fmt::format("{}: trigger \"{}\": {}: {}", source, rule, at, why));
    ok = false;
  }
};

// "at.key", or "key" at the top of a rule.
std::string join(std::string_view at, std::string_view key) {
  return at.empty() ? std::string(key) : fmt::format("{}.{}", at, key);
}

bool is_id(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

void check_keys(const json& o, std::initializer_list<std::string_view> known, std::string_view at, RuleCtx& c) {
  for (auto it = o.begin(); it != o.end(); ++it)
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      c.bad(join(at, it.key()), fmt::format("unknown key (known: {})", list));
    }
}

std::optional<int> days(const json& o, const char* key, std::string_view at, RuleCtx& c, int lo, int hi) {
  if (!o.contains(key)) return std::nullopt;
  const json& v = o[key];
  if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi) {
    c.bad(join(at, key), fmt::format("must be a whole number of days from {} to {}, got {}", lo, hi, v.dump()));
    return std::nullopt;
  }
  return static_cast<int>(v.get<long long>());
}

std::string name(const json& o, const char* key, std::string_view at, RuleCtx& c) {
  if (!o[key].is_string() || o[key].get<std::string>().empty()) {
    c.bad(join(at, key), "must be a non-empty string");
    return {};
  }
  return o[key].get<std::string>();
}

std::vector<std::string> strings(const json& o, const char* key, std::string_view at, RuleCtx& c) {
  std::vector<std::string> out;
  if (!o.contains(key)) return out;
  if (!o[key].is_array()) {
    c.bad(join(at, key), "must be an array of strings");
    return out;
  }
  for (const auto& v : o[key]) {
    if (!v.is_string() || v.get<std::string>().empty()) {
      c.bad(join(at, key), fmt::format("must be an array of non-empty strings, got {}", v.dump()));
      continue;
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

void check_milestone(const std::string& m, std::string_view at, const milestones::Graph& graph, RuleCtx& c) {
  if (!m.empty() && !graph.find(m)) c.bad(at, fmt::format("'{}' is not a milestone of the graph", m));
}

std::optional<Condition> condition(const json& o, std::string_view at, const milestones::Graph& graph, RuleCtx& c) {
  if (!o.is_object()) {
    c.bad(at, "must be an object such as {\"flag\": \"usage_decline\"}");
    return std::nullopt;
  }
  Condition k;
  const std::size_t before = c.problems.size();
  if (o.contains("flag")) {
    check_keys(o, {"flag", "milestone"}, at, c);
    k.kind = Condition::Kind::kFlag;
    k.flag = name(o, "flag", at, c);
    if (!k.flag.empty() && k.flag != "usage_decline" && k.flag != "out_of_order")
      c.bad(fmt::format("{}.flag", at), fmt::format("must be usage_decline or out_of_order, got '{}'", k.flag));
    if (o.contains("milestone")) k.milestone = name(o, "milestone", at, c);
    check_milestone(k.milestone, fmt::format("{}.milestone", at), graph, c);
  } else if (o.contains("milestone_achieved")) {
    check_keys(o, {"milestone_achieved", "within_days"}, at, c);
    k.kind = Condition::Kind::kMilestoneAchieved;
    k.milestone = name(o, "milestone_achieved", at, c);
    check_milestone(k.milestone, fmt::format("{}.milestone_achieved", at), graph, c);
    k.days = days(o, "within_days", at, c, 1, 3650);
  } else if (o.contains("milestone_stalled")) {
    check_keys(o, {"milestone_stalled", "days"}, at, c);
    k.kind = Condition::Kind::kMilestoneStalled;
    k.milestone = name(o, "milestone_stalled", at, c);
    check_milestone(k.milestone, fmt::format("{}.milestone_stalled", at), graph, c);
    k.days = days(o, "days", at, c, 1, 3650);
    if (!o.contains("days")) c.bad(fmt::format("{}.days", at), "required: how many days on the frontier count as stalled");
  } else if (o.contains("stage_reached")) {
    check_keys(o, {"stage_reached"}, at, c);
    k.kind = Condition::Kind::kStageReached;
    k.stage = name(o, "stage_reached", at, c);
    if (!k.stage.empty() && std::find(graph.stages.begin(), graph.stages.end(), k.stage) == graph.stages.end())
      c.bad(fmt::format("{}.stage_reached", at), fmt::format("'{}' is not a stage ({})", k.stage, fmt::join(graph.stages, ", ")));
  } else if (o.contains("champion_departed")) {
    check_keys(o, {"champion_departed"}, at, c);
    k.kind = Condition::Kind::kChampionDeparted;
    const json& d = o["champion_departed"];
    const std::string inner = fmt::format("{}.champion_departed", at);
    if (!d.is_object()) {
      c.bad(inner, "must be an object {\"roles\": [...], \"within_days\": N}");
    } else {
      check_keys(d, {"roles", "within_days"}, inner, c);
      k.roles = strings(d, "roles", inner, c);
      k.days = days(d, "within_days", inner, c, 1, 3650);
      if (!k.days) k.days = 30;
    }
  } else {
    c.bad(at, "needs one of flag, milestone_achieved, milestone_stalled, stage_reached, champion_departed");
  }
  if (c.problems.size() != before) return std::nullopt;
  return k;
}

std::optional<Rule> rule(const json& o, std::size_t index, const std::string& source, const milestones::Graph& graph,
                         std::vector<std::string>& problems) {
  RuleCtx c{source, fmt::format("#{}", index), problems};
  if (!o.is_object()) {
    c.bad("", "must be an object");
    return std::nullopt;
  }
  Rule r;
  r.source = source;
  if (o.contains("id") && o["id"].is_string()) c.rule = o["id"].get<std::string>();
  if (!o.contains("id") || !o["id"].is_string() || !is_id(o["id"].get<std::string>()))
    c.bad("id", "required: lowercase letters, digits, _ or - (at most 64)");
  r.id = c.rule;
  check_keys(o, {"id", "title", "when", "renewal_within_days", "filters", "cooldown_days", "action"}, "", c);
  if (o.contains("title")) r.title = name(o, "title", "", c);
  if (o.contains("action")) r.action = name(o, "action", "", c);
  if (!o.contains("when")) {
    c.bad("when", "required: a condition, or {\"all\": [conditions]}");
  } else if (o["when"].is_object() && o["when"].contains("all")) {
    check_keys(o["when"], {"all"}, "when", c);
    const json& all = o["when"]["all"];
    if (!all.is_array() || all.empty()) c.bad("when.all", "must be a non-empty array of conditions");
    else
      for (std::size_t i = 0; i < all.size(); ++i)
        if (auto k = condition(all[i], fmt::format("when.all[{}]", i), graph, c)) r.when.push_back(std::move(*k));
  } else if (auto k = condition(o["when"], "when", graph, c)) {
    r.when.push_back(std::move(*k));
  }
  r.renewal_within_days = days(o, "renewal_within_days", "", c, 0, 3650);
  if (auto cd = days(o, "cooldown_days", "", c, 0, 365)) r.cooldown_days = *cd;
  if (o.contains("filters")) {
    const json& f = o["filters"];
    if (!f.is_object()) {
      c.bad("filters", "must be an object {tiers, plans, csms, audiences}");
    } else {
      check_keys(f, {"tiers", "plans", "csms", "audiences"}, "filters", c);
      r.filters.tiers = strings(f, "tiers", "filters", c);
      r.filters.plans = strings(f, "plans", "filters", c);
      r.filters.csms = strings(f, "csms", "filters", c);
      if (f.contains("audiences")) {
        r.filters.audiences.clear();
        for (const auto& a : strings(f, "audiences", "filters", c)) {
          if (auto parsed = parse_audience(a)) r.filters.audiences.push_back(*parsed);
          else c.bad("filters.audiences", fmt::format("'{}' is not an audience (customer, trial, partner, employee)", a));
        }
        if (f["audiences"].is_array() && f["audiences"].empty())
          c.bad("filters.audiences", "must name at least one audience (leave it out for customer accounts)");
      }
    }
  }
  if (!c.ok) return std::nullopt;
  return r;
}

}  // namespace

const Rule* RuleSet::find(std::string_view id) const {
  for (const auto& r : rules)
    if (r.id == id) return &r;
  return nullptr;
}

void parse_rules(const json& doc, const std::string& source, const milestones::Graph& graph, RuleSet& out,
                 std::vector<std::string>& problems) {
  if (!doc.is_object() ||
      !(doc.contains("triggers") || doc.contains("destinations") || doc.contains("routing"))) {
    problems.push_back(source + ": expected {\"triggers\": [rules]} (and/or \"destinations\", \"routing\")");
    return;
  }
  for (auto it = doc.begin(); it != doc.end(); ++it)
    if (it.key() != "triggers" && it.key() != "description" && it.key() != "destinations" && it.key() != "routing")
      problems.push_back(fmt::format("{}: unknown key '{}' (triggers, destinations, routing, description)", source,
                                     it.key()));
  if (!doc.contains("triggers")) return;
  if (!doc["triggers"].is_array()) {
    problems.push_back(source + ": triggers: must be a list of rules");
    return;
  }
  const json& list = doc["triggers"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto r = rule(list[i], i, source, graph, problems);
    if (!r) continue;
    if (const Rule* prev = out.find(r->id)) {
      problems.push_back(fmt::format("{}: trigger \"{}\": id: defined already in {}", source, r->id, prev->source));
      continue;
    }
    out.rules.push_back(std::move(*r));
  }
}

Result<RuleSet> load_triggers(const std::filesystem::path& path, const milestones::Graph& graph,
                              const EnvLookup& env_lookup) {
  const EnvLookup env = env_lookup ? env_lookup : [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.path().extension() == ".json") files.push_back(e.path());
    if (ec) return Status::InvalidArgument(fmt::format("{}: cannot be listed: {}", path.string(), ec.message()));
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  RuleSet out;
  std::vector<std::string> problems;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      problems.push_back(f.string() + ": cannot be read");
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    json doc;
    if (!milestones::parse_config_json(text, f.string(), doc, problems)) continue;
    parse_rules(doc, f.string(), graph, out, problems);
    parse_destinations(doc, f.string(), env, out.destinations, problems);
  }
  finish_destinations(out.destinations, problems);
  if (!problems.empty()) return Status::InvalidArgument(fmt::format("{}", fmt::join(problems, "\n")));
  return out;
}

std::string_view condition_kind_name(Condition::Kind k) {
  switch (k) {
    case Condition::Kind::kFlag: return "flag";
    case Condition::Kind::kMilestoneAchieved: return "milestone_achieved";
    case Condition::Kind::kMilestoneStalled: return "milestone_stalled";
    case Condition::Kind::kStageReached: return "stage_reached";
    case Condition::Kind::kChampionDeparted: return "champion_departed";
  }
  return "?";
}

nlohmann::json rule_to_json(const Rule& r) {
  json when = json::array();
  for (const auto& k : r.when) {
    json j = {{"kind", condition_kind_name(k.kind)}};
    if (!k.flag.empty()) j["flag"] = k.flag;
    if (!k.milestone.empty()) j["milestone"] = k.milestone;
    if (!k.stage.empty()) j["stage"] = k.stage;
    if (!k.roles.empty()) j["roles"] = k.roles;
    if (k.days) j["days"] = *k.days;
    when.push_back(std::move(j));
  }
  json audiences = json::array();
  for (Audience a : r.filters.audiences) audiences.push_back(audience_name(a));
  json j = {{"id", r.id},
            {"title", r.title},
            {"when", when},
            {"cooldown_days", r.cooldown_days},
            {"action", r.action},
            {"filters", {{"tiers", r.filters.tiers}, {"plans", r.filters.plans}, {"csms", r.filters.csms},
                         {"audiences", audiences}}},
            {"source", r.source}};
  if (r.renewal_within_days) j["renewal_within_days"] = *r.renewal_within_days;
  return j;
}

}  // namespace uplift::triggers
