// /healthz, /readyz, /metrics — public, for load balancers and Prometheus.
#include <mutex>
#include <shared_mutex>

#include "http/problem.h"
#include "http/routes.h"

namespace uplift::http {

void add_ops_routes(Api& api, Service& service) {
  api.add("GET", "/healthz", Access::kPublic, [](const RequestContext&) {
    return json_response({{"status", "ok"}});
  });

  // Ready when the workspace has loaded and the database answers. With the database gone the
  // process still serves reads from memory, so it says "stale" (503) rather than dying.
  api.add("GET", "/readyz", Access::kPublic, [&service](const RequestContext&) {
    app::Workspace* ws = service.ws();
    if (!ws) return json_response({{"status", "loading"}, {"stale", false}}, 503);
    Status ping = ws->store().ping();
    service.db_reachable = ping.ok();
    nlohmann::json body;
    {
      std::shared_lock lock(ws->mutex());
      body = {{"status", ping.ok() ? "ready" : "stale"},
              {"stale", !ping.ok()},
              {"last_sequence", ws->last_sequence()},
              {"accounts", ws->states().size()}};  // no database URL: /readyz needs no key
    }
    if (!ping.ok()) body["detail"] = "the database cannot be reached; serving the last loaded state";
    auto r = json_response(body, ping.ok() ? 200 : 503);
    if (!ping.ok()) r.set_header("Retry-After", "5");
    return r;
  });

  api.add("GET", "/metrics", Access::kPublic, [&service](const RequestContext&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = service.metrics.render();
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
  api->set_stale_probe([&service] { return service.stale(); });
  return api;
}

}  // namespace uplift::http
