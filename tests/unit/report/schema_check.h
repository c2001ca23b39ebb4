// A small JSON Schema checker for the keywords tests/data/report.schema.json uses (type,
// required, properties, items, enum, oneOf, minItems, maxItems, minimum). The e2e test validates
// the same schema with ajv; this one lets the unit tests check every scenario's report.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schema_check {

inline bool type_ok(const nlohmann::json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "number") return v.is_number();
  if (t == "integer") return v.is_number_integer() || (v.is_number() && std::floor(v.get<double>()) == v.get<double>());
  return false;
}

inline void check(const nlohmann::json& s, const nlohmann::json& v, const std::string& path, std::vector<std::string>& errs) {
  if (s.contains("type")) {
    bool ok = false;
    if (s["type"].is_string()) ok = type_ok(v, s["type"]);
    else for (const auto& t : s["type"]) ok = ok || type_ok(v, t);
    if (!ok) return errs.push_back(path + ": expected type " + s["type"].dump() + ", got " + v.dump());
  }
  if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end())
    errs.push_back(path + ": " + v.dump() + " not in " + s["enum"].dump());
  if (s.contains("oneOf")) {
    int matches = 0;
    for (const auto& alt : s["oneOf"]) {
      std::vector<std::string> e;
      check(alt, v, path, e);
      if (e.empty()) ++matches;
    }
    if (matches != 1) errs.push_back(path + ": matches " + std::to_string(matches) + " oneOf alternatives");
  }
  if (s.contains("minimum") && v.is_number() && v.get<double>() < s["minimum"].get<double>())
    errs.push_back(path + ": below minimum");
  if (v.is_object()) {
    for (const auto& r : s.value("required", nlohmann::json::array()))
      if (!v.contains(r.get<std::string>())) errs.push_back(path + ": missing required " + r.get<std::string>());
    if (s.contains("properties"))
      for (auto it = s["properties"].begin(); it != s["properties"].end(); ++it)
        if (v.contains(it.key())) check(it.value(), v[it.key()], path + "." + it.key(), errs);
  }
  if (v.is_array()) {
    if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>()) errs.push_back(path + ": too few items");
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<std::size_t>()) errs.push_back(path + ": too many items");
    if (s.contains("items"))
      for (std::size_t i = 0; i < v.size(); ++i) check(s["items"], v[i], path + "[" + std::to_string(i) + "]", errs);
  }
}

}  // namespace schema_check
