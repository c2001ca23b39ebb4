// `uplift report --quarter 2026Q3 --format html|json|csv [--out FILE]`: the quarterly ROI report.
#include <chrono>
#include <fstream>

#include <fmt/format.h>

#include "app/workspace.h"
#include "cli/commands.h"
#include "report/html.h"
#include "report/roi_inputs.h"
#include "report/roi_json.h"

namespace uplift::cli {
namespace {

struct Flags {
  std::string db, config, quarter, format = "json", out, as_of;
  int bootstrap = 1000;
  bool timing = false;
  std::uint64_t seed = 20260701;
};

int run(const Flags& f) {
  auto fail = [](const Status& st, int code) {
    fmt::print(stderr, "uplift report: {}\n", st.message());
    return code;
  };
  auto q = parse_quarter(f.quarter);
  if (!q.ok()) return fail(Status::InvalidArgument("--quarter: " + q.status().message()), 2);
  using Clock = std::chrono::steady_clock;
  auto secs = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  const auto t0 = Clock::now();
  app::WorkspaceOptions o;
  o.config_dir = f.config;
  o.persist_state = false;
  auto ws = app::Workspace::open(default_store_url(f.db), o);
  if (!ws.ok()) return fail(ws.status(), 2);
  const app::Workspace& w = **ws;
  auto programs = cohorts::load_programs((w.config_dir() / "content_maps").string());
  if (!programs.ok()) return fail(programs.status(), 2);
  auto cohorts = report::load_cohorts((*ws)->store());
  if (!cohorts.ok()) return fail(cohorts.status(), 2);
  const auto t1 = Clock::now();
  report::RoiRequest req;
  req.quarter = *q;
  req.options.bootstrap_resamples = f.bootstrap;
  req.options.seed = f.seed;
  req.options.as_of = std::min(start_of(q->last() + 1) - 1, w.as_of());
  if (!f.as_of.empty()) {
    auto d = parse_date(f.as_of);
    if (!d.ok()) return fail(Status::InvalidArgument("--as-of: " + d.status().message()), 2);
    req.options.as_of = start_of(*d + 1) - 1;
  }
  auto r = report::build_roi(w.data(), [&w](std::string_view a) { return w.state(a); }, w.graph(), *programs, *cohorts,
                             req);
  if (!r.ok()) return fail(r.status(), 2);
  const auto t2 = Clock::now();
  if (f.timing)
    fmt::print(stderr, "{{\"load_s\": {:.3f}, \"report_s\": {:.3f}, \"events\": {}, \"accounts\": {}}}\n",
               secs(t0, t1), secs(t1, t2), w.data().event_count(), w.data().accounts().size());
  std::string body;
  if (f.format == "json") body = report::roi_to_json(*r).dump(2) + "\n";
  else if (f.format == "csv") body = report::roi_to_csv(*r);
  else body = report::roi_to_html(*r);
  if (f.out.empty() || f.out == "-") {
    fmt::print("{}", body);
  } else {
    std::ofstream out(f.out, std::ios::binary);
    out << body;
    if (!out) return fail(Status::InvalidArgument(f.out + ": cannot write"), 2);
    fmt::print(stderr, "wrote {} ({} program group(s))\n", f.out, r->programs.size());
  }
  return 0;
}

void setup(CLI::App& app) {
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("report", "quarterly training ROI report: naive vs causal lift, ARR, stage movement");
  add_db_option(*cmd, f->db);
  cmd->add_option("--quarter", f->quarter, "quarter such as 2026Q3")->required();
  cmd->add_option("--format", f->format, "html, json or csv")->check(CLI::IsMember({"html", "json", "csv"}))->capture_default_str();
  cmd->add_option("--out", f->out, "output file (default: stdout)");
  cmd->add_option("--config", f->config, "config dir holding milestones/ and content_maps/");
  cmd->add_option("--bootstrap", f->bootstrap, "bootstrap resamples for the 95% intervals")->capture_default_str()->check(CLI::Range(0, 100000));
  cmd->add_option("--seed", f->seed, "bootstrap seed")->capture_default_str();
  cmd->add_option("--as-of", f->as_of, "end of the data YYYY-MM-DD (default: min(quarter end, latest event))");
  cmd->add_flag("--timing", f->timing, "print load and compute seconds to stderr as JSON (benchmarks)");
  cmd->callback([f] { exit_code() = run(*f); });
}

}  // namespace

UPLIFT_COMMAND(report, setup);

}  // namespace uplift::cli
