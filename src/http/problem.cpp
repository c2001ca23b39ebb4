#include "http/problem.h"

#include "log/log.h"

namespace uplift::http {

nlohmann::json Problem::to_json() const {
  nlohmann::json j = extensions.is_object() ? extensions : nlohmann::json::object();
  j["type"] = "urn:uplift:problem:" + slug;
  j["title"] = title;
  j["status"] = status;
  j["detail"] = detail;
  j["instance"] = instance;
  return j;
}

static Problem make(int status, std::string slug, std::string title, std::string detail) {
  Problem p;
  p.status = status;
  p.slug = std::move(slug);
  p.title = std::move(title);
  p.detail = std::move(detail);
  return p;
}

Problem bad_request(std::string detail, std::string slug) {
  return make(400, std::move(slug), "Bad request", std::move(detail));
}
Problem not_found(std::string detail) { return make(404, "not-found", "Not found", std::move(detail)); }
Problem unauthorized(std::string detail) {
  return make(401, "unauthorized", "Authentication required", std::move(detail));
}
Problem forbidden(std::string detail) {
  return make(403, "forbidden", "Insufficient scope", std::move(detail));
}
Problem method_not_allowed(std::string detail) {
  return make(405, "method-not-allowed", "Method not allowed", std::move(detail));
}
Problem unsupported_media_type(std::string detail) {
  return make(415, "unsupported-media-type", "Unsupported media type", std::move(detail));
}
Problem payload_too_large(std::string detail) {
  return make(413, "payload-too-large", "Payload too large", std::move(detail));
}
Problem unavailable(std::string detail) {
  return make(503, "unavailable", "Service unavailable", std::move(detail));
}
Problem request_timeout(std::string detail) {
  return make(408, "request-timeout", "Request Timeout", std::move(detail));
}
Problem internal_error() {
  return make(500, "internal", "Internal error", "the server failed to handle the request; see its log");
}

Problem problem_from_status(const Status& s) {
  switch (s.code()) {
    case Code::kOk:
    case Code::kInternal: return internal_error();
    case Code::kInvalidArgument: return bad_request(s.message());
    case Code::kNotFound: return not_found(s.message());
    case Code::kAlreadyExists: return make(409, "conflict", "Conflict", s.message());
    case Code::kFailedPrecondition: return make(409, "failed-precondition", "Conflict", s.message());
    case Code::kUnavailable:
      return unavailable("the database cannot be reached right now; nothing was written, retry later");
    case Code::kPermissionDenied: return forbidden(s.message());
    case Code::kUnauthenticated: return unauthorized(s.message());
    case Code::kResourceExhausted: return payload_too_large(s.message());
    case Code::kAborted:
      return unavailable("a concurrent write to the same data won; nothing was written, retry (the database is reachable)");
  }
  return internal_error();
}

std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse json_response(const nlohmann::json& j, int status) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = dump_json(j);
  return r;
}

HttpResponse problem_response(const Problem& p) {
  HttpResponse r;
  r.status = p.status;
  r.content_type = "application/problem+json";
  r.body = dump_json(p.to_json());
  if (p.status == 401) r.set_header("WWW-Authenticate", R"(Bearer realm="uplift", Basic realm="uplift")");
  if (p.status == 503) r.set_header("Retry-After", "5");
  return r;
}

HttpResponse failure_response(const Status& status, std::string_view area) {
  if (status.code() == Code::kInternal) log::error(area, {{"error", status.message()}});
  return problem_response(problem_from_status(status));
}

}  // namespace uplift::http
