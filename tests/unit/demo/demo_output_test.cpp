// The demo generator's output contract: deterministic bytes, canonical records, loadable cohorts,
// and stages that the shipped milestone graph (milestones/clm.json) actually reaches.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "demo/generate.h"
#include "cohorts/cohort.h"
#include "core/dataset.h"
#include "core/record_json.h"
#include "milestones/evaluator.h"
#include "milestones/loader.h"

using namespace uplift;
namespace fs = std::filesystem;

namespace {

const char* const kFiles[] = {"accounts.ndjson", "learners.ndjson",   "events.ndjson",  "completions.ndjson",
                              "attendance.ndjson", "arr.ndjson", "renewals.ndjson", "cohorts.json", "truth.json"};

demo::DemoConfig small(std::uint64_t seed, int accounts = 200) {
  demo::DemoConfig c;
  c.accounts = accounts;
  c.seed = seed;
  c.now = demo::default_demo_now();
  return c;
}

fs::path fresh_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / fmt::format("uplift-demo-test-{}-{}", name, ::getpid());
  fs::remove_all(p);
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string source_dir() {
  if (const char* env = std::getenv("UPLIFT_SOURCE_DIR")) return env;
  return UPLIFT_SOURCE_DIR;
}

// Generates once per seed for the whole test binary.
const fs::path& generated(std::uint64_t seed) {
  static std::map<std::uint64_t, fs::path> dirs;
  auto it = dirs.find(seed);
  if (it != dirs.end()) return it->second;
  fs::path dir = fresh_dir(std::to_string(seed));
  auto out = demo::generate_demo(small(seed), dir.string());
  REQUIRE_MESSAGE(out.ok(), out.status().to_string());
  return dirs[seed] = dir;
}

}  // namespace

TEST_CASE("the same seed writes byte-identical files; another seed does not") {
  const fs::path again = fresh_dir("again");
  REQUIRE(demo::generate_demo(small(7), again.string()).ok());
  const fs::path& first = generated(7);
  for (const char* f : kFiles) {
    INFO(f);
    REQUIRE(fs::exists(first / f));
    CHECK(slurp(first / f) == slurp(again / f));
  }
  const fs::path& other = generated(8);
  CHECK(slurp(first / "events.ndjson") != slurp(other / "events.ndjson"));
  CHECK(slurp(first / "accounts.ndjson") != slurp(other / "accounts.ndjson"));
  fs::remove_all(again);
}

TEST_CASE("every line is a canonical record exactly as record_to_json writes it") {
  const fs::path& dir = generated(7);
  std::map<std::string, std::size_t> kinds;
  for (const char* f : kFiles) {
    if (!std::string(f).ends_with(".ndjson")) continue;
    std::ifstream in(dir / f);
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      auto parsed = record_from_json(nlohmann::json::parse(line));
      if (!parsed.ok()) FAIL(f, ":", n, ": ", parsed.error.field, ": ", parsed.error.reason);
      const std::string canonical = record_to_json(*parsed.record).dump();
      if (canonical != line) FAIL(f, ":", n, ":\n  wrote     ", line, "\n  canonical ", canonical);
      kinds[std::string(kind_name(kind_of(*parsed.record)))] += 1;
    }
    CHECK_MESSAGE(n > 0, f);
  }
  CHECK(kinds["account"] == 200);
  // About 15 learners per account (more for upmarket), a few hundred events per account.
  CHECK(kinds["learner"] >= 200 * 11);
  CHECK(kinds["learner"] <= 200 * 22);
  CHECK(kinds["event"] >= 200 * 250);
  CHECK(kinds["event"] <= 200 * 900);
  CHECK(kinds["completion"] > kinds["learner"] / 2);
  CHECK(kinds["attendance"] > 0);
  CHECK(kinds["arr"] >= 200 * 6);
  CHECK(kinds["renewal"] > 20);
}

TEST_CASE("event ids are unique and the truth file counts what was written") {
  const fs::path& dir = generated(7);
  std::ifstream in(dir / "events.ndjson");
  std::string line;
  std::set<std::string> ids;
  std::size_t lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    ids.insert(nlohmann::json::parse(line)["id"].get<std::string>());
  }
  CHECK(ids.size() == lines);
  const auto truth = nlohmann::json::parse(slurp(dir / "truth.json"));
  CHECK(truth["events"].get<std::size_t>() == lines);
  CHECK(truth["seed"] == 7);
  CHECK(truth["quarter"] == "2026Q3");
  CHECK(truth["program"] == "data_manager_accelerator");
}

TEST_CASE("cohorts.json loads with the cohorts module and matches truth.json") {
  const fs::path& dir = generated(7);
  auto cohorts = cohorts::load_cohorts_file((dir / "cohorts.json").string());
  REQUIRE_MESSAGE(cohorts.ok(), cohorts.status().to_string());
  REQUIRE(cohorts->size() == 2);
  const auto truth = nlohmann::json::parse(slurp(dir / "truth.json"));
  const auto& dma = (*cohorts)[0];
  CHECK(dma.id == "dma-2026q3");
  CHECK(dma.program == "data_manager_accelerator");
  CHECK(dma.status == cohorts::CohortStatus::kSent);
  CHECK(dma.holdout_fraction == doctest::Approx(0.2));
  CHECK(dma.holdout == truth["accelerator"]["holdout"].get<std::vector<std::string>>());
  CHECK(dma.invitees.size() == truth["accelerator"]["invited"].size());
  CHECK(dma.eligible.size() == dma.invitees.size() + dma.holdout.size());
  for (const auto& inv : dma.invitees) {
    CHECK(!inv.learners.empty());
    CHECK(!inv.reason.empty());
  }
  const auto& ai = (*cohorts)[1];
  CHECK(ai.program == "ai_foundations_live");
  CHECK(ai.holdout.empty());
  CHECK(ai.holdout_fraction == 0);
}

TEST_CASE("the milestone graph reaches exactly the planted stages at the planted instants") {
  const fs::path& dir = generated(7);
  Dataset data;
  for (const char* f : kFiles) {
    if (!std::string(f).ends_with(".ndjson")) continue;
    std::ifstream in(dir / f);
    std::string line;
    while (std::getline(in, line)) data.apply(*record_from_json(nlohmann::json::parse(line)).record);
  }
  auto graph = milestones::load_graph_or_error(fs::path(source_dir()) / "milestones" / "clm.json");
  REQUIRE_MESSAGE(graph.ok(), graph.status().to_string());
  const demo::DemoWorld world = demo::plan_world(small(7));
  int out_of_order_flags = 0;
  for (const auto& plan : world.plans) {
    INFO(plan.id);
    const auto state = milestones::evaluate_account(*graph, data, plan.id, world.tl.now - 1);
    CHECK(state.stage == demo::stage_name(plan.stage));
    const auto* f = state.find("foundational");
    REQUIRE(f != nullptr);
    CHECK(f->achieved == plan.foundational_at.has_value());
    if (plan.foundational_at && f->achieved_at) CHECK(*f->achieved_at == *plan.foundational_at);
    const auto* adv = state.find("advanced");
    REQUIRE(adv != nullptr);
    if (plan.advanced_at && adv->achieved_at) CHECK(*adv->achieved_at == *plan.advanced_at);
    bool flagged = false;
    for (const auto& flag : state.flags) flagged |= flag.kind == "out_of_order";
    CHECK(flagged == plan.out_of_order);
    out_of_order_flags += flagged;
  }
  CHECK(out_of_order_flags > 0);
}

TEST_CASE("bad settings are refused with the flag named") {
  auto c = small(1);
  c.accounts = 0;
  auto r = demo::generate_demo(c, fresh_dir("bad").string());
  REQUIRE(!r.ok());
  CHECK(r.status().message().find("--accounts") != std::string::npos);
  c = small(1);
  c.holdout_fraction = 1.5;
  r = demo::generate_demo(c, fresh_dir("bad").string());
  REQUIRE(!r.ok());
  CHECK(r.status().message().find("--holdout") != std::string::npos);
}
