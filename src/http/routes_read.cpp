// Read endpoints (accounts, learners, stages: scope analyst or admin; a learner and the milestone graph: also lms), served from one View of the in-memory workspace (app/view.h):
// accounts (one, and the console's paged/filtered/sorted list), learners, the stage funnel and
// the milestone graph.
#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "attribution/movement.h"
#include "http/problem.h"
#include "http/query.h"
#include "http/routes.h"
#include "http/views.h"
#include "recommend/account_advice.h"
#include "report/roi_inputs.h"

namespace uplift::http {

namespace {


// Reads `name` from the account view for filtering ("" when absent).
std::string field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}


// 400 for an unknown stage name (a typo would otherwise silently return nothing).
std::optional<HttpResponse> check_stage(const app::View& view, const std::string& stage) {
  if (stage.empty() || stage_rank(view, stage) >= 0) return std::nullopt;
  std::string known;
  for (const auto& s : view.graph().stages) known += (known.empty() ? "" : ", ") + s;
  return problem_response(bad_request("stage: unknown stage '" + stage.substr(0, 40) + "' (stages: " + known + ")"));
}


HttpResponse list_accounts(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  const auto& r = ctx.request;
  if (Status known = known_params(r, {"page", "per_page", "sort", "order", "flagged", "flag", "q", "stage", "tier",
                                      "plan", "csm", "audience", "stalled_days"});
      !known.ok())
    return problem_response(problem_from_status(known));
  auto page = page_params(r);
  auto sort = enum_param(r, "sort", "id",
                         {"id", "name", "stage", "arr", "csm", "tier", "plan", "renewal_date", "stalled_days"});
  auto order = enum_param(r, "order", "asc", {"asc", "desc"});
  auto flagged = bool_param(r, "flagged", false);
  auto flag = enum_param(r, "flag", "", {"", "usage_decline", "out_of_order"});
  auto stalled = int_param(r, "stalled_days", -1, 0, 100'000);
  auto audience = audience_param(r);
  auto q = text_param(r, "q");
  auto stage = text_param(r, "stage"), tier = text_param(r, "tier"), plan = text_param(r, "plan"),
       csm = text_param(r, "csm");
  for (const Status* s : {&page.status(), &sort.status(), &order.status(), &flagged.status(), &flag.status(),
                          &stalled.status(), &audience.status(), &q.status(), &stage.status(), &tier.status(),
                          &plan.status(), &csm.status()})
    if (!s->ok()) return problem_response(problem_from_status(*s));

  const app::View view = ws->view();
  if (auto bad = check_stage(view, *stage)) return *bad;
  AccountQuery query;
  query.audience = *audience;
  query.stage = *stage;
  query.tier = *tier;
  query.plan = *plan;
  query.csm = *csm;
  query.q = *q;
  query.flagged = *flagged;
  query.flag = *flag;
  query.stalled_days = *stalled;
  query.sort = *sort;
  query.descending = *order == "desc";
  const AccountPage selected =
      select_accounts(view, query, page->offset(), static_cast<std::size_t>(page->per_page));
  nlohmann::json items = nlohmann::json::array();
  for (const AccountRow& row : selected.rows) {
    auto j = account_view(view, row.id, false);
    if (row.stalled_days) j["stalled_days"] = *row.stalled_days;
    items.push_back(std::move(j));
  }
  if (*stalled >= 0) {
    // The stalled view: per frontier milestone, what uplift recommends (recommend/account_advice.h).
    const recommend::ProgramFor program_for = view.program_for();
    for (auto& j : items) {
      const std::string id = field(j, "id");
      j["recommended"] = recommend::advice_to_json(
          recommend::advise_account(view.data(), view.state(id), view.content(), id, program_for, view.as_of()));
    }
  }
  return json_response({{"items", items}, {"total", selected.total}, {"page", page->page}, {"per_page", page->per_page}});
}

HttpResponse stages(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  if (Status known = known_params(ctx.request, {"tier", "plan", "csm", "audience"}); !known.ok())
    return problem_response(problem_from_status(known));
  auto tier = text_param(ctx.request, "tier"), plan = text_param(ctx.request, "plan"),
       csm = text_param(ctx.request, "csm");
  auto audience = audience_param(ctx.request);
  for (const Status* s : {&tier.status(), &plan.status(), &csm.status(), &audience.status()})
    if (!s->ok()) return problem_response(problem_from_status(*s));

  const app::View view = ws->view();
  const auto& graph = view.graph();
  // Maintained as accounts change (app/aggregates.h): summing the matching cells, not every account.
  app::FunnelFilter filter{*audience, *tier, *plan, *csm};
  app::Funnel funnel = view.aggregates().funnel(filter, graph.milestones.size());
  const long total = funnel.total;
  auto& per_stage = funnel.per_stage;
  auto& by = funnel.by;
  nlohmann::json stage_rows = nlohmann::json::array();
  for (const auto& s : graph.stages) stage_rows.push_back({{"stage", s}, {"accounts", per_stage[s]}});
  nlohmann::json body = {{"total", total}, {"stages", stage_rows}};
  for (const char* dim : {"tier", "plan", "csm"}) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [value, counts] : by[dim]) {
      nlohmann::json per = nlohmann::json::object();
      long n = 0;
      for (const auto& s : graph.stages) {
        auto it = counts.find(s);
        long k = it == counts.end() ? 0 : it->second;
        per[s] = k;
        n += k;
      }
      rows.push_back({{dim, value}, {"accounts", n}, {"stages", per}});
    }
    body[std::string("by_") + dim] = rows;
  }
  nlohmann::json ms = nlohmann::json::array();
  for (std::size_t i = 0; i < graph.milestones.size(); ++i) {
    const auto& m = graph.milestones[i];
    long n = funnel.achieved[i];
    nlohmann::json mj = {{"id", m.id}, {"achieved_accounts", n},
                         {"conversion_pct", total ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0}};
    if (!m.title.empty()) mj["title"] = m.title;
    ms.push_back(std::move(mj));
  }
  body["milestones"] = ms;
  return json_response(body);
}

// GET /v1/stages/movement?quarter=2026Q3[&csm=][&audience=][&format=csv&table=cells|moved]
HttpResponse movement(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  const auto& r = ctx.request;
  if (Status known = known_params(r, {"quarter", "csm", "audience", "format", "table"}); !known.ok())
    return problem_response(problem_from_status(known));
  auto format = enum_param(r, "format", "json", {"json", "csv"});
  auto table = enum_param(r, "table", "cells", {"cells", "moved"});
  auto csm = text_param(r, "csm");
  auto audience = audience_param(r);
  auto quarter_text = text_param(r, "quarter", 16);
  for (const Status* s : {&format.status(), &table.status(), &csm.status(), &audience.status(), &quarter_text.status()})
    if (!s->ok()) return problem_response(problem_from_status(*s));
  const app::View view = ws->view();
  Quarter quarter = quarter_of(date_of(view.as_of()));
  if (!quarter_text->empty()) {
    auto q = parse_quarter(*quarter_text);
    if (!q.ok()) return problem_response(bad_request("quarter: " + q.status().message()));
    quarter = *q;
  }
  if (start_of(quarter.first()) > view.as_of())
    return problem_response(bad_request(fmt::format("quarter: {} starts after the data ends ({}): nothing to compare yet",
                                                    quarter.name(), format_timestamp(view.as_of()))));
  attribution::MovementOptions o;
  o.quarter = quarter;
  o.as_of = view.as_of();
  o.audience = *audience;
  o.csm = *csm;
  auto m = attribution::stage_movement(view.data(), view.state_lookup(),
                                       report::stage_gates(view.graph()), o, view.targets().of(quarter.name()));
  if (*format == "csv") {
    HttpResponse out;
    out.content_type = "text/csv; charset=utf-8";
    out.body = *table == "moved" ? attribution::moved_accounts_csv(m) : attribution::movement_cells_csv(m);
    out.set_header("Content-Disposition",
                   fmt::format("attachment; filename=\"movement-{}-{}.csv\"", quarter.name(), *table));
    return out;
  }
  auto body = attribution::movement_to_json(m);
  body["targets"] = view.targets().of(quarter.name()) != nullptr;
  body["data_as_of"] = format_timestamp(view.as_of());
  return json_response(body);
}

HttpResponse list_learners(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  auto page = page_params(ctx.request, 100);
  auto account = text_param(ctx.request, "account"), role = text_param(ctx.request, "role"),
       q = text_param(ctx.request, "q");
  for (const Status* s : {&page.status(), &account.status(), &role.status(), &q.status()})
    if (!s->ok()) return problem_response(problem_from_status(*s));
  const app::View view = ws->view();
  std::string needle = lower_case(*q);
  nlohmann::json items = nlohmann::json::array();
  std::size_t total = 0;
  auto consider = [&](LearnerRef l) {
    if (!role->empty() && l.role() != *role) return;
    if (!needle.empty() && lower_case(l.id()).find(needle) == std::string::npos &&
        lower_case(l.email()).find(needle) == std::string::npos)
      return;
    if (total >= page->offset() && items.size() < static_cast<std::size_t>(page->per_page))
      items.push_back(learner_view(view, l, false));
    ++total;
  };
  if (!account->empty()) {
    for (LearnerRef l : view.data().learners_of(*account)) consider(l);  // in id order
  } else {
    for (LearnerRef l : view.data().learners()) consider(l);
  }
  return json_response({{"items", items}, {"total", total}, {"page", page->page}, {"per_page", page->per_page}});
}

}  // namespace

void add_read_routes(Api& api, Service& service) {
  api.add("GET", "/v1/accounts", Access::kRead,
          [&service](const RequestContext& ctx) { return list_accounts(service, ctx); });

  api.add("GET", "/v1/accounts/{id}", Access::kRead, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    const auto& id = ctx.param("id");
    const app::View view = ws->view();
    if (!view.data().account(id) && !view.state(id)) return problem_response(not_found("no account '" + id + "'"));
    return json_response(account_view(view, id, true));
  });

  api.add("GET", "/v1/learners", Access::kRead,
          [&service](const RequestContext& ctx) { return list_learners(service, ctx); });

  api.add("GET", "/v1/learners/{id}", Access::kLearner, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    const auto& id = ctx.param("id");
    const app::View view = ws->view();
    LearnerRef l = view.data().learner(id);
    if (!l) return problem_response(not_found("no learner '" + id + "'"));
    return json_response(learner_view(view, *l, true));
  });

  api.add("GET", "/v1/stages", Access::kRead,
          [&service](const RequestContext& ctx) { return stages(service, ctx); });

  api.add("GET", "/v1/stages/movement", Access::kRead,
          [&service](const RequestContext& ctx) { return movement(service, ctx); });

  api.add("GET", "/v1/milestones", Access::kLearner, [&service](const RequestContext&) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    const app::View view = ws->view();
    return json_response(milestones::to_json(view.graph()));
  });
}

}  // namespace uplift::http
