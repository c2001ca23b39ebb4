// Service: what the HTTP handlers share while `uplift serve` runs — the Workspace (set once it
// has loaded; null before), the key ring, the metrics, and the database health seen by the
// background loop. Handlers read through ws(); a null Workspace means "still loading" (503).
//
// Handlers take no locks for the workspace: a read takes one View (workspace->view(), app/view.h)
// for the request; writes go through the workspace's ingest and catch-up, which serialise
// themselves.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "alerts/deliverer.h"
#include "app/workspace.h"
#include "http/auth.h"
#include "http/message.h"
#include "http/metrics.h"
#include "ingest/time_bounds.h"

namespace uplift::http {

inline constexpr std::size_t kDefaultMaxBody = 5u << 20;  // 5 MiB

struct Service {
  std::atomic<app::Workspace*> workspace{nullptr};
  std::atomic<bool> db_reachable{true};
  std::atomic<bool> shutting_down{false};
  // What /readyz reports, kept by the background tick so a probe never waits for a lock.
  std::atomic<std::int64_t> ready_sequence{0};
  std::uint64_t state_save_failures_logged = 0;  // the background tick's own
  std::atomic<std::size_t> ready_accounts{0};
  // When the background check of the database last completed (steady_ms), and how old that may
  // get before /readyz says the process is stuck (a tick that hangs must not look ready).
  std::atomic<std::int64_t> checked_at_ms{0};
  int check_budget_ms = 2000;
  Metrics metrics;
  std::size_t max_body = kDefaultMaxBody;
  ingest::TimeBounds time_bounds;  // records outside them are rejected at ingest (ingest/time_bounds.h)

  // Sends the alert outbox (null when alerting is off or not started yet).
  std::atomic<alerts::Deliverer*> deliverer{nullptr};

  app::Workspace* ws() const { return workspace.load(std::memory_order_acquire); }
  bool stale() const { return !db_reachable.load(std::memory_order_relaxed); }
};

// 503 "the service is still loading its data".
HttpResponse loading_response();

// The answer to GET /healthz or /readyz (nullopt for any other path): from the Service's atomics
// only, so it never waits — the front door answers probes with it while every thread is busy.
std::optional<HttpResponse> health_response(const Service& service, std::string_view path);

}  // namespace uplift::http
