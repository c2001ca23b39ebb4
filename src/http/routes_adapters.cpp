// Ingest endpoints for other formats (scope ingest): Segment's tracking API, xAPI statements and
// Skilljar-style LMS webhooks. The mapping lives in src/ingest (pure JSON → records); this file
// parses bodies, calls the adapter and commits through commit_batch (ingest_common.h).
#include <sys/random.h>

#include <chrono>
#include <regex>
#include <shared_mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "http/ingest_common.h"
#include "http/json_body.h"
#include "http/problem.h"
#include "http/routes.h"
#include "ingest/docebo.h"
#include "ingest/segment.h"
#include "ingest/webhook.h"
#include "ingest/xapi.h"

namespace uplift::http {

namespace {

constexpr const char* kXapiVersion = "1.0.3";

// The body as JSON, or the 415/400 response to send instead.
std::variant<nlohmann::json, HttpResponse> json_body(const HttpRequest& r) {
  if (auto bad = require_json(r)) return *bad;
  auto j = parse_json(r.body);
  if (!j.ok()) return problem_response(bad_request(j.status().message(), "malformed-json"));
  return std::move(*j);
}

IngestBatch from_adapter(ingest::AdapterResult&& a) {
  IngestBatch b;
  b.records = std::move(a.records);
  for (std::size_t item : a.record_items) b.lines.push_back(static_cast<std::int64_t>(item) + 1);
  b.upserts = std::move(a.upserts);
  b.actors = std::move(a.actors);
  b.ignored = a.ignored;
  for (auto& e : a.errors)
    b.reject({static_cast<std::int64_t>(e.index) + 1, std::move(e.field), std::move(e.reason)});
  return b;
}

HttpResponse segment(Service& service, const RequestContext& ctx, std::string_view type) {
  auto body = json_body(ctx.request);
  if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
  auto& j = std::get<nlohmann::json>(body);
  if (!j.is_object()) return problem_response(bad_request("expected a JSON object, got " + std::string(j.type_name())));
  if (type == "batch") {
    auto b = j.find("batch");
    if (b == j.end() || !b->is_array())
      return problem_response(bad_request("batch: required, an array of Segment messages"));
    if (b->empty()) return problem_response(bad_request("batch: the array is empty", "invalid-records"));
  }
  ingest::SegmentOptions opt;
  opt.received_at = wall_clock_now();
  return commit_batch(service, from_adapter(ingest::segment_to_records(j, type, opt)));
}

std::string random_uuid() {
  unsigned char b[16];
  if (getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b))
    for (auto& c : b) c = static_cast<unsigned char>(std::rand());
  b[6] = (b[6] & 0x0F) | 0x40;
  b[8] = (b[8] & 0x3F) | 0x80;
  return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                     b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                     b[15]);
}

std::optional<HttpResponse> check_xapi_version(const HttpRequest& r) {
  static const std::regex kVersion(R"(^1\.0(\.\d+)?$)");
  std::string v = r.header("X-Experience-API-Version");
  if (v.empty()) return problem_response(bad_request("the X-Experience-API-Version header is required (1.0.3)", "xapi-version"));
  if (!std::regex_match(v, kVersion))
    return problem_response(bad_request("X-Experience-API-Version " + v.substr(0, 20) + " is not supported (1.0.x)", "xapi-version"));
  return std::nullopt;
}

// Statements whose actor is an mbox are credited to the known learner with that email, if any.
void map_emails_to_learners(const app::Workspace& ws, ingest::XapiResult& x) {
  std::unordered_map<std::string, std::string> wanted;
  for (const auto& e : x.actor_emails)
    if (!e.empty()) wanted.emplace(e, std::string());
  if (wanted.empty()) return;
  for (const auto& [id, l] : ws.data().learners())
    if (auto it = wanted.find(l.email); it != wanted.end() && it->second.empty()) it->second = id;
  for (std::size_t i = 0; i < x.records.size() && i < x.actor_emails.size(); ++i) {
    auto it = wanted.find(x.actor_emails[i]);
    if (it == wanted.end() || it->second.empty()) continue;
    std::visit([&](auto& rec) {
      if constexpr (requires { rec.learner; }) rec.learner = it->second;
    }, x.records[i]);
  }
}

// xAPI is all-or-nothing per request (the xAPI spec asks an LRS to reject a batch with any
// invalid statement): 400 listing every problem, or 200 with the statement ids.
HttpResponse xapi_statements(Service& service, const RequestContext& ctx, bool put) {
  if (auto bad = check_xapi_version(ctx.request)) return *bad;
  auto body = json_body(ctx.request);
  if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
  auto& j = std::get<nlohmann::json>(body);
  std::optional<std::string> put_id;
  if (put) {
    put_id = ctx.request.param("statementId");
    if (!put_id || put_id->empty()) return problem_response(bad_request("statementId: required query parameter for PUT"));
    if (!j.is_object()) return problem_response(bad_request("PUT takes one statement object"));
    if (j.contains("id") && j["id"] != *put_id)
      return problem_response(bad_request("id: differs from the statementId parameter"));
    j["id"] = *put_id;
  }
  if (j.is_array() && j.empty()) return problem_response(bad_request("the statement array is empty", "invalid-records"));
  // Statements without an id get one now, so the answer can name them (the LRS assigns ids).
  auto assign = [](nlohmann::json& st) {
    if (st.is_object() && !st.contains("id")) st["id"] = random_uuid();
  };
  if (j.is_array()) for (auto& st : j) assign(st);
  else assign(j);
  ingest::XapiResult x = ingest::xapi_to_records(j);
  if (!x.errors.empty() || x.records.empty()) {
    IngestBatch none = from_adapter(std::move(x));
    none.records.clear();
    auto r = commit_batch(service, std::move(none));
    r.set_header("X-Experience-API-Version", kXapiVersion);
    return r;
  }
  if (app::Workspace* ws = service.ws()) {
    std::shared_lock lock(ws->mutex());
    map_emails_to_learners(*ws, x);
  }
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& st : j.is_array() ? j : nlohmann::json::array({j})) ids.push_back(st.value("id", ""));
  IngestBatch batch = from_adapter(std::move(x));
  auto r = commit_batch(service, std::move(batch), nlohmann::json::object(), /*all_or_nothing=*/true);
  if (r.status == 200) {
    r = put ? HttpResponse{204, "application/json", {}, ""} : json_response(ids);
  }
  r.set_header("X-Experience-API-Version", kXapiVersion);
  return r;
}

}  // namespace

void add_adapter_routes(Api& api, Service& service) {
  for (auto [path, type] : {std::pair{"/v1/track", "track"}, {"/v1/t", "track"}, {"/v1/identify", "identify"},
                            {"/v1/i", "identify"}, {"/v1/group", "group"}, {"/v1/g", "group"},
                            {"/v1/batch", "batch"}}) {
    std::string t = type;
    api.add("POST", path, Access::kIngest,
            [&service, t](const RequestContext& ctx) { return segment(service, ctx, t); });
  }

  api.add("GET", "/xapi/about", Access::kPublic, [](const RequestContext&) {
    auto r = json_response({{"version", {"1.0.3", "1.0.2", "1.0.1", "1.0.0"}}});
    r.set_header("X-Experience-API-Version", kXapiVersion);
    return r;
  });
  api.add("POST", "/xapi/statements", Access::kIngest,
          [&service](const RequestContext& ctx) { return xapi_statements(service, ctx, false); });
  api.add("PUT", "/xapi/statements", Access::kIngest,
          [&service](const RequestContext& ctx) { return xapi_statements(service, ctx, true); });

  api.add("POST", "/v1/webhooks/skilljar", Access::kIngest, [&service](const RequestContext& ctx) {
    auto body = json_body(ctx.request);
    if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
    ingest::WebhookResult w = ingest::webhook_to_records(std::get<nlohmann::json>(body));
    return commit_batch(service, from_adapter(std::move(w)));
  });

  // A configured source (ingest/sources.h): the token in the path is the credential, for an LMS
  // that cannot send an Authorization header. Unknown source: 404; wrong token: 401 (both say no
  // more than that).
  api.add("POST", "/v1/webhooks/{source}/{token}", Access::kPublic, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    const ingest::Source* src = ws->sources().find(ctx.param("source"));
    if (!src) return problem_response(problem_from_status(Status::NotFound("no webhook source of that name is configured")));
    if (!ingest::token_matches(ctx.param("token"), src->token))
      return problem_response(problem_from_status(Status::Unauthenticated("the token in the URL is not this source's")));
    auto body = json_body(ctx.request);
    if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
    const auto& j = std::get<nlohmann::json>(body);
    ingest::AdapterResult a = src->type == "docebo" ? ingest::docebo_to_records(j)
                                                    : static_cast<ingest::AdapterResult>(ingest::webhook_to_records(j));
    for (auto& who : a.actors)
      if (who) who->source = src->name;
    return commit_batch(service, from_adapter(std::move(a)), {{"source", src->name}});
  });

  // Docebo: single or batch deliveries (ingest/docebo.h); Docebo authenticates with HTTP Basic —
  // the ingest key as the user name.
  api.add("POST", "/v1/webhooks/docebo", Access::kIngest, [&service](const RequestContext& ctx) {
    auto body = json_body(ctx.request);
    if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
    return commit_batch(service, from_adapter(ingest::docebo_to_records(std::get<nlohmann::json>(body))));
  });
}

}  // namespace uplift::http
