// The stage aggregates (app/aggregates.h) are maintained as accounts change; at every published
// version they must equal a recomputation from scratch, and their funnels must equal counting the
// accounts one by one as GET /v1/stages did before (the reference below). Random streams of
// account records (tier, plan, CSM and audience changing back and forth — retractions), product
// events, learners moving between accounts and completions; checked after every batch on the
// writing workspace, on a second one that catches up from the same store, and across a reload.
// The segment sizes (segments/sizes.h) are held to counting every learner the same way, with
// learners' roles and joining dates and accounts' creation dates so the default catalog's role
// and tenure rules move as records change and days pass.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <random>

#include "app/workspace.h"
#include "core/time.h"
#include "segments/sizes.h"

using namespace uplift;
namespace fs = std::filesystem;

namespace {

// GET /v1/stages as it counted before the aggregates: every known account, one by one.
app::Funnel funnel_by_scan(const app::View& view, const app::FunnelFilter& f) {
  const auto& graph = view.graph();
  app::Funnel out;
  out.achieved.assign(graph.milestones.size(), 0);
  std::set<std::string> ids;
  for (const auto& [id, a] : view.data().accounts()) ids.insert(id);
  for (const auto& s : view.states()) ids.insert(s->account);
  for (const auto& id : ids) {
    const Account* a = view.data().account(id);
    if (f.audience && (!a || a->audience != *f.audience)) continue;
    const std::string tier = a ? a->tier : "", plan = a ? a->plan : "", csm = a ? a->csm : "";
    if ((!f.tier.empty() && tier != f.tier) || (!f.plan.empty() && plan != f.plan) || (!f.csm.empty() && csm != f.csm))
      continue;
    const auto* st = view.state(id);
    const std::string stage = st ? st->stage : graph.stages.front();
    ++out.total;
    ++out.per_stage[stage];
    ++out.by["tier"][tier][stage];
    ++out.by["plan"][plan][stage];
    ++out.by["csm"][csm][stage];
    if (st)
      for (std::size_t i = 0; i < graph.milestones.size(); ++i)
        if (const auto* m = st->find(graph.milestones[i].id); m && m->achieved) ++out.achieved[i];
  }
  return out;
}

app::StageAggregates from_scratch(const app::View& view) {
  app::StageAggregates all;
  std::set<std::string> ids;
  for (const auto& [id, a] : view.data().accounts()) ids.insert(id);
  for (const auto& s : view.states()) ids.insert(s->account);
  for (const auto& id : ids) all.add(app::contribution_of(view.graph(), view.data().account(id), view.state(id)), +1);
  return all;
}

bool same(const app::Funnel& a, const app::Funnel& b) {
  // A breakdown row of zero accounts is absent in one and may be absent in the other: compare the
  // non-zero counts.
  auto nonzero = [](const app::Funnel& f) {
    std::map<std::string, long> flat;
    for (const auto& [s, n] : f.per_stage)
      if (n) flat["stage/" + s] = n;
    for (const auto& [dim, values] : f.by)
      for (const auto& [v, stages] : values)
        for (const auto& [s, n] : stages)
          if (n) flat[dim + "/" + v + "/" + s] = n;
    return flat;
  };
  return a.total == b.total && a.achieved == b.achieved && nonzero(a) == nonzero(b);
}

void check(const app::Workspace& ws, const std::string& where) {
  const app::View view = ws.view();
  INFO(where << " (version " << view.version() << ")");
  CHECK(view.aggregates() == from_scratch(view));
  // The segment sizes too (segments/sizes.h): every learner counted again.
  REQUIRE_FALSE(view.segments().segments.empty());
  CHECK(view.segment_sizes() ==
        segments::count_members(view.segments(), view.data(), view.state_lookup(), view.as_of()));
  const std::vector<app::FunnelFilter> filters = {
      {}, {Audience::kCustomer, "", "", ""}, {Audience::kTrial, "", "", ""}, {std::nullopt, "enterprise", "", ""},
      {std::nullopt, "", "pro", "ana"}, {std::nullopt, "", "", ""}};
  for (const auto& f : filters) {
    const app::Funnel got = view.aggregates().funnel(f, view.graph().milestones.size());
    const app::Funnel want = funnel_by_scan(view, f);
    CHECK_MESSAGE(same(got, want), "filter tier=" << f.tier << " plan=" << f.plan << " csm=" << f.csm
                                                  << " audience=" << (f.audience ? audience_name(*f.audience) : "any")
                                                  << ": total " << got.total << " vs " << want.total);
  }
}

}  // namespace

TEST_CASE("stage aggregates equal a recomputation at every version: ingest, catch-up, reload") {
  const fs::path dir = fs::temp_directory_path() / ("uplift_aggregates_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy(fs::path(UPLIFT_SOURCE_DIR) / "milestones", dir / "milestones", fs::copy_options::recursive);
  fs::copy(fs::path(UPLIFT_SOURCE_DIR) / "segments", dir / "segments", fs::copy_options::recursive);
  app::WorkspaceOptions wo;
  wo.config_dir = dir.string();
  wo.persist_state = false;
  const std::string url = "sqlite:" + (dir / "u.db").string();
  auto writer = app::Workspace::open(url, wo);
  REQUIRE_MESSAGE(writer.ok(), writer.status().to_string());
  auto follower = app::Workspace::open(url, wo);
  REQUIRE(follower.ok());

  const std::vector<std::string> tiers = {"", "smb", "mid", "enterprise"}, plans = {"", "starter", "pro"},
                                 csms = {"", "ana", "bo"},
                                 names = {"group_created", "workflow_published", "contract_completed", "login",
                                          "data_manager_edit", "ai_review_run", "sso_configured", "contract_imported"};
  const std::vector<Audience> audiences = {Audience::kCustomer, Audience::kTrial, Audience::kPartner, Audience::kEmployee};
  for (unsigned seed = 1; seed <= 4; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](const auto& v) { return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)]; };
    auto account_id = [&] { return "a" + std::to_string(seed) + "_" + std::to_string(rng() % 8); };
    Timestamp t = *parse_timestamp("2026-03-01T10:00:00Z");
    int n = 0;
    for (int batch = 0; batch < 40; ++batch) {
      std::vector<Record> records;
      const int size = 1 + static_cast<int>(rng() % 6);
      for (int k = 0; k < size; ++k, ++n) {
        t += static_cast<Timestamp>(rng() % (6 * 3'600'000));  // days pass: windows and declines move
        switch (rng() % 5) {
          case 0: {  // an account record: its tier, plan, CSM or audience change (and change back)
            Account a;
            a.id = account_id();
            a.name = a.id;
            a.tier = pick(tiers);
            a.plan = pick(plans);
            a.csm = pick(csms);
            a.audience = pick(audiences);
            if (rng() % 2) a.created_at = t - static_cast<Timestamp>(rng() % (190 * 24)) * 3'600'000;
            records.push_back(a);
            break;
          }
          case 1: {  // a learner joins or moves to another account
            Learner l;
            l.id = "l" + std::to_string(seed) + "_" + std::to_string(rng() % 10);
            l.account = account_id();
            l.email = l.id + "@example.com";
            l.role = pick(std::vector<std::string>{"admin", "business_user", "legal"});
            // Joined up to 100 days ago: the default catalog's tenure edges (90, 180 days) pass.
            if (rng() % 4) l.created_at = t - static_cast<Timestamp>(rng() % (100 * 24)) * 3'600'000;
            records.push_back(l);
            break;
          }
          case 2: {  // a completion by one of those learners
            Completion c;
            c.learner = "l" + std::to_string(seed) + "_" + std::to_string(rng() % 10);
            c.content = "course-" + std::to_string(rng() % 3);
            c.status = CompletionStatus::kCompleted;
            c.ts = t;
            records.push_back(c);
            break;
          }
          default: {  // product use, also of accounts with no record ("x…": audience unknown)
            Event e;
            e.id = "e" + std::to_string(seed) + "_" + std::to_string(n);
            e.account = rng() % 6 == 0 ? "x" + std::to_string(seed) : account_id();
            e.name = pick(names);
            e.learner = "l" + std::to_string(seed) + "_" + std::to_string(rng() % 10);
            e.ts = t;
            e.props = {{"group_id", "g" + std::to_string(rng() % 5)}};
            records.push_back(e);
          }
        }
      }
      auto r = (*writer)->ingest_concurrently([&](const app::View&) { return std::span<const Record>(records); });
      REQUIRE_MESSAGE(r.ok(), r.status().to_string());
      check(**writer, "seed " + std::to_string(seed) + " batch " + std::to_string(batch) + " (writer)");
      if (batch % 7 == 6) {
        REQUIRE((*follower)->catch_up_concurrently().ok());
        check(**follower, "seed " + std::to_string(seed) + " batch " + std::to_string(batch) + " (caught up)");
      }
      if (batch == 20 && seed == 2) {
        REQUIRE((*writer)->reload_config().ok());
        check(**writer, "after a reload");
      }
    }
  }
  writer->reset();
  follower->reset();
  fs::remove_all(dir);
}
