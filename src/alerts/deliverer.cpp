#include "alerts/deliverer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "alerts/background.h"
#include "alerts/signature.h"
#include "core/time.h"
#include "log/log.h"
#include "triggers/message.h"

namespace uplift::alerts {
namespace {

using nlohmann::json;

struct Answer {
  int status = 0;     // HTTP status, 0 when there was none
  std::string error;  // why there was no 2xx
};

// How long a kept connection may sit idle and still be used: under the idle timeouts servers
// commonly close at (Node's 5 s), so a kept connection rarely meets a closed one.
constexpr auto kKeepIdle = std::chrono::seconds(4);

// A keep-alive session this worker thread holds to a destination's origin (scheme, host, port).
struct KeptSession {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  std::chrono::steady_clock::time_point last_used{};
};

// The session for `uri`'s origin, made on first use: a burst of alerts to one destination reuses
// its connection instead of opening one per POST, which (with the receiver's accept, and TLS for
// https) was most of a delivery's time. `reused`: its connection is open and was used within
// kKeepIdle (so it is the one a request may find closed by the destination).
KeptSession& session_for(const Poco::URI& uri, bool& reused) {
  thread_local std::map<std::string, KeptSession> sessions;
  const std::string origin = fmt::format("{}://{}:{}", uri.getScheme(), uri.getHost(), uri.getPort());
  KeptSession& kept = sessions[origin];
  if (!kept.session) {
    if (uri.getScheme() == "https") {
      static const Poco::Net::Context::Ptr tls =
          new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", Poco::Net::Context::VERIFY_RELAXED, 9, true);
      kept.session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tls);
    } else {
      kept.session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    kept.session->setKeepAlive(true);
    kept.session->setKeepAliveTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(kKeepIdle).count()));
  }
  reused = kept.session->connected() && std::chrono::steady_clock::now() - kept.last_used < kKeepIdle;
  return kept;
}

// One POST on `session`; throws what Poco throws.
Answer post_on(Poco::Net::HTTPClientSession& session, const Poco::URI& uri, const SignedRequest& req,
               double timeout_seconds) {
  const Poco::Timespan timeout(static_cast<Poco::Timespan::TimeDiff>(timeout_seconds * 1e6));
  session.setTimeout(timeout, timeout, timeout);
  if (session.connected()) {
    // Poco hands the timeouts to the socket only when it connects: a kept connection (opened for
    // another destination on this origin, perhaps) gets this destination's here.
    session.socket().setSendTimeout(timeout);
    session.socket().setReceiveTimeout(timeout);
  }
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery(),
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(req.body.size()));
  request.setKeepAlive(true);
  request.set("User-Agent", "uplift-alerts/1");
  for (const auto& [k, v] : req.headers) request.set(k, v);
  session.sendRequest(request) << req.body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  // At most 200 bytes of the answer are kept (for last_error); the rest is read and dropped (all
  // of it: the connection is then ready for the next request).
  std::string snippet(200, '\0');
  in.read(snippet.data(), static_cast<std::streamsize>(snippet.size()));
  snippet.resize(static_cast<std::size_t>(in.gcount()));
  in.ignore(std::numeric_limits<std::streamsize>::max());
  // The stream swallows Poco's exceptions: an answer cut short leaves bytes unread, and the
  // connection must not carry the next request.
  if (in.bad()) session.reset();
  const int code = static_cast<int>(response.getStatus());
  if (code >= 200 && code < 300) return {code, ""};
  return {code, fmt::format("HTTP {}{}", code, snippet.empty() ? "" : ": " + snippet)};
}

// What a failed POST's exception says, as an Answer.
Answer failure(std::exception_ptr error, double timeout_seconds) {
  try {
    std::rethrow_exception(error);
  } catch (const Poco::Net::ConnectionRefusedException&) {
    return {0, "connection refused"};
  } catch (const Poco::TimeoutException&) {
    return {0, fmt::format("no answer within {:g} s", timeout_seconds)};
  } catch (const Poco::Exception& e) {
    return {0, e.displayText()};
  } catch (const std::exception& e) {
    return {0, e.what()};
  } catch (...) {
    return {0, "unknown error"};
  }
}

// One POST; never throws. A kept connection the destination has closed meanwhile fails at once
// (a reset, or no answer at all): the POST is then made once more on a new connection, if that
// still fits before `retry_until` (the claim's lease, less the timeout). A timeout is not retried
// (the destination may have taken the alert; the retry schedule decides), nor a failure on a new
// connection. The POST may reach the destination twice (it read the request, then dropped the
// connection): delivery is at least once, and a webhook carries its id for the receiver to
// deduplicate.
Answer post(const std::string& url, const SignedRequest& req, double timeout_seconds, Timestamp retry_until) {
  KeptSession* kept = nullptr;
  try {
    Poco::URI uri(url);
    bool reused = false;
    kept = &session_for(uri, reused);
    Poco::Net::HTTPClientSession& session = *kept->session;
    try {
      Answer a = post_on(session, uri, req, timeout_seconds);
      kept->last_used = std::chrono::steady_clock::now();
      return a;
    } catch (const Poco::TimeoutException&) {
      throw;
    } catch (const Poco::Exception&) {
      session.reset();
      if (!reused || wall_clock_now() >= retry_until) throw;
    }
    Answer a = post_on(session, uri, req, timeout_seconds);
    kept->last_used = std::chrono::steady_clock::now();
    return a;
  } catch (...) {
    if (kept) kept->session->reset();  // whatever failed, the connection is not used again
    return failure(std::current_exception(), timeout_seconds);
  }
}

}  // namespace

Result<SignedRequest> webhook_request(const triggers::Destination& dest, const json& context,
                                      std::int64_t timestamp_seconds) {
  SignedRequest req;
  if (dest.kind == triggers::Destination::Kind::kSlack) {
    req.body = triggers::slack_message(context).dump();
    return req;
  }
  req.body = triggers::webhook_payload(context).dump();
  const std::string id = context.value("id", "");
  auto sig = standard_webhooks_signature(dest.secret, id, timestamp_seconds, req.body);
  if (!sig.ok()) return sig.status();
  req.headers = {{"webhook-id", id}, {"webhook-timestamp", std::to_string(timestamp_seconds)}, {"webhook-signature", *sig}};
  return req;
}

Deliverer::Deliverer(Store& store, triggers::DestinationSet destinations, std::string owner)
    : store_(store), destinations_(std::move(destinations)), owner_(std::move(owner)) {
  for (const auto& d : destinations_.destinations) {
    Lane lane;
    lane.dest = &d;
    lane.tokens = std::max(1.0, d.per_second);
    lanes_[d.name] = lane;
  }
}

Deliverer::~Deliverer() { stop(); }

void Deliverer::start() {
  std::lock_guard l(mu_);
  if (started_) return;
  started_ = true;
  int workers = 0;
  for (const auto& d : destinations_.destinations) workers += d.max_in_flight;
  workers = std::clamp(workers, 1, 64);
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });
  dispatcher_ = std::thread([this] { dispatch_loop(); });
}

void Deliverer::stop() {
  {
    std::lock_guard l(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  wake_cv_.notify_all();
  work_cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
}

void Deliverer::wake() {
  {
    std::lock_guard l(mu_);
    woken_ = true;
  }
  wake_cv_.notify_all();
}

DeliveryStats Deliverer::stats() const {
  std::lock_guard l(mu_);
  return stats_;
}

std::string Deliverer::render_metrics() const {
  DeliveryStats s = stats();
  std::string out;
  out += "# HELP uplift_alert_deliveries_total Alert delivery outcomes by this replica.\n";
  out += "# TYPE uplift_alert_deliveries_total counter\n";
  out += fmt::format("uplift_alert_deliveries_total{{outcome=\"sent\"}} {}\n", s.sent);
  out += fmt::format("uplift_alert_deliveries_total{{outcome=\"failed_attempt\"}} {}\n", s.failed_attempts);
  out += fmt::format("uplift_alert_deliveries_total{{outcome=\"dead\"}} {}\n", s.dead);
  out += "# HELP uplift_alert_outbox Alert deliveries waiting in the outbox at the last look, by status.\n";
  out += "# TYPE uplift_alert_outbox gauge\n";
  out += fmt::format("uplift_alert_outbox{{status=\"pending\"}} {}\n", s.pending);
  out += fmt::format("uplift_alert_outbox{{status=\"retrying\"}} {}\n", s.retrying);
  out += fmt::format("uplift_alert_outbox{{status=\"sending\"}} {}\n", s.sending);
  out += "# HELP uplift_alert_delivery_latency_seconds From an alert firing to its successful delivery.\n";
  out += "# TYPE uplift_alert_delivery_latency_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < DeliveryStats::kBuckets.size(); ++i) {
    cumulative += s.latency_counts[i];
    out += fmt::format("uplift_alert_delivery_latency_seconds_bucket{{le=\"{:g}\"}} {}\n", DeliveryStats::kBuckets[i], cumulative);
  }
  out += fmt::format("uplift_alert_delivery_latency_seconds_bucket{{le=\"+Inf\"}} {}\n", s.latency_count);
  out += fmt::format("uplift_alert_delivery_latency_seconds_sum {:.6f}\n", s.latency_sum);
  out += fmt::format("uplift_alert_delivery_latency_seconds_count {}\n", s.latency_count);
  return out;
}

void Deliverer::dispatch_loop() {
  constexpr std::int64_t kRescanMs = 1000;
  std::deque<Delivery> due;
  std::map<std::string, std::string> bodies;  // outbox key → body as read (the claim's expectation)
  std::int64_t scanned_at = 0;
  for (;;) {
    {
      std::unique_lock l(mu_);
      if (stopping_) return;
    }
    const std::int64_t now_steady = steady_ms();
    bool rescan = due.empty() || now_steady - scanned_at >= kRescanMs;
    {
      std::lock_guard l(mu_);
      if (woken_) rescan = true, woken_ = false;
    }
    if (rescan) {
      due.clear();
      bodies.clear();
      const Timestamp now = wall_clock_now();
      std::size_t pending = 0, retrying = 0, sending = 0;
      Status st = store_.scan_documents(kOutbox, [&](const Document& doc) {
        auto d = delivery_from_json(doc.body);  // never throws: a malformed entry is an error value
        if (!d.ok()) return true;  // unreadable: left for an operator (GET /v1/alerts reports it)
        if (d->status == "pending") ++pending;
        else if (d->status == "retrying") ++retrying;
        else if (d->status == "sending") ++sending;
        if (alerts::due(*d, now) && lanes_.count(d->destination)) {
          bodies[doc.key] = doc.body;
          due.push_back(std::move(*d));
        }
        return true;
      });
      scanned_at = now_steady;
      std::sort(due.begin(), due.end(),
                [](const Delivery& a, const Delivery& b) { return a.next_attempt_at < b.next_attempt_at; });
      std::lock_guard l(mu_);
      if (st.ok()) stats_.pending = pending, stats_.retrying = retrying, stats_.sending = sending;
    }
    dispatch(due, bodies);
    std::unique_lock l(mu_);
    // Sleep until woken, a worker frees a lane, a token comes back, or the rescan time.
    // A worker that finished frees a place in its destination's lane: what is due is dispatched
    // at once, not at the next tick (which capped a lane at max_in_flight per 20 ms).
    wake_cv_.wait_for(l, std::chrono::milliseconds(due.empty() ? 250 : 20),
                      [&] { return stopping_ || woken_ || (freed_ && !due.empty()); });
    freed_ = false;
  }
}

std::size_t Deliverer::dispatch(std::deque<Delivery>& due, std::map<std::string, std::string>& bodies) {
  // What the lanes have room for is claimed together, in one compare-and-set transaction: one
  // commit (one fsync) for the lot rather than one per delivery, each about a millisecond of the
  // store's single writer that ingest also waits for. Should any of them have changed meanwhile
  // (another replica claimed it, a redelivery reset it), the whole transaction is refused and each
  // is then claimed on its own.
  struct Claim {
    Delivery delivery;  // as claimed: sending, leased to this replica
    std::string expected, claimed_body;
  };
  std::vector<Claim> batch;
  const std::int64_t now_steady = steady_ms();
  const Timestamp now = wall_clock_now();
  {
    std::lock_guard l(mu_);
    if (stopping_) return 0;
    for (auto& [name, lane] : lanes_) {
      const double elapsed = static_cast<double>(now_steady - lane.refilled_at) / 1000.0;
      lane.tokens = std::min(std::max(1.0, lane.dest->per_second), lane.tokens + elapsed * lane.dest->per_second);
      lane.refilled_at = now_steady;
    }
    // Lanes with room left; none: nothing to do (a worker's finish wakes this for every delivery,
    // so with thousands due the walk below must not happen while every lane is full).
    auto has_room = [](const Lane& lane) { return lane.in_flight < lane.dest->max_in_flight && lane.tokens >= 1; };
    std::size_t open_lanes = 0;
    for (const auto& [name, lane] : lanes_) open_lanes += has_room(lane) ? 1 : 0;
    if (open_lanes == 0) return 0;
    std::deque<Delivery> waiting;  // of the walked part, what the lanes have no room for now
    std::size_t walked = 0;
    for (; walked < due.size() && open_lanes > 0; ++walked) {
      Delivery& d = due[walked];
      Lane& lane = lanes_.at(d.destination);
      if (!has_room(lane)) {
        waiting.push_back(std::move(d));
        continue;
      }
      const std::string key = d.key();
      auto body = bodies.find(key);
      const std::string expected = body == bodies.end() ? std::string() : std::move(body->second);
      if (body != bodies.end()) bodies.erase(body);
      if (in_flight_keys_.count(key)) continue;  // our own request is still running (its lease ran out)
      // The lane's place is taken now, so the batch cannot overfill it; given back if the claim is lost.
      ++lane.in_flight;
      lane.tokens -= 1;
      in_flight_keys_.insert(key);
      Claim c{std::move(d), expected, {}};
      c.delivery.status = "sending";
      c.delivery.lease_owner = owner_;
      c.delivery.lease_until = now + static_cast<Timestamp>((lane.dest->timeout_seconds + 10) * 1000);
      batch.push_back(std::move(c));
      if (!has_room(lane)) --open_lanes;
    }
    // The walked part's waiting entries go back in front of the rest, in their order.
    due.erase(due.begin(), due.begin() + static_cast<std::ptrdiff_t>(walked));
    due.insert(due.begin(), std::make_move_iterator(waiting.begin()), std::make_move_iterator(waiting.end()));
  }
  if (batch.empty()) return 0;
  Store::DocumentChanges together;
  for (Claim& c : batch) {
    c.claimed_body = delivery_to_json(c.delivery).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string key = c.delivery.key();
    together.expect.push_back({kOutbox, key, c.expected});
    together.put.push_back({kOutbox, key, c.claimed_body, now});
  }
  std::vector<bool> won(batch.size(), false);
  auto all = store_.apply_documents(together);
  if (all.ok() && *all) {
    won.assign(batch.size(), true);
  } else if (batch.size() > 1) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto one = store_.put_document_if({kOutbox, batch[i].delivery.key(), batch[i].claimed_body, now}, batch[i].expected);
      won[i] = one.ok() && *one;
    }
  }
  std::size_t claimed = 0;
  {
    std::lock_guard l(mu_);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Claim& c = batch[i];
      if (!won[i]) {
        ++stats_.claims_lost;  // another replica took it, it was redelivered, or the database is away
        Lane& lane = lanes_.at(c.delivery.destination);
        --lane.in_flight;
        lane.tokens += 1;
        in_flight_keys_.erase(c.delivery.key());
        continue;
      }
      ++claimed;
      jobs_.push_back({std::move(c.delivery), std::move(c.claimed_body)});
    }
  }
  if (claimed > 0) work_cv_.notify_all();
  return claimed;
}

void Deliverer::worker_loop() {
  // Sending is background work: it yields the CPU to requests. (The dispatcher and the alerting
  // thread keep the normal priority: they hold the store's and the records' locks, which ingest
  // waits for, long enough that running them slowly would slow ingest.)
  run_in_background();
  for (;;) {
    Job job;
    {
      std::unique_lock l(mu_);
      work_cv_.wait(l, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    const std::string key = job.delivery.key(), destination = job.delivery.destination;
    try {
      run(std::move(job));
    } catch (const std::exception& e) {  // never let one delivery end the process: its lease runs out
      log::error("alert delivery failed", {{"error", e.what()}});
    }
    {
      std::lock_guard l(mu_);
      --lanes_.at(destination).in_flight;
      in_flight_keys_.erase(key);
      freed_ = true;
    }
    wake_cv_.notify_all();
  }
}

void Deliverer::run(Job job) {
  const triggers::Destination* dest = destinations_.find(job.delivery.destination);
  // A job that waited past its lease may be claimed by another replica by now: do not send it.
  if (wall_clock_now() + static_cast<Timestamp>(dest->timeout_seconds * 1000) >= job.delivery.lease_until) return;
  auto alert = store_.get_document(kAlerts, job.delivery.alert_id);
  int status = 0;
  std::string error;
  if (!alert.ok()) {
    error = "alert not readable: " + alert.status().message();
  } else {
    json doc = json::parse(alert->body, nullptr, false);
    auto req = webhook_request(*dest, doc.is_object() ? doc.value("context", json::object()) : json::object(),
                               wall_clock_now() / 1000);
    if (!req.ok()) {
      error = req.status().message();
    } else {
      Answer a = post(dest->url, *req, dest->timeout_seconds,
                      job.delivery.lease_until - static_cast<Timestamp>(dest->timeout_seconds * 1000));
      status = a.status;
      error = a.error;
    }
  }
  finish(job, status, error);
}

void Deliverer::finish(const Job& job, int http_status, const std::string& error) {
  const triggers::Destination* dest = destinations_.find(job.delivery.destination);
  const Timestamp now = wall_clock_now();
  Delivery d = job.delivery;
  d.attempts += 1;
  d.lease_owner.clear();
  d.lease_until = 0;
  const bool sent = error.empty();
  Store::DocumentChanges ch;
  ch.expect = {{kOutbox, d.key(), job.claimed_body}};
  bool dead = false;
  if (sent) {
    d.status = "sent";
    d.finished_at = now;
    d.last_error.clear();
  } else {
    d.last_error = error;
    const bool gone = http_status == 410;
    if (gone || static_cast<double>(now - d.since) >= dest->give_up_after_seconds * 1000) {
      d.status = "dead";
      d.finished_at = now;
      dead = true;
    } else {
      thread_local std::mt19937_64 rng{std::random_device{}()};
      const double backoff = std::min(dest->retry_max_seconds,
                                      dest->retry_initial_seconds * std::pow(2.0, std::min(d.attempts - 1, 30)));
      const double wait = backoff / 2 + std::uniform_real_distribution<double>(0, backoff / 2)(rng);
      d.status = "retrying";
      d.next_attempt_at = now + static_cast<Timestamp>(wait * 1000);
    }
  }
  if (d.status == "retrying") {
    ch.put = {{kOutbox, d.key(), delivery_to_json(d).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), now}};
  } else {
    ch.put = {{kDeliveries, d.key(), delivery_to_json(d).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), now}};
    ch.erase = {{kOutbox, d.key()}};
  }
  // A lost compare-and-set means the entry changed under us (a redelivery was asked): its new
  // state stands. A database error leaves the claim in place; its lease runs out and the
  // delivery is made again (at least once).
  auto r = commit_finished(std::move(ch));
  std::lock_guard l(mu_);
  if (sent) {
    ++stats_.sent;
    const double latency = static_cast<double>(now - d.since) / 1000.0;
    for (std::size_t i = 0; i < DeliveryStats::kBuckets.size(); ++i)
      if (latency <= DeliveryStats::kBuckets[i]) {
        ++stats_.latency_counts[i];
        break;
      }
    ++stats_.latency_count;
    stats_.latency_sum += latency;
  } else {
    ++stats_.failed_attempts;
    if (dead) ++stats_.dead;
  }
  (void)r;
}

// Workers finishing at once share one transaction (one commit, one fsync): the first to arrive
// commits what is waiting, the others wait for it and then find theirs done (a burst of 4,000
// deliveries went from 5.8 to 5.1 s, bench/HISTORY.md). Each delivery's changes are
// its own compare-and-set (its outbox entry); should any have changed meanwhile, the whole
// transaction is refused and each is then applied on its own, so one stale entry costs no other
// its update.
Result<bool> Deliverer::commit_finished(Store::DocumentChanges changes) {
  Finished mine{std::move(changes)};
  std::unique_lock l(finish_mu_);
  finishing_.push_back(&mine);
  finish_cv_.wait(l, [&] { return mine.done || !finish_committing_; });
  if (mine.done) return mine.result;
  finish_committing_ = true;
  std::vector<Finished*> group;
  group.swap(finishing_);
  l.unlock();
  // However the commit ends (an exception included), every waiting delivery is released and the
  // next group may commit: else every later worker would wait here for ever.
  struct Release {
    Deliverer& d;
    std::vector<Finished*>& group;
    ~Release() {
      {
        std::lock_guard relock(d.finish_mu_);
        for (Finished* f : group) f->done = true;
        d.finish_committing_ = false;
      }
      d.finish_cv_.notify_all();
    }
  } release{*this, group};
  try {
    if (group.size() == 1) {
      group[0]->result = store_.apply_documents(group[0]->changes);
    } else {
      Store::DocumentChanges together;
      for (Finished* f : group) {
        for (auto& e : f->changes.expect) together.expect.push_back(e);
        for (auto& p : f->changes.put) together.put.push_back(p);
        for (auto& e : f->changes.erase) together.erase.push_back(e);
      }
      auto all = store_.apply_documents(together);
      if (all.ok() && *all)
        for (Finished* f : group) f->result = true;
      else
        for (Finished* f : group) f->result = store_.apply_documents(f->changes);
    }
  } catch (const std::exception& e) {  // out of memory: every waiting delivery learns it
    for (Finished* f : group) f->result = Status::Internal(e.what());
  }
  return mine.result;
}

}  // namespace uplift::alerts
