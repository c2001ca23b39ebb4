// The fast path for Segment batches (segment_batch_from_text) must give exactly what the full
// mapping gives (segment_to_records over json::parse): the same records, items, upserts, actors
// and errors, in the same order — on hand-written edge cases and on thousands of generated
// batches that mix plain tracks with everything the fast path must leave to the full mapping
// (escapes, nulls, numbers, duplicates, nesting, identify and group calls, missing fields, other
// time and account sources).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ingest/segment.h"

using namespace uplift;
using namespace uplift::ingest;

namespace {

SegmentOptions options() {
  SegmentOptions o;
  o.received_at = parse_timestamp("2026-11-30T12:00:00Z").value();
  return o;
}

// Both routes agree on `body`; returns whether the fast route read it at all.
bool check_same(const std::string& body) {
  auto fast = segment_batch_from_text(body, options());
  if (!fast) return false;
  AdapterResult full = segment_to_records(nlohmann::json::parse(body), "batch", options());
  INFO(body);
  CHECK(fast->items == full.items);
  CHECK(fast->records == full.records);
  CHECK(fast->record_items == full.record_items);
  CHECK(fast->upserts == full.upserts);
  CHECK(fast->actors == full.actors);
  CHECK(fast->errors == full.errors);
  CHECK(fast->ignored == full.ignored);
  return true;
}

// A random track (or another call) with each field possibly missing, null, mistyped, escaped
// or duplicated: what a generator of edge cases can say in Segment's format.
struct Generator {
  std::mt19937 rng;
  explicit Generator(unsigned seed) : rng(seed) {}
  bool chance(double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)]; }

  std::string string_value() {
    static const std::vector<std::string> kStrings = {
        R"("login")", R"("acct-00001")", R"("u-1")", R"("")", R"("with \"quote\"")", R"("tab\there")",
        R"("ünïcode")", R"("\u00e9")", R"("a\\b")", R"("workflow_published")", R"("segment:odd")", R"("x y")"};
    return pick(kStrings);
  }
  std::string value() {
    if (chance(0.75)) return string_value();
    static const std::vector<std::string> kOthers = {"null", "42", "1.5", "-0", "true", "[]", "{}", R"(["a"])",
                                                     R"({"groupId":"acct-00002"})"};
    return pick(kOthers);
  }
  std::string time_value() {
    static const std::vector<std::string> kTimes = {
        R"("2026-11-20T10:00:00Z")", R"("2026-11-20T10:00:00.123Z")", R"("2026-11-20T12:00:00+02:00")",
        R"("2026-11-20")", R"("not a time")", "null", "17", R"("")"};
    return chance(0.7) ? kTimes[0] : pick(kTimes);
  }
  std::string props() {
    std::vector<std::string> members;
    int n = std::uniform_int_distribution<>(0, 3)(rng);
    static const std::vector<std::string> kKeys = {"group_id", "plan", "count", "groupId", "nested"};
    for (int i = 0; i < n; ++i) {
      std::string key = pick(kKeys);
      std::string v = chance(0.8) ? string_value() : value();
      if (key == "nested" && chance(0.5)) v = R"({"deep":{"x":"y"}})";
      members.push_back("\"" + key + "\":" + v);
    }
    std::string out = "{";
    for (std::size_t i = 0; i < members.size(); ++i) out += (i ? "," : "") + members[i];
    return out + "}";
  }
  std::string message(int n) {
    std::vector<std::pair<std::string, std::string>> m;
    const bool plain = chance(0.6);  // most items look like analytics-node's tracks
    static const std::vector<std::string> kTypes = {R"("track")", R"("identify")", R"("group")", R"("page")",
                                                    "null", "7"};
    m.emplace_back("type", plain || chance(0.5) ? R"("track")" : pick(kTypes));
    auto put = [&](const std::string& key, std::string v, double p_present) {
      if (chance(p_present)) m.emplace_back(key, std::move(v));
    };
    put("messageId", plain ? "\"m-" + std::to_string(n) + "\"" : value(), plain ? 1.0 : 0.85);
    put("event", plain ? R"("workflow_published")" : value(), plain ? 1.0 : 0.85);
    put("userId", plain ? R"("acct-00001-u01")" : value(), plain ? 1.0 : 0.8);
    put("anonymousId", value(), 0.15);
    put("groupId", value(), 0.15);
    std::string context = "{";
    if (plain || chance(0.8)) context += "\"groupId\":" + std::string(plain ? R"("acct-00001")" : value());
    if (chance(0.2)) context += std::string(context.size() > 1 ? "," : "") + R"("traits":{"groupId":"acct-00003"})";
    if (chance(0.3)) context += std::string(context.size() > 1 ? "," : "") + R"("library":{"name":"analytics-node","version":"2.1.0"})";
    context += "}";
    put("context", chance(0.05) ? value() : context, plain ? 1.0 : 0.85);
    put("properties", plain ? props() : (chance(0.7) ? props() : value()), plain ? 0.9 : 0.7);
    put("timestamp", time_value(), plain ? 0.95 : 0.7);
    put("originalTimestamp", time_value(), 0.1);
    put("sentAt", time_value(), 0.1);
    put("traits", R"({"email":"a@example.com","groupId":"acct-00004","name":"Acme","plan":"pro"})", plain ? 0 : 0.3);
    put("integrations", "{}", 0.2);
    if (chance(0.03)) m.push_back(m[std::uniform_int_distribution<std::size_t>(0, m.size() - 1)(rng)]);  // a duplicate
    std::shuffle(m.begin(), m.end(), rng);
    std::string out = "{";
    for (std::size_t i = 0; i < m.size(); ++i) out += (i ? "," : "") + ("\"" + m[i].first + "\":" + m[i].second);
    return out + "}";
  }
  std::string batch() {
    int n = std::uniform_int_distribution<>(1, 12)(rng);
    std::string items;
    for (int i = 0; i < n; ++i) items += (i ? "," : "") + (chance(0.03) ? value() : message(i));
    std::string out = "{\"batch\":[" + items + "]";
    if (chance(0.3)) out += ",\"sentAt\":" + time_value();
    if (chance(0.2)) out += R"(,"context":{"library":{"name":"analytics-node"}})";
    return out + "}";
  }
};

}  // namespace

TEST_CASE("segment fast path: a plain track becomes the event the full mapping makes") {
  const std::string body = R"({"batch":[{"type":"track","messageId":"m-1","userId":"acct-00001-u01",
    "event":"workflow_published","properties":{"group_id":"g-1"},"context":{"groupId":"acct-00001",
    "library":{"name":"analytics-node","version":"2.1.0"}},"timestamp":"2026-11-20T10:00:00Z",
    "integrations":{},"_metadata":{"jsRuntime":"node"}}],"sentAt":"2026-11-20T10:00:01Z"})";
  REQUIRE(check_same(body));
  auto r = segment_batch_from_text(body, options());
  REQUIRE(r->records.size() == 1);
  const auto& e = std::get<Event>(r->records[0]);
  CHECK(e.id == "m-1");
  CHECK(e.learner == "acct-00001-u01");
  CHECK(e.account == "acct-00001");
  REQUIRE(r->actors.size() == 1);
  CHECK(r->actors[0]->aliases == std::vector<std::string>{"segment:acct-00001-u01"});
}

TEST_CASE("segment fast path: items it does not take keep their place, errors and fields") {
  // A good track, an identify, a track without an account, an escaped name, a track timed by the
  // batch's sentAt: the fast path takes the first and last, the full mapping the others.
  const std::string body = R"({"batch":[
    {"type":"track","messageId":"a","userId":"u-1","event":"login","context":{"groupId":"acct-1"},"timestamp":"2026-11-20T10:00:00Z"},
    {"type":"identify","userId":"u-2","traits":{"groupId":"acct-1","email":"u2@example.com"}},
    {"type":"track","messageId":"b","userId":"u-1","event":"login","timestamp":"2026-11-20T10:00:00Z"},
    {"type":"track","messageId":"c","userId":"u-1","event":"log\"in","context":{"groupId":"acct-1"},"timestamp":"2026-11-20T10:00:00Z"},
    {"type":"track","messageId":"d","userId":"u-1","event":"login","context":{"groupId":"acct-1"}}],
    "sentAt":"2026-11-21T00:00:00Z"})";
  REQUIRE(check_same(body));
  auto r = segment_batch_from_text(body, options());
  CHECK(r->items == 5);
  CHECK(r->record_items == std::vector<std::size_t>{0, 1, 3, 4});
  REQUIRE(r->errors.size() == 1);
  CHECK(r->errors[0].index == 2);
  CHECK(r->errors[0].field == "context.groupId");
  CHECK(std::get<Event>(r->records[3]).ts == parse_timestamp("2026-11-21T00:00:00Z").value());
}

TEST_CASE("segment fast path: bodies it cannot read as one batch are left to the full route") {
  for (const char* body : {"", "not json", "{\"batch\":[", R"({"batch":[1,2]]})", "[]", "{}", R"({"batch":[]})",
                           R"({"batch":{}})", R"({"batch":[{}],"batch":[{}]})", R"({"batch":[{}],"sentAt":"a\"b"})"}) {
    INFO(body);
    CHECK_FALSE(segment_batch_from_text(body, options()).has_value());
  }
}

TEST_CASE("segment fast path: generated batches map exactly as the full mapping does") {
  Generator g(20261205);
  std::size_t taken = 0, items = 0, fast_items = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string body = g.batch();
    if (check_same(body)) {
      ++taken;
      auto r = segment_batch_from_text(body, options(), &fast_items);
      items += r->items;
    }
  }
  // Every generated body is one batch the fast route reads (items it does not take go to the full
  // mapping inside it), and it takes a good share of the items itself: the plain tracks.
  CHECK(taken == 4000);
  CHECK(fast_items > items / 5);
  CHECK(fast_items < items);
}
