#include "store/store.h"

#include <cstdlib>

#include <fmt/format.h>

#include "store/mysql/mysql_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/url.h"

namespace uplift {

std::string_view store_scheme(std::string_view url) {
  if (url.substr(0, 8) == "mysql://") return "mysql";
  if (url.substr(0, 7) == "sqlite:") return "sqlite";
  auto colon = url.find(':');
  auto slash = url.find('/');
  // "scheme:..." with a plausible scheme name before any '/' is an explicit (maybe unknown) scheme;
  // anything else ("uplift.db", "./data/x.db", "/abs/path") is a bare SQLite path.
  if (colon != std::string_view::npos && colon > 1 && (slash == std::string_view::npos || slash > colon)) {
    std::string_view scheme = url.substr(0, colon);
    bool word = true;
    for (char c : scheme)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-'))
        word = false;
    if (word) return scheme;
  }
  return "sqlite";
}

Result<std::unique_ptr<Store>> Store::open(std::string_view url) {
  std::string_view scheme = store_scheme(url);
  if (scheme == "sqlite") {
    auto parsed = store::parse_sqlite_url(url);
    if (!parsed.ok()) return parsed.status();
    return store::open_sqlite_store(*parsed);
  }
  if (scheme == "mysql" || scheme == "mariadb") {
    std::string u(url);
    if (scheme == "mariadb") u = "mysql" + u.substr(7);
    auto parsed = store::parse_mysql_url(u);
    if (!parsed.ok()) return parsed.status();
    return store::open_mysql_store(*parsed);
  }
  return Status::InvalidArgument(fmt::format(
      "database URL {}: unknown scheme '{}' (use sqlite:PATH or mysql://user[:pass]@host[:port]/db)",
      store::redact_url(url), scheme));
}

std::string default_store_url(std::string_view flag_value) {
  if (!flag_value.empty()) return std::string(flag_value);
  if (const char* env = std::getenv("UPLIFT_DB"); env && *env) return env;
  return "sqlite:uplift.db";
}

}  // namespace uplift
