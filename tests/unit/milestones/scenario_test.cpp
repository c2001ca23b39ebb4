// Runs every tests/scenarios/milestones/*.json: records in → expected milestone states out.
//
// A scenario file holds {"cases": [...]}; each case has a name, a graph (a path relative to the
// repo root, or an inline graph object), optional as_of, the records (canonical NDJSON objects),
// and `expect` per account. Only what a case states is checked, except `frontier` and `flags`,
// which are compared whole when given. Every case is evaluated three ways — full rebuild,
// incremental in file order, incremental in reverse order — and all three must agree.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "core/dataset.h"
#include "core/record_json.h"
#include "milestones/evaluator.h"
#include "milestones/loader.h"
#include "milestones/state_json.h"
#include "support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace uplift;
using namespace uplift::milestones;

namespace {

using uplift::milestones::testing::source_dir;

json read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE_MESSAGE(in, "cannot read " << p);
  return json::parse(in);
}

std::string progress_text(const Progress& p) { return fmt::format("{:g}/{:g}", p.current, p.target); }

std::optional<Timestamp> ts_or_null(const json& j) {
  if (j.is_null()) return std::nullopt;
  auto t = parse_timestamp(j.get<std::string>());
  REQUIRE_MESSAGE(t.ok(), t.status().to_string());
  return *t;
}

// Evaluates records applied in `order`, one at a time with a flush after each.
std::map<std::string, AccountState, std::less<>> incremental(const Graph& g, const std::vector<Record>& records,
                                                             std::vector<std::size_t> order,
                                                             std::optional<Timestamp> as_of) {
  Dataset data;
  Evaluator ev(g, data, as_of);
  ev.rebuild();
  for (std::size_t i : order) {
    if (data.apply(records[i])) ev.note(records[i]);
    ev.flush();
  }
  return state_values(ev.states());
}

void check_flags(const std::string& ctx, const AccountState& s, const json& want) {
  INFO(ctx << " flags: " << to_json(s).dump());
  REQUIRE(s.flags.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const Flag& f = s.flags[i];
    const json& w = want[i];
    CHECK(f.kind == w.at("kind").get<std::string>());
    CHECK(f.milestone == w.at("milestone").get<std::string>());
    if (w.contains("missing")) CHECK(f.missing == w["missing"].get<std::vector<std::string>>());
    if (w.contains("at")) CHECK(f.at == ts_or_null(w["at"]));
    if (w.contains("change_pct")) CHECK(f.change_pct == doctest::Approx(w["change_pct"].get<double>()));
    if (w.contains("before_rate")) CHECK(f.before_rate == doctest::Approx(w["before_rate"].get<double>()));
    if (w.contains("after_rate")) CHECK(f.after_rate == doctest::Approx(w["after_rate"].get<double>()));
  }
}

void check_account(const std::string& ctx, const AccountState* s, const json& want) {
  REQUIRE_MESSAGE(s != nullptr, ctx << ": no state for the account");
  INFO(ctx << " state: " << to_json(*s).dump());
  if (want.contains("stage")) CHECK(s->stage == want["stage"].get<std::string>());
  if (want.contains("stage_reached_at")) CHECK(s->stage_reached_at == ts_or_null(want["stage_reached_at"]));
  if (want.contains("frontier")) CHECK(s->frontier == want["frontier"].get<std::vector<std::string>>());
  if (want.contains("flags")) check_flags(ctx, *s, want["flags"]);
  if (want.contains("achieved")) {
    std::vector<std::string> got;
    for (const auto& m : s->milestones)
      if (m.achieved) got.push_back(m.id);
    CHECK(got == want["achieved"].get<std::vector<std::string>>());
  }
  const json expected_milestones = want.value("milestones", json::object());
  for (const auto& [id_, w] : expected_milestones.items()) {
    const std::string id = id_;  // a named variable: doctest captures messages in a lambda
    const MilestoneStatus* m = s->find(id);
    REQUIRE_MESSAGE(m != nullptr, ctx << ": no milestone " << id);
    if (w.contains("achieved")) CHECK_MESSAGE(m->achieved == w["achieved"].get<bool>(), id);
    if (w.contains("achieved_at")) CHECK_MESSAGE(m->achieved_at == ts_or_null(w["achieved_at"]), id);
    if (w.contains("progress")) CHECK_MESSAGE(progress_text(m->progress) == w["progress"].get<std::string>(), id);
  }
}

void run_case(const fs::path& file, const json& c) {
  std::string name = fmt::format("{}: {}", file.filename().string(), c.value("name", std::string("?")));
  INFO(name);
  GraphLoad load = c.at("graph").is_string() ? load_graph(source_dir() / c["graph"].get<std::string>())
                                             : parse_graph(c["graph"], name);
  REQUIRE_MESSAGE(load.graph, fmt::format("{}", fmt::join(load.problems, "\n")));
  const Graph& g = *load.graph;
  std::vector<Record> records;
  for (const auto& r : c.at("records")) {
    auto rec = record_from_json(r);
    REQUIRE_MESSAGE(rec.ok(), name << ": bad record " << r.dump() << ": " << rec.error.field << ": " << rec.error.reason);
    records.push_back(*rec.record);
  }
  std::optional<Timestamp> as_of;
  if (c.contains("as_of")) as_of = ts_or_null(c["as_of"]);

  Dataset data;
  for (const auto& r : records) data.apply(r);
  Evaluator full(g, data, as_of);
  full.rebuild();
  for (const auto& [account, want] : c.at("expect").items()) check_account(name + " / " + account, full.state(account), want);

  std::vector<std::size_t> order(records.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto forward = incremental(g, records, order, as_of);
  std::reverse(order.begin(), order.end());
  auto backward = incremental(g, records, order, as_of);
  CHECK_MESSAGE(forward == state_values(full.states()), name << ": incremental (in order) differs from the rebuild");
  CHECK_MESSAGE(backward == state_values(full.states()), name << ": incremental (reversed) differs from the rebuild");
  for (const auto& [account_, shared] : full.states()) {
    const auto& account = account_;  // a named variable: doctest captures messages in a lambda
    const AccountState& s = *shared;
    auto back = account_state_from_json(json::parse(to_json(s).dump()));
    REQUIRE(back.ok());
    CHECK_MESSAGE(*back == s, name << ": JSON round trip changed " << account);
    // Stored states are read back through the fast path: it must take every one, unchanged.
    AccountState fast;
    CHECK_MESSAGE(account_state_from_text_fast(to_json(s).dump(), fast), name << ": fast path declined " << account);
    CHECK_MESSAGE(fast == s, name << ": fast path changed " << account);
    // The state saver writes the text directly: the same bytes as the JSON library's.
    CHECK_MESSAGE(to_json_text(s) == to_json(s).dump(), name << ": to_json_text differs for " << account);
  }
}

}  // namespace

TEST_CASE("milestone scenarios") {
  fs::path dir = source_dir() / "tests/scenarios/milestones";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
  std::size_t cases = 0;
  for (const auto& f : files) {
    json doc = read_json(f);
    for (const auto& c : doc.at("cases")) {
      run_case(f, c);
      ++cases;
    }
  }
  MESSAGE(cases << " scenario cases");
  CHECK(cases >= 30);
}
