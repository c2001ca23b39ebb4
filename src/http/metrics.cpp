#include "http/metrics.h"

#include <fmt/format.h>

namespace uplift::http {

std::string prometheus_escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void Metrics::observe_request(std::string_view method, std::string_view route, int status, double seconds) {
  std::lock_guard lock(mu_);
  const auto key = std::make_tuple(method, route, status);
  auto counted = requests_.find(key);
  if (counted == requests_.end())
    counted = requests_.emplace(std::make_tuple(std::string(method), std::string(route), status), 0).first;
  ++counted->second;
  auto timed = latency_.find(route);
  if (timed == latency_.end()) timed = latency_.emplace(std::string(route), Histogram{}).first;
  auto& h = timed->second;
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::add_ingested(const std::string& kind, const std::string& outcome, long n) {
  if (n == 0) return;
  std::lock_guard lock(mu_);
  ingested_[{kind, outcome}] += n;
}

void Metrics::set_gauge(const std::string& name, double value) {
  std::lock_guard lock(mu_);
  gauges_[name] = value;
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP uplift_http_requests_total HTTP requests by method, route template and status.\n";
  out += "# TYPE uplift_http_requests_total counter\n";
  for (const auto& [k, n] : requests_) {
    const auto& [method, route, status] = k;
    out += fmt::format("uplift_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                       prometheus_escape(method), prometheus_escape(route), status, n);
  }
  out += "# HELP uplift_http_request_duration_seconds Time to handle a request, by route template.\n";
  out += "# TYPE uplift_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    auto r = prometheus_escape(route);
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      out += fmt::format("uplift_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", r,
                         kBuckets[i], h.counts[i]);
    out += fmt::format("uplift_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", r, h.count);
    out += fmt::format("uplift_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", r, h.sum);
    out += fmt::format("uplift_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", r, h.count);
  }
  out += "# HELP uplift_http_requests_in_flight Requests being handled right now.\n";
  out += "# TYPE uplift_http_requests_in_flight gauge\n";
  out += fmt::format("uplift_http_requests_in_flight {}\n", in_flight.load());
  out += "# HELP uplift_http_front_door_answers_total Requests answered on the front door's thread (no worker hand-off).\n";
  out += "# TYPE uplift_http_front_door_answers_total counter\n";
  out += fmt::format("uplift_http_front_door_answers_total {}\n", front_door_answers.load());
  out += "# HELP uplift_roi_reports_computed_total ROI reports computed (requests for a kept report, or one being computed, are not counted).\n";
  out += "# TYPE uplift_roi_reports_computed_total counter\n";
  out += fmt::format("uplift_roi_reports_computed_total {}\n", roi_reports_computed.load());
  out += "# HELP uplift_records_ingested_total Records received over HTTP, by kind and outcome.\n";
  out += "# TYPE uplift_records_ingested_total counter\n";
  for (const auto& [k, n] : ingested_)
    out += fmt::format("uplift_records_ingested_total{{kind=\"{}\",outcome=\"{}\"}} {}\n",
                       prometheus_escape(k.first), prometheus_escape(k.second), n);
  for (const auto& [name, v] : gauges_) {
    out += fmt::format("# TYPE {} gauge\n", name);
    out += fmt::format("{} {}\n", name, v);
  }
  return out;
}

}  // namespace uplift::http
