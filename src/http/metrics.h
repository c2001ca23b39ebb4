// Metrics: the numbers /metrics exposes in Prometheus text format (version 0.0.4).
//
//   uplift_http_requests_total{method,route,status}   counter
//   uplift_http_request_duration_seconds{route}       histogram
//   uplift_http_requests_in_flight                    gauge
//   uplift_http_front_door_answers_total              counter (answered without a worker thread)
//   uplift_roi_reports_computed_total                 counter (ROI reports computed; the rest were kept or shared)
//   uplift_records_ingested_total{kind,outcome}       counter (outcome: accepted|duplicate|rejected)
//   uplift_workspace_last_sequence, uplift_catch_up_lag_seconds — gauges set by the server
// Labels are route templates, never concrete paths, so cardinality stays bounded. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace uplift::http {

class Metrics {
 public:
  void observe_request(std::string_view method, std::string_view route, int status, double seconds);
  void add_ingested(const std::string& kind, const std::string& outcome, long n);
  void set_gauge(const std::string& name, double value);

  std::atomic<long> in_flight{0};
  std::atomic<long> front_door_answers{0};  // uplift_http_front_door_answers_total
  std::atomic<long> roi_reports_computed{0};  // uplift_roi_reports_computed_total

  std::string render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};
  struct Histogram {
    std::array<long, kBuckets.size()> counts{};
    long count = 0;
    double sum = 0;
  };
  // Orders (method, route, status) keys as views, so a key of strings and one of views compare
  // (clang 14 cannot compare such tuples through std::less<>).
  struct RequestKeyOrder {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return std::tuple<std::string_view, std::string_view, int>(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
             std::tuple<std::string_view, std::string_view, int>(std::get<0>(b), std::get<1>(b), std::get<2>(b));
    }
  };
  mutable std::mutex mu_;
  // Looked up by views: a request already counted makes no strings.
  std::map<std::tuple<std::string, std::string, int>, long, RequestKeyOrder> requests_;
  std::map<std::string, Histogram, std::less<>> latency_;
  std::map<std::pair<std::string, std::string>, long> ingested_;
  std::map<std::string, double> gauges_;
};

// Escapes a Prometheus label value (backslash, quote, newline).
std::string prometheus_escape(const std::string& v);

}  // namespace uplift::http
