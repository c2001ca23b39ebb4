// GET /v1/accounts selects and orders accounts on their records and states (select_accounts), and
// builds JSON only for the page. It must keep and order exactly the accounts the list kept when it
// built every account's JSON view and filtered and sorted those (the reference below, the
// endpoint's code before), for every filter and sort, over random accounts, learners and events.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "app/workspace.h"
#include "http/views.h"

using namespace uplift;
using namespace uplift::http;
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
std::string field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int stage_rank(const app::View& view, const std::string& stage) {
  const auto& st = view.graph().stages;
  auto it = std::find(st.begin(), st.end(), stage);
  return it == st.end() ? -1 : static_cast<int>(it - st.begin());
}
bool less_by(const app::View& view, const nlohmann::json& a, const nlohmann::json& b, const std::string& key) {
  if (key == "arr") return a.value("arr", -1.0) < b.value("arr", -1.0);
  if (key == "stalled_days") return a.value("stalled_days", -1L) < b.value("stalled_days", -1L);
  if (key == "stage") return stage_rank(view, field(a, "stage")) < stage_rank(view, field(b, "stage"));
  return field(a, key.c_str()) < field(b, key.c_str());
}

// The list as GET /v1/accounts built it before: every account's JSON view, filtered, sorted.
std::vector<AccountRow> by_json_scan(const app::View& view, const AccountQuery& q) {
  std::string needle = lower(q.q);
  std::vector<nlohmann::json> rows;
  for (const auto& id : known_accounts(view)) {
    if (q.audience) {
      const Account* a = view.data().account(id);
      if (!a || a->audience != *q.audience) continue;
    }
    auto j = account_view(view, id, false);
    if (!q.stage.empty() && field(j, "stage") != q.stage) continue;
    if (!q.tier.empty() && field(j, "tier") != q.tier) continue;
    if (!q.plan.empty() && field(j, "plan") != q.plan) continue;
    if (!q.csm.empty() && field(j, "csm") != q.csm) continue;
    if (q.flagged && j["flags"].empty()) continue;
    if (!q.flag.empty() && std::none_of(j["flags"].begin(), j["flags"].end(),
                                        [&](const nlohmann::json& f) { return f.value("kind", "") == q.flag; }))
      continue;
    auto idle = days_without_progress(view, id);
    if (idle) j["stalled_days"] = *idle;
    if (q.stalled_days >= 0 && (!idle || *idle < q.stalled_days || (view.state(id) && j["frontier"].empty()))) continue;
    if (!needle.empty() && lower(id).find(needle) == std::string::npos &&
        lower(field(j, "name")).find(needle) == std::string::npos)
      continue;
    rows.push_back(std::move(j));
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const nlohmann::json& a, const nlohmann::json& b) {
    bool lt = less_by(view, a, b, q.sort), gt = less_by(view, b, a, q.sort);
    if (lt != gt) return q.descending ? gt : lt;
    return field(a, "id") < field(b, "id");
  });
  std::vector<AccountRow> out;
  for (const auto& j : rows)
    out.push_back({field(j, "id"), j.contains("stalled_days") ? std::optional(j["stalled_days"].get<long>()) : std::nullopt});
  return out;
}

}  // namespace

TEST_CASE("the account list keeps and orders exactly what filtering and sorting every account's JSON did") {
  const fs::path dir = fs::temp_directory_path() / ("uplift_account_list_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A small graph most accounts complete (an empty frontier matters to the stalled filter), with
  // a milestone used before what it requires (out_of_order flags) and a decline trigger.
  fs::create_directories(dir / "milestones");
  std::ofstream(dir / "milestones" / "small.json") << R"({
    "id": "small", "title": "A small journey", "stages": ["onboarding", "live"],
    "milestones": [
      {"id": "workflow_published", "title": "A workflow", "event": "workflow_published", "count": 1, "unit": "workflows"},
      {"id": "two_groups", "title": "Two groups", "event": "group_created", "distinct": "props.group_id", "count": 2, "unit": "groups"},
      {"id": "logins", "title": "Logins", "event": "login", "count": 3, "unit": "logins", "decline": true},
      {"id": "live", "title": "Live", "all": ["workflow_published", "two_groups"], "stage": "live"},
      {"id": "ai_review", "title": "AI review", "event": "ai_review_run", "count": 1, "unit": "reviews", "expects": ["live"]}
    ]})";
  app::WorkspaceOptions wo;
  wo.config_dir = dir.string();
  wo.persist_state = false;
  auto ws = app::Workspace::open("sqlite:" + (dir / "u.db").string(), wo);
  REQUIRE_MESSAGE(ws.ok(), ws.status().to_string());

  std::mt19937 rng(24);
  const std::vector<std::string> tiers = {"", "smb", "mid", "enterprise"}, plans = {"", "starter", "pro"},
                                 csms = {"", "ana", "bo"}, names = {"Acme", "acme labs", "Globex", "", "Initech", "Umbrella"},
                                 events = {"group_created", "workflow_published", "contract_completed", "login",
                                           "user_invited", "sso_configured", "ai_review_run", "contract_imported"};
  const std::vector<Audience> audiences = {Audience::kCustomer, Audience::kTrial, Audience::kPartner};
  auto pick = [&](const auto& v) { return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)]; };
  std::vector<Record> records;
  Timestamp t = *parse_timestamp("2026-01-05T09:00:00Z");
  for (int i = 0; i < 60; ++i) {
    Account a;
    a.id = "acct-" + std::to_string(i);
    a.name = pick(names);
    a.tier = pick(tiers);
    a.plan = pick(plans);
    a.csm = pick(csms);
    a.audience = pick(audiences);
    if (rng() % 3) a.arr = static_cast<double>(rng() % 5) * 12000;  // ties on purpose
    if (rng() % 2) a.renewal_date = date_of(t) + static_cast<Date>(rng() % 400);
    if (rng() % 2) a.created_at = t - static_cast<Timestamp>(rng() % 200) * 86'400'000;
    if (i % 11 != 0) records.push_back(a);  // some accounts are known only from their events
  }
  for (int n = 0; n < 1500; ++n) {
    t += static_cast<Timestamp>(rng() % (3 * 3'600'000));
    Event e;
    e.id = "e" + std::to_string(n);
    e.account = "acct-" + std::to_string(rng() % 60);
    e.learner = e.account + "-u" + std::to_string(rng() % 12);
    e.name = pick(events);
    e.ts = t;
    e.props = {{"group_id", "g" + std::to_string(rng() % 4)}};
    records.push_back(e);
  }
  auto r = (*ws)->ingest_concurrently([&](const app::View&) { return std::span<const Record>(records); });
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());

  const app::View view = (*ws)->view();
  std::vector<std::string> stages = {""};
  for (const auto& s : view.graph().stages) stages.push_back(s);
  int checked = 0, nonempty = 0;
  for (const std::string sort : {"id", "name", "stage", "arr", "csm", "tier", "plan", "renewal_date", "stalled_days"})
    for (bool desc : {false, true})
      for (int k = 0; k < 12; ++k) {
        AccountQuery q;
        q.sort = sort;
        q.descending = desc;
        if (k % 4 == 1) q.audience = pick(audiences);
        if (k % 3 == 1) q.stage = pick(stages);
        if (k % 5 == 2) q.tier = pick(tiers);
        if (k % 6 == 3) q.plan = pick(plans);
        if (k % 7 == 4) q.csm = pick(csms);
        if (k % 4 == 3) q.q = pick(std::vector<std::string>{"ACME", "acct-1", "lab", "zzz"});
        if (k == 5) q.flagged = true;
        if (k == 7) q.flag = pick(std::vector<std::string>{"usage_decline", "out_of_order"});
        if (k == 9 || k == 10) q.stalled_days = k == 9 ? 0 : 30;
        const auto want = by_json_scan(view, q);
        const auto got = select_accounts(view, q, 0, SIZE_MAX).rows;
        INFO("sort " << sort << (desc ? " desc" : "") << ", query " << k);
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
          CHECK(got[i].id == want[i].id);
          CHECK(got[i].stalled_days == want[i].stalled_days);
        }
        // Any page is that stretch of the whole order, with the whole count.
        for (const auto& [offset, limit] : std::vector<std::pair<std::size_t, std::size_t>>{
                 {0, 1}, {0, 7}, {3, 5}, {want.size() / 2, 10}, {want.size() > 0 ? want.size() - 1 : 0, 4},
                 {want.size(), 3}, {want.size() + 5, 3}}) {
          const AccountPage page = select_accounts(view, q, offset, limit);
          CHECK(page.total == want.size());
          REQUIRE(page.rows.size() == (offset >= want.size() ? 0 : std::min(limit, want.size() - offset)));
          for (std::size_t i = 0; i < page.rows.size(); ++i) CHECK(page.rows[i].id == want[offset + i].id);
        }
        ++checked;
        nonempty += !got.empty();
      }
  CHECK(nonempty > checked / 2);  // the filters are not all empty-handed
  // The data reaches what the filters tell apart: completed journeys (empty frontier), flags.
  int complete = 0, flagged = 0;
  for (const auto& s : view.states()) {
    complete += s->frontier.empty();
    flagged += !s->flags.empty();
  }
  CHECK(complete > 0);
  CHECK(flagged > 0);
  ws->reset();
  fs::remove_all(dir);
}
