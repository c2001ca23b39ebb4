#include "http/router.h"

#include <algorithm>

namespace uplift::http {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  out.reserve(8);  // the API's paths have at most 6 segments
  std::size_t i = 0;
  while (i <= path.size()) {
    auto slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > i) out.push_back(path.substr(i, slash - i));
    i = slash + 1;
  }
  return out;
}

void Router::add(Route route) {
  routes_.push_back(std::move(route));
  std::vector<std::string> segments;
  for (auto part : split_path(routes_.back().pattern)) segments.emplace_back(part);
  segments_.push_back(std::move(segments));
}

int Router::match_pattern(const Route& route, const std::vector<std::string>& ps, std::string_view path,
                          const std::vector<std::string_view>& xs, std::map<std::string, std::string>& params) {
  if (ps.size() != xs.size()) return -1;
  // A trailing slash is a different resource ("/v1/accounts/" ≠ "/v1/accounts").
  const std::string& pattern = route.pattern;
  if (path.size() > 1 && path.back() == '/' && !(pattern.size() > 1 && pattern.back() == '/')) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const std::string& p = ps[i];
    if (p.size() >= 2 && p.front() == '{' && p.back() == '}') continue;
    if (p != xs[i]) return -1;
    ++literals;
  }
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const std::string& p = ps[i];
    if (!(p.size() >= 2 && p.front() == '{' && p.back() == '}')) continue;
    auto decoded = percent_decode(xs[i], false);
    if (!decoded || decoded->empty()) return -1;
    found.emplace(std::string(p.substr(1, p.size() - 2)), std::move(*decoded));
  }
  params = std::move(found);
  return literals;
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch best;
  // An empty segment ("//") never names a resource; split_path would silently drop it.
  if (path.find("//") != std::string_view::npos) return best;
  auto xs = split_path(path);  // once, not once per route
  int best_literals = -1;
  for (std::size_t k = 0; k < routes_.size(); ++k) {
    const Route& r = routes_[k];
    std::map<std::string, std::string> params;
    int lit = match_pattern(r, segments_[k], path, xs, params);
    if (lit < 0) continue;
    bool method_ok = r.method == method || (method == "HEAD" && r.method == "GET");
    if (!method_ok) {
      if (std::find(best.allowed.begin(), best.allowed.end(), r.method) == best.allowed.end())
        best.allowed.push_back(r.method);
      continue;
    }
    if (lit > best_literals) {
      best_literals = lit;
      best.route = &r;
      best.params = std::move(params);
    }
  }
  if (best.route) {
    best.kind = RouteMatch::Kind::kFound;
    best.allowed.clear();
  } else if (!best.allowed.empty()) {
    best.kind = RouteMatch::Kind::kMethodNotAllowed;
    std::sort(best.allowed.begin(), best.allowed.end());
  }
  return best;
}

}  // namespace uplift::http
