// Api: the request pipeline between the socket adapter and the handlers.
//
// handle() routes the request (404 / 405 problems for unknown paths and methods), authenticates
// non-public routes through the KeyRing (401 with a challenge, 403 for a scope that does not
// cover the route, 503 when the key cannot be checked because the database is down), calls the
// handler, and turns anything a handler throws into a 500 problem without leaking details.
// GET/HEAD requests outside /v1/ and /xapi/ that match no route are served from the console's
// static files. Every response gets the security headers; no CORS headers are ever added.
// When `stale()` says the database is unreachable, responses carry "Uplift-Stale: true".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/auth.h"
#include "http/message.h"
#include "http/router.h"
#include "http/static_files.h"

namespace uplift::http {

struct Outcome {
  HttpResponse response;
  std::string_view route;  // the template ("/v1/accounts/{id}", the Api's own), "static" or "unmatched"
  std::string key_name;  // the authenticated key's name, "" when none
};

class Api {
 public:
  Api(KeyRing* keys, std::optional<StaticFiles> web);

  Router& router() { return router_; }
  void add(std::string method, std::string pattern, Access access, Handler handler, Lane lane = Lane::kWorker);
  // The route when the request may be answered on the front door's thread: a GET to a
  // kFrontDoor route (no body: the caller's to check); nullopt otherwise.
  std::optional<RouteMatch> front_door_match(std::string_view method, std::string_view path) const;
  void set_stale_probe(std::function<bool()> stale) { stale_ = std::move(stale); }

  Outcome handle(const HttpRequest& request) const;
  // handle() for a request front_door_match() matched, with its key as
  // KeyRing::authenticate_from_memory() found it: the route is not matched nor the key checked twice.
  Outcome handle(const HttpRequest& request, RouteMatch match, const Result<KeyRing::Key>& key) const;
  // From the request line and headers alone (no body): the answer when the request is refused
  // anyway — 405, 404 under /v1/ and /xapi/, 401, 403 — so the server answers without reading
  // (or inflating) a body its sender may not send, and without `100 Continue`. nullopt: go on.
  std::optional<Outcome> refuse_early(const HttpRequest& request) const;

 private:
  // handle()'s work; an exception (a handler's, or matching `request` when `m` is nullopt)
  // becomes a 500 problem. `key` as for dispatch().
  Outcome answer(const HttpRequest& request, std::optional<RouteMatch> m, const Result<KeyRing::Key>* key) const;
  // `key`: the request's key when already authenticated, else null (refusal() authenticates).
  Outcome dispatch(const HttpRequest& request, RouteMatch m, const Result<KeyRing::Key>* key) const;
  // The refusal dispatch() would give before calling a handler, if any; `key_name` gets the key's.
  std::optional<Outcome> refusal(const HttpRequest& request, const RouteMatch& m, std::string& key_name,
                                 const Result<KeyRing::Key>* key = nullptr) const;
  Outcome finish(Outcome out, const HttpRequest& request) const;  // instance, security headers

  KeyRing* keys_;  // may be null only when every route is public (tests)
  std::optional<StaticFiles> web_;
  Router router_;
  std::function<bool()> stale_;
};

}  // namespace uplift::http
