// Fuzz target: the segment catalog loader and rule evaluation.
// Invariants: a catalog that loads evaluates without crashing against a sample learner, and its
// own JSON form (what GET /v1/segments shows) loads again.
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "core/dataset.h"
#include "segments/loader.h"
#include "segments/segment.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift;
  using namespace uplift::segments;
  auto doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded()) return 0;
  KnownIds known;
  if (size > 0 && data[size - 1] % 2 == 0) {
    known.stages = {"onboarding", "adoption", "expansion"};
    known.milestones = {"workspace_created", "first_workflow"};
  }
  SegmentSet set;
  auto status = parse_segments(doc, "fuzz.json", known, set);
  if (!status.ok()) {
    if (status.message().find("fuzz.json") == std::string::npos) std::abort();
    return 0;
  }
  Account account{.id = "acme", .name = "Acme", .plan = "business", .tier = "smb", .csm = "", .arr = 1000,
                  .renewal_date = std::nullopt, .created_at = 1'700'000'000'000, .audience = Audience::kCustomer};
  Learner learner{.id = "ana", .account = "acme", .email = "ana@acme.test", .role = "admin",
                  .access_level = "full", .created_at = 1'760'000'000'000, .audience = std::nullopt};
  static Dataset held;  // the learner as the server holds it
  if (!held.learner("ana")) held.apply(Record(learner));
  milestones::AccountState state;
  state.account = "acme";
  state.stage = "adoption";
  LearnerFacts facts{.learner = held.learner("ana"), .account = &account, .state = &state,
                     .audience = Audience::kCustomer, .as_of = 1'780'000'000'000};
  std::vector<std::uint32_t> members;
  member_of(set, facts, members);
  auto explained = explain(set, facts);
  if (explained.size() != members.size()) std::abort();
  nlohmann::json again = {{"segments", nlohmann::json::array()}};
  for (const auto& s : set.segments) again["segments"].push_back(to_json(s));
  SegmentSet reloaded;
  if (!parse_segments(again, "roundtrip", known, reloaded).ok()) std::abort();
  if (reloaded.segments.size() != set.segments.size()) std::abort();
  return 0;
}
