// Read endpoints (accounts, learners, stages: scope analyst or admin; a learner and the milestone graph: also lms), served from the in-memory workspace under its shared lock:
// accounts (one, and the console's paged/filtered/sorted list), learners, the stage funnel and
// the milestone graph.
#include <algorithm>
#include <cctype>
#include <map>
#include <shared_mutex>

#include "http/problem.h"
#include "http/query.h"
#include "http/routes.h"
#include "http/views.h"

namespace uplift::http {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Reads `name` from the account view for filtering ("" when absent).
std::string field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int stage_rank(const app::Workspace& ws, const std::string& stage) {
  const auto& st = ws.graph().stages;
  auto it = std::find(st.begin(), st.end(), stage);
  return it == st.end() ? -1 : static_cast<int>(it - st.begin());
}

// 400 for an unknown stage name (a typo would otherwise silently return nothing).
std::optional<HttpResponse> check_stage(const app::Workspace& ws, const std::string& stage) {
  if (stage.empty() || stage_rank(ws, stage) >= 0) return std::nullopt;
  std::string known;
  for (const auto& s : ws.graph().stages) known += (known.empty() ? "" : ", ") + s;
  return problem_response(bad_request("stage: unknown stage '" + stage.substr(0, 40) + "' (stages: " + known + ")"));
}

bool less_by(const app::Workspace& ws, const nlohmann::json& a, const nlohmann::json& b, const std::string& key) {
  if (key == "arr") return a.value("arr", -1.0) < b.value("arr", -1.0);
  if (key == "stage") return stage_rank(ws, field(a, "stage")) < stage_rank(ws, field(b, "stage"));
  return field(a, key.c_str()) < field(b, key.c_str());
}

HttpResponse list_accounts(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  const auto& r = ctx.request;
  auto page = page_params(r);
  auto sort = enum_param(r, "sort", "id", {"id", "name", "stage", "arr", "csm", "tier", "plan", "renewal_date"});
  auto order = enum_param(r, "order", "asc", {"asc", "desc"});
  auto flagged = bool_param(r, "flagged", false);
  auto q = text_param(r, "q");
  auto stage = text_param(r, "stage"), tier = text_param(r, "tier"), plan = text_param(r, "plan"),
       csm = text_param(r, "csm");
  for (const Status* s : {&page.status(), &sort.status(), &order.status(), &flagged.status(), &q.status(),
                          &stage.status(), &tier.status(), &plan.status(), &csm.status()})
    if (!s->ok()) return problem_response(problem_from_status(*s));

  std::shared_lock lock(ws->mutex());
  if (auto bad = check_stage(*ws, *stage)) return *bad;
  std::string needle = lower(*q);
  std::vector<nlohmann::json> rows;
  for (const auto& id : known_accounts(*ws)) {
    auto j = account_view(*ws, id, false);
    if (!stage->empty() && field(j, "stage") != *stage) continue;
    if (!tier->empty() && field(j, "tier") != *tier) continue;
    if (!plan->empty() && field(j, "plan") != *plan) continue;
    if (!csm->empty() && field(j, "csm") != *csm) continue;
    if (*flagged && j["flags"].empty()) continue;
    if (!needle.empty() && lower(id).find(needle) == std::string::npos &&
        lower(field(j, "name")).find(needle) == std::string::npos)
      continue;
    rows.push_back(std::move(j));
  }
  bool desc = *order == "desc";
  std::stable_sort(rows.begin(), rows.end(), [&](const nlohmann::json& a, const nlohmann::json& b) {
    bool lt = less_by(*ws, a, b, *sort), gt = less_by(*ws, b, a, *sort);
    if (lt != gt) return desc ? gt : lt;
    return field(a, "id") < field(b, "id");
  });
  nlohmann::json items = nlohmann::json::array();
  for (std::size_t i = page->offset(); i < rows.size() && items.size() < static_cast<std::size_t>(page->per_page); ++i)
    items.push_back(std::move(rows[i]));
  return json_response({{"items", items}, {"total", rows.size()}, {"page", page->page}, {"per_page", page->per_page}});
}

HttpResponse stages(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  auto tier = text_param(ctx.request, "tier"), plan = text_param(ctx.request, "plan"),
       csm = text_param(ctx.request, "csm");
  for (const Status* s : {&tier.status(), &plan.status(), &csm.status()})
    if (!s->ok()) return problem_response(problem_from_status(*s));

  std::shared_lock lock(ws->mutex());
  const auto& graph = ws->graph();
  std::map<std::string, long> per_stage;
  std::map<std::string, std::map<std::string, std::map<std::string, long>>> by;  // dim → value → stage → n
  std::map<std::string, long> achieved;
  long total = 0;
  for (const auto& id : known_accounts(*ws)) {
    auto j = account_view(*ws, id, false);
    std::string t = field(j, "tier"), p = field(j, "plan"), c = field(j, "csm");
    if ((!tier->empty() && t != *tier) || (!plan->empty() && p != *plan) || (!csm->empty() && c != *csm)) continue;
    std::string s = field(j, "stage");
    ++total;
    ++per_stage[s];
    ++by["tier"][t][s];
    ++by["plan"][p][s];
    ++by["csm"][c][s];
    if (const auto* st = ws->state(id))
      for (const auto& m : st->milestones)
        if (m.achieved) ++achieved[m.id];
  }
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
  for (const auto& m : graph.milestones) {
    long n = achieved[m.id];
    nlohmann::json mj = {{"id", m.id}, {"achieved_accounts", n},
                         {"conversion_pct", total ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0}};
    if (!m.title.empty()) mj["title"] = m.title;
    ms.push_back(std::move(mj));
  }
  body["milestones"] = ms;
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
  std::shared_lock lock(ws->mutex());
  std::string needle = lower(*q);
  nlohmann::json items = nlohmann::json::array();
  std::size_t total = 0;
  auto consider = [&](const Learner& l) {
    if (!role->empty() && l.role != *role) return;
    if (!needle.empty() && lower(l.id).find(needle) == std::string::npos &&
        lower(l.email).find(needle) == std::string::npos)
      return;
    if (total >= page->offset() && items.size() < static_cast<std::size_t>(page->per_page))
      items.push_back(learner_view(*ws, l, false));
    ++total;
  };
  if (!account->empty()) {
    std::vector<const Learner*> ls = ws->data().learners_of(*account);
    std::sort(ls.begin(), ls.end(), [](const Learner* a, const Learner* b) { return a->id < b->id; });
    for (const Learner* l : ls) consider(*l);
  } else {
    for (const auto& [id, l] : ws->data().learners()) consider(l);
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
    std::shared_lock lock(ws->mutex());
    if (!ws->data().account(id) && !ws->state(id)) return problem_response(not_found("no account '" + id + "'"));
    return json_response(account_view(*ws, id, true));
  });

  api.add("GET", "/v1/learners", Access::kRead,
          [&service](const RequestContext& ctx) { return list_learners(service, ctx); });

  api.add("GET", "/v1/learners/{id}", Access::kLearner, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    const auto& id = ctx.param("id");
    std::shared_lock lock(ws->mutex());
    const Learner* l = ws->data().learner(id);
    if (!l) return problem_response(not_found("no learner '" + id + "'"));
    return json_response(learner_view(*ws, *l, true));
  });

  api.add("GET", "/v1/stages", Access::kRead,
          [&service](const RequestContext& ctx) { return stages(service, ctx); });

  api.add("GET", "/v1/milestones", Access::kLearner, [&service](const RequestContext&) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    std::shared_lock lock(ws->mutex());
    return json_response(milestones::to_json(ws->graph()));
  });
}

}  // namespace uplift::http
