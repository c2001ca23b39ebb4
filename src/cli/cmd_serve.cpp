// `uplift serve [--db URL] [--port P] [--host 127.0.0.1] [--threads N] [--web DIR] [--config DIR]`
//
// Runs the HTTP API and the console (src/http/server.h). Listens first (so /healthz answers
// during a long load), loads the workspace, then serves until SIGTERM/SIGINT, on which it stops
// accepting, finishes requests in flight and exits 0.
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "app/workspace.h"
#include "cli/commands.h"
#include "core/time.h"
#include "http/routes.h"
#include "http/server.h"
#include "log/log.h"

namespace uplift::cli::cmd_serve {
namespace {

struct ServeArgs {
  std::string db, host = "127.0.0.1", web, config;
  int port = 8080, threads = 16;
  double header_timeout = 10, request_timeout = 30, keep_alive_timeout = 15;  // seconds
  double keep_alive_grace_ms = 1;
  int max_connections = 4096, max_connections_per_client = 256, max_queued = 1024;
  std::size_t max_body = http::kDefaultMaxBody;
  std::string earliest = "2000-01-01";
  double max_future_hours = 24;
  bool no_alerts = false;
  bool no_front_door_reads = false;
  int front_door_threads = 0;
};

// Names this replica in delivery leases.
std::string replica_name() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
  return fmt::format("{}:{}:{:x}", host, getpid(), static_cast<unsigned>(wall_clock_now() & 0xffffff));
}

std::filesystem::path web_root(const ServeArgs& a, const std::filesystem::path& config_dir) {
  if (!a.web.empty()) return a.web;
  if (!config_dir.empty() && std::filesystem::is_directory(config_dir / "web")) return config_dir / "web";
  return "web";
}

void serve(const ServeArgs& a) {
  http::block_termination_signals();
  // A write to a connection the peer has closed is an error to handle, never the end of the
  // process: Poco's client sends without MSG_NOSIGNAL (alert delivery on a kept connection).
  std::signal(SIGPIPE, SIG_IGN);
  http::Service service;
  service.max_body = a.max_body;
  auto earliest = parse_date(a.earliest);
  if (!earliest.ok()) {
    fmt::print(stderr, "uplift serve: --earliest: {}\n", earliest.status().message());
    exit_code() = 2;
    return;
  }
  service.time_bounds.earliest = start_of(*earliest);
  service.time_bounds.future_skew_ms = static_cast<Timestamp>(a.max_future_hours * 3'600'000);
  http::KeyRing keys;
  std::unique_ptr<app::Workspace> workspace;
  std::unique_ptr<alerts::Deliverer> deliverer;  // declared after the workspace: stops before its store closes
  std::filesystem::path config_dir;
  if (auto dir = app::resolve_config_dir(a.config); dir.ok()) config_dir = *dir;
  auto api = http::build_api(service, keys, web_root(a, config_dir));

  http::ServerOptions opts;
  opts.host = a.host;
  opts.port = a.port;
  opts.threads = a.threads;
  auto seconds = [](double s) { return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(s * 1e6)); };
  opts.limits.header_timeout = seconds(a.header_timeout);
  opts.limits.request_timeout = seconds(a.request_timeout);
  opts.limits.keep_alive_timeout = seconds(a.keep_alive_timeout);
  opts.limits.max_connections = a.max_connections;
  opts.limits.max_connections_per_client = a.max_connections_per_client;
  opts.limits.max_queued = a.max_queued;
  opts.limits.keep_alive_grace = Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(a.keep_alive_grace_ms * 1e3));
  opts.front_door_reads = !a.no_front_door_reads;
  opts.front_door_threads = a.front_door_threads;
  // Each connection is a file descriptor: raise the soft limit to the hard one, and keep the
  // connection cap below it (room for the database, the log and the listening socket).
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    if (files.rlim_cur < files.rlim_max) {
      files.rlim_cur = files.rlim_max;
      (void)setrlimit(RLIMIT_NOFILE, &files);
      (void)getrlimit(RLIMIT_NOFILE, &files);
    }
    const long long cur = files.rlim_cur == RLIM_INFINITY ? (1LL << 20) : static_cast<long long>(files.rlim_cur);
    auto room = cur > 128 ? cur - 128 : 16;
    if (opts.limits.max_connections > room) {
      log::warn("--max-connections lowered to fit the open-file limit", {{"max_connections", room}});
      opts.limits.max_connections = static_cast<int>(room);
    }
  }
  Status st = http::run_server(opts, service, keys, *api, [&]() -> Status {
    app::WorkspaceOptions wo;
    wo.config_dir = a.config;
    auto ws = app::Workspace::open(default_store_url(a.db), wo);
    if (!ws.ok()) return ws.status();
    workspace = std::move(*ws);
    keys.attach(workspace->store());
    service.workspace.store(workspace.get(), std::memory_order_release);
    if (!a.no_alerts && !workspace->config()->triggers.rules.empty()) {
      deliverer = std::make_unique<alerts::Deliverer>(workspace->store(), workspace->config()->triggers.destinations, replica_name());
      deliverer->start();
      service.deliverer.store(deliverer.get(), std::memory_order_release);
      alerts::Deliverer* d = deliverer.get();
      // A failure here is not fatal: the alerting thread judges the accounts again.
      if (Status st = workspace->start_alerting([d] { d->wake(); }); !st.ok())
        log::warn("alert detection at start deferred", {{"error", st.message()}});
      log::info("alerting", {{"rules", workspace->config()->triggers.rules.size()},
                             {"destinations", workspace->config()->triggers.destinations.destinations.size()}});
    }
    return Status::OK();
  });
  service.deliverer.store(nullptr, std::memory_order_release);
  if (workspace) workspace->stop_alerting();  // its thread wakes the deliverer: stop it first
  if (deliverer) deliverer->stop();
  if (!st.ok()) {
    std::fprintf(stderr, "uplift serve: %s\n", st.message().c_str());
    exit_code() = 2;
    return;
  }
  exit_code() = 0;
}

void setup(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "serve the HTTP API and the education console");
  add_db_option(*cmd, args->db);
  cmd->add_option("--host", args->host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", args->port, "TCP port (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--threads", args->threads, "request threads (given twice, the last wins)")
      ->capture_default_str()->check(CLI::Range(1, 512))->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("--web", args->web, "console directory (default: <config>/web or ./web)");
  cmd->add_option("--config", args->config, "config directory holding milestones/, segments/, content_maps/");
  cmd->add_option("--max-body", args->max_body, "request body limit in bytes")->capture_default_str();
  cmd->add_option("--header-timeout", args->header_timeout, "seconds a request head may take to arrive")
      ->capture_default_str()->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--request-timeout", args->request_timeout, "seconds a request's head and body may take to arrive")
      ->capture_default_str()->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--keep-alive-timeout", args->keep_alive_timeout, "seconds an idle connection is kept open")
      ->capture_default_str()->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--max-connections", args->max_connections, "open connections in all (beyond: 503 at once)")
      ->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--max-connections-per-client", args->max_connections_per_client,
                  "open connections from one client address (beyond: 503, health probes excepted)")
      ->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--max-queued", args->max_queued, "requests waiting for a thread (beyond: 503 at once)")
      ->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--keep-alive-grace-ms", args->keep_alive_grace_ms,
                  "how long a thread waits for a keep-alive connection's next request before it hands the "
                  "connection back to the front door")
      ->capture_default_str()->check(CLI::Range(0.0, 1000.0));
  cmd->add_option("--earliest", args->earliest, "records dated before this day are refused (YYYY-MM-DD)")
      ->capture_default_str();
  cmd->add_flag("--no-front-door-reads", args->no_front_door_reads,
                "hand every request to a worker thread, the learner reads (recommendations, segments, "
                "path) included, instead of answering those on the front door's thread");
  cmd->add_option("--front-door-threads", args->front_door_threads,
                  "threads reading connections and answering the learner reads (0: one per CPU, at most 4)")
      ->capture_default_str()->check(CLI::Range(0, 64));
  cmd->add_flag("--no-alerts", args->no_alerts,
               "do not judge trigger rules or deliver alerts in this process (another replica does)");
  cmd->add_option("--max-future-hours", args->max_future_hours,
                  "records dated more than this many hours past the server's clock are refused")
      ->capture_default_str()->check(CLI::Range(0.0, 24.0 * 366));
  cmd->callback([args] { serve(*args); });
}

}  // namespace

UPLIFT_COMMAND(serve, setup);

}  // namespace uplift::cli::cmd_serve
