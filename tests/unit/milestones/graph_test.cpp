// The loader: the shipped graph loads; every file of the invalid catalog
// (tests/data/milestones_invalid/) is refused with the message listed for it in
// tests/data/milestones_invalid_expected.json; exports name every edge.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "milestones/graph.h"
#include "milestones/loader.h"
#include "support.h"
#include "milestones/topology.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace uplift::milestones;

namespace {
using uplift::milestones::testing::source_dir;
}  // namespace

TEST_CASE("the shipped clm graph loads in topological order") {
  GraphLoad g = load_graph(source_dir() / "milestones");
  REQUIRE_MESSAGE(g.graph, fmt::format("{}", fmt::join(g.problems, "\n")));
  const Graph& graph = *g.graph;
  CHECK(graph.id == "clm");
  CHECK(graph.stages == std::vector<std::string>{"onboarding", "foundational", "advanced", "mature"});
  for (std::size_t i = 0; i < graph.milestones.size(); ++i) {
    const Milestone& m = graph.milestones[i];
    auto before = [&](const std::string& dep) { return graph.index_of(dep) < static_cast<int>(i); };
    for (const auto& r : m.requires_) CHECK_MESSAGE(before(r), m.id << " requires " << r);
    if (m.gate)
      for (const auto& o : m.gate->operands) CHECK_MESSAGE(before(o), m.id << " reads " << o);
  }
  REQUIRE(graph.find("three_groups"));
  CHECK(graph.find("three_groups")->criterion->field == "props.group_id");
  CHECK(graph.by_event.at("group_created") == std::vector<int>{graph.index_of("three_groups")});
  CHECK(graph.any_event == std::vector<int>{graph.index_of("ten_users")});
}

TEST_CASE("every invalid graph is refused with a message naming file and milestone") {
  json expected;
  std::ifstream(source_dir() / "tests/data/milestones_invalid_expected.json") >> expected;
  fs::path dir = source_dir() / "tests/data/milestones_invalid";
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    INFO(name);
    REQUIRE_MESSAGE(expected.contains(name), "no expected message listed for " << name);
    ++files;
    GraphLoad g = load_graph(e.path());
    CHECK_FALSE(g.graph.has_value());
    std::string all = fmt::format("{}", fmt::join(g.problems, "\n"));
    INFO(all);
    for (const auto& want : expected[name]) CHECK(all.find(want.get<std::string>()) != std::string::npos);
  }
  CHECK(files == expected.size());
}

TEST_CASE("a directory is one graph: all problems of all files are listed") {
  GraphLoad g = load_graph(source_dir() / "tests/data/milestones_invalid");
  CHECK_FALSE(g.graph.has_value());
  CHECK(g.problems.size() >= 19);
}

TEST_CASE("cycle path and topological order") {
  std::vector<int> order;
  auto cycle = find_cycle_and_order({{1}, {2}, {0}}, order);
  REQUIRE(cycle);
  CHECK(*cycle == std::vector<int>{0, 1, 2, 0});
  CHECK_FALSE(find_cycle_and_order({{1, 2}, {2}, {}}, order));
  CHECK(order == std::vector<int>{2, 1, 0});
}

TEST_CASE("the sketch's shorthand: a milestone with only requires is an all-gate") {
  json doc = json::parse(R"({"id":"s","stages":["a","f"],"milestones":[
    {"id":"x","event":"x"},{"id":"y","event":"y"},{"id":"f","requires":["x","y"],"stage":"f"}]})");
  GraphLoad g = parse_graph(doc, "sketch.json");
  REQUIRE(g.graph);
  const Milestone* f = g.graph->find("f");
  REQUIRE(f->gate);
  CHECK(f->gate->mode == GateMode::kAll);
  CHECK(f->gate->operands == std::vector<std::string>{"x", "y"});
  CHECK(f->requires_.empty());
}

TEST_CASE("DOT and Mermaid exports carry every edge kind") {
  GraphLoad g = load_graph(source_dir() / "milestones/clm.json");
  REQUIRE(g.graph);
  std::string dot = to_dot(*g.graph), mermaid = to_mermaid(*g.graph);
  CHECK(dot.rfind("digraph \"clm\"", 0) == 0);
  CHECK(dot.find("\"three_groups\" -> \"foundational\";") != std::string::npos);
  CHECK(dot.find("\"foundational\" -> \"ai_review_used\" [label=\"expects\"") != std::string::npos);
  CHECK(mermaid.rfind("flowchart LR", 0) == 0);
  CHECK(mermaid.find("  foundational ==>|requires| integrations_connected") != std::string::npos);
  CHECK(mermaid.find("  foundational -.->|expects| ai_review_used") != std::string::npos);
  json j = to_json(*g.graph);
  CHECK(j["milestones"].size() == g.graph->milestones.size());
}
