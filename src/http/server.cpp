#include "http/server.h"

#include <malloc.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <istream>
#include <mutex>
#include <sstream>
#include <thread>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <fmt/compile.h>
#include <fmt/format.h>

#include "core/time.h"
#include "http/checked_socket.h"
#include "http/gzip_body.h"
#include "http/problem.h"
#include "core/json_text.h"
#include "log/log.h"

namespace uplift::http {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

namespace {

// Reads at most `limit` bytes; returns false (and stops) when the stream has more.
bool read_capped(std::istream& in, std::size_t limit, std::string& out) {
  char buf[16384];
  while (in) {
    in.read(buf, sizeof buf);
    auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    if (out.size() + n > limit) return false;
    out.append(buf, n);
  }
  return true;
}

// Discards what is left of an oversized body (bounded), so the client can read our 413.
void drain(std::istream& in, std::size_t max_bytes) {
  char buf[16384];
  std::size_t total = 0;
  while (in && total < max_bytes) {
    in.read(buf, sizeof buf);
    auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    total += n;
  }
}

struct Body {
  std::string text;
  std::optional<Problem> problem;
  bool close = false;
};

Body read_body(HTTPServerRequest& req, std::size_t limit) {
  Body b;
  auto too_large = [&] {
    b.problem = payload_too_large(fmt::format("request bodies are limited to {} bytes", limit));
    b.close = true;
  };
  if (req.hasContentLength() && req.getContentLength64() > static_cast<Poco::Int64>(limit)) {
    if (req.getContentLength64() <= static_cast<Poco::Int64>(limit) * 16) drain(req.stream(), limit * 16);
    too_large();
    return b;
  }
  std::string raw;
  try {
    if (!read_capped(req.stream(), limit, raw)) {
      drain(req.stream(), limit * 16);
      too_large();
      return b;
    }
  } catch (const Poco::TimeoutException& e) {
    b.problem = request_timeout(e.displayText());
    b.close = true;
    return b;
  } catch (const Poco::Exception& e) {
    b.problem = bad_request("could not read the request body: " + e.displayText());
    b.close = true;
    return b;
  }
  // A failed read (the stream swallows the socket's exception: a receive timeout, a reset) or a
  // body shorter than its Content-Length is never handed on as if it were the whole body.
  if (req.stream().bad()) {
    b.problem = request_timeout("the request body did not arrive in time (or the connection failed)");
    b.close = true;
    return b;
  }
  if (req.hasContentLength() && static_cast<Poco::Int64>(raw.size()) < req.getContentLength64()) {
    b.problem = bad_request(fmt::format("the body ended after {} of the {} bytes its Content-Length announced",
                                        raw.size(), req.getContentLength64()));
    b.close = true;
    return b;
  }
  std::string encoding = Poco::toLower(Poco::trim(req.get("Content-Encoding", "")));
  if (encoding.empty() || encoding == "identity") {
    b.text = std::move(raw);
  } else if (encoding == "gzip" || encoding == "x-gzip") {
    auto inflated = inflate_gzip(raw, limit);
    if (inflated.ok()) b.text = std::move(*inflated);
    else if (inflated.status().code() == Code::kResourceExhausted) b.problem = payload_too_large(inflated.status().message());
    else b.problem = bad_request(inflated.status().message(), "invalid-encoding");
  } else {
    b.problem = unsupported_media_type("Content-Encoding '" + encoding + "' is not supported (use gzip or none)");
  }
  return b;
}

HttpRequest to_request(HTTPServerRequest& req) {
  HttpRequest r;
  r.method = req.getMethod();
  const std::string& uri = req.getURI();
  auto q = uri.find('?');
  r.path = uri.substr(0, q);
  if (q != std::string::npos) r.query = parse_query(std::string_view(uri).substr(q + 1));
  for (const auto& [name, value] : req) {
    auto [it, inserted] = r.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  return r;
}

void log_request(std::string_view method, std::string_view route, int status, double ms, std::size_t bytes,
                 const std::string& key) {
  // Written straight to text (append_json_string writes what dump_json would): one line per request.
  std::string text;
  text.reserve(160);
  text += "{\"ts\":\"";
  append_timestamp(text, wall_clock_now());
  text += "\",\"method\":";
  append_json_string(text, method);
  text += ",\"route\":";
  append_json_string(text, route);
  fmt::format_to(std::back_inserter(text), FMT_COMPILE(",\"status\":{},\"ms\":{:.3f},\"bytes\":{},\"key\":"), status, ms,
                 bytes);
  append_json_string(text, key);
  text += '}';
  log::line(text);
}

// The request's metrics and its log line, once answered.
void record_request(Service& service, const std::string& method, const Outcome& out,
                    std::chrono::steady_clock::time_point start) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  service.metrics.observe_request(method, out.route, out.response.status, seconds);
  log_request(method, out.route, out.response.status, seconds * 1000, out.response.body.size(), out.key_name);
}

// Requests whose body is at least this large are followed by malloc_trim.
constexpr std::size_t kTrimAfterBytes = std::size_t{1} << 20;

// Whether the request announces a body (a length above 0, or chunked).
bool announces_body(const HTTPServerRequest& req) {
  return req.getChunkedTransferEncoding() || (req.hasContentLength() && req.getContentLength64() > 0);
}

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  // `early`: the answer when the request is refused before its body is read (Api::refuse_early).
  RequestHandler(Api& api, Service& service, HttpRequest request, std::optional<Outcome> early)
      : api_(api), service_(service), request_(std::move(request)), early_(std::move(early)) {}

  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
    auto start = std::chrono::steady_clock::now();
    ++service_.metrics.in_flight;
    HttpRequest& request = request_;
    Body body;
    if (early_) {
      // Refused without reading the body: the connection cannot be reused (the body, if sent,
      // is still in it).
      body.close = announces_body(req);
    } else {
      body = read_body(req, service_.max_body);
    }
    const std::size_t body_bytes = body.text.size();
    Outcome out;
    if (early_) {
      out = std::move(*early_);
    } else if (body.problem) {
      out.route = "unmatched";
      auto m = api_.router().match(request.method, request.path);
      if (m.route) out.route = m.route->pattern;
      Problem p = *body.problem;
      p.instance = request.path;
      out.response = problem_response(p);
      add_security_headers(out.response);
    } else {
      request.body = std::move(body.text);
      out = api_.handle(request);
    }
    write(req, resp, out.response, body.close);
    --service_.metrics.in_flight;
    record_request(service_, request.method, out, start);
    // A large body's buffers (its text, parsed records, the answer) are freed by now; hand the
    // pages back to the system, or glibc keeps them in this thread's arena for good.
    if (body_bytes >= kTrimAfterBytes) malloc_trim(0);
  }

 private:
  static void write(HTTPServerRequest& req, HTTPServerResponse& resp, const HttpResponse& r, bool close) {
    auto status = static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status);
    resp.setStatusAndReason(status, Poco::Net::HTTPResponse::getReasonForStatus(status));
    resp.setContentType(r.content_type);
    for (const auto& [k, v] : r.headers) resp.set(k, v);
    resp.setContentLength64(static_cast<Poco::Int64>(r.body.size()));
    if (close) resp.setKeepAlive(false);
    std::ostream& os = resp.send();
    if (req.getMethod() != "HEAD") os.write(r.body.data(), static_cast<std::streamsize>(r.body.size()));
  }

  Api& api_;
  Service& service_;
  HttpRequest request_;
  std::optional<Outcome> early_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  HandlerFactory(Api& api, Service& service) : api_(api), service_(service) {}
  // Authentication and routing come before the body: a request refused anyway (401, 403, 404,
  // 405) is answered without reading or inflating its body, and a non-200 status set here keeps
  // Poco from sending `100 Continue` to an `Expect: 100-continue` client.
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& req) override {
    HttpRequest request = to_request(const_cast<HTTPServerRequest&>(req));
    std::optional<Outcome> early;
    if (announces_body(req) || req.getExpectContinue()) {
      early = api_.refuse_early(request);
      if (early) req.response().setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(early->response.status));
    }
    return new RequestHandler(api_, service_, std::move(request), std::move(early));
  }

 private:
  Api& api_;
  Service& service_;
};

// One background tick: is the database there, what did others commit, are the keys current.
void tick(Service& service, KeyRing& keys) {
  app::Workspace* ws = service.ws();
  if (!ws) return;
  auto last = ws->store().last_sequence();
  service.db_reachable = last.ok();
  const Store::Stats stats = ws->store().stats();
  service.metrics.set_gauge("uplift_store_conflict_retries", static_cast<double>(stats.conflict_retries));
  service.metrics.set_gauge("uplift_store_failovers", static_cast<double>(stats.failovers));
  service.checked_at_ms = steady_ms();  // /readyz: the check completed (either way)
  if (!last.ok()) return;
  if (*last > ws->last_sequence()) {
    auto applied = ws->catch_up_concurrently();  // reads the store holding no lock; readers go on
    if (!applied.ok()) {
      if (applied.status().code() == Code::kUnavailable) service.db_reachable = false;
      log::warn("catch-up failed", {{"error", applied.status().to_string()}});
    }
  }
  service.ready_sequence = ws->last_sequence();
  service.ready_accounts = ws->view().states().size();
  service.metrics.set_gauge("uplift_workspace_last_sequence", static_cast<double>(service.ready_sequence));
  // Group commit: ingest requests committed, and in how many store transactions.
  service.metrics.set_gauge("uplift_ingest_requests_committed", static_cast<double>(ws->ingest_requests()));
  service.metrics.set_gauge("uplift_ingest_groups_committed", static_cast<double>(ws->ingest_groups()));
  // The state saver (app/workspace.h): a failed save is retried; say so once per new failure.
  const app::Workspace::StateSaves saves = ws->state_saves();
  service.metrics.set_gauge("uplift_state_save_failures", static_cast<double>(saves.failed));
  if (saves.failed > service.state_save_failures_logged && saves.last_failure) {
    log::warn("saving changed milestone states failed (retried)", {{"error", saves.last_failure->to_string()}});
  }
  service.state_save_failures_logged = saves.failed;
  // Records waiting for their person: applied once a learner or alias makes them resolvable.
  if (auto resolved = ws->resolve_unresolved(); !resolved.ok())
    log::warn("unresolved queue not applied", {{"error", resolved.status().to_string()}});
  else if (*resolved)
    log::info("unresolved records applied", {{"records", *resolved}});
  (void)keys.refresh();  // every tick: a key revoked by another process stops working within one tick
}

}  // namespace

HttpResponse loading_response() {
  auto r = problem_response(unavailable("the service is still loading its data; retry shortly"));
  r.set_header("Retry-After", "1");
  return r;
}

void block_termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);  // reload the config (run_server's loop takes it)
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Reloads the config and logs the outcome (SIGHUP and POST /v1/admin/reload).
Result<app::Workspace::Reload> reload_config(Service& service, const char* by) {
  app::Workspace* ws = service.ws();
  if (!ws) return Status::Unavailable("the workspace is still loading");
  auto r = ws->reload_config();
  if (r.ok())
    log::info("config reloaded", {{"by", by}, {"milestones", r->milestones}, {"segments", r->segments},
                                  {"programs", r->programs}, {"rules", r->rules}, {"sources", r->sources},
                                  {"destinations_changed", r->destinations_changed}});
  else
    log::warn("config not reloaded; the running one is kept", {{"by", by}, {"error", r.status().to_string()}});
  return r;
}

Status run_server(const ServerOptions& options, Service& service, KeyRing& keys, Api& api,
                  const std::function<Status()>& load) {
  // The front door: framing checks, timeouts, connection caps; answers health probes itself, and
  // the bounded learner reads (Lane::kFrontDoor) when their key is known without the store.
  const bool front_door_reads = options.front_door_reads;
  const int lanes = options.front_door_threads > 0
                        ? options.front_door_threads
                        : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  CheckedServerSocket socket(options.limits, [&service, &keys, &api, front_door_reads](const FrontRequest& fr) {
    if (fr.method != "GET") return std::optional<HttpResponse>();
    std::string_view path = fr.target.substr(0, fr.target.find('?'));
    if (auto probe = health_response(service, path)) return probe;
    if (!front_door_reads || fr.has_body || fr.over_cap) return std::optional<HttpResponse>();
    auto route = api.front_door_match(fr.method, path);
    if (!route) return std::optional<HttpResponse>();
    auto start = std::chrono::steady_clock::now();
    auto request = request_from_head(fr.head);
    if (!request) return std::optional<HttpResponse>();
    auto key = keys.authenticate_from_memory(request->header("Authorization"));
    if (!key) return std::optional<HttpResponse>();  // only the store knows this key: a worker asks it
    // The front door never waits: while a writer puts records into memory, a worker answers.
    app::Workspace* ws = service.ws();
    std::optional<app::View> pinned = ws ? ws->try_view() : std::nullopt;
    if (ws && !pinned) return std::optional<HttpResponse>();
    ++service.metrics.in_flight;
    Outcome out = api.handle(*request, std::move(*route), *key);
    --service.metrics.in_flight;
    ++service.metrics.front_door_answers;
    record_request(service, request->method, out, start);
    return std::optional<HttpResponse>(std::move(out.response));
  }, lanes);
  try {
    socket.bind(Poco::Net::SocketAddress(options.host, static_cast<Poco::UInt16>(options.port)), true);
    socket.listen(256);
  } catch (const Poco::Exception& e) {
    return Status::Unavailable(fmt::format("cannot listen on {}:{}: {}", options.host, options.port, e.displayText()));
  }
  log::Batch batch;  // outlives the server: its threads log request lines until they stop
  int threads = std::max(1, options.threads);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  // Poco drops connections beyond its own queue silently: keep it above the front door's limit, so
  // a request beyond --max-queued is answered 503 by the front door rather than dropped here.
  params->setMaxQueued(std::max(512, options.limits.max_queued + threads));
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(15, 0));
  params->setMaxKeepAliveRequests(0);  // unlimited
  params->setTimeout(Poco::Timespan(30, 0));
  Poco::ThreadPool pool(2, threads + 2);
  Poco::Net::HTTPServer server(new HandlerFactory(api, service), pool, socket, params);
  socket.set_queue_probe([&server] { return server.queuedConnections(); });
  // However this function leaves (an exception included), the server stops, its threads are
  // joined and the front door's lanes stopped before `server` (which their queue probe reads) goes.
  struct Stop {
    Poco::Net::HTTPServer& server;
    Poco::ThreadPool& pool;
    CheckedServerSocket& socket;
    bool abort = true;  // false: stop as asked, letting requests in flight finish
    bool done = false;
    void now() {
      if (done) return;
      done = true;
      server.stopAll(abort);
      pool.joinAll();
      socket.shut_down();  // requests still waiting at the front door: 503; every connection closed
    }
    ~Stop() {
      try {
        now();
      } catch (...) {
      }
    }
  } stop{server, pool, socket};
  server.start();
  const int port = socket.address().port();
  log::info("listening", {{"url", fmt::format("http://{}:{}/", options.host, port)}, {"port", port}});

  Status loaded = load();
  if (!loaded.ok()) {
    stop.now();
    return loaded;
  }
  (void)keys.refresh();
  service.check_budget_ms = std::max(2000, 3 * options.tick_ms);
  tick(service, keys);  // what /readyz reports
  log::info("ready");

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  timespec wait{options.tick_ms / 1000, (options.tick_ms % 1000) * 1'000'000L};
  for (;;) {
    int sig = sigtimedwait(&set, nullptr, &wait);
    if (sig == SIGTERM || sig == SIGINT) {
      log::info("shutting down", {{"signal", sig}});
      break;
    }
    if (sig == SIGHUP) (void)reload_config(service, "SIGHUP");
    tick(service, keys);
  }
  service.shutting_down = true;
  stop.abort = false;  // stop accepting; wait for requests in flight, then close connections
  stop.now();
  log::info("stopped");
  log::flush();
  return Status::OK();
}

}  // namespace uplift::http
