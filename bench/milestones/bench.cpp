// Milestone engine benchmark: generates a seeded synthetic workload (accounts, learners, events
// with the demo generator's event names), loads it into a Dataset (timed apart), then times a
// full rebuild of every account's state under milestones/clm.json and the incremental path
// (new events applied to warm state in batches, through Dataset::apply + note + flush as the
// Workspace ingest path does). Also writes the same events as CSV for the
// DuckDB reference (bench/milestones/duckdb.mjs). Prints one JSON object on stdout.
//   bench_milestones GRAPH_DIR CSV_OUT ACCOUNTS EVENTS LEARNERS [SEED]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <variant>
#include <vector>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/dataset.h"
#include "milestones/evaluator.h"
#include "milestones/loader.h"

using namespace uplift;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Process CPU seconds (all threads): on a shared machine wall time also counts other people's work.
double cpu_s() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double rss_mib() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return static_cast<double>(resident) * 4096.0 / (1024.0 * 1024.0);
}

struct Gen {
  std::mt19937_64 rng;
  long accounts, learners_per_account;
  Timestamp t0 = start_of(days_from_civil(2025, 1, 1));
  long next_id = 0;
  const std::vector<std::pair<const char*, int>> mix = {
      {"login", 55}, {"group_created", 5}, {"workflow_published", 3}, {"user_invited", 5},
      {"integration_connected", 2}, {"contract_completed", 12}, {"contract_imported", 8},
      {"data_manager_edit", 6}, {"ai_review_run", 4}};

  Event event(long account, Timestamp from, int days) {
    Event e;
    e.id = fmt::format("e{}", next_id++);
    e.account = fmt::format("a{}", account);
    int r = static_cast<int>(rng() % 100);
    for (const auto& [name, w] : mix) {
      if (r < w) {
        e.name = name;
        break;
      }
      r -= w;
    }
    e.ts = from + static_cast<Timestamp>(rng() % (static_cast<unsigned long>(days) * kMsPerDay));
    e.learner = fmt::format("l{}", account * learners_per_account + static_cast<long>(rng() % learners_per_account));
    if (e.name == "contract_completed" || e.name == "contract_imported") e.qty = 1 + static_cast<double>(rng() % 5);
    if (e.name == "group_created") e.props["group_id"] = fmt::format("g{}", rng() % 6);
    return e;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: bench_milestones GRAPH_DIR CSV_OUT ACCOUNTS EVENTS LEARNERS [SEED]\n");
    return 2;
  }
  auto graph = milestones::load_graph_or_error(argv[1]);
  if (!graph.ok()) {
    std::fprintf(stderr, "%s\n", graph.status().message().c_str());
    return 2;
  }
  long accounts = std::stol(argv[3]), events = std::stol(argv[4]), learners = std::stol(argv[5]);
  Gen gen{std::mt19937_64(argc > 6 ? std::stoul(argv[6]) : 42), accounts, std::max(1L, learners / accounts)};

  // Generate (timed apart, with the CSV for DuckDB written outside any timing), then load: every
  // record applied to an empty Dataset, which is what DuckDB's read_csv into a table compares to.
  auto t = Clock::now();
  const char* tiers[] = {"smb", "smb", "smb", "midmarket", "midmarket", "upmarket"};
  std::vector<Record> records;
  records.reserve(static_cast<std::size_t>(accounts + events));
  for (long a = 0; a < accounts; ++a) {
    Account acct;
    acct.id = fmt::format("a{}", a);
    acct.tier = tiers[gen.rng() % 6];
    records.emplace_back(std::move(acct));
  }
  for (long i = 0; i < events; ++i)
    records.emplace_back(gen.event(static_cast<long>(gen.rng() % accounts), gen.t0, 365));
  double generate_s = seconds_since(t);
  {
    std::ofstream csv(argv[2]);
    csv << "account,name,ts,learner,qty,group_id\n";
    for (const Record& r : records) {
      const Event* e = std::get_if<Event>(&r);
      if (!e) continue;
      csv << e->account << ',' << e->name << ',' << e->ts << ',' << e->learner << ',' << e->qty << ','
          << (e->props.contains("group_id") ? e->props["group_id"].get<std::string>() : "") << '\n';
    }
  }
  double rss_start = rss_mib();
  t = Clock::now();
  double c = cpu_s();
  Dataset data;
  data.reserve_events(static_cast<std::size_t>(events));
  {
    BulkLoad bulk(data);
    for (Record& r : records) data.apply(std::move(r));
  }
  double load_s = seconds_since(t), load_cpu = cpu_s() - c;
  records.clear();
  records.shrink_to_fit();
  double rss_loaded = rss_mib();

  // Full rebuild.
  milestones::Evaluator ev(*graph, data);
  // Best of 3, as the DuckDB reference reports its query (rebuild() starts from scratch each time).
  double rebuild_s = 1e300, rebuild_cpu = 0;
  std::vector<double> rebuild_runs;
  for (int run = 0; run < 3; ++run) {
    t = Clock::now();
    c = cpu_s();
    ev.rebuild();
    rebuild_runs.push_back(seconds_since(t));
    if (rebuild_runs.back() < rebuild_s) rebuild_s = rebuild_runs.back(), rebuild_cpu = cpu_s() - c;
  }
  double rss_evaluated = rss_mib();
  std::size_t foundational = 0;
  for (const auto& [_, s] : ev.states())
    if (s->stage != "onboarding") ++foundational;

  // Incremental: new events (later than everything) applied to warm state in batches of 1000.
  long inc_events = std::min(events / 10, 200'000L);
  std::vector<Record> fresh;
  fresh.reserve(static_cast<std::size_t>(inc_events));
  for (long i = 0; i < inc_events; ++i)
    fresh.emplace_back(gen.event(static_cast<long>(gen.rng() % accounts), gen.t0 + 365 * kMsPerDay, 7));
  std::sort(fresh.begin(), fresh.end(),
            [](const Record& x, const Record& y) { return std::get<Event>(x).ts < std::get<Event>(y).ts; });
  t = Clock::now();
  c = cpu_s();
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    if (data.apply(fresh[i])) ev.note(fresh[i]);
    if ((i + 1) % 1000 == 0 || i + 1 == fresh.size()) ev.flush();
  }
  double inc_s = seconds_since(t), inc_cpu = cpu_s() - c;

  nlohmann::json out = {
      {"accounts", accounts}, {"events", events}, {"learners", learners},
      {"generate_s", generate_s}, {"load_s", load_s}, {"rebuild_s", rebuild_s}, {"rebuild_runs_s", rebuild_runs},
      {"rebuild_threads", ev.threads()},
      {"cpu_s", {{"load", load_cpu}, {"rebuild_all_threads", rebuild_cpu}, {"incremental", inc_cpu}}},
      {"accounts_past_onboarding", foundational},
      {"rss_mib", {{"start", rss_start}, {"dataset_loaded", rss_loaded}, {"evaluated", rss_evaluated}}},
      {"evaluated_state_mib", rss_evaluated - rss_loaded},
      {"incremental", {{"events", inc_events}, {"seconds", inc_s}, {"events_per_s", inc_events / inc_s},
                       {"events_per_cpu_s", inc_events / inc_cpu},
                       {"batch", 1000}}}};
  std::printf("%s\n", out.dump().c_str());
  std::fflush(stdout);
  std::_Exit(0);  // skip tearing down millions of records
}
