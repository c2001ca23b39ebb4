// Problem details (RFC 9457): every error the HTTP API returns is one of these, sent as
// application/problem+json {type, title, status, detail, instance} plus optional extensions
// (e.g. "errors": [{line, field, reason}]). Types are stable URNs ("urn:uplift:problem:not-found")
// that clients may switch on; titles are the short fixed text for the type; details say what was
// wrong with this request. A problem never carries internal state such as SQL or key material.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "http/message.h"

namespace uplift::http {

struct Problem {
  int status = 500;
  std::string slug;  // "not-found" → type "urn:uplift:problem:not-found"
  std::string title;
  std::string detail;
  std::string instance;  // the request path, filled in by the dispatcher when empty
  nlohmann::json extensions = nlohmann::json::object();

  nlohmann::json to_json() const;
};

// Common problems.
Problem bad_request(std::string detail, std::string slug = "invalid-request");
Problem not_found(std::string detail);
Problem unauthorized(std::string detail);
Problem forbidden(std::string detail);
Problem method_not_allowed(std::string detail);
Problem unsupported_media_type(std::string detail);
Problem payload_too_large(std::string detail);
Problem unavailable(std::string detail);
Problem request_timeout(std::string detail);  // 408
Problem internal_error();

// Maps a Status from a lower layer: InvalidArgument → 400, NotFound → 404, Unavailable → 503…
// Internal errors get a generic detail (the message is logged, not returned).
Problem problem_from_status(const Status& status);

// The response for a problem: status, problem+json body, and for 401 a WWW-Authenticate
// challenge, for 503 a Retry-After.
HttpResponse problem_response(const Problem& p);
// The problem response for a use case's failure; an internal error (a bug or the store failing)
// is logged first, under `area`.
HttpResponse failure_response(const Status& status, std::string_view area);

// JSON text for a response body; invalid UTF-8 in strings is replaced, never thrown.
std::string dump_json(const nlohmann::json& j);
HttpResponse json_response(const nlohmann::json& j, int status = 200);

}  // namespace uplift::http
