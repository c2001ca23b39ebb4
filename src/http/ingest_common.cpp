#include "http/ingest_common.h"

#include <cstdio>
#include <mutex>

#include "http/problem.h"

namespace uplift::http {

static nlohmann::json rejected_json(const std::vector<RejectedItem>& items) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& r : items) arr.push_back({{"line", r.line}, {"field", r.field}, {"reason", r.reason}});
  return arr;
}

HttpResponse commit_batch(Service& service, IngestBatch batch, const nlohmann::json& extra) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  service.metrics.add_ingested("record", "rejected", static_cast<long>(batch.rejected.size()));
  if (batch.records.empty()) {
    auto p = bad_request(batch.rejected.empty() ? "the body holds no records"
                                                : "no record in the body is valid; see errors",
                         "invalid-records");
    p.extensions["errors"] = rejected_json(batch.rejected);
    return problem_response(p);
  }
  if (service.stale()) return problem_response(problem_from_status(Status::Unavailable("")));
  Result<app::IngestSummary> summary = Status::Internal("not run");
  {
    std::unique_lock lock(ws->mutex());
    summary = ws->ingest(batch.records);
  }
  if (!summary.ok()) {
    if (summary.status().code() == Code::kUnavailable) service.db_reachable = false;
    if (summary.status().code() == Code::kInternal)
      std::fprintf(stderr, "{\"level\":\"error\",\"msg\":\"ingest failed\",\"error\":%s}\n",
                   dump_json(summary.status().to_string()).c_str());
    return problem_response(problem_from_status(summary.status()));
  }
  auto accepted = summary->inserted + summary->updated;
  service.metrics.add_ingested("record", "accepted", static_cast<long>(accepted));
  service.metrics.add_ingested("record", "duplicate", static_cast<long>(summary->duplicates));
  nlohmann::json body = extra.is_object() ? extra : nlohmann::json::object();
  body["accepted"] = accepted;
  body["duplicates"] = summary->duplicates;
  body["rejected"] = rejected_json(batch.rejected);
  return json_response(body, 200);
}

std::optional<HttpResponse> require_json(const HttpRequest& request) {
  std::string mt = request.media_type();
  if (mt == "application/json" || (mt.starts_with("application/") && mt.ends_with("+json"))) return std::nullopt;
  return problem_response(unsupported_media_type(
      "send the body as Content-Type: application/json" + (mt.empty() ? std::string() : " (got " + mt + ")")));
}

}  // namespace uplift::http
