// The one logger (log/log.h): event lines keep the field names and order operators and tests grep
// for; every line — events and request lines, batched or not — reaches the output whole, in order.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../enum_names.h"
#include "log/log.h"

using namespace uplift;

namespace {

// A temporary file the logger writes to for the length of a test; stderr again afterwards.
struct Capture {
  std::string path;
  int fd = -1;
  Capture() {
    char name[] = "/tmp/uplift-log-test-XXXXXX";
    fd = mkstemp(name);
    path = name;
    log::set_output_fd(fd);
  }
  ~Capture() {
    log::set_output_fd(2);
    close(fd);
    unlink(path.c_str());
  }
  std::vector<std::string> lines() const {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
};

}  // namespace

TEST_CASE("event lines: level, msg, then the fields in the order given, as JSON") {
  CHECK(log::format_event(log::Level::kInfo, "ready", {}) == R"({"level":"info","msg":"ready"})");
  std::vector<log::Field> f = {{"url", "http://127.0.0.1:8080/"}, {"port", 8080}};
  CHECK(log::format_event(log::Level::kInfo, "listening", f) ==
        R"({"level":"info","msg":"listening","url":"http://127.0.0.1:8080/","port":8080})");
  f = {{"by", "SIGHUP"}, {"milestones", std::size_t{12}}, {"destinations_changed", false}};
  CHECK(log::format_event(log::Level::kInfo, "config reloaded", f) ==
        R"({"level":"info","msg":"config reloaded","by":"SIGHUP","milestones":12,"destinations_changed":false})");
  // A message with quotes, a newline and invalid UTF-8 stays one line of valid JSON.
  f = {{"error", std::string("bad \"x\"\n\xff")}};
  const std::string line = log::format_event(log::Level::kWarn, "catch-up failed", f);
  CHECK(line.find('\n') == std::string::npos);
  auto j = nlohmann::json::parse(line);
  CHECK(j["level"] == "warn");
  CHECK(j["error"].get<std::string>().rfind("bad \"x\"\n", 0) == 0);
  CHECK(log::format_event(log::Level::kError, "x", {}).rfind(R"({"level":"error",)", 0) == 0);
}

TEST_CASE("levels: every enumerator's name parses back to it") {
  uplift::testing::check_names_round_trip({log::Level::kInfo, log::Level::kWarn, log::Level::kError}, log::level_name,
                                          log::parse_level);
}

TEST_CASE("lines reach the output whole and in order, with and without a batch") {
  Capture out;
  log::info("ready");
  log::line(R"({"ts":"2026-01-01T00:00:00Z","method":"GET"})");
  log::warn("unresolved queue not applied", {{"error", "db gone"}});
  {
    log::Batch batch;
    for (int i = 0; i < 100; ++i) log::line(nlohmann::json{{"ts", "t"}, {"i", i}}.dump());
    log::error("handler failed", {{"path", "/v1/x"}, {"error", "boom"}});
    log::info("stopped");
  }  // the batch writes what is left
  auto lines = out.lines();
  REQUIRE(lines.size() == 105);
  CHECK(lines[0] == R"({"level":"info","msg":"ready"})");
  CHECK(lines[1] == R"({"ts":"2026-01-01T00:00:00Z","method":"GET"})");
  CHECK(lines[2] == R"({"level":"warn","msg":"unresolved queue not applied","error":"db gone"})");
  for (int i = 0; i < 100; ++i) CHECK(nlohmann::json::parse(lines[3 + i])["i"] == i);
  CHECK(lines[103] == R"({"level":"error","msg":"handler failed","path":"/v1/x","error":"boom"})");
  CHECK(lines[104] == R"({"level":"info","msg":"stopped"})");
}

TEST_CASE("many threads during a batch: every line whole, each thread's lines in its order") {
  Capture out;
  constexpr int kThreads = 4, kLines = 500;
  {
    log::Batch batch;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([t] {
        for (int i = 0; i < kLines; ++i) log::info("tick", {{"thread", t}, {"i", i}});
      });
    for (auto& th : threads) th.join();
    log::flush();
    CHECK(out.lines().size() == kThreads * kLines);  // flush() wrote everything logged before it
  }
  std::vector<int> next(kThreads, 0);
  for (const auto& l : out.lines()) {
    auto j = nlohmann::json::parse(l);
    const int t = j["thread"];
    CHECK(j["i"] == next[t]++);
  }
  for (int n : next) CHECK(n == kLines);
}
