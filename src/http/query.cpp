#include "http/query.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "ingest/utf8.h"

namespace uplift::http {

Result<long> int_param(const HttpRequest& r, const std::string& name, long fallback, long min, long max) {
  auto v = r.param(name);
  if (!v || v->empty()) return fallback;
  long out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size() || out < min || out > max)
    return Status::InvalidArgument(fmt::format("{}: expected an integer {}-{}, got '{}'", name, min, max,
                                               v->substr(0, 40)));
  return out;
}

Result<std::string> enum_param(const HttpRequest& r, const std::string& name, const std::string& fallback,
                               const std::vector<std::string>& allowed) {
  auto v = r.param(name);
  if (!v || v->empty()) return fallback;
  for (const auto& a : allowed)
    if (*v == a) return *v;
  return Status::InvalidArgument(fmt::format("{}: expected one of {}, got '{}'", name, fmt::join(allowed, ", "),
                                             v->substr(0, 40)));
}

Result<bool> bool_param(const HttpRequest& r, const std::string& name, bool fallback) {
  auto v = r.param(name);
  if (!v || v->empty()) return fallback;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  return Status::InvalidArgument(fmt::format("{}: expected true or false, got '{}'", name, v->substr(0, 40)));
}

Result<std::string> text_param(const HttpRequest& r, const std::string& name, std::size_t max_len) {
  auto v = r.param(name);
  if (!v) return std::string();
  if (v->size() > max_len) return Status::InvalidArgument(fmt::format("{}: longer than {} bytes", name, max_len));
  if (ingest::find_invalid_utf8(*v)) return Status::InvalidArgument(name + ": not valid UTF-8");
  return *v;
}

Status known_params(const HttpRequest& r, const std::vector<std::string>& known) {
  for (const auto& [name, value] : r.query) {
    if (name.starts_with("_") || std::find(known.begin(), known.end(), name) != known.end()) continue;
    return Status::InvalidArgument(fmt::format("unknown parameter '{}' (this endpoint takes: {})",
                                               name.substr(0, 40), fmt::join(known, ", ")));
  }
  return Status::OK();
}

Result<std::optional<Audience>> audience_param(const HttpRequest& r) {
  auto v = r.param("audience");
  if (!v || *v == "customer") return std::optional<Audience>(Audience::kCustomer);
  if (*v == "all") return std::optional<Audience>();
  auto a = parse_audience(*v);
  if (!a) return Status::InvalidArgument(fmt::format("audience: expected customer, trial, partner, employee or all, got '{}'",
                                                     v->substr(0, 40)));
  return std::optional<Audience>(*a);
}

Result<Page> page_params(const HttpRequest& r, long fallback_per_page) {
  auto page = int_param(r, "page", 1, 1, 1'000'000);
  if (!page.ok()) return page.status();
  auto per = int_param(r, "per_page", fallback_per_page, 1, 500);
  if (!per.ok()) return per.status();
  return Page{*page, *per};
}

}  // namespace uplift::http
