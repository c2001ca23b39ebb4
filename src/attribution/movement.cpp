#include "attribution/movement.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cohorts/cohort.h"

namespace uplift::attribution {

namespace {

constexpr const char* kUnassigned = "(unassigned)";

// Reads a {stage: share} object into `out`; problems named with `where`.
void read_shares(const nlohmann::json& j, const std::string& where, const std::vector<std::string>& stages,
                 std::map<std::string, double>& out, std::vector<std::string>& problems) {
  if (!j.is_object()) {
    problems.push_back(fmt::format("{}: expected an object of stage → share (0 to 1)", where));
    return;
  }
  for (const auto& [stage, v] : j.items()) {
    if (std::find(stages.begin(), stages.end(), stage) == stages.end()) {
      problems.push_back(fmt::format("{}: '{}' is not a stage (stages: {})", where, stage, fmt::join(stages, ", ")));
      continue;
    }
    if (!stages.empty() && stage == stages.back()) {
      problems.push_back(fmt::format("{}.{}: the last stage has no next stage to move to", where, stage));
      continue;
    }
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() > 1) {
      problems.push_back(fmt::format("{}.{}: the share must be a number from 0 to 1 (0.25 = 25 %), got {}", where,
                                     stage, v.dump()));
      continue;
    }
    out[stage] = v.get<double>();
  }
}

// Percentages are rounded once, to one decimal (half away from zero), and every output — JSON,
// CSV, the CLI table, "met" — uses that one value.
double round1(double v) { return std::round(v * 10.0) / 10.0; }

double pct(std::size_t part, std::size_t whole) {
  return whole ? round1(100.0 * static_cast<double>(part) / static_cast<double>(whole)) : 0.0;
}

}  // namespace

std::optional<double> QuarterTargets::target(const std::string& csm_name, const std::string& stage) const {
  if (auto c = csm.find(csm_name); c != csm.end())
    if (auto s = c->second.find(stage); s != c->second.end()) return s->second;
  if (auto s = by_stage.find(stage); s != by_stage.end()) return s->second;
  return std::nullopt;
}

const QuarterTargets* StageTargets::of(const std::string& quarter) const {
  auto it = by_quarter.find(quarter);
  return it == by_quarter.end() ? nullptr : &it->second;
}

void parse_targets(const nlohmann::json& doc, const std::string& name, const std::vector<std::string>& stages,
                   StageTargets& out, std::vector<std::string>& problems) {
  if (!doc.is_object()) {
    problems.push_back(name + ": expected an object {\"quarter\", \"default\", \"csm\"}");
    return;
  }
  QuarterTargets t;
  t.source = name;
  for (const auto& [key, v] : doc.items())
    if (key != "quarter" && key != "default" && key != "csm" && key != "description")
      problems.push_back(fmt::format("{}: unknown key '{}' (quarter, default, csm, description)", name, key));
  auto q = doc.find("quarter");
  if (q == doc.end() || !q->is_string()) {
    problems.push_back(name + ": quarter: required, e.g. \"2026Q3\"");
    return;
  }
  auto parsed = parse_quarter(q->get<std::string>());
  if (!parsed.ok()) {
    problems.push_back(fmt::format("{}: quarter: {}", name, parsed.status().message()));
    return;
  }
  t.quarter = parsed->name();
  if (auto d = doc.find("default"); d != doc.end()) read_shares(*d, name + ": default", stages, t.by_stage, problems);
  if (auto c = doc.find("csm"); c != doc.end()) {
    if (!c->is_object()) {
      problems.push_back(name + ": csm: expected an object of CSM → {stage: share}");
    } else {
      for (const auto& [csm_name, shares] : c->items())
        read_shares(shares, fmt::format("{}: csm.{}", name, csm_name), stages, t.csm[csm_name], problems);
    }
  }
  if (t.by_stage.empty() && t.csm.empty() && doc.find("default") == doc.end() && doc.find("csm") == doc.end())
    problems.push_back(name + ": no targets: give \"default\" and/or \"csm\"");
  if (auto prev = out.by_quarter.find(t.quarter); prev != out.by_quarter.end()) {
    problems.push_back(fmt::format("{}: quarter {} has targets in {} already", name, t.quarter, prev->second.source));
    return;
  }
  out.by_quarter.emplace(t.quarter, std::move(t));
}

Result<StageTargets> load_targets(const std::string& dir, const std::vector<std::string>& stages) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  if (ec) return Status::InvalidArgument(fmt::format("cannot read {}: {}", dir, ec.message()));
  std::sort(files.begin(), files.end());
  StageTargets out;
  std::vector<std::string> problems;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::exception& e) {
      problems.push_back(fmt::format("{}: not valid JSON: {}", f.string(), e.what()));
      continue;
    }
    parse_targets(doc, f.string(), stages, out, problems);
  }
  if (!problems.empty()) return Status::InvalidArgument(fmt::format("{}", fmt::join(problems, "\n")));
  return out;
}

Movement stage_movement(const Dataset& data, const cohorts::StateLookup& states, const std::vector<StageGate>& gates,
                        const MovementOptions& options, const QuarterTargets* targets) {
  Movement m;
  m.quarter = options.quarter;
  m.start = start_of(options.quarter.first()) - 1;  // the end of the previous quarter
  const Timestamp quarter_end = start_of(options.quarter.last() + 1) - 1;
  m.end = options.as_of > 0 ? std::min(quarter_end, options.as_of) : quarter_end;
  if (gates.empty()) return m;
  // csm → stage index → cell
  std::map<std::string, std::vector<MovementCell>> by_csm;
  std::vector<MovementCell> totals(gates.size());
  for (std::size_t i = 0; i < gates.size(); ++i) {
    totals[i].csm = "all";
    totals[i].stage = gates[i].stage;
  }
  for (const auto& [id, acct] : data.accounts()) {
    if (options.audience && acct.audience != *options.audience) continue;
    const std::string csm = acct.csm.empty() ? kUnassigned : acct.csm;
    if (!options.csm.empty() && csm != options.csm) continue;
    if (acct.created_at && *acct.created_at > m.end) continue;  // not there yet
    ++m.accounts;
    if (acct.created_at && *acct.created_at > m.start) {
      ++m.new_in_quarter;
      continue;
    }
    const milestones::AccountState* s = states ? states(id) : nullptr;
    const int before = stage_index_at(s, gates, m.start), after = stage_index_at(s, gates, m.end);
    auto& cells = by_csm[csm];
    if (cells.empty()) {
      cells.resize(gates.size());
      for (std::size_t i = 0; i < gates.size(); ++i) {
        cells[i].csm = csm;
        cells[i].stage = gates[i].stage;
      }
    }
    for (MovementCell* c : {&cells[static_cast<std::size_t>(before)], &totals[static_cast<std::size_t>(before)]}) {
      ++c->at_start;
      if (after > before) ++c->moved_forward;
      if (after < before) ++c->moved_back;
    }
    if (after != before)
      m.moved.push_back(MovedAccount{id, acct.name, csm, gates[static_cast<std::size_t>(before)].stage,
                                     gates[static_cast<std::size_t>(after)].stage, after > before});
  }
  auto finish = [&](MovementCell& c, bool last_stage) {
    c.share_pct = pct(c.moved_forward, c.at_start);
    if (targets && !last_stage && c.csm != "all") c.target_pct = [&]() -> std::optional<double> {
      auto t = targets->target(c.csm, c.stage);
      return t ? std::optional<double>(round1(*t * 100.0)) : std::nullopt;
    }();
    if (c.target_pct && c.at_start) c.met = c.share_pct >= *c.target_pct - 1e-9;
  };
  for (auto& [csm, cells] : by_csm)
    for (std::size_t i = 0; i < cells.size(); ++i) {
      finish(cells[i], i + 1 == cells.size());
      m.cells.push_back(cells[i]);
    }
  for (std::size_t i = 0; i < totals.size(); ++i) finish(totals[i], i + 1 == totals.size());
  m.totals = std::move(totals);
  std::sort(m.moved.begin(), m.moved.end(), [](const MovedAccount& a, const MovedAccount& b) {
    return std::tie(a.csm, a.account) < std::tie(b.csm, b.account);
  });
  return m;
}

nlohmann::json movement_to_json(const Movement& m) {
  auto cell = [](const MovementCell& c) {
    nlohmann::json j = {{"csm", c.csm},
                        {"stage", c.stage},
                        {"at_start", c.at_start},
                        {"moved_forward", c.moved_forward},
                        {"moved_back", c.moved_back},
                        {"share_pct", c.share_pct},
                        {"target_pct", nullptr},
                        {"met", nullptr}};
    if (c.target_pct) j["target_pct"] = *c.target_pct;
    if (c.met) j["met"] = *c.met;
    return j;
  };
  nlohmann::json cells = nlohmann::json::array(), totals = nlohmann::json::array(), moved = nlohmann::json::array();
  for (const auto& c : m.cells) cells.push_back(cell(c));
  for (const auto& c : m.totals) totals.push_back(cell(c));
  for (const auto& a : m.moved)
    moved.push_back({{"account", a.account}, {"name", a.name}, {"csm", a.csm}, {"from", a.from}, {"to", a.to},
                     {"direction", a.forward ? "forward" : "back"}});
  return {{"quarter", m.quarter.name()},
          {"start", format_timestamp(m.start)},
          {"end", format_timestamp(m.end)},
          {"accounts", m.accounts},
          {"new_in_quarter", m.new_in_quarter},
          {"cells", cells},
          {"totals", totals},
          {"moved", moved}};
}

std::string movement_cells_csv(const Movement& m) {
  std::string out = "csm,stage,at_start,moved_forward,moved_back,share_pct,target_pct,met\r\n";
  for (const auto& c : m.cells)
    out += fmt::format("{},{},{},{},{},{:.1f},{},{}\r\n", cohorts::csv_text(c.csm), cohorts::csv_text(c.stage), c.at_start,
                       c.moved_forward, c.moved_back, c.share_pct,
                       c.target_pct ? fmt::format("{:.1f}", *c.target_pct) : std::string(),
                       c.met ? (*c.met ? "yes" : "no") : "");
  return out;
}

std::string moved_accounts_csv(const Movement& m) {
  std::string out = "account,name,csm,from,to,direction\r\n";
  for (const auto& a : m.moved)
    out += fmt::format("{},{},{},{},{},{}\r\n", cohorts::csv_text(a.account), cohorts::csv_text(a.name),
                       cohorts::csv_text(a.csm), cohorts::csv_text(a.from), cohorts::csv_text(a.to),
                       a.forward ? "forward" : "back");
  return out;
}

}  // namespace uplift::attribution
