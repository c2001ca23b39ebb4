#include "cohorts/program.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace uplift::cohorts {
namespace {

// Thrown inside this file only; parse_programs turns it into a Status.
struct FieldFail {
  std::string field, reason;
};

void check_known(const nlohmann::json& obj, std::initializer_list<const char*> known, const std::string& prefix) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; });
    if (!ok) throw FieldFail{prefix + it.key(), "unknown field"};
  }
}

std::string get_string(const nlohmann::json& obj, const char* key, const std::string& field, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) throw FieldFail{field, "required field is missing"};
    return {};
  }
  if (!it->is_string()) throw FieldFail{field, fmt::format("expected a string, got {}", it->type_name())};
  if (required && it->get<std::string>().empty()) throw FieldFail{field, "must not be empty"};
  return it->get<std::string>();
}

std::optional<double> get_number(const nlohmann::json& obj, const char* key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) throw FieldFail{field, fmt::format("expected a number, got {}", it->type_name())};
  return it->get<double>();
}

std::optional<int> get_int(const nlohmann::json& obj, const char* key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) throw FieldFail{field, fmt::format("expected an integer, got {}", it->type_name())};
  return it->get<int>();
}

std::vector<std::string> get_strings(const nlohmann::json& obj, const char* key, const std::string& field) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (it->is_string()) return {it->get<std::string>()};
  if (!it->is_array()) throw FieldFail{field, "expected an array of strings"};
  for (std::size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) throw FieldFail{fmt::format("{}[{}]", field, i), "expected a string"};
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

Eligibility parse_eligibility(const nlohmann::json& e) {
  const std::string p = "eligibility.";
  if (!e.is_object()) throw FieldFail{"eligibility", "expected an object"};
  check_known(e, {"reached", "reached_days_ago_min", "lacks_milestone", "target_event_max_30d", "plans", "tiers",
                  "stages", "roles", "min_days_to_renewal"},
              p);
  Eligibility out;
  out.reached = get_string(e, "reached", p + "reached", false);
  out.reached_days_ago_min = get_int(e, "reached_days_ago_min", p + "reached_days_ago_min").value_or(0);
  if (out.reached_days_ago_min < 0) throw FieldFail{p + "reached_days_ago_min", "must be >= 0"};
  if (out.reached_days_ago_min > 0 && out.reached.empty())
    throw FieldFail{p + "reached_days_ago_min", "needs eligibility.reached (which milestone?)"};
  out.lacks_milestone = get_string(e, "lacks_milestone", p + "lacks_milestone", false);
  out.target_event_max_30d = get_number(e, "target_event_max_30d", p + "target_event_max_30d");
  if (out.target_event_max_30d && *out.target_event_max_30d < 0)
    throw FieldFail{p + "target_event_max_30d", "must be >= 0"};
  out.plans = get_strings(e, "plans", p + "plans");
  out.tiers = get_strings(e, "tiers", p + "tiers");
  out.stages = get_strings(e, "stages", p + "stages");
  out.roles = get_strings(e, "roles", p + "roles");
  out.min_days_to_renewal = get_int(e, "min_days_to_renewal", p + "min_days_to_renewal");
  if (out.min_days_to_renewal && (*out.min_days_to_renewal < 0 || *out.min_days_to_renewal > 3650))
    throw FieldFail{p + "min_days_to_renewal", "must be 0 to 3650 days"};
  return out;
}

RankingWeights parse_weights(const nlohmann::json& w) {
  if (!w.is_object()) throw FieldFail{"ranking", "expected an object"};
  check_known(w, {"arr", "renewal", "lag", "practice"}, "ranking.");
  RankingWeights out;
  out.arr = get_number(w, "arr", "ranking.arr").value_or(1);
  out.renewal = get_number(w, "renewal", "ranking.renewal").value_or(1);
  out.lag = get_number(w, "lag", "ranking.lag").value_or(1);
  out.practice = get_number(w, "practice", "ranking.practice").value_or(0.25);
  for (auto [name, v] : {std::pair{"arr", out.arr}, {"renewal", out.renewal}, {"lag", out.lag}, {"practice", out.practice}})
    if (v < 0) throw FieldFail{std::string("ranking.") + name, "must be >= 0"};
  return out;
}

Program parse_one(const nlohmann::json& j) {
  if (!j.is_object()) throw FieldFail{"", "expected an object"};
  check_known(j, {"id", "title", "target_milestone", "conversion_milestone", "target_event", "sessions", "capacity", "holdout_fraction",
                  "eligibility", "ranking", "description"},
              "");
  Program p;
  p.id = get_string(j, "id", "id", true);
  p.title = get_string(j, "title", "title", false);
  if (p.title.empty()) p.title = p.id;
  p.target_milestone = get_string(j, "target_milestone", "target_milestone", false);
  p.conversion_milestone = get_string(j, "conversion_milestone", "conversion_milestone", false);
  if (p.conversion_milestone.empty()) p.conversion_milestone = p.target_milestone;
  p.target_event = get_string(j, "target_event", "target_event", true);
  p.sessions = get_int(j, "sessions", "sessions").value_or(1);
  if (p.sessions < 1) throw FieldFail{"sessions", "must be >= 1"};
  auto cap = get_int(j, "capacity", "capacity");
  if (!cap) throw FieldFail{"capacity", "required field is missing"};
  if (*cap < 1) throw FieldFail{"capacity", "must be >= 1"};
  p.capacity = *cap;
  p.holdout_fraction = get_number(j, "holdout_fraction", "holdout_fraction").value_or(0);
  if (!(p.holdout_fraction >= 0 && p.holdout_fraction <= 0.9))
    throw FieldFail{"holdout_fraction", "must be in [0, 0.9]"};
  if (j.contains("eligibility")) p.eligibility = parse_eligibility(j["eligibility"]);
  if (j.contains("ranking")) p.weights = parse_weights(j["ranking"]);
  return p;
}

}  // namespace

Result<std::vector<Program>> parse_programs(const nlohmann::json& doc, std::string_view file) {
  std::vector<Program> out;
  if (!doc.is_object()) return Status::InvalidArgument(fmt::format("{}: expected a JSON object", file));
  auto it = doc.find("programs");
  if (it == doc.end() || it->is_null()) return out;
  if (!it->is_array()) return Status::InvalidArgument(fmt::format("{}: programs: expected an array", file));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& j = (*it)[i];
    std::string label = fmt::format("programs[{}]", i);
    if (j.is_object() && j.contains("id") && j["id"].is_string()) label += " (" + j["id"].get<std::string>() + ")";
    try {
      Program p = parse_one(j);
      if (!seen.insert(p.id).second)
        return Status::InvalidArgument(fmt::format("{}: {}: id: duplicate program id '{}'", file, label, p.id));
      p.source = std::string(file);
      out.push_back(std::move(p));
    } catch (const FieldFail& f) {
      return Status::InvalidArgument(
          fmt::format("{}: {}: {}{}", file, label, f.field.empty() ? "" : f.field + ": ", f.reason));
    }
  }
  return out;
}

Result<std::vector<Program>> load_programs(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  std::vector<Program> all;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) return Status::InvalidArgument(fmt::format("{}: cannot read file", f));
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {  // parse errors and numbers no double holds (1e999)
      return Status::InvalidArgument(fmt::format("{}: not valid JSON: {}", f, e.what()));
    }
    auto progs = parse_programs(doc, f);
    if (!progs.ok()) return progs.status();
    for (auto& p : *progs) {
      if (const Program* dup = find_program(all, p.id))
        return Status::InvalidArgument(
            fmt::format("{}: program '{}' is already defined in {}", f, p.id, dup->source));
      all.push_back(std::move(p));
    }
  }
  return all;
}

Status check_program_refs(const std::vector<Program>& programs, const std::vector<std::string>& milestones,
                          const std::vector<std::string>& stages) {
  auto known = [](const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  std::vector<std::string> problems;
  for (const Program& p : programs) {
    auto milestone = [&](const std::string& field, const std::string& id) {
      if (!id.empty() && !known(milestones, id))
        problems.push_back(fmt::format("{}: program '{}': {}: '{}' is not a milestone of the graph", p.source, p.id,
                                       field, id));
    };
    milestone("target_milestone", p.target_milestone);
    if (p.conversion_milestone != p.target_milestone) milestone("conversion_milestone", p.conversion_milestone);
    milestone("eligibility.reached", p.eligibility.reached);
    milestone("eligibility.lacks_milestone", p.eligibility.lacks_milestone);
    for (const auto& st : p.eligibility.stages)
      if (!known(stages, st))
        problems.push_back(fmt::format("{}: program '{}': eligibility.stages: '{}' is not a stage of the graph",
                                       p.source, p.id, st));
  }
  if (problems.empty()) return Status::OK();
  return Status::InvalidArgument(fmt::format("{}", fmt::join(problems, "\n")));
}

const Program* find_program(const std::vector<Program>& programs, std::string_view id) {
  for (const auto& p : programs)
    if (p.id == id) return &p;
  return nullptr;
}

}  // namespace uplift::cohorts
