// Fuzz target: the HTTP request router, percent-decoding, query-string parsing and validated
// query parameters, the static file resolver (path traversal), and the connection framer that
// checks header lines (the whole input as raw connection bytes, whole and split in two).
// Input: "METHOD PATH?QUERY" (first line; the method is the first space-separated word).
// Invariants: matched parameters are non-empty, decoded and free of NUL; a 405 lists methods;
// a resolved static file is always inside the console root; parameter parsing never crashes.
//
// The router, message, query and static-file sources are compiled into this target directly so
// it does not link (and build under ASan) the whole HTTP server and app.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "http/message.cpp"   // NOLINT(bugprone-suspicious-include)
#include "http/problem.cpp"   // NOLINT(bugprone-suspicious-include)
#include "http/query.cpp"     // NOLINT(bugprone-suspicious-include)
#include "http/request_framer.cpp"  // NOLINT(bugprone-suspicious-include)
#include "http/router.cpp"    // NOLINT(bugprone-suspicious-include)
#include "http/static_files.cpp"  // NOLINT(bugprone-suspicious-include)

namespace {

using namespace uplift::http;

const Router& api_router() {
  static const Router router = [] {
    Router r;
    // The API's route templates (src/http/routes_*.cpp, api/openapi.yaml).
    const char* kRoutes[][2] = {
        {"GET", "/healthz"},        {"GET", "/readyz"},
        {"GET", "/metrics"},        {"POST", "/v1/records"},
        {"POST", "/v1/batch"},      {"POST", "/v1/track"},
        {"POST", "/v1/identify"},   {"POST", "/v1/group"},
        {"POST", "/v1/t"},          {"POST", "/v1/i"},
        {"POST", "/v1/g"},          {"POST", "/xapi/statements"},
        {"PUT", "/xapi/statements"}, {"POST", "/v1/webhooks/skilljar"},
        {"GET", "/v1/accounts"},    {"GET", "/v1/accounts/{id}"},
        {"GET", "/v1/learners"},    {"GET", "/v1/learners/{id}"},
        {"GET", "/v1/learners/{id}/recommendations"}, {"GET", "/v1/stages"},
        {"GET", "/v1/milestones"},  {"GET", "/v1/segments"},
        {"GET", "/v1/segments/{id}"}, {"GET", "/v1/segments/{id}/members"},
        {"GET", "/v1/cohorts"},     {"POST", "/v1/cohorts"},
        {"GET", "/v1/cohorts/{id}"}, {"GET", "/v1/cohorts/{id}/invitees.csv"},
        {"GET", "/v1/reports/roi"}, {"GET", "/v1/reports/roi.html"},
        {"GET", "/v1/paths/{id}"},  {"GET", "/v1/programs"},
        {"GET", "/xapi/about"},     {"GET", "/v1/cohorts/{id}/invitees.json"},
        {"POST", "/v1/cohorts/{id}/send"}, {"DELETE", "/v1/cohorts/{id}"},
        {"GET", "/v1/learners/{id}/path"},
        {"POST", "/v1/keys"},       {"DELETE", "/v1/keys/{name}"},
    };
    for (auto& [method, pattern] : kRoutes)
      r.add(Route{method, pattern, Access::kRead, [](const RequestContext&) { return HttpResponse{}; }});
    return r;
  }();
  return router;
}

const StaticFiles& console_files() {
  // run.sh runs from the repository root and exports UPLIFT_SOURCE_DIR.
  static const StaticFiles files = [] {
    const char* root = std::getenv("UPLIFT_SOURCE_DIR");
    return StaticFiles(std::filesystem::path(root ? root : ".") / "web");
  }();
  return files;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  {
    RequestFramer whole, split;
    whole.feed(input);
    auto cut = size > 0 ? data[0] % (size + 1) : 0;
    split.feed(input.substr(0, cut));
    split.feed(input.substr(cut));
    if (whole.phase() != split.phase() || whole.requests_completed() != split.requests_completed() ||
        whole.problem() != split.problem())
      std::abort();  // how bytes are split across reads must not matter
  }
  input = input.substr(0, input.find('\n'));
  auto space = input.find(' ');
  std::string_view method = space == std::string_view::npos ? "GET" : input.substr(0, space);
  std::string_view target = space == std::string_view::npos ? input : input.substr(space + 1);
  auto qmark = target.find('?');
  std::string_view path = target.substr(0, qmark);
  std::string_view query = qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

  auto match = api_router().match(method, path);
  if (match.kind == RouteMatch::Kind::kFound) {
    if (!match.route) std::abort();
    for (const auto& [name, value] : match.params)
      if (value.empty() || value.find('\0') != std::string::npos) std::abort();
  } else if (match.kind == RouteMatch::Kind::kMethodNotAllowed && match.allowed.empty()) {
    std::abort();
  }

  HttpRequest request;
  request.method = std::string(method);
  request.path = std::string(path);
  request.query = parse_query(query);
  (void)int_param(request, "limit", 10, 1, 100);
  (void)enum_param(request, "format", "json", {"json", "html", "csv"});
  (void)bool_param(request, "explain", false);
  (void)text_param(request, "q");
  auto page = page_params(request);
  if (page.ok() && (page->page < 1 || page->per_page < 1 || page->per_page > 500)) std::abort();

  if (auto file = console_files().resolve(path)) {
    auto rel = file->lexically_relative(console_files().root());
    if (rel.empty() || *rel.begin() == "..") std::abort();  // escaped the console root
  }
  return 0;
}
