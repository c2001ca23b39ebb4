// Deliverer: sends the alert outbox (alerts/outbox.h) to its destinations, at least once.
//
// One dispatcher thread reads the due outbox entries (a pending or retrying entry whose time has
// come, or a sending entry whose lease ran out because its replica died), claims each with a
// compare-and-set (lease = the destination's timeout + 10 s), and hands it to a worker. Several
// replicas on one database share the queue: a claim succeeds for one of them only.
// A worker POSTs the alert — a Block Kit message to a Slack destination, the Standard Webhooks
// envelope with webhook-id (the alert id: the same on every retry, so receivers deduplicate),
// webhook-timestamp and webhook-signature to a webhook destination — and records the outcome:
//   2xx                      sent (alert_deliveries; the outbox entry is deleted)
//   410 Gone                 dead at once (the receiver says the endpoint is gone)
//   any other answer, a refused connection, a timeout
//                            retrying: the next attempt after exponential backoff with jitter
//                            (retry_initial_seconds · 2^(attempt−1), capped at retry_max_seconds,
//                            half of it random), or dead once give_up_after_seconds have passed
//                            since the alert fired (or was redelivered).
// Per destination and per replica: at most max_in_flight requests at once and per_second
// requests per second (token bucket). Ingest and reads never wait for it: it runs on its own
// threads and touches only the outbox documents.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerts/outbox.h"
#include "store/store.h"
#include "triggers/destination.h"

namespace uplift::alerts {

struct DeliveryStats {
  std::uint64_t sent = 0, failed_attempts = 0, dead = 0, claims_lost = 0;
  std::size_t pending = 0, retrying = 0, sending = 0;  // outbox entries at the last scan
  // Seconds from the alert firing to its successful delivery (Prometheus buckets, cumulative
  // counts are made when rendering).
  static constexpr std::array<double, 10> kBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 300, 3600};
  std::array<std::uint64_t, kBuckets.size()> latency_counts{};
  std::uint64_t latency_count = 0;
  double latency_sum = 0;
};

class Deliverer {
 public:
  // `owner` names this replica in leases ("host:pid:…"). The store must outlive the Deliverer.
  Deliverer(Store& store, triggers::DestinationSet destinations, std::string owner);
  ~Deliverer();
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  void start();
  // Lets in-flight requests finish (each bounded by its timeout) and joins every thread.
  void stop();
  // New alerts were written or redelivery was asked: look at the outbox now.
  void wake();
  DeliveryStats stats() const;
  // Prometheus lines: uplift_alert_deliveries_total{outcome}, uplift_alert_outbox{status},
  // uplift_alert_delivery_latency_seconds histogram.
  std::string render_metrics() const;

 private:
  struct Job {
    Delivery delivery;
    std::string claimed_body;
  };
  struct Lane {  // per destination
    const triggers::Destination* dest = nullptr;
    int in_flight = 0;
    double tokens = 1;
    std::int64_t refilled_at = 0;  // ms
  };
  void dispatch_loop();
  void worker_loop();
  void run(Job job);
  // Claims and queues what is due; returns how many were claimed.
  std::size_t dispatch(std::deque<Delivery>& due, std::map<std::string, std::string>& bodies);
  void finish(const Job& job, int http_status, const std::string& error);
  // Applies a finished delivery's changes, in one transaction with those of the workers finishing
  // at the same time (see deliverer.cpp); returns when they are applied (or refused).
  Result<bool> commit_finished(Store::DocumentChanges changes);
  struct Finished {
    Store::DocumentChanges changes;
    Result<bool> result = false;
    bool done = false;  // guarded by finish_mu_
  };
  std::mutex finish_mu_;
  std::condition_variable finish_cv_;
  std::vector<Finished*> finishing_;  // waiting for a commit; guarded by finish_mu_
  bool finish_committing_ = false;    // a worker is committing a group; guarded by finish_mu_

  Store& store_;
  triggers::DestinationSet destinations_;
  std::string owner_;
  std::map<std::string, Lane, std::less<>> lanes_;  // guarded by mu_

  mutable std::mutex mu_;
  std::condition_variable wake_cv_, work_cv_;
  bool stopping_ = false, woken_ = false;
  bool freed_ = false;  // a worker finished since the dispatcher last looked: a lane has room
  std::deque<Job> jobs_;
  std::set<std::string> in_flight_keys_;  // outbox keys this replica is sending now
  DeliveryStats stats_;
  std::thread dispatcher_;
  std::vector<std::thread> workers_;
  bool started_ = false;
};

// Standard Webhooks headers and body for a webhook destination, at `timestamp_seconds`.
struct SignedRequest {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};
Result<SignedRequest> webhook_request(const triggers::Destination& dest, const nlohmann::json& context,
                                      std::int64_t timestamp_seconds);

}  // namespace uplift::alerts
