// /healthz, /readyz, /metrics — public, for load balancers and Prometheus.

#include <fmt/format.h>

#include "core/time.h"
#include "http/problem.h"
#include "http/routes.h"
#include "http/server.h"

namespace uplift::http {

// /healthz: the process answers. /readyz: ready when the workspace has loaded and the database
// answered the last background check. With the database gone the process still serves reads from
// memory, so it says "stale" (503) rather than dying. No database URL: /readyz needs no key.
std::optional<HttpResponse> health_response(const Service& service, std::string_view path) {
  if (path == "/healthz") return json_response({{"status", "ok"}});
  if (path != "/readyz") return std::nullopt;
  if (!service.ws()) return json_response({{"status", "loading"}, {"stale", false}}, 503);
  const std::int64_t age = steady_ms() - service.checked_at_ms.load(std::memory_order_relaxed);
  if (age > service.check_budget_ms) {
    auto r = json_response({{"status", "stuck"},
                            {"stale", true},
                            {"detail", fmt::format("the background check of the database has not completed for {} s",
                                                   age / 1000)}},
                           503);
    r.set_header("Retry-After", "5");
    return r;
  }
  const bool stale = service.stale();
  nlohmann::json body = {{"status", stale ? "stale" : "ready"},
                         {"stale", stale},
                         {"last_sequence", service.ready_sequence.load(std::memory_order_relaxed)},
                         {"accounts", service.ready_accounts.load(std::memory_order_relaxed)}};
  if (stale) body["detail"] = "the database cannot be reached; serving the last loaded state";
  auto r = json_response(body, stale ? 503 : 200);
  if (stale) r.set_header("Retry-After", "5");
  return r;
}

void add_ops_routes(Api& api, Service& service) {
  for (const char* path : {"/healthz", "/readyz"})
    api.add("GET", path, Access::kPublic, [&service, path](const RequestContext&) {
      return *health_response(service, path);
    });

  // Reload the config dir without a restart (also: SIGHUP). 200 with what is now served; 422 with
  // every problem when the new config is invalid (the running one is kept).
  api.add("POST", "/v1/admin/reload", Access::kAdmin, [&service](const RequestContext&) {
    auto r = reload_config(service, "POST /v1/admin/reload");
    if (!r.ok()) {
      if (r.status().code() != Code::kInvalidArgument) return problem_response(problem_from_status(r.status()));
      std::vector<std::string> problems;
      std::string text = r.status().message();
      for (std::size_t at = 0; at <= text.size();) {
        std::size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        if (nl > at) problems.push_back(text.substr(at, nl - at));
        at = nl + 1;
      }
      Problem p;
      p.status = 422;
      p.slug = "invalid-config";
      p.title = "Config not reloaded";
      p.detail = fmt::format("{} problem(s) in the config dir; the running config is kept", problems.size());
      p.extensions["problems"] = problems;
      return problem_response(p);
    }
    return json_response({{"reloaded", true},
                          {"milestones", r->milestones},
                          {"segments", r->segments},
                          {"programs", r->programs},
                          {"rules", r->rules},
                          {"sources", r->sources},
                          {"destinations_changed", r->destinations_changed}});
  });
  api.add("GET", "/metrics", Access::kPublic, [&service](const RequestContext&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = service.metrics.render();
    if (const app::Workspace* ws = service.ws()) {
      const auto counts = ws->alerting_counts();
      r.body += "# HELP uplift_alerts_fired_total Alerts this replica raised (written to the outbox).\n"
                "# TYPE uplift_alerts_fired_total counter\n";
      r.body += fmt::format("uplift_alerts_fired_total {}\n", counts.fired);
      r.body += "# HELP uplift_alert_episode_conflicts_total Alert writes another replica's judgement of the same accounts won (judged again).\n"
                "# TYPE uplift_alert_episode_conflicts_total counter\n";
      r.body += fmt::format("uplift_alert_episode_conflicts_total {}\n", counts.episode_conflicts);
      r.body += "# HELP uplift_alert_passes_total Passes of the alerting thread over the accounts that writes touched.\n"
                "# TYPE uplift_alert_passes_total counter\n";
      r.body += fmt::format("uplift_alert_passes_total {}\n", counts.passes);
    }
    if (const alerts::Deliverer* d = service.deliverer.load(std::memory_order_acquire)) r.body += d->render_metrics();
    return r;
  });
}

std::unique_ptr<Api> build_api(Service& service, KeyRing& keys, const std::filesystem::path& web_root) {
  std::optional<StaticFiles> web;
  StaticFiles files(web_root);
  if (!files.root().empty()) web.emplace(std::move(files));
  auto api = std::make_unique<Api>(&keys, std::move(web));
  add_ops_routes(*api, service);
  add_ingest_routes(*api, service);
  add_adapter_routes(*api, service);
  add_read_routes(*api, service);
  add_recommend_routes(*api, service);
  add_cohort_routes(*api, service);
  add_report_routes(*api, service);
  add_alert_routes(*api, service);
  add_unresolved_routes(*api, service);
  add_key_routes(*api, service, keys);
  api->set_stale_probe([&service] { return service.stale(); });
  return api;
}

}  // namespace uplift::http
