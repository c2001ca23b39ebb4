// `uplift import FILE... [--db URL] [--strict] [--dry-run] [--kind K] [--format ndjson|csv] [--batch N]`
// `uplift import --map maps/NAME.json [--set FIELD=VALUE]... FILE.csv...`
//
// Imports canonical records (NDJSON, or CSV with a header row) into the database; with --map, a
// CRM or webinar export read through a map file (ingest/csv_map.h), its accounts and learners
// resolved against the database (a learner not known yet waits in the unresolved queue). Rejected
// lines go to stderr as FILE:LINE: field: reason (the first 100; all are counted), then a summary
// per kind. Exit code 1 if anything was rejected, 2 on a usage, map or database error, else 0.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "app/unresolved.h"
#include "cli/commands.h"
#include "core/dataset.h"
#include "ingest/csv_map.h"
#include "ingest/importer.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace uplift::cli::cmd_import {
namespace {

constexpr std::int64_t kMaxPrinted = 100;

struct ImportArgs {
  std::vector<std::string> files;
  std::string db, kind, format, map;
  std::vector<std::string> sets;
  std::size_t batch = 20'000;
  bool strict = false, quiet = false, dry_run = false;
};

// A progress bar on a terminal, a plain line every 250k items otherwise.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : tty_(!quiet && ::isatty(2)), quiet_(quiet) {}
  void operator()(const ingest::ImportProgress& p) {
    if (quiet_) return;
    if (tty_) {
      if (p.total_bytes > 0) {
        double frac = static_cast<double>(p.bytes) / static_cast<double>(p.total_bytes);
        int filled = static_cast<int>(frac * 30);
        std::fprintf(stderr, "\r[%-30s] %3.0f%%  %lld lines", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                     frac * 100, static_cast<long long>(p.items));
      } else {
        std::fprintf(stderr, "\r%lld lines", static_cast<long long>(p.items));
      }
      if (p.done) std::fprintf(stderr, "\n");
      drawn_ = !p.done;
      return;
    }
    while (p.items >= next_report_) {
      if (!p.done) std::fprintf(stderr, "import: %lld lines read\n", static_cast<long long>(next_report_));
      next_report_ += 250'000;
    }
  }
  // Moves off the bar before printing a message line.
  void clear_line() {
    if (tty_ && drawn_) {
      std::fprintf(stderr, "\r\033[K");
      drawn_ = false;
    }
  }

 private:
  bool tty_, quiet_, drawn_ = false;
  std::int64_t next_report_ = 250'000;
};

void print_summary(const ingest::ImportSummary& s, double seconds, bool strict) {
  std::printf("%-12s %10s %11s %9s\n", "kind", "accepted", "duplicates", "rejected");
  for (std::size_t k = 0; k < s.kinds.size(); ++k) {
    const auto& c = s.kinds[k];
    if (c.accepted() == 0 && c.duplicates == 0 && c.rejected == 0) continue;
    std::string name = k == ingest::kUnknownKind ? "(unknown)" : std::string(kind_name(static_cast<RecordKind>(k)));
    std::printf("%-12s %10lld %11lld %9lld\n", name.c_str(), static_cast<long long>(c.accepted()),
                static_cast<long long>(c.duplicates), static_cast<long long>(c.rejected));
  }
  std::printf("%-12s %10lld %11lld %9lld\n", "total", static_cast<long long>(s.total(&ingest::KindCounts::inserted) +
                                                                             s.total(&ingest::KindCounts::updated)),
              static_cast<long long>(s.total(&ingest::KindCounts::duplicates)), static_cast<long long>(s.rejected));
  if (s.skipped) std::printf("%lld row(s) skipped by the map's rules\n", static_cast<long long>(s.skipped));
  if (s.queued)
    std::printf("%lld record(s) wait in the unresolved queue for a person not known yet (uplift unresolved list)\n",
                static_cast<long long>(s.queued));
  if (strict && !s.written && s.rejected > 0)
    std::printf("--strict: %lld line(s) rejected, nothing was written\n", static_cast<long long>(s.rejected));
  double rate = seconds > 0 ? static_cast<double>(s.items) / seconds : 0;
  std::printf("%lld lines in %.2f s (%.0f lines/s)%s\n", static_cast<long long>(s.items), seconds, rate,
              s.warnings ? fmt::format(", {} warning(s)", s.warnings).c_str() : "");
}

// The accounts and learners of the database, for a map that names them by another system's id.
Status load_identities(Store& store, const ingest::CsvMap& map, Dataset& out) {
  const ingest::FieldRule* rule = map.identity_rule();
  if (!rule) return Status::OK();
  for (RecordKind kind : {RecordKind::kAccount, RecordKind::kLearner}) {
    if (kind == RecordKind::kLearner && rule->field != "learner") continue;
    UPLIFT_RETURN_IF_ERROR(store.scan_kind(kind, [&](const StoredRecord& r) {
      out.apply(r.record);
      return true;
    }));
  }
  return Status::OK();
}

void run_import(const ImportArgs& a) {
  ingest::ImportOptions options;
  std::optional<ingest::CsvMap> map;
  if (!a.map.empty()) {
    if (!a.kind.empty() || !a.format.empty()) {
      std::fprintf(stderr, "uplift import: --map says the kind and format; drop --kind/--format\n");
      exit_code() = 2;
      return;
    }
    auto loaded = ingest::load_csv_map(a.map, a.sets);
    if (!loaded.ok()) {
      std::fprintf(stderr, "uplift import: the map cannot be used (nothing was imported):\n%s\n",
                   loaded.status().message().c_str());
      exit_code() = 2;
      return;
    }
    map = std::move(*loaded);
  } else if (!a.sets.empty()) {
    std::fprintf(stderr, "uplift import: --set needs --map\n");
    exit_code() = 2;
    return;
  }
  options.strict = a.strict;
  options.batch = a.batch;
  if (!a.kind.empty()) {
    options.kind = parse_kind(a.kind);
    if (!options.kind) {
      std::fprintf(stderr, "uplift import: --kind: unknown kind \"%s\" (want account, learner, event, completion, "
                           "attendance, arr, renewal)\n", a.kind.c_str());
      exit_code() = 2;
      return;
    }
  }
  if (!a.format.empty()) options.format = ingest::parse_input_format(a.format);

  std::string url = default_store_url(a.db);
  if (store_scheme(url) == "sqlite") store::prepare_sqlite_bulk_load();
  auto store = Store::open(url);
  if (!store.ok()) {
    std::fprintf(stderr, "uplift import: cannot open database %s: %s\n", url.c_str(),
                 store.status().message().c_str());
    exit_code() = 2;
    return;
  }

  Dataset known;
  if (map) {
    if (Status st = load_identities(**store, *map, known); !st.ok()) {
      std::fprintf(stderr, "uplift import: reading the accounts and learners: %s\n", st.message().c_str());
      exit_code() = 2;
      return;
    }
    options.source = [&](int fd) { return std::make_unique<ingest::MappedCsvSource>(fd, *map, &known); };
    const Timestamp now = wall_clock_now();
    options.queue_document = [now](const Record& r, const ingest::ActorRef& who, const std::string& why) {
      return app::unresolved_document(r, who, why, now);
    };
  }

  ProgressPrinter progress(a.quiet);
  std::int64_t printed = 0;
  ingest::ImportCallbacks cb;
  cb.on_rejection = [&](const ingest::Rejection& r) {
    if (printed++ >= kMaxPrinted) return;
    progress.clear_line();
    std::fprintf(stderr, "%s\n", ingest::format_rejection(r).c_str());
  };
  cb.on_warning = [&](const ingest::Rejection& r) {
    progress.clear_line();
    std::fprintf(stderr, "%s (warning)\n", ingest::format_rejection(r).c_str());
  };
  cb.on_progress = [&](const ingest::ImportProgress& p) { progress(p); };

  auto start = std::chrono::steady_clock::now();
  auto summary = ingest::import_files(a.files, a.dry_run ? nullptr : store->get(), options, cb);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.clear_line();
  if (!summary.ok()) {
    std::fprintf(stderr, "uplift import: %s\n", summary.status().message().c_str());
    exit_code() = 2;
    return;
  }
  if (printed > kMaxPrinted)
    std::fprintf(stderr, "… and %lld more rejected line(s)\n", static_cast<long long>(printed - kMaxPrinted));
  print_summary(*summary, seconds, a.strict);
  if (a.dry_run) std::printf("--dry-run: nothing was written\n");
  exit_code() = summary->rejected > 0 ? 1 : 0;
}

void setup(CLI::App& app) {
  auto args = std::make_shared<ImportArgs>();
  auto* cmd = app.add_subcommand("import", "import records (NDJSON or CSV with a header row) into the database");
  cmd->add_option("files", args->files, "input files; - reads standard input")->required();
  add_db_option(*cmd, args->db);
  cmd->add_flag("--strict", args->strict, "all or nothing: if any line is rejected, write nothing");
  cmd->add_option("--kind", args->kind, "every record is of this kind (for CSV without a kind column)");
  cmd->add_option("--format", args->format, "input format when the file name does not say (default: .csv is CSV, "
                                            "everything else NDJSON)")
      ->check(CLI::IsMember({std::string(ingest::input_format_name(ingest::InputFormat::kNdjson)),
                             std::string(ingest::input_format_name(ingest::InputFormat::kCsv))}));
  cmd->add_option("--batch", args->batch, "records per database transaction")->check(CLI::Range(1, 1'000'000));
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->add_flag("--dry-run", args->dry_run, "read and check everything, write nothing");
  cmd->add_option("--map", args->map, "read CSV exports through this map file (maps/*.json: columns, formats, "
                                      "identities; see the README)");
  cmd->add_option("--set", args->sets, "FIELD=VALUE: with --map, a field every record gets (e.g. program=webinar, "
                                       "session=2)");
  cmd->callback([args] { run_import(*args); });
}

}  // namespace

UPLIFT_COMMAND(import, setup);

}  // namespace uplift::cli::cmd_import
