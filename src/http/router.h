// Router: maps (method, path) to a route declared with a template such as
// "/v1/accounts/{id}" or "/v1/cohorts/{id}/invitees.csv".
//
// A template segment is either literal or a whole-segment parameter "{name}" (which may be
// followed by a literal suffix, e.g. "{id}.csv" is not supported — keep suffixes as separate
// segments). Literal segments win over parameters when both match. A path that matches some
// template but not with this method yields kMethodNotAllowed and the allowed methods. The route
// template (not the concrete path) is what logs and metrics label requests with.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace uplift::http {

// Who may call a route: kLearner — the learner-facing reads (lms, analyst, admin); kRead — every
// other read (analyst, admin); kIngest (ingest, admin); kAdmin.
enum class Access { kPublic, kRead, kIngest, kAdmin, kLearner };

struct RequestContext {
  const HttpRequest& request;
  std::map<std::string, std::string> params;  // from the template, decoded
  std::string key_name;                        // the authenticated key's name ("" for public)
  const std::string& param(const std::string& name) const { return params.at(name); }
};

using Handler = std::function<HttpResponse(const RequestContext&)>;

// Where a route's handler runs. kFrontDoor: on the front door's thread, with no hand-off to a
// worker (checked_socket.h) — only for bodiless reads whose work is bounded and in memory (a
// learner's recommendations, segments, path): the front door serves every other connection too.
enum class Lane { kWorker, kFrontDoor };

struct Route {
  std::string method;
  std::string pattern;
  Access access = Access::kPublic;
  Handler handler;
  Lane lane = Lane::kWorker;
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;  // for kMethodNotAllowed
};

class Router {
 public:
  void add(Route route);
  RouteMatch match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> segments_;  // each route's pattern, split once at add()
  // Returns the number of literal segments matched (for precedence), or -1 for no match.
  // `ps`: the route's pattern split; `xs`: the path split.
  static int match_pattern(const Route& route, const std::vector<std::string>& ps, std::string_view path,
                           const std::vector<std::string_view>& xs, std::map<std::string, std::string>& params);
};

std::vector<std::string_view> split_path(std::string_view path);

}  // namespace uplift::http
