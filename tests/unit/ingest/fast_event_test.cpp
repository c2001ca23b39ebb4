// The NDJSON fast path for flat events must agree with the full parser (json::parse +
// record_from_json) on every line it accepts, and must leave every line the full parser rejects
// to the full parser. Checked on hand-written edge cases and on every line of the bad-input
// catalog and the import scenarios.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog.h"
#include "core/record_json.h"
#include "ingest/fast_event.h"
#include "ingest/utf8.h"

using namespace uplift;
using namespace uplift::ingest;
namespace fs = std::filesystem;

namespace {

// What the full parser makes of a line: the event, or nothing (rejected, or not an event).
std::optional<Event> full_parse(std::string_view line, std::optional<RecordKind> forced) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line.begin(), line.end());
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  auto r = record_from_json(j, forced);
  if (!r.ok() || !std::holds_alternative<Event>(*r.record)) return std::nullopt;
  return std::get<Event>(*r.record);
}

// Checks the two paths agree on one line; returns whether the fast path took it.
bool agree(const std::string& line, std::optional<RecordKind> forced = std::nullopt) {
  if (find_invalid_utf8(line)) return false;  // the caller rejects these before either path
  Event fast;
  bool took = fast_event_line(line, forced, fast);
  if (!took) return false;
  auto full = full_parse(line, forced);
  INFO("line: " << line);
  REQUIRE_MESSAGE(full.has_value(), "the fast path accepted a line the full parser rejects");
  CHECK(fast == *full);
  CHECK(fast.props.dump() == full->props.dump());
  return true;
}

}  // namespace

TEST_CASE("the fast path takes ordinary event lines and builds the same event") {
  const std::vector<std::string> taken = {
      R"({"kind":"event","id":"ev-1","account":"acct-1","name":"login","ts":"2026-01-01T00:00:07Z","learner":"u-1","props":{"group_id":"g1"}})",
      R"({"kind":"event","id":"ev-2","account":"a","name":"n","ts":"2026-01-01T00:00:07.250Z"})",
      R"(  { "ts" : "2026-03-01T12:00:00+02:00" , "name":"n", "account":"a", "id":"x", "kind":"event" }  )",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":3})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":-0})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":-0.0})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":2.5e3})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":0.1})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":123456789012})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":1e12})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","learner":""})",
      R"({"kind":"event","id":"é","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","props":{}})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","props":{"b":"2","a":"1"}})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-12-31 23:59:60Z"})",
  };
  for (const auto& line : taken) {
    INFO("line: " << line);
    CHECK(agree(line));
  }
  // --kind event: the kind field is ignored (any string), or may be absent.
  CHECK(agree(R"({"kind":"whatever","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z"})",
              RecordKind::kEvent));
  CHECK(agree(R"({"id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z"})", RecordKind::kEvent));
}

TEST_CASE("the fast path leaves everything unusual or invalid to the full parser") {
  const std::vector<std::string> left = {
      R"({"kind":"event","id":"e\u0041","account":"a","name":"n","ts":"2026-01-01T00:00:00Z"})",  // escape
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","x":"1"})",  // unknown field
      R"({"kind":"event","id":"e","id":"f","account":"a","name":"n","ts":"2026-01-01T00:00:00Z"})",  // duplicate
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","learner":null})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":1e999})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":01})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":-1})",  // negative
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":-0.001})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":1.000001e12})",  // over
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":1e308})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","qty":1234567890123456789})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","props":{"n":1}})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","props":{"a":"1","a":"2"}})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","props":{"o":{}}})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z"} x)",
      R"({"kind":"event","id":"","account":"a","name":"n","ts":"2026-01-01T00:00:00Z"})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-02-30T00:00:00Z"})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00"})",
      R"({"kind":"Event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z"})",
      R"({"kind":"learner","id":"e","account":"a"})",
      R"({"id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z"})",
      "{\"kind\":\"event\",\"id\":\"e\x7f\",\"account\":\"a\",\"name\":\"n\",\"ts\":\"2026-01-01T00:00:00Z\"}",
      "{\"kind\":\"event\",\"id\":\"e\x01\",\"account\":\"a\",\"name\":\"n\",\"ts\":\"2026-01-01T00:00:00Z\"}",
      R"({"kind":"event","id":")" + std::string(192, 'x') + R"(","account":"a","name":"n","ts":"2026-01-01T00:00:00Z"})",
      R"({})",
      R"([])",
  };
  for (const auto& line : left) {
    INFO("line: " << line);
    Event e;
    CHECK_FALSE(fast_event_line(line, std::nullopt, e));
  }
  Event e;
  CHECK_FALSE(fast_event_line(R"({"id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z"})",
                              RecordKind::kLearner, e));
}

TEST_CASE("on every line of the bad-input catalog and the import scenarios the two paths agree") {
  std::size_t lines = 0;
  const fs::path root = catalog::source_dir() / "tests/data";
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".ndjson") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      agree(line);
      agree(line, RecordKind::kEvent);
      ++lines;
    }
  }
  CHECK(lines > 100);
}

// An importer parses each line over an event it has already written (reusing its strings and
// props nodes). Whatever that event held — more props, fewer, none, numbers or objects from the
// full parser, long strings — the result must be the event a fresh parse gives, and a line the
// fast path declines must leave the old event as it was.
TEST_CASE("parsed over a spent event, the fast path gives the same event as from scratch") {
  const std::vector<std::string> spent_lines = {
      R"({"kind":"event","id":"old-1","account":"acct-old","name":"a_rather_long_event_name_here","ts":"2025-01-01T00:00:00Z","learner":"a-learner-with-a-long-id","qty":7,"props":{"a":"1","b":"2","c":"3","d":"a long value, longer than fifteen bytes"}})",
      R"({"kind":"event","id":"old-2","account":"a","name":"n","ts":"2025-01-01T00:00:00Z"})",
      R"({"kind":"event","id":"old-3","account":"a","name":"n","ts":"2025-01-01T00:00:00Z","props":{"n":1,"o":{"x":[1,2]},"group_id":"g"}})",
      R"({"kind":"event","id":"old-4","account":"a","name":"n","ts":"2025-01-01T00:00:00Z","props":{"group_id":"gg"}})",
  };
  const std::vector<std::string> lines = {
      R"({"kind":"event","id":"ev-1","account":"acct-1","name":"login","ts":"2026-01-01T00:00:07Z","learner":"u-1","props":{"group_id":"g1"}})",
      R"({"kind":"event","id":"ev-2","account":"a","name":"n","ts":"2026-01-01T00:00:07.250Z"})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","props":{}})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","props":{"z":"1","y":"2","x":"3","w":"4","v":"5"}})",
      R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","props":{"group_id":"g2","n":"x"}})",
  };
  for (const auto& old_line : spent_lines) {
    auto old = full_parse(old_line, std::nullopt);
    REQUIRE(old.has_value());
    for (const auto& line : lines) {
      INFO("over: " << old_line << "\nline: " << line);
      Event over = *old;
      REQUIRE(fast_event_line(line, std::nullopt, over));
      auto fresh = full_parse(line, std::nullopt);
      REQUIRE(fresh.has_value());
      CHECK(over == *fresh);
      CHECK(over.props.dump() == fresh->props.dump());
    }
    // Declined lines leave the spent event untouched.
    Event kept = *old;
    CHECK_FALSE(fast_event_line(R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-01-01T00:00:00Z","props":{"a":"1","a":"2"}})",
                                std::nullopt, kept));
    CHECK_FALSE(fast_event_line(R"({"kind":"event","id":"e","account":"a","name":"n","ts":"2026-02-30T00:00:00Z","props":{"k":"v"}})",
                                std::nullopt, kept));
    CHECK(kept == *old);
  }
}
