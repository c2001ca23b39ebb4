// `uplift demo generate`: deterministic synthetic demo data with planted truth (src/demo).
#include <fmt/format.h>

#include "demo/generate.h"
#include "cli/commands.h"
#include "core/time.h"

namespace uplift::cli::cmd_demo {
namespace {

struct DemoFlags {
  demo::DemoConfig cfg;
  std::string out = "demo-data";
  std::string now;
};

void run(const DemoFlags& f) {
  demo::DemoConfig cfg = f.cfg;
  cfg.now = demo::default_demo_now();
  if (!f.now.empty()) {
    auto d = parse_date(f.now);
    if (!d.ok()) {
      fmt::print(stderr, "uplift demo generate: --now: {}\n", d.status().message());
      exit_code() = 2;
      return;
    }
    cfg.now = *d;
  }
  auto out = demo::generate_demo(cfg, f.out);
  if (!out.ok()) {
    fmt::print(stderr, "uplift demo generate: {}\n", out.status().message());
    exit_code() = 2;
    return;
  }
  fmt::print("wrote {}/ (seed {}, now {}):", f.out, cfg.seed, format_date(cfg.now));
  for (const auto& [file, n] : out->lines) fmt::print(" {} {}", file, n);
  fmt::print("\n  plus cohorts.json and truth.json (what was planted)\n");
  exit_code() = 0;
}

void setup(CLI::App& app) {
  auto* demo = app.add_subcommand("demo", "synthetic demo data");
  demo->require_subcommand(1);
  auto flags = std::make_shared<DemoFlags>();
  auto* gen = demo->add_subcommand(
      "generate", "write deterministic NDJSON demo data plus cohorts.json and truth.json into a directory");
  gen->add_option("--accounts", flags->cfg.accounts, "number of accounts")->capture_default_str()->check(CLI::Range(1, 10'000'000));
  gen->add_option("--seed", flags->cfg.seed, "random seed (same seed, same bytes)")->capture_default_str();
  gen->add_option("--out", flags->out, "output directory (created if missing)")->capture_default_str();
  gen->add_option("--now", flags->now, "the story's today, YYYY-MM-DD (default 2026-11-01)");
  gen->add_option("--lift", flags->cfg.lift_pct, "planted data_manager_edit lift of attending accounts, %")->capture_default_str();
  gen->add_option("--trend", flags->cfg.trend_pct_per_30d, "common usage trend, % per 30 days")->capture_default_str();
  gen->add_option("--arr-effect", flags->cfg.arr_effect_pct, "planted ARR effect of attending, %")->capture_default_str();
  gen->add_option("--holdout", flags->cfg.holdout_fraction, "holdout fraction of the accelerator cohort")
      ->capture_default_str()->check(CLI::Range(0.0, 0.9));
  gen->add_option("--events-per-account", flags->cfg.events_per_account,
                  "background activity density (about this many events per account)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  gen->callback([flags] { run(*flags); });
}

}  // namespace

UPLIFT_COMMAND(demo, setup);

}  // namespace uplift::cli::cmd_demo
