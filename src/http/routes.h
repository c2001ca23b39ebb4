// The HTTP API's routes (api/openapi.yaml is the contract; README "HTTP API" the tour).
// Each add_*_routes registers one area's endpoints on the Api; build_api wires them all.
#pragma once

#include <filesystem>
#include <memory>

#include "http/api.h"
#include "http/service.h"

namespace uplift::http {

void add_ops_routes(Api& api, Service& service);     // /healthz /readyz /metrics
void add_ingest_routes(Api& api, Service& service);   // /v1/records (canonical NDJSON)
void add_adapter_routes(Api& api, Service& service);  // Segment, xAPI, LMS webhooks
void add_read_routes(Api& api, Service& service);    // accounts, learners, stages, milestones
void add_recommend_routes(Api& api, Service& service);  // segments, recommendations, paths
void add_cohort_routes(Api& api, Service& service);   // programs, cohorts, invitee exports (routes_cohorts.cpp)
void add_report_routes(Api& api, Service& service);   // the quarterly ROI report (routes_reports.cpp)
void add_alert_routes(Api& api, Service& service);    // alerts, redelivery, trigger rules (routes_alerts.cpp)
void add_unresolved_routes(Api& api, Service& service);  // the unresolved queue (routes_unresolved.cpp)
void add_key_routes(Api& api, Service& service, KeyRing& ring);  // /v1/keys (routes_keys.cpp)

// Every route, the stale-probe, and the console's static files from `web_root` (if it exists).
std::unique_ptr<Api> build_api(Service& service, KeyRing& keys, const std::filesystem::path& web_root);

}  // namespace uplift::http
