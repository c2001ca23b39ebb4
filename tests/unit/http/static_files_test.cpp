#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "http/static_files.h"

using namespace uplift::http;
namespace fs = std::filesystem;

namespace {
struct TempWeb {
  fs::path dir;
  TempWeb() {
    dir = fs::temp_directory_path() / ("uplift-web-test-" + std::to_string(::getpid()));
    fs::create_directories(dir / "js");
    std::ofstream(dir / "index.html") << "<!doctype html>";
    std::ofstream(dir / "js" / "app.js") << "export {}";
    std::ofstream(dir / ".secret") << "x";
    std::ofstream(dir.parent_path() / "outside.txt") << "outside";
    fs::create_symlink(dir.parent_path() / "outside.txt", dir / "escape.txt");
  }
  ~TempWeb() {
    fs::remove_all(dir);
    fs::remove(dir.parent_path() / "outside.txt");
  }
};
}  // namespace

TEST_CASE("static files resolve safely under the root") {
  TempWeb web;
  StaticFiles files(web.dir);
  CHECK(files.resolve("/") == fs::canonical(web.dir / "index.html"));
  CHECK(files.resolve("/js/app.js") == fs::canonical(web.dir / "js" / "app.js"));
  CHECK(files.resolve("/js/") == std::nullopt);  // directory without index.html
  for (const char* bad : {"/../outside.txt", "/js/../../outside.txt", "/%2e%2e/outside.txt", "/js/%2e%2e/index.html",
                          "/.secret", "/escape.txt", "/missing.html", "/js%2fapp.js", "/..%5coutside.txt",
                          "/index.html%00.js"}) {
    CAPTURE(bad);
    CHECK(files.resolve(bad) == std::nullopt);
  }
}

TEST_CASE("static responses: content types, 404 problem, security headers") {
  TempWeb web;
  StaticFiles files(web.dir);
  auto r = files.serve("/js/app.js");
  CHECK(r.status == 200);
  CHECK(r.content_type == "text/javascript; charset=utf-8");
  CHECK(r.body == "export {}");
  CHECK(files.serve("/").content_type == "text/html; charset=utf-8");
  CHECK(files.serve("/nope.css").status == 404);
  CHECK(files.serve("/nope.css").content_type == "application/problem+json");
  add_security_headers(r);
  CHECK(r.header("Content-Security-Policy")->find("default-src 'self'") == 0);
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK(r.header("Referrer-Policy") == "no-referrer");
  CHECK(r.header("X-Frame-Options") == "DENY");
  CHECK(content_type_for("a.svg") == "image/svg+xml");
  CHECK(content_type_for("a.unknown") == "application/octet-stream");
}
