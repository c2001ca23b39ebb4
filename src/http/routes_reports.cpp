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
#include <cstdio>
#include <filesystem>
#include <memory>

#include "app/cohort_store.h"
#include "http/problem.h"
#include "http/query.h"
#include "http/routes.h"
#include "http/single_flight.h"
#include "report/html.h"
#include "report/roi_inputs.h"
#include "report/roi_json.h"

namespace uplift::http {

namespace {

// The CLI's defaults (src/cli/cmd_report.cpp); tests/e2e/api/cohorts.test.mjs checks they agree.
constexpr int kBootstrapResamples = 1000;
constexpr std::uint64_t kBootstrapSeed = 20260701;

// The last reports computed (and those being computed), by what they were computed from.
struct RoiKey {
  const app::Workspace* workspace = nullptr;
  std::uint64_t version = 0;
  std::shared_ptr<const app::Config> config;
  Quarter quarter;
  std::vector<cohorts::Cohort> cohorts;
  bool operator==(const RoiKey&) const = default;
};
using RoiReportPtr = std::shared_ptr<const attribution::RoiReport>;
constexpr std::size_t kKeptReports = 4;  // a few quarters side by side
using RoiCache = SingleFlightCache<RoiKey, RoiReportPtr>;

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
    const RoiKey key{ws, view.version(), config, req.quarter, std::move(*cohorts)};
    auto got = cache.get(
        key,
        [&]() -> Result<RoiReportPtr> {
          auto built = report::build_roi(view.data(), view.state_lookup(), view.graph(), programs, key.cohorts, req);
          if (!built.ok()) return built.status();
          return std::make_shared<const attribution::RoiReport>(std::move(*built));
        },
        [&] { ++service.metrics.roi_reports_computed; });
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
  auto cache = std::make_shared<RoiCache>(kKeptReports);
  api.add("GET", "/v1/reports/roi", Access::kAdmin,
          [&service, cache](const RequestContext& ctx) { return roi(service, *cache, ctx, ""); });
  api.add("GET", "/v1/reports/roi.html", Access::kAdmin,
          [&service, cache](const RequestContext& ctx) { return roi(service, *cache, ctx, "html"); });
}

}  // namespace uplift::http
