#include "http/static_files.h"

#include <fstream>
#include <sstream>

#include "http/problem.h"
#include "http/router.h"

namespace uplift::http {

namespace fs = std::filesystem;

StaticFiles::StaticFiles(fs::path root) {
  std::error_code ec;
  auto canon = fs::canonical(root, ec);
  if (!ec && fs::is_directory(canon, ec)) root_ = canon;
}

std::optional<fs::path> StaticFiles::resolve(std::string_view request_path) const {
  if (root_.empty()) return std::nullopt;
  fs::path p = root_;
  for (auto raw : split_path(request_path)) {
    auto seg = percent_decode(raw, false);
    if (!seg || seg->empty() || (*seg)[0] == '.' || seg->find('/') != std::string::npos ||
        seg->find('\\') != std::string::npos)
      return std::nullopt;
    p /= *seg;
  }
  std::error_code ec;
  if (fs::is_directory(p, ec)) p /= "index.html";
  auto canon = fs::canonical(p, ec);
  if (ec || !fs::is_regular_file(canon, ec)) return std::nullopt;
  // The resolved file must still be inside the root (no symlink escapes).
  auto rel = canon.lexically_relative(root_);
  if (rel.empty() || rel.native().starts_with("..")) return std::nullopt;
  return canon;
}

std::string content_type_for(const fs::path& file) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},  {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},          {".svg", "image/svg+xml"},
      {".png", "image/png"},                  {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},               {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},               {".map", "application/json"},
      {".yaml", "application/yaml"},          {".csv", "text/csv; charset=utf-8"}};
  auto ext = file.extension().string();
  for (auto& [e, t] : kTypes)
    if (ext == e) return t;
  return "application/octet-stream";
}

std::span<const HeaderLine> security_headers() {
  static constexpr HeaderLine kHeaders[] = {{"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"},
                                            {"X-Content-Type-Options", "nosniff"},
                                            {"Referrer-Policy", "no-referrer"},
                                            {"X-Frame-Options", "DENY"}};
  return kHeaders;
}

void add_security_headers(HttpResponse& r) {
  r.headers.reserve(r.headers.size() + security_headers().size() + 1);  // and Cache-Control, often
  for (const auto& h : security_headers()) {
    // A handler may set a stricter or page-specific policy (the self-contained HTML report).
    if (h.name == "Content-Security-Policy" && r.has_header(h.name)) continue;
    r.set_header(std::string(h.name), std::string(h.value));
  }
}

HttpResponse StaticFiles::serve(std::string_view request_path) const {
  auto file = resolve(request_path);
  if (!file) return problem_response(not_found("no such file: " + std::string(request_path)));
  std::ifstream in(*file, std::ios::binary);
  if (!in) return problem_response(not_found("no such file: " + std::string(request_path)));
  HttpResponse r;
  r.content_type = content_type_for(*file);
  std::ostringstream ss;
  ss << in.rdbuf();
  r.body = ss.str();
  r.set_header("Cache-Control", "no-cache");
  return r;
}

}  // namespace uplift::http
