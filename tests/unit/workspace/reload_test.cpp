// Config reload (Workspace::reload_config): a valid change is served whole — the new graph with
// every account re-evaluated under it; an invalid config is refused with every problem of every
// folder listed, and the running config keeps serving.
#include <doctest/doctest.h>

#include "support.h"

using namespace uplift;

TEST_CASE("reload: a new milestone is served and evaluated; a broken config is refused whole, every problem listed") {
  const workspace_testing::ScratchConfig dir("reload", {"milestones", "segments", "content_maps", "triggers"});
  auto opened = dir.open();
  auto& ws = *opened;
  Account acme;
  acme.id = "acme";
  acme.name = "Acme";
  Event e;
  e.id = "e1";
  e.account = "acme";
  e.name = "sso_configured";
  e.ts = *parse_timestamp("2026-03-01T10:00:00Z");
  std::vector<Record> records = {acme, e};
  REQUIRE(ws.ingest_concurrently([&](const app::View&) { return std::span<const Record>(records); }).ok());
  const auto before = ws.config();
  const std::size_t milestones_before = before->graph.milestones.size();

  // A valid change: a milestone counted from an event the account already has.
  dir.write("milestones/extra.json",
            R"({"milestones": [{"id": "sso_done", "title": "SSO configured", "event": "sso_configured", "count": 1}]})");
  auto r = ws.reload_config();
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  CHECK(r->milestones == milestones_before + 1);
  CHECK_FALSE(r->destinations_changed);
  CHECK(ws.config()->graph.milestones.size() == milestones_before + 1);
  CHECK(before->graph.milestones.size() == milestones_before);  // a snapshot held stays as it was
  {
    const app::View view = ws.view();
    CHECK(view.graph().milestones.size() == milestones_before + 1);
    const auto* state = view.state("acme");
    REQUIRE(state);
    auto it = std::find_if(state->milestones.begin(), state->milestones.end(), [](const auto& m) { return m.id == "sso_done"; });
    REQUIRE(it != state->milestones.end());
    CHECK(it->achieved_at == e.ts);  // evaluated from the stored event, under the new graph
  }

  // Broken in two folders at once: both problems listed; the served config does not change.
  const auto served = ws.config();
  dir.write("segments/broken.json", "{ not json");
  dir.write("triggers/bad.json", R"({"triggers": [{"id": "x", "when": {"no_such_condition": {}}}]})");
  auto bad = ws.reload_config();
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message().find("segments") != std::string::npos);
  CHECK(bad.status().message().find("triggers") != std::string::npos);
  CHECK(bad.status().message().find("bad.json") != std::string::npos);
  CHECK(ws.config() == served);
  CHECK(ws.config()->graph.milestones.size() == milestones_before + 1);
}
