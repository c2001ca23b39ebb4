// `uplift report --quarter 2026Q3 --format html|json|csv [--out FILE]`: the quarterly ROI report.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "app/cohort_store.h"
#include "app/roi_load.h"
#include "app/workspace.h"
#include "cli/commands.h"
#include "milestones/loader.h"
#include "report/html.h"
#include "report/roi_inputs.h"
#include "report/roi_json.h"

namespace uplift::cli::cmd_report {
namespace {

struct Flags {
  std::string db, config, quarter, format = "json", out, as_of;
  int bootstrap = 1000;
  bool timing = false, evaluate = false;
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
  auto store = Store::open(default_store_url(f.db));
  if (!store.ok()) return fail(store.status(), 2);
  auto config = app::resolve_config_dir(f.config);
  if (!config.ok()) return fail(config.status(), 2);
  const std::filesystem::path milestones_dir = *config / "milestones";
  // Stored milestone states that are current spare reading and evaluating every event: only
  // what the report needs is read (app/roi_load.h). Otherwise every account is evaluated.
  std::optional<app::StateWatermark> current;
  if (!f.evaluate) {
    auto c = app::states_current(**store, milestones_dir);
    if (!c.ok()) return fail(c.status(), 2);
    current = *c;
  }
  std::unique_ptr<app::RoiData> stored;
  std::optional<milestones::Graph> graph;
  std::unique_ptr<app::Workspace> ws;
  if (current) {
    auto g = milestones::load_graph_or_error(milestones_dir);
    if (!g.ok()) return fail(g.status().with_context("milestone graph"), 2);
    graph = std::move(*g);
  } else {
    app::WorkspaceOptions o;
    o.config_dir = config->string();
    o.persist_state = false;
    auto w = app::Workspace::open(std::move(*store), o);
    if (!w.ok()) return fail(w.status(), 2);
    ws = std::move(*w);
  }
  Store& db = ws ? ws->store() : **store;
  auto programs = cohorts::load_programs((*config / "content_maps").string());
  if (!programs.ok()) return fail(programs.status(), 2);
  std::vector<cohorts::Cohort> sent_cohorts;
  if (current) {
    // More connections let the target events and the eligible learners be read while the rest
    // is (two cores, one report); without them the same data is read in turn.
    std::vector<std::unique_ptr<Store>> more;
    std::vector<Store*> readers;
    for (int i = 0; i < 2; ++i) {
      auto another = Store::open(default_store_url(f.db));
      if (!another.ok()) break;
      more.push_back(std::move(*another));
      readers.push_back(more.back().get());
    }
    auto d = app::load_roi_data(db, *programs, readers);
    if (!d.ok()) return fail(d.status(), 2);
    stored = std::move(*d);
    sent_cohorts = std::move(stored->cohorts);
  } else {
    auto c = app::load_cohorts(db);
    if (!c.ok()) return fail(c.status(), 2);
    sent_cohorts = std::move(*c);
  }
  std::optional<app::View> view;
  if (ws) view.emplace(ws->view());
  const Dataset& data = ws ? view->data() : stored->data;
  const Timestamp data_as_of = ws ? view->as_of() : current->as_of;
  const auto t1 = Clock::now();
  report::RoiRequest req;
  req.quarter = *q;
  req.options.bootstrap_resamples = f.bootstrap;
  req.options.seed = f.seed;
  req.options.as_of = std::min(start_of(q->last() + 1) - 1, data_as_of);
  if (!f.as_of.empty()) {
    auto d = parse_date(f.as_of);
    if (!d.ok()) return fail(Status::InvalidArgument("--as-of: " + d.status().message()), 2);
    req.options.as_of = start_of(*d + 1) - 1;
  }
  cohorts::StateLookup states = [&](std::string_view a) -> const milestones::AccountState* {
    if (ws) return view->state(a);
    auto it = stored->states.find(a);
    return it == stored->states.end() ? nullptr : &it->second;
  };
  auto r = report::build_roi(data, states, ws ? view->graph() : *graph, *programs, sent_cohorts, req,
                             stored ? &stored->usage : nullptr);
  if (!r.ok()) return fail(r.status(), 2);
  const auto t2 = Clock::now();
  if (f.timing)
    fmt::print(stderr,
               "{{\"load_s\": {:.3f}, \"report_s\": {:.3f}, \"events\": {}, \"accounts\": {}, \"states\": \"{}\"{}}}\n",
               secs(t0, t1), secs(t1, t2), ws ? data.event_count() : stored->events, data.accounts().size(),
               ws ? "evaluated" : "stored",
               ws ? std::string()
                  : fmt::format(", \"load_parts_s\": {{\"usage\": {:.3f}, \"states\": {:.3f}, \"records\": {:.3f}, "
                                "\"learners\": {:.3f}}}",
                                stored->seconds.usage, stored->seconds.states, stored->seconds.records,
                                stored->seconds.learners));
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
  // The loaded data is hundreds of MB of small objects at full scale; the process is about to
  // exit, so hand it back to the OS wholesale instead of freeing it object by object.
  (void)stored.release();
  (void)ws.release();
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
  cmd->add_flag("--evaluate", f->evaluate,
                "evaluate every account from the stored records even when the stored milestone states are current");
  cmd->add_flag("--timing", f->timing, "print load and compute seconds to stderr as JSON (benchmarks)");
  cmd->callback([f] { exit_code() = run(*f); });
}

}  // namespace

UPLIFT_COMMAND(report, setup);

}  // namespace uplift::cli::cmd_report
