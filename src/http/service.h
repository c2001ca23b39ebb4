// Service: what the HTTP handlers share while `uplift serve` runs — the Workspace (set once it
// has loaded; null before), the key ring, the metrics, and the database health seen by the
// background loop. Handlers read through ws(); a null Workspace means "still loading" (503).
//
// Locking: read handlers hold std::shared_lock(workspace->mutex()) while they look at the data;
// ingest handlers and the catch-up loop hold std::unique_lock(workspace->mutex()).
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

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
  Metrics metrics;
  std::size_t max_body = kDefaultMaxBody;
  ingest::TimeBounds time_bounds;  // records outside them are rejected at ingest (ingest/time_bounds.h)

  app::Workspace* ws() const { return workspace.load(std::memory_order_acquire); }
  bool stale() const { return !db_reachable.load(std::memory_order_relaxed); }
};

// 503 "the service is still loading its data".
HttpResponse loading_response();

}  // namespace uplift::http
