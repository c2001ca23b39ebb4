// Server: `uplift serve` — Poco's HTTPServer (thread pool, HTTP/1.1 keep-alive) in front of the Api.
//
// Per request it: checks Content-Length against the body limit before reading (413 and the
// connection closed), caps streaming (chunked) reads at the same limit, inflates
// Content-Encoding: gzip (the inflated size is capped too), runs Api::handle, writes the response
// and one JSON log line to stderr {ts, method, route, status, ms, bytes, key} (the key's name,
// never the key; written through the one logger, log/log.h, batched while the server runs), and
// records metrics.
// Connections come through CheckedServerSocket, the front door: a worker thread is given a
// connection only once a whole request head has arrived, slow and idle clients never hold one,
// connections are capped in all and per client, and health probes are answered by the front door
// itself (see checked_socket.h).
// run() blocks until SIGTERM/SIGINT: it then stops accepting, lets in-flight requests finish,
// and returns. Meanwhile it ticks every `tick_ms`: ping the database (stale flag), catch up
// with records other processes committed, and every few ticks reload the API keys.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/api.h"
#include "http/checked_socket.h"
#include "http/service.h"

namespace uplift::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (printed at start)
  int threads = 16;
  int tick_ms = 200;
  // Answer the bounded learner reads (Lane::kFrontDoor routes) on the front door's thread.
  bool front_door_reads = true;
  // Threads serving the front door (CheckedServerSocket's lanes); 0: one per CPU, at most 4.
  int front_door_threads = 0;
  ConnectionLimits limits;  // timeouts and connection caps of the front door (checked_socket.h)
};

// Blocks SIGTERM/SIGINT (stop) and SIGHUP (reload the config) in the calling thread (and the
// threads it starts later) so run() can wait for them; call before starting any thread.
void block_termination_signals();

// Reloads the served config (app::Workspace::reload_config) and logs the outcome; `by` names who
// asked ("SIGHUP", "POST /v1/admin/reload").
Result<app::Workspace::Reload> reload_config(Service& service, const char* by);

// Serves until a termination signal. `load` runs after the socket is listening (so /healthz
// answers while the workspace loads) and must set service.workspace, or return an error (the
// server then stops and run() returns it).
Status run_server(const ServerOptions& options, Service& service, KeyRing& keys, Api& api,
                  const std::function<Status()>& load);

}  // namespace uplift::http
