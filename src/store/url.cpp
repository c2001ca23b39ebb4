#include "store/url.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

namespace uplift::store {
namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

std::string MysqlUrl::redacted() const {
  std::string where;
  for (const auto& h : hosts) where += fmt::format("{}{}:{}", where.empty() ? "" : ",", h.host, h.port);
  if (where.empty()) where = fmt::format("{}:{}", host, port);
  return fmt::format("mysql://{}@{}/{}", user, where, database);
}

std::string redact_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  auto at = url.find('@', scheme_end + 3);
  if (at == std::string_view::npos) return std::string(url);
  auto userinfo = url.substr(scheme_end + 3, at - scheme_end - 3);
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return fmt::format("{}{}:***{}", url.substr(0, scheme_end + 3), userinfo.substr(0, colon), url.substr(at));
}

Result<MysqlUrl> parse_mysql_url(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format(
        "database URL {}: {} (expected mysql://user[:pass]@host[:port][,host[:port]…]/db)", redact_url(url), why));
  };
  constexpr std::string_view kPrefix = "mysql://";
  if (url.substr(0, kPrefix.size()) != kPrefix) return bad("not a mysql:// URL");
  std::string_view rest = url.substr(kPrefix.size());
  MysqlUrl out;
  auto at = rest.rfind('@');
  if (at == std::string_view::npos) return bad("missing user@");
  std::string_view userinfo = rest.substr(0, at);
  rest = rest.substr(at + 1);
  auto colon = userinfo.find(':');
  bool has_password = colon != std::string_view::npos;
  out.user = percent_decode(userinfo.substr(0, colon));
  if (has_password) out.password = percent_decode(userinfo.substr(colon + 1));
  if (out.user.empty()) return bad("missing user");
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("missing /database");
  std::string_view hostlist = rest.substr(0, slash);
  std::string_view db = rest.substr(slash + 1);
  if (auto q = db.find('?'); q != std::string_view::npos) db = db.substr(0, q);
  for (;;) {
    auto comma = hostlist.find(',');
    std::string_view hostport = hostlist.substr(0, comma);
    MysqlHost h;
    auto pcolon = hostport.rfind(':');
    if (pcolon != std::string_view::npos) {
      std::string port(hostport.substr(pcolon + 1));
      char* end = nullptr;
      long p = std::strtol(port.c_str(), &end, 10);
      if (port.empty() || *end != '\0' || p <= 0 || p > 65535) return bad("port is not a number in 1..65535");
      h.port = static_cast<int>(p);
      hostport = hostport.substr(0, pcolon);
    }
    h.host = std::string(hostport);
    if (h.host.empty()) return bad(out.hosts.empty() ? "missing host" : "an empty host in the host list");
    if (std::find(out.hosts.begin(), out.hosts.end(), h) != out.hosts.end())
      return bad(fmt::format("{}:{} is named twice", h.host, h.port));
    out.hosts.push_back(std::move(h));
    if (comma == std::string_view::npos) break;
    hostlist = hostlist.substr(comma + 1);
  }
  out.host = out.hosts.front().host;
  out.port = out.hosts.front().port;
  if (!is_identifier(db)) return bad("the database name must match [A-Za-z0-9_]{1,64}");
  out.database = std::string(db);
  if (!has_password) {
    if (const char* env = std::getenv("UPLIFT_DB_PASSWORD")) out.password = env;
  }
  return out;
}

Result<SqliteUrl> parse_sqlite_url(std::string_view url) {
  SqliteUrl out;
  std::string_view rest = url;
  if (rest.substr(0, 7) == "sqlite:") rest = rest.substr(7);
  if (rest.substr(0, 2) == "//") rest = rest.substr(2);  // tolerate sqlite://PATH
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view opts = rest.substr(q + 1);
    rest = rest.substr(0, q);
    while (!opts.empty()) {
      auto amp = opts.find('&');
      std::string_view kv = opts.substr(0, amp);
      opts = amp == std::string_view::npos ? std::string_view{} : opts.substr(amp + 1);
      auto eq = kv.find('=');
      std::string_view k = kv.substr(0, eq), v = eq == std::string_view::npos ? "" : kv.substr(eq + 1);
      if (k == "sync" && (v == "full" || v == "normal" || v == "off")) {
        out.sync = std::string(v);
      } else {
        return Status::InvalidArgument(fmt::format(
            "database URL {}: unknown option '{}' (known: sync=full|normal|off)", url, kv));
      }
    }
  }
  if (rest.empty()) return Status::InvalidArgument(fmt::format("database URL {}: missing file path", url));
  out.path = std::string(rest);
  return out;
}

}  // namespace uplift::store
