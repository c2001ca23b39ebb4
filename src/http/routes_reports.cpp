// The quarterly ROI report (scope admin): GET /v1/reports/roi?quarter=2026Q3[&format=json|html|csv]
// and GET /v1/reports/roi.html. The same computation and options as `uplift report` (1,000
// bootstrap resamples, seed 20260701, data up to the end of the quarter or the latest event),
// so the JSON equals `uplift report --quarter Q --format json` over the same database.
//
// The HTML page is self-contained (inline <style>, inline SVG, no scripts); it gets its own
// Content-Security-Policy that allows exactly that and nothing else.
#include <algorithm>
#include <cstdio>
#include <filesystem>

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

HttpResponse roi(Service& service, const RequestContext& ctx, std::string format) {
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

  Result<attribution::RoiReport> r = Status::Internal("not computed");
  {
    const app::View view = ws->view();
    report::RoiRequest req;
    req.quarter = quarter ? *quarter : quarter_of(date_of(view.as_of()));
    req.options.bootstrap_resamples = kBootstrapResamples;
    req.options.seed = kBootstrapSeed;
    req.options.as_of = std::min(start_of(req.quarter.last() + 1) - 1, view.as_of());
    r = report::build_roi(view.data(), view.state_lookup(), view.graph(), programs,
                          *cohorts, req);
  }
  if (!r.ok()) return problem_response(problem_from_status(r.status()));
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
  api.add("GET", "/v1/reports/roi", Access::kAdmin,
          [&service](const RequestContext& ctx) { return roi(service, ctx, ""); });
  api.add("GET", "/v1/reports/roi.html", Access::kAdmin,
          [&service](const RequestContext& ctx) { return roi(service, ctx, "html"); });
}

}  // namespace uplift::http
