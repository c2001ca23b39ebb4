// Helpers shared by the segment and recommendation scenario runners: reading scenario files,
// building a Dataset from inline records, and AccountStates written directly in a scenario
// ({"stage": ..., "frontier": [...], "achieved": [...], "progress": {"m": [2, 3]}, "flags": [...]}).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/dataset.h"
#include "core/record_json.h"
#include "core/time.h"
#include "milestones/state.h"

namespace scenario {

using nlohmann::json;

inline std::string source_dir() {
  if (const char* env = std::getenv("UPLIFT_SOURCE_DIR")) return env;
  return UPLIFT_SOURCE_DIR;
}

inline std::vector<std::filesystem::path> files_in(const std::string& rel) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(source_dir() + "/" + rel))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

inline json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  REQUIRE_MESSAGE(in.good(), "cannot open " << p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

inline uplift::Timestamp timestamp(const json& v) {
  auto t = uplift::parse_timestamp(v.get<std::string>());
  REQUIRE_MESSAGE(t.ok(), t.status().message());
  return *t;
}

inline uplift::Dataset dataset(const json& records) {
  uplift::Dataset d;
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto r = uplift::record_from_json(records[i]);
    REQUIRE_MESSAGE(r.ok(), "records[" << i << "]: " << r.error.field << ": " << r.error.reason);
    d.apply(*r.record);
  }
  return d;
}

inline uplift::milestones::AccountState state(const std::string& account, const json& j) {
  uplift::milestones::AccountState s;
  s.account = account;
  s.stage = j.value("stage", "");
  s.frontier = j.value("frontier", std::vector<std::string>{});
  for (const auto& id : j.value("achieved", std::vector<std::string>{}))
    s.milestones.push_back({id, true, std::nullopt, {1, 1, ""}});
  if (j.contains("progress")) {
    for (const auto& [id, p] : j["progress"].items())
      s.milestones.push_back({id, false, std::nullopt, {p[0].get<double>(), p[1].get<double>(), ""}});
  }
  for (const auto& f : s.frontier) {
    if (!s.find(f)) s.milestones.push_back({f, false, std::nullopt, {}});
  }
  for (const auto& kind : j.value("flags", std::vector<std::string>{})) {
    uplift::milestones::Flag flag;
    flag.kind = kind;
    s.flags.push_back(flag);
  }
  return s;
}

inline std::map<std::string, uplift::milestones::AccountState, std::less<>> states(const json& scenario) {
  std::map<std::string, uplift::milestones::AccountState, std::less<>> out;
  if (scenario.contains("states"))
    for (const auto& [acc, j] : scenario["states"].items()) out[acc] = state(acc, j);
  return out;
}

}  // namespace scenario
