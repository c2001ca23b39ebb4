#include "milestones/state_json.h"

#include <fmt/format.h>

#include "core/json_text.h"
#include "core/time.h"

namespace uplift::milestones {
namespace {

using nlohmann::json;

// Reads optional/required members, remembering the first problem with its field path.
struct Reader {
  std::string problem;
  void fail(const std::string& field, const std::string& why) {
    if (problem.empty()) problem = field + ": " + why;
  }
  std::string str(const json& j, const char* key, const std::string& path, bool required = true) {
    if (!j.contains(key)) {
      if (required) fail(path + key, "missing");
      return {};
    }
    if (!j[key].is_string()) {
      fail(path + key, "must be a string");
      return {};
    }
    return j[key].get<std::string>();
  }
  std::optional<Timestamp> ts(const json& j, const char* key, const std::string& path) {
    if (!j.contains(key)) return std::nullopt;
    if (!j[key].is_string()) {
      fail(path + key, "must be an RFC 3339 timestamp string");
      return std::nullopt;
    }
    auto t = parse_timestamp(j[key].get<std::string>());
    if (!t.ok()) {
      fail(path + key, t.status().message());
      return std::nullopt;
    }
    return *t;
  }
  std::optional<double> num(const json& j, const char* key, const std::string& path) {
    if (!j.contains(key)) return std::nullopt;
    if (!j[key].is_number()) {
      fail(path + key, "must be a number");
      return std::nullopt;
    }
    return j[key].get<double>();
  }
  std::vector<std::string> strs(const json& j, const char* key, const std::string& path) {
    std::vector<std::string> out;
    if (!j.contains(key)) return out;
    if (!j[key].is_array()) {
      fail(path + key, "must be an array of strings");
      return out;
    }
    for (const auto& x : j[key]) {
      if (!x.is_string()) fail(path + key, "must be an array of strings");
      else out.push_back(x.get<std::string>());
    }
    return out;
  }
};

}  // namespace

json to_json(const Flag& f) {
  json j = {{"kind", f.kind}, {"milestone", f.milestone}, {"detail", f.detail}};
  if (f.at) j["at"] = format_timestamp(*f.at);
  if (!f.missing.empty()) j["missing"] = f.missing;
  if (f.before_rate) j["before_rate"] = *f.before_rate;
  if (f.after_rate) j["after_rate"] = *f.after_rate;
  if (f.change_pct) j["change_pct"] = *f.change_pct;
  return j;
}

json to_json(const AccountState& s) {
  json ms = json::array();
  for (const auto& m : s.milestones) {
    json j = {{"id", m.id},
              {"achieved", m.achieved},
              {"progress", {{"current", m.progress.current}, {"target", m.progress.target}, {"unit", m.progress.unit}}}};
    if (m.achieved_at) j["achieved_at"] = format_timestamp(*m.achieved_at);
    ms.push_back(std::move(j));
  }
  json flags = json::array();
  for (const auto& f : s.flags) flags.push_back(to_json(f));
  json j = {{"account", s.account}, {"stage", s.stage}, {"milestones", ms}, {"frontier", s.frontier}, {"flags", flags}};
  if (s.stage_reached_at) j["stage_reached_at"] = format_timestamp(*s.stage_reached_at);
  return j;
}

std::string to_json_text(const AccountState& s) {
  // Keys in nlohmann's order (sorted), as to_json(s).dump() writes them.
  std::string out;
  out.reserve(256 + 96 * s.milestones.size());
  auto key = [&out](std::string_view k) {
    out += '"';
    out += k;
    out += "\":";
  };
  auto text = [&](std::string_view k, std::string_view v) {
    key(k);
    append_json_string(out, v);
  };
  auto number = [&](std::string_view k, double v) {
    key(k);
    append_json_number(out, v);
  };
  auto timestamp = [&](std::string_view k, Timestamp t) {
    key(k);
    out += '"';
    append_timestamp(out, t);
    out += '"';
  };
  auto strings = [&](std::string_view k, const std::vector<std::string>& v) {
    key(k);
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, v[i]);
    }
    out += ']';
  };
  out += '{';
  text("account", s.account);
  out += ",\"flags\":[";
  for (std::size_t i = 0; i < s.flags.size(); ++i) {
    const Flag& f = s.flags[i];
    out += i ? ",{" : "{";
    if (f.after_rate) {
      number("after_rate", *f.after_rate);
      out += ',';
    }
    if (f.at) {
      timestamp("at", *f.at);
      out += ',';
    }
    if (f.before_rate) {
      number("before_rate", *f.before_rate);
      out += ',';
    }
    if (f.change_pct) {
      number("change_pct", *f.change_pct);
      out += ',';
    }
    text("detail", f.detail);
    out += ',';
    text("kind", f.kind);
    out += ',';
    text("milestone", f.milestone);
    if (!f.missing.empty()) {
      out += ',';
      strings("missing", f.missing);
    }
    out += '}';
  }
  out += "],";
  strings("frontier", s.frontier);
  out += ",\"milestones\":[";
  for (std::size_t i = 0; i < s.milestones.size(); ++i) {
    const MilestoneStatus& m = s.milestones[i];
    out += i ? ",{" : "{";
    key("achieved");
    out += m.achieved ? "true," : "false,";
    if (m.achieved_at) {
      timestamp("achieved_at", *m.achieved_at);
      out += ',';
    }
    text("id", m.id);
    out += ",\"progress\":{";
    number("current", m.progress.current);
    out += ',';
    number("target", m.progress.target);
    out += ',';
    text("unit", m.progress.unit);
    out += "}}";
  }
  out += "],";
  text("stage", s.stage);
  if (s.stage_reached_at) {
    out += ',';
    timestamp("stage_reached_at", *s.stage_reached_at);
  }
  out += '}';
  return out;
}

Result<AccountState> account_state_from_json(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("milestone state: must be a JSON object");
  Reader r;
  AccountState s;
  s.account = r.str(j, "account", "");
  s.stage = r.str(j, "stage", "");
  s.stage_reached_at = r.ts(j, "stage_reached_at", "");
  s.frontier = r.strs(j, "frontier", "");
  if (j.contains("milestones") && j["milestones"].is_array()) {
    for (std::size_t i = 0; i < j["milestones"].size(); ++i) {
      const json& m = j["milestones"][i];
      std::string path = fmt::format("milestones[{}].", i);
      MilestoneStatus st;
      st.id = r.str(m, "id", path);
      st.achieved = m.value("achieved", false);
      st.achieved_at = r.ts(m, "achieved_at", path);
      if (m.contains("progress") && m["progress"].is_object()) {
        const json& p = m["progress"];
        st.progress.current = r.num(p, "current", path + "progress.").value_or(0);
        st.progress.target = r.num(p, "target", path + "progress.").value_or(0);
        st.progress.unit = r.str(p, "unit", path + "progress.", false);
      }
      s.milestones.push_back(std::move(st));
    }
  } else {
    r.fail("milestones", "missing or not an array");
  }
  if (j.contains("flags") && j["flags"].is_array()) {
    for (std::size_t i = 0; i < j["flags"].size(); ++i) {
      const json& f = j["flags"][i];
      std::string path = fmt::format("flags[{}].", i);
      Flag fl;
      fl.kind = r.str(f, "kind", path);
      fl.milestone = r.str(f, "milestone", path);
      fl.detail = r.str(f, "detail", path, false);
      fl.at = r.ts(f, "at", path);
      fl.missing = r.strs(f, "missing", path);
      fl.before_rate = r.num(f, "before_rate", path);
      fl.after_rate = r.num(f, "after_rate", path);
      fl.change_pct = r.num(f, "change_pct", path);
      s.flags.push_back(std::move(fl));
    }
  }
  if (!r.problem.empty()) return Status::InvalidArgument("milestone state: " + r.problem);
  return s;
}

}  // namespace uplift::milestones
