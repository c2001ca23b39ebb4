// The quarterly ROI report (scope admin): GET /v1/reports/roi?quarter=2026Q3[&format=json|html|csv]
// and GET /v1/reports/roi.html. The same computation and options as `uplift report` (1,000
// bootstrap resamples, seed 20260701, data up to the end of the quarter or the latest event),
// so the JSON equals `uplift report --quarter Q --format json` over the same database.
//
// The HTML page is self-contained (inline <style>, inline SVG, no scripts); it gets its own
// Content-Security-Policy that allows exactly that and nothing else.
//
// A report is a pure function of the published version (records and states), the config, the
// cohorts and the quarter, and takes seconds at a hundred thousand accounts: the last few are
// kept (RoiCache) and given again while all four are the same. Any write publishes a new version,
// so a report is never older than the data a request sees.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>

#include "app/cohort_store.h"
#include "http/problem.h"
#include "http/query.h"
#include "http/routes.h"
#include "report/html.h"
#include "report/roi_inputs.h"
#include "report/roi_json.h"

namespace uplift::http {

namespace {

// The CLI's defaults (src/cli/cmd_report.cpp); tests/e2e/api/cohorts.test.mjs checks they agree.
constexpr int kBootstrapResamples = 1000;
constexpr std::uint64_t kBootstrapSeed = 20260701;

// The last reports computed, by what they were computed from, and the ones being computed: a
// request for a report another request is computing waits for that one (a report takes seconds
// at 100k accounts; ten requests after a write compute it once, not ten times).
class RoiCache {
 public:
  struct Key {
    const app::Workspace* workspace = nullptr;
    std::uint64_t version = 0;
    std::shared_ptr<const app::Config> config;
    Quarter quarter;
    std::vector<cohorts::Cohort> cohorts;
    bool operator==(const Key&) const = default;
  };
  using Report = std::shared_ptr<const attribution::RoiReport>;
  // The report for `key`: kept, in flight (waited for), or computed now by `compute`. A failure
  // is given to the requests waiting for it and not kept.
  Result<Report> get(Key key, const std::function<Result<Report>()>& compute, std::atomic<long>& computed) {
    std::promise<Result<Report>> mine;
    std::shared_future<Result<Report>> flight;
    std::uint64_t id = 0;
    {
      std::lock_guard l(mutex_);
      for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->key == key) {
          entries_.splice(entries_.begin(), entries_, it);  // most recently used first
          flight = it->report;
          break;
        }
      if (!flight.valid()) {
        flight = mine.get_future().share();
        id = ++last_id_;
        entries_.push_front(Entry{std::move(key), flight, id});
        if (entries_.size() > kEntries) entries_.pop_back();  // one in flight lives on in its waiters
      }
    }
    if (id == 0) return flight.get();
    Result<Report> r = Status::Internal("the ROI report was not computed");
    try {
      r = compute();
      ++computed;
    } catch (...) {
      mine.set_exception(std::current_exception());
      forget(id);
      throw;
    }
    mine.set_value(r);
    if (!r.ok()) forget(id);
    return r;
  }

 private:
  struct Entry {
    Key key;
    std::shared_future<Result<Report>> report;
    std::uint64_t id;
  };
  void forget(std::uint64_t id) {
    std::lock_guard l(mutex_);
    entries_.remove_if([&](const Entry& e) { return e.id == id; });
  }
  static constexpr std::size_t kEntries = 4;  // a few quarters side by side
  std::mutex mutex_;
  std::list<Entry> entries_;
  std::uint64_t last_id_ = 0;
};

HttpResponse roi(Service& service, RoiCache& cache, const RequestContext& ctx, std::string format) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  auto quarter_text = text_param(ctx.request, "quarter", 16);
  if (!quarter_text.ok()) return problem_response(problem_from_status(quarter_text.status()));
  if (format.empty()) {
    auto f = enum_param(ctx.request, "format", "json", {"json", "html", "csv"});
    if (!f.ok()) return problem_response(problem_from_status(f.status()));
    format = *f;
  }
  std::optional<Quarter> quarter;
  if (!quarter_text->empty()) {
    auto q = parse_quarter(*quarter_text);
    if (!q.ok())
      return problem_response(bad_request("quarter: expected a quarter such as 2026Q3, got '" + *quarter_text + "'"));
    quarter = *q;
  }

  const std::shared_ptr<const app::Config> config = ws->config();  // one config for the whole request
  const std::vector<cohorts::Program>& programs = config->programs;  // validated when it loaded
  auto cohorts = app::load_cohorts(ws->store());
  if (!cohorts.ok()) return problem_response(problem_from_status(cohorts.status()));

  std::shared_ptr<const attribution::RoiReport> r;
  {
    const app::View view = ws->view();
    report::RoiRequest req;
    req.quarter = quarter ? *quarter : quarter_of(date_of(view.as_of()));
    req.options.bootstrap_resamples = kBootstrapResamples;
    req.options.seed = kBootstrapSeed;
    req.options.as_of = std::min(start_of(req.quarter.last() + 1) - 1, view.as_of());
    RoiCache::Key key{ws, view.version(), config, req.quarter, std::move(*cohorts)};
    const std::vector<cohorts::Cohort>& loaded = key.cohorts;
    auto got = cache.get(
        key,
        [&]() -> Result<RoiCache::Report> {
          auto built = report::build_roi(view.data(), view.state_lookup(), view.graph(), programs, loaded, req);
          if (!built.ok()) return built.status();
          return std::make_shared<const attribution::RoiReport>(std::move(*built));
        },
        service.metrics.roi_reports_computed);
    if (!got.ok()) return problem_response(problem_from_status(got.status()));
    r = *got;
  }
  if (format == "json") return json_response(report::roi_to_json(*r));
  HttpResponse out;
  if (format == "csv") {
    out.content_type = "text/csv; charset=utf-8; header=present";
    out.body = report::roi_to_csv(*r);
    out.set_header("Content-Disposition", "attachment; filename=\"uplift-roi-" + r->quarter.name() + ".csv\"");
    return out;
  }
  out.content_type = "text/html; charset=utf-8";
  out.body = report::roi_to_html(*r);
  out.set_header("Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'");
  return out;
}

}  // namespace

void add_report_routes(Api& api, Service& service) {
  auto cache = std::make_shared<RoiCache>();
  api.add("GET", "/v1/reports/roi", Access::kAdmin,
          [&service, cache](const RequestContext& ctx) { return roi(service, *cache, ctx, ""); });
  api.add("GET", "/v1/reports/roi.html", Access::kAdmin,
          [&service, cache](const RequestContext& ctx) { return roi(service, *cache, ctx, "html"); });
}

}  // namespace uplift::http
