// Ingest endpoints for other formats (scope ingest): Segment's tracking API, xAPI statements and
// Skilljar-style LMS webhooks. The mapping lives in src/ingest (pure JSON → records); this file
// parses bodies, calls the adapter and commits through commit_batch (ingest_common.h).
#include <sys/random.h>

#include <map>
#include <regex>
#include <unordered_map>

#include <fmt/format.h>

#include "alerts/signature.h"
#include "http/ingest_common.h"
#include "http/json_body.h"
#include "http/problem.h"
#include "http/routes.h"
#include "core/time.h"
#include "ingest/docebo.h"
#include "ingest/mapped_webhook.h"
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
  ingest::SegmentOptions opt;
  opt.received_at = wall_clock_now();
  if (type == "batch" && !require_json(ctx.request) && json_depth(ctx.request.body) >= 0)
    if (auto fast = ingest::segment_batch_from_text(ctx.request.body, opt))  // analytics libraries' batches
      return commit_batch(service, from_adapter(std::move(*fast)));
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

constexpr const char* kXapiCollection = "xapi_statements";

std::string lower_id(std::string id) {
  for (char& c : id)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return id;
}

HttpResponse xapi_answer(HttpResponse r) {
  r.set_header("X-Experience-API-Version", kXapiVersion);
  return r;
}

// POST/PUT /xapi/statements, as an LRS answers (xAPI 1.0.3 Part Three §2.1): a batch is stored
// whole or not at all — 400 listing every invalid statement by index; 409 when a statement id is
// already stored with different content; a statement sent again unchanged is a no-op. 200 with
// the statement ids (POST) or 204 (PUT). Each statement is kept as sent in the collection
// "xapi_statements" (for GET ?statementId=), written after its record.
HttpResponse xapi_statements(Service& service, const RequestContext& ctx, bool put) {
  if (auto bad = check_xapi_version(ctx.request)) return *bad;
  auto body = json_body(ctx.request);
  if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
  auto& j = std::get<nlohmann::json>(body);
  if (put) {
    std::optional<std::string> put_id = ctx.request.param("statementId");
    if (!put_id || put_id->empty()) return problem_response(bad_request("statementId: required query parameter for PUT"));
    if (!ingest::is_uuid(*put_id)) return problem_response(bad_request("statementId: expected a UUID"));
    if (!j.is_object()) return problem_response(bad_request("PUT takes one statement object"));
    if (j.contains("id") && (!j["id"].is_string() || lower_id(j["id"].get<std::string>()) != lower_id(*put_id)))
      return problem_response(bad_request("id: differs from the statementId parameter"));
    j["id"] = *put_id;
  }
  if (j.is_array() && j.empty()) return problem_response(bad_request("the statement array is empty", "invalid-records"));
  if (!j.is_array()) j = nlohmann::json::array({std::move(j)});
  // Statements without an id get one now, so the answer can name them (the LRS assigns ids).
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto& st = j[i];
    if (st.is_object() && !st.contains("id")) st["id"] = random_uuid();
    // Statement ids compare case-insensitively (xAPI): kept in lower case, as uplift assigns them.
    if (st.is_object() && st["id"].is_string() && ingest::is_uuid(st["id"].get<std::string>()))
      st["id"] = lower_id(st["id"].get<std::string>());
    if (st.is_object() && st["id"].is_string()) {
      auto [it, fresh] = seen.emplace(lower_id(st["id"].get<std::string>()), i);
      if (!fresh)
        return xapi_answer(problem_response(bad_request(
            fmt::format("statement {}: id {} is also statement {}'s (ids are unique in a batch)", i, st["id"].get<std::string>(),
                        it->second), "invalid-records")));
    }
  }
  const Timestamp now = wall_clock_now();
  ingest::XapiResult x = ingest::xapi_to_records(j, {now});
  if (!x.errors.empty()) {  // one invalid statement: the batch is refused whole
    auto p = bad_request(fmt::format("{} of {} statements {} invalid; nothing was stored", x.errors.size(), j.size(),
                                     x.errors.size() == 1 ? "is" : "are"),
                         "invalid-records");
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : x.errors)
      errors.push_back({{"statement", e.index}, {"line", e.index + 1}, {"field", e.field}, {"reason", e.reason}});
    p.extensions["errors"] = errors;
    return xapi_answer(problem_response(p));
  }
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& st : j) ids.push_back(st["id"]);
  // Already stored? The same statement again is a no-op; another one under its id is a conflict.
  std::vector<bool> known(j.size(), false);
  std::vector<Document> docs;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string key = lower_id(j[i]["id"].get<std::string>());
    auto stored = ws->store().get_document(kXapiCollection, key);
    if (stored.ok()) {
      auto prev = nlohmann::json::parse(stored->body, nullptr, false);
      // What the LRS sets (stored, authority, version) does not make two statements differ.
      auto essence = [](nlohmann::json st) {
        if (st.is_object())
          for (const char* f : {"stored", "authority", "version"}) st.erase(f);
        return st;
      };
      if (!prev.is_object() || essence(prev.value("statement", nlohmann::json())) != essence(j[i]))
        return xapi_answer(problem_response(problem_from_status(Status::AlreadyExists(fmt::format(
            "statement {}: a different statement with id {} is already stored", i, j[i]["id"].get<std::string>())))));
      known[i] = true;
      continue;
    }
    if (stored.status().code() != Code::kNotFound) return xapi_answer(problem_response(problem_from_status(stored.status())));
    docs.push_back({kXapiCollection, key, nlohmann::json{{"statement", j[i]}, {"stored", format_timestamp(now)}}.dump(), now});
  }
  auto done = [&] { return xapi_answer(put ? HttpResponse{204, "application/json", {}, ""} : json_response(ids)); };
  if (docs.empty()) return done();
  IngestBatch batch = from_adapter(std::move(x));
  if (docs.size() < j.size()) {  // drop the records of statements stored before
    std::vector<Record> records;
    std::vector<std::int64_t> lines;
    std::vector<std::optional<ingest::ActorRef>> actors;
    for (std::size_t r = 0; r < batch.records.size(); ++r) {
      if (known[static_cast<std::size_t>(batch.lines[r] - 1)]) continue;
      records.push_back(std::move(batch.records[r]));
      lines.push_back(batch.lines[r]);
      actors.push_back(r < batch.actors.size() ? std::move(batch.actors[r]) : std::nullopt);
    }
    batch.records = std::move(records);
    batch.lines = std::move(lines);
    batch.actors = std::move(actors);
    batch.upserts.clear();
  }
  if (batch.records.empty()) {  // statements that name no single learner: kept, nothing else to store
    if (Status st = ws->store().put_documents(docs); !st.ok()) return xapi_answer(problem_response(problem_from_status(st)));
    return done();
  }
  batch.documents = std::move(docs);
  auto r = commit_batch(service, std::move(batch), nlohmann::json::object(), /*all_or_nothing=*/true);
  if (r.status != 200) return xapi_answer(std::move(r));
  return done();
}

// GET /xapi/statements?statementId= — the statement as stored (with "stored" set), for a
// forwarder's idempotency check. Queries over many statements are not offered.
HttpResponse xapi_get_statement(Service& service, const RequestContext& ctx) {
  if (auto bad = check_xapi_version(ctx.request)) return *bad;
  auto id = ctx.request.param("statementId");
  if (ctx.request.param("voidedStatementId"))
    return xapi_answer(problem_response(problem_from_status(Status::NotFound("uplift does not keep voided statements"))));
  if (!id) return xapi_answer(problem_response(bad_request(
      "statementId: required (uplift answers single-statement lookups, not statement queries)")));
  if (!ingest::is_uuid(*id)) return xapi_answer(problem_response(bad_request("statementId: expected a UUID")));
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  auto doc = ws->store().get_document(kXapiCollection, lower_id(*id));
  if (!doc.ok()) {
    if (doc.status().code() == Code::kNotFound)
      return xapi_answer(problem_response(problem_from_status(Status::NotFound("no statement with id " + *id))));
    return xapi_answer(problem_response(problem_from_status(doc.status())));
  }
  auto stored = nlohmann::json::parse(doc->body, nullptr, false);
  if (!stored.is_object() || !stored.contains("statement"))
    return xapi_answer(problem_response(problem_from_status(Status::Internal("stored statement " + *id + " is unreadable"))));
  nlohmann::json st = stored["statement"];
  st["stored"] = stored.value("stored", "");
  if (!st.contains("timestamp")) st["timestamp"] = st["stored"];
  if (!st.contains("version")) st["version"] = "1.0.0";
  return xapi_answer(json_response(st));
}

// 401 unless the delivery is signed by the source per Standard Webhooks, recently.
std::optional<HttpResponse> check_signature(const ingest::Source& src, const HttpRequest& r) {
  const auto now = wall_clock_now() / 1000;
  Status st = alerts::verify_standard_webhook(src.secrets, r.header("webhook-id"), r.header("webhook-timestamp"),
                                              r.header("webhook-signature"), r.body, now, src.tolerance_seconds);
  if (st.ok()) return std::nullopt;
  return problem_response(problem_from_status(st.code() == Code::kUnauthenticated ? st : Status::Unauthenticated(st.message())));
}

// A configured source's delivery through its adapter (or mapping), committed.
HttpResponse source_delivery(Service& service, const ingest::Source& src, const HttpRequest& r) {
  auto body = json_body(r);
  if (auto* resp = std::get_if<HttpResponse>(&body)) return *resp;
  const auto& j = std::get<nlohmann::json>(body);
  ingest::AdapterResult a;
  if (src.type == "docebo") a = ingest::docebo_to_records(j, src.fields);
  else if (src.type == "standard-webhooks") a = ingest::map_webhook(j, src.mapping, src.name, r.header("webhook-id"));
  else a = ingest::webhook_to_records(j, src.fields);
  for (auto& who : a.actors)
    if (who) who->source = src.name;
  return commit_batch(service, from_adapter(std::move(a)), {{"source", src.name}});
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
  api.add("GET", "/xapi/statements", Access::kIngest,
          [&service](const RequestContext& ctx) { return xapi_get_statement(service, ctx); });
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
    const std::shared_ptr<const app::Config> config = ws->config();  // the source stays valid through a reload
    const ingest::Source* src = config->sources.find(ctx.param("source"));
    if (!src) return problem_response(problem_from_status(Status::NotFound("no webhook source of that name is configured")));
    if (!ingest::token_matches(ctx.param("token"), src->token))
      return problem_response(problem_from_status(Status::Unauthenticated("the token in the URL is not this source's")));
    if (!src->secrets.empty()) {  // signed too: the signature is checked as well
      if (auto refused = check_signature(*src, ctx.request)) return *refused;
    }
    return source_delivery(service, *src, ctx.request);
  });

  // A standard-webhooks source (ingest/sources.h): the Standard Webhooks signature authenticates.
  api.add("POST", "/v1/webhooks/{source}", Access::kPublic, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    const std::shared_ptr<const app::Config> config = ws->config();  // the source stays valid through a reload
    const ingest::Source* src = config->sources.find(ctx.param("source"));
    if (!src || src->secrets.empty())
      return problem_response(problem_from_status(Status::NotFound("no signed webhook source of that name is configured")));
    if (auto refused = check_signature(*src, ctx.request)) return *refused;
    return source_delivery(service, *src, ctx.request);
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
