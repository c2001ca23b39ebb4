// HttpRequest / HttpResponse: the HTTP exchange as plain values.
//
// The Poco server adapter (server.cpp) turns a socket request into an HttpRequest — body already
// size-checked and gzip-inflated — and writes the HttpResponse back. Everything between (routing,
// auth, handlers) works on these values only, so it is unit-testable without sockets.
// Header names compare case-insensitively; the path is kept as sent (percent-encoded; the router
// decodes each parameter segment), the query is split into decoded pairs in their original order.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uplift::http {

struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

// ASCII case-insensitive comparisons for header names, tokens and auth schemes (A-Z folded, no
// locale lookup per character).
bool equals_ignoring_case(std::string_view a, std::string_view b);
bool starts_with_ignoring_case(std::string_view s, std::string_view prefix);
bool contains_ignoring_case(std::string_view s, std::string_view token);

struct HttpRequest {
  std::string method;  // "GET", "POST"… (upper case as sent)
  std::string path;    // "/v1/accounts/acme%20inc" (as sent, no query)
  std::vector<std::pair<std::string, std::string>> query;
  Headers headers;
  std::string body;

  // The first value of a query parameter, if present.
  std::optional<std::string> param(std::string_view name) const;
  // A header value, "" when absent.
  std::string header(std::string_view name) const;
  // The media type of Content-Type, lower-cased, without parameters ("application/json").
  std::string media_type() const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;

  void set_header(std::string name, std::string value);
  std::optional<std::string> header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

// A request from its head as received (request line and header lines, CRLF or LF ends, through the
// blank line), the way the Poco adapter builds one: path and query split at the first '?',
// repeated headers joined with ", ", values trimmed of spaces and tabs. For heads the front door's
// framer has already accepted (request_framer.h); nullopt for anything it cannot read as one.
std::optional<HttpRequest> request_from_head(std::string_view head);

// Splits "a=1&b=x%20y" into decoded pairs; "+" means space. Malformed escapes are kept verbatim.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
// Percent-decodes; returns nullopt for a malformed escape or a NUL (encoded or raw).
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace uplift::http
