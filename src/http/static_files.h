// StaticFiles: serves the education console (web/) at "/".
//
// Paths are resolved safely: percent-decoded, split into segments, and refused (404) if any
// segment is empty-after-decoding, ".", "..", hidden (".x"), or contains a backslash or NUL; the
// resolved file must be a regular file under the root (symlinks leaving the root are refused).
// "/" and directory paths serve index.html. Content types come from the extension. Every
// response (and every API response, via security_headers) carries the security headers.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "http/message.h"

namespace uplift::http {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // The file for a request path, or nullopt (→ 404) when absent or unsafe.
  std::optional<std::filesystem::path> resolve(std::string_view request_path) const;
  // 200 with the file, or a 404 problem (HEAD bodies are dropped by the socket adapter).
  HttpResponse serve(std::string_view request_path) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;  // canonical, or empty when the folder does not exist
};

std::string content_type_for(const std::filesystem::path& file);
// The security headers every answer carries: Content-Security-Policy (unless the answer sets a
// stricter one), X-Content-Type-Options, Referrer-Policy, X-Frame-Options.
struct HeaderLine {
  std::string_view name, value;
};
std::span<const HeaderLine> security_headers();
void add_security_headers(HttpResponse& r);

}  // namespace uplift::http
