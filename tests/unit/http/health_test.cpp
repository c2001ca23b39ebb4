// /readyz as the front door answers it (health_response): from the Service's atomics only, and
// never "ready" when the background check of the database has stopped completing.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "app/workspace.h"
#include "http/service.h"

using namespace uplift;
namespace fs = std::filesystem;

namespace {
std::string source_dir() {
  if (const char* env = std::getenv("UPLIFT_SOURCE_DIR")) return env;
  return UPLIFT_SOURCE_DIR;
}
}  // namespace

TEST_CASE("readiness: loading, ready, stale (database down) and stuck (the check stopped completing)") {
  http::Service service;
  auto loading = http::health_response(service, "/readyz");
  REQUIRE(loading);
  CHECK(loading->status == 503);
  CHECK(nlohmann::json::parse(loading->body)["status"] == "loading");
  CHECK(http::health_response(service, "/healthz")->status == 200);  // alive while loading
  CHECK_FALSE(http::health_response(service, "/metrics"));           // not a health path

  fs::path dir = fs::temp_directory_path() / ("uplift_health_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    app::WorkspaceOptions wo;
    wo.config_dir = source_dir();
    auto ws = app::Workspace::open("sqlite:" + (dir / "h.db").string(), wo);
    REQUIRE_MESSAGE(ws.ok(), ws.status().to_string());
    service.workspace.store(ws->get());
    service.check_budget_ms = 2000;

    service.checked_at_ms = uplift::steady_ms();
    auto ready = http::health_response(service, "/readyz");
    CHECK(ready->status == 200);
    CHECK(nlohmann::json::parse(ready->body)["status"] == "ready");

    service.db_reachable = false;
    auto stale = http::health_response(service, "/readyz");
    CHECK(stale->status == 503);
    CHECK(nlohmann::json::parse(stale->body)["status"] == "stale");
    CHECK(stale->header("Retry-After") == "5");

    service.db_reachable = true;
    service.checked_at_ms = uplift::steady_ms() - 5000;  // the last check completed 5 s ago
    auto stuck = http::health_response(service, "/readyz");
    CHECK(stuck->status == 503);
    auto body = nlohmann::json::parse(stuck->body);
    CHECK(body["status"] == "stuck");
    CHECK(body["detail"].get<std::string>().find("has not completed for 5 s") != std::string::npos);
    service.workspace.store(nullptr);
  }
  fs::remove_all(dir);
}
