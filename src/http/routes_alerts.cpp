// Alert endpoints (alerts/outbox.h): what the trigger rules raised and how each delivery went.
//   GET  /v1/alerts               scope read: newest first; filters trigger, account, csm, status;
//                                 paged (page, per_page)
//   GET  /v1/alerts/{id}          scope read: one alert with its deliveries
//   POST /v1/alerts/{id}/redeliver[?destination=NAME]
//                                 scope admin: queues the deliveries again (202), same alert id
//   GET  /v1/triggers             scope read: the rules and destinations as loaded (no secrets)
// The lists read the outbox documents from the store (alerts written by any replica).
#include <algorithm>
#include <cstdio>

#include "alerts/outbox.h"
#include "core/time.h"
#include "http/problem.h"
#include "http/query.h"
#include "http/routes.h"
#include "log/log.h"

namespace uplift::http {
namespace {

HttpResponse list(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  const auto& r = ctx.request;
  if (Status known = known_params(r, {"page", "per_page", "trigger", "account", "csm", "status"}); !known.ok())
    return problem_response(problem_from_status(known));
  auto page = page_params(r);
  auto trigger = text_param(r, "trigger"), account = text_param(r, "account"), csm = text_param(r, "csm");
  auto status = enum_param(r, "status", "", {"", "recorded", "pending", "retrying", "sent", "dead", "partial"});
  for (const Status* s : {&page.status(), &trigger.status(), &account.status(), &csm.status(), &status.status()})
    if (!s->ok()) return problem_response(problem_from_status(*s));
  if (!trigger->empty() && !ws->config()->triggers.find(*trigger)) {
    std::string known;
    for (const auto& rule : ws->config()->triggers.rules) known += (known.empty() ? "" : ", ") + rule.id;
    return problem_response(bad_request("trigger: no rule '" + trigger->substr(0, 64) + "' (rules: " + known + ")"));
  }
  auto all = alerts::list_alerts(ws->store());
  if (!all.ok()) return failure_response(all.status(), "alerts");
  nlohmann::json items = nlohmann::json::array();
  std::size_t total = 0;
  for (const auto& v : *all) {
    if (!trigger->empty() && v.alert.value("rule", "") != *trigger) continue;
    if (!account->empty() && v.alert.value("account", "") != *account) continue;
    if (!csm->empty() && v.alert.value("csm", "") != *csm) continue;
    if (!status->empty() && v.status() != *status) continue;
    if (total >= page->offset() && items.size() < static_cast<std::size_t>(page->per_page))
      items.push_back(alerts::alert_view_to_json(v));
    ++total;
  }
  return json_response({{"items", items}, {"total", total}, {"page", page->page}, {"per_page", page->per_page}});
}

}  // namespace

void add_alert_routes(Api& api, Service& service) {
  api.add("GET", "/v1/alerts", Access::kRead, [&service](const RequestContext& ctx) { return list(service, ctx); });

  api.add("GET", "/v1/alerts/{id}", Access::kRead, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    auto v = alerts::get_alert(ws->store(), ctx.param("id"));
    if (!v.ok()) return failure_response(v.status(), "alerts");
    return json_response(alerts::alert_view_to_json(*v));
  });

  api.add("POST", "/v1/alerts/{id}/redeliver", Access::kAdmin, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    if (Status known = known_params(ctx.request, {"destination"}); !known.ok())
      return problem_response(problem_from_status(known));
    auto dest = text_param(ctx.request, "destination", 64);
    if (!dest.ok()) return problem_response(problem_from_status(dest.status()));
    const std::shared_ptr<const app::Config> config = ws->config();
    if (!dest->empty() && !config->triggers.destinations.find(*dest))
      return failure_response(Status::NotFound("no destination '" + *dest + "' is configured"), "alerts");
    auto queued = alerts::redeliver(ws->store(), ctx.param("id"), *dest, wall_clock_now(), [&config](std::string_view name) {
      return config->triggers.destinations.find(name) != nullptr;
    });
    if (!queued.ok()) return failure_response(queued.status(), "alerts");
    if (alerts::Deliverer* d = service.deliverer.load(std::memory_order_acquire)) d->wake();
    auto r = json_response({{"id", ctx.param("id")}, {"queued", *queued}}, 202);
    return r;
  });

  api.add("GET", "/v1/triggers", Access::kRead, [&service](const RequestContext&) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    nlohmann::json rules = nlohmann::json::array(), dests = nlohmann::json::array();
    const std::shared_ptr<const app::Config> config = ws->config();
    for (const auto& rule : config->triggers.rules) rules.push_back(triggers::rule_to_json(rule));
    for (const auto& d : config->triggers.destinations.destinations) dests.push_back(triggers::destination_to_json(d));
    const auto& routing = config->triggers.destinations.routing;
    return json_response({{"items", rules},
                          {"destinations", dests},
                          {"routing", {{"default", routing.by_default}, {"by_csm", routing.by_csm}}},
                          {"delivering", service.deliverer.load(std::memory_order_acquire) != nullptr}});
  });
}

}  // namespace uplift::http
