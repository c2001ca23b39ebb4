// `uplift migrate --from URL --to URL [--batch N] [--force] [--quiet]`
//
// Copies every record (in sequence order, so the destination replays changes in the same order)
// and every document from one database to another — typically the embedded SQLite file to a
// MySQL server when one box is no longer enough, or back. Then compares counts() of both and
// prints them. Exit 0 when they match, 1 on a mismatch, 2 when a database cannot be opened or
// written, or the destination already holds records (unless --force).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <numeric>

#include <fmt/format.h>

#include "cli/commands.h"
#include "store/store.h"

namespace uplift::cli::cmd_migrate {
namespace {

struct MigrateArgs {
  std::string from, to;
  std::size_t batch = 10'000;
  bool force = false, quiet = false;
};

// A bar on a terminal; on a pipe or file a line every 10 % (so logs stay short).
class Progress {
 public:
  Progress(std::int64_t total, bool quiet) : total_(total), tty_(!quiet && ::isatty(2)), quiet_(quiet) {}
  void update(std::int64_t done) {
    if (quiet_ || total_ <= 0) return;
    double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    if (tty_) {
      int filled = static_cast<int>(frac * 30);
      std::fprintf(stderr, "\r[%-30s] %3.0f%%  %lld/%lld records", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   frac * 100, static_cast<long long>(done), static_cast<long long>(total_));
      std::fflush(stderr);
      return;
    }
    int decile = static_cast<int>(frac * 10);
    if (decile > last_decile_) {
      last_decile_ = decile;
      std::fprintf(stderr, "migrate: %lld/%lld records (%d%%)\n", static_cast<long long>(done),
                   static_cast<long long>(total_), decile * 10);
    }
  }
  void finish() {
    if (tty_ && total_ > 0) std::fprintf(stderr, "\n");
  }

 private:
  std::int64_t total_;
  bool tty_, quiet_;
  int last_decile_ = 0;
};

std::int64_t total_records(const StoreCounts& c) { return std::accumulate(c.records.begin(), c.records.end(), std::int64_t{0}); }

int fail(int code, const std::string& msg) {
  std::fprintf(stderr, "uplift migrate: %s\n", msg.c_str());
  return code;
}

int run_migrate(const MigrateArgs& a) {
  auto from = Store::open(a.from);
  if (!from.ok()) return fail(2, "cannot open --from database: " + from.status().message());
  auto to = Store::open(a.to);
  if (!to.ok()) return fail(2, "cannot open --to database: " + to.status().message());
  Store& src = **from;
  Store& dst = **to;
  if (src.describe() == dst.describe()) return fail(2, "--from and --to are the same database (" + src.describe() + ")");

  auto src_counts = src.counts();
  if (!src_counts.ok()) return fail(2, "reading " + src.describe() + ": " + src_counts.status().message());
  auto dst_before = dst.counts();
  if (!dst_before.ok()) return fail(2, "reading " + dst.describe() + ": " + dst_before.status().message());
  if (!a.force && (total_records(*dst_before) > 0 || dst_before->documents > 0))
    return fail(2, dst.describe() + " already holds data; migrate into an empty database (or pass --force to merge)");

  auto started = std::chrono::steady_clock::now();
  Progress progress(total_records(*src_counts), a.quiet);
  std::vector<Record> batch;
  batch.reserve(a.batch);
  std::int64_t copied = 0;
  Status write_status;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    auto w = dst.write(batch);
    if (!w.ok()) {
      write_status = w.status();
      return false;
    }
    copied += static_cast<std::int64_t>(batch.size());
    batch.clear();
    progress.update(copied);
    return true;
  };
  Status scan = src.scan_since(0, 0, [&](const StoredRecord& r) {
    batch.push_back(r.record);
    return batch.size() < a.batch || flush();
  });
  if (scan.ok() && write_status.ok()) flush();
  progress.finish();
  if (!write_status.ok()) return fail(2, "writing " + dst.describe() + ": " + write_status.message());
  if (!scan.ok()) return fail(2, "reading " + src.describe() + ": " + scan.message());

  auto collections = src.document_collections();
  if (!collections.ok()) return fail(2, "reading " + src.describe() + ": " + collections.status().message());
  std::int64_t docs = 0;
  for (const std::string& coll : *collections) {
    Status st = src.scan_documents(coll, [&](const Document& d) {
      write_status = dst.put_document(d);
      ++docs;
      return write_status.ok();
    });
    if (!write_status.ok()) return fail(2, "writing " + dst.describe() + ": " + write_status.message());
    if (!st.ok()) return fail(2, "reading " + src.describe() + ": " + st.message());
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // Verify: both sides counted again after the copy.
  auto a_counts = src.counts();
  auto b_counts = dst.counts();
  if (!a_counts.ok() || !b_counts.ok()) return fail(2, "counting after the copy failed");
  std::printf("%-12s %12s %12s\n", "", "from", "to");
  bool same = true;
  for (RecordKind k : kAllRecordKinds) {
    auto i = static_cast<std::size_t>(k);
    bool eq = a_counts->records[i] == b_counts->records[i];
    same &= eq;
    std::printf("%-12s %12lld %12lld%s\n", std::string(kind_name(k)).c_str(), static_cast<long long>(a_counts->records[i]),
                static_cast<long long>(b_counts->records[i]), eq ? "" : "  MISMATCH");
  }
  bool docs_eq = a_counts->documents == b_counts->documents;
  same &= docs_eq;
  std::printf("%-12s %12lld %12lld%s\n", "documents", static_cast<long long>(a_counts->documents),
              static_cast<long long>(b_counts->documents), docs_eq ? "" : "  MISMATCH");
  std::printf("copied %lld records and %lld documents from %s to %s in %.2f s\n", static_cast<long long>(copied),
              static_cast<long long>(docs), src.describe().c_str(), dst.describe().c_str(), seconds);
  if (!same) {
    std::fprintf(stderr, "uplift migrate: counts differ after the copy (was the source written to meanwhile, "
                         "or did the destination already hold data?)\n");
    return 1;
  }
  return 0;
}

void setup(CLI::App& app) {
  auto args = std::make_shared<MigrateArgs>();
  auto* cmd = app.add_subcommand("migrate", "copy every record and document to another database and verify the counts");
  cmd->add_option("--from", args->from, "source database URL (sqlite:PATH or mysql://...)")->required();
  cmd->add_option("--to", args->to, "destination database URL; must be empty unless --force")->required();
  cmd->add_option("--batch", args->batch, "records per write transaction")->check(CLI::Range(1, 1'000'000));
  cmd->add_flag("--force", args->force, "copy into a destination that already holds data (upserts, deduplicates)");
  cmd->add_flag("-q,--quiet", args->quiet, "no progress output");
  cmd->callback([args] { exit_code() = run_migrate(*args); });
}

}  // namespace

UPLIFT_COMMAND(migrate, setup);

}  // namespace uplift::cli::cmd_migrate
