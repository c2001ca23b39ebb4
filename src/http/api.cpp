#include "http/api.h"

#include <cstdio>
#include <exception>

#include "http/problem.h"
#include "log/log.h"

namespace uplift::http {

Api::Api(KeyRing* keys, std::optional<StaticFiles> web) : keys_(keys), web_(std::move(web)) {}

void Api::add(std::string method, std::string pattern, Access access, Handler handler, Lane lane) {
  router_.add(Route{std::move(method), std::move(pattern), access, std::move(handler), lane});
}

std::optional<RouteMatch> Api::front_door_match(std::string_view method, std::string_view path) const {
  if (method != "GET") return std::nullopt;
  auto m = router_.match(method, path);
  if (m.kind != RouteMatch::Kind::kFound || m.route->lane != Lane::kFrontDoor) return std::nullopt;
  return m;
}

static bool is_api_path(const std::string& path) {
  return path == "/v1" || path.starts_with("/v1/") || path == "/xapi" || path.starts_with("/xapi/");
}

std::optional<Outcome> Api::refusal(const HttpRequest& req, const RouteMatch& m, std::string& key_name,
                                    const Result<KeyRing::Key>* known) const {
  Outcome out;
  out.route = "unmatched";
  if (m.kind == RouteMatch::Kind::kMethodNotAllowed) {
    std::string allow;
    for (const auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
    out.response = problem_response(method_not_allowed(req.method + " is not supported here; allowed: " + allow));
    out.response.set_header("Allow", allow);
    return out;
  }
  if (m.kind == RouteMatch::Kind::kNotFound) {
    if ((req.method == "GET" || req.method == "HEAD") && !is_api_path(req.path) && web_) return std::nullopt;
    out.response = problem_response(not_found("no resource at " + req.path));
    return out;
  }
  const Route& route = *m.route;
  out.route = route.pattern;
  if (route.access == Access::kPublic) return std::nullopt;
  if (!keys_ && !known) {
    out.response = problem_response(internal_error());
    return out;
  }
  auto checked = known ? *known : keys_->authenticate(req.header("Authorization"));
  if (!checked.ok()) {
    out.response = problem_response(problem_from_status(checked.status()));
    return out;
  }
  const ApiKey& key = **checked;
  key_name = key.name;
  out.key_name = key_name;
  if (!scope_allows(key.scope, route.access)) {
    out.response = problem_response(forbidden("key '" + key.name + "' has scope " + std::string(scope_name(key.scope)) +
                                              "; " + route.method + " " + route.pattern + " needs " +
                                              std::string(access_name(route.access)) +
                                              (route.access == Access::kAdmin ? "" : " or admin")));
    return out;
  }
  return std::nullopt;
}

Outcome Api::dispatch(const HttpRequest& req, RouteMatch m, const Result<KeyRing::Key>* key) const {
  std::string key_name;
  if (auto refused = refusal(req, m, key_name, key)) return std::move(*refused);
  Outcome out;
  if (m.kind == RouteMatch::Kind::kNotFound) {  // a console file
    out.route = "static";
    out.response = web_->serve(req.path);
    return out;
  }
  const Route& route = *m.route;
  out.route = route.pattern;
  out.key_name = key_name;
  RequestContext ctx{req, std::move(m.params), key_name};
  out.response = route.handler(ctx);
  return out;
}

std::optional<Outcome> Api::refuse_early(const HttpRequest& req) const {
  try {
    auto m = router_.match(req.method, req.path);
    std::string key_name;
    auto refused = refusal(req, m, key_name);
    if (!refused) return std::nullopt;
    return finish(std::move(*refused), req);
  } catch (const std::exception&) {
    return std::nullopt;  // handle() answers it
  }
}

Outcome Api::handle(const HttpRequest& req) const { return answer(req, std::nullopt, nullptr); }

Outcome Api::handle(const HttpRequest& req, RouteMatch match, const Result<KeyRing::Key>& key) const {
  return answer(req, std::move(match), &key);
}

Outcome Api::answer(const HttpRequest& req, std::optional<RouteMatch> match, const Result<KeyRing::Key>* key) const {
  Outcome out;
  try {  // the route is matched inside: whatever throws becomes a 500 problem
    out = dispatch(req, match ? std::move(*match) : router_.match(req.method, req.path), key);
  } catch (const std::exception& e) {
    log::error("handler failed", {{"path", req.path}, {"error", e.what()}});
    out.response = problem_response(internal_error());
    if (out.route.empty()) out.route = "unmatched";
  }
  return finish(std::move(out), req);
}

Outcome Api::finish(Outcome out, const HttpRequest& req) const {
  auto& r = out.response;
  if (r.content_type == "application/problem+json" && r.body.find("\"instance\":\"\"") != std::string::npos) {
    // Fill the instance with the request path (problems are built without knowing it).
    auto pos = r.body.find("\"instance\":\"\"");
    r.body.replace(pos, 13, "\"instance\":" + dump_json(req.path));
  }
  add_security_headers(r);
  // The API's answers carry accounts, learners' emails, ARR: never kept by a browser or a proxy.
  if (req.path.starts_with("/v1/") && !r.header("Cache-Control")) r.set_header("Cache-Control", "no-store");
  if (stale_ && stale_()) r.set_header("Uplift-Stale", "true");
  return out;
}

}  // namespace uplift::http
