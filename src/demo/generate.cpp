#include "demo/generate.h"

#include <array>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "demo/accounts.h"
#include "demo/commercial.h"
#include "demo/experiment.h"
#include "demo/journey.h"
#include "demo/writer.h"

namespace uplift::demo {
namespace {

enum FileIndex { kAccounts, kLearners, kEvents, kCompletions, kAttendance, kArr, kRenewals, kFileCount };
constexpr std::array<const char*, kFileCount> kFileNames = {"accounts", "learners", "events", "completions",
                                                           "attendance", "arr", "renewals"};

Account account_record(const AccountPlan& a, const DemoConfig& cfg, const Timeline& tl) {
  Account r;
  r.id = a.id;
  r.name = a.name;
  r.plan = a.plan;
  r.tier = a.tier;
  r.csm = a.csm;
  r.arr = arr_on(a, cfg, date_of(tl.now));
  r.renewal_date = next_renewal(a, tl);
  r.created_at = a.created_at;
  r.audience = *parse_audience(a.audience);
  return r;
}

// Accelerator usage in the 30 days before and after the arm member's anchor.
void count_windows(const AccountPlan& a, const Timeline& tl, const std::vector<DemoEvent>& events, DemoOutput& out) {
  if (!a.dma.invited && !a.dma.holdout) return;
  const Timestamp anchor = a.dma.first_session.value_or(tl.dma_sessions.front());
  double pre = 0, post = 0;
  for (const auto& e : events) {
    if (e.name != EventName::kDataManagerEdit) continue;
    if (e.ts >= anchor - 30 * kMsPerDay && e.ts < anchor) pre += 1;
    if (e.ts >= anchor && e.ts < anchor + 30 * kMsPerDay) post += 1;
  }
  if (a.dma.holdout) out.holdout_pre += pre, out.holdout_post += post;
  if (a.dma.invited) out.invited_pre += pre, out.invited_post += post;
  if (a.dma.attended()) out.participants_pre += pre, out.participants_post += post;
}

class Writer {
 public:
  Status open(const std::string& dir) {
    for (int f = 0; f < kFileCount; ++f)
      UPLIFT_RETURN_IF_ERROR(files_[f].open((std::filesystem::path(dir) / fmt::format("{}.ndjson", kFileNames[f])).string()));
    return Status::OK();
  }

  Status write_account(const AccountPlan& a, const DemoConfig& cfg, const Timeline& tl, DemoOutput& out) {
    append_line(file(kAccounts), account_record(a, cfg, tl));
    for (const auto& l : a.learners) {
      Learner r;
      r.id = l.id;
      r.account = a.id;
      r.email = l.email;
      r.role = l.role;
      r.access_level = l.access_level;
      r.created_at = l.created_at;
      append_line(file(kLearners), r);
    }
    files_[kLearners].count(a.learners.size());

    const std::vector<DemoEvent> events = account_events(a, cfg, tl);
    std::string& ev = file(kEvents);
    for (std::size_t i = 0; i < events.size(); ++i) {
      const DemoEvent& e = events[i];
      const std::string_view learner = e.learner >= 0 ? std::string_view(a.learners[static_cast<std::size_t>(e.learner)].id) : "";
      append_event_line(ev, a.id, fmt::format("e-{}-{:06d}", a.id, i + 1), event_name(e.name), e.ts, learner, e.qty, e.props);
    }
    files_[kEvents].count(events.size());
    count_windows(a, tl, events, out);

    for (const auto& c : account_completions(a, cfg, tl)) {
      Completion r;
      r.learner = a.learners[static_cast<std::size_t>(c.learner)].id;
      r.content = c.content;
      r.ts = c.ts;
      r.status = c.status;
      if (c.score >= 0) r.score = c.score;
      append_line(file(kCompletions), r);
      files_[kCompletions].count();
    }
    for (const auto& r : attendance_records(a, tl)) append_line(file(kAttendance), r), files_[kAttendance].count();
    for (const auto& r : arr_snapshots(a, cfg, tl)) append_line(file(kArr), r), files_[kArr].count();
    for (const auto& r : renewal_records(a, cfg)) append_line(file(kRenewals), r), files_[kRenewals].count();
    for (auto& f : files_) UPLIFT_RETURN_IF_ERROR(f.maybe_flush());
    return Status::OK();
  }

  Status close(DemoOutput& out) {
    for (int f = 0; f < kFileCount; ++f) {
      UPLIFT_RETURN_IF_ERROR(files_[f].close());
      out.lines[kFileNames[f]] = files_[f].lines();
    }
    return Status::OK();
  }

 private:
  std::string& file(FileIndex f) {
    if (f == kAccounts) files_[f].count();
    return files_[f].buffer();
  }
  std::array<NdjsonFile, kFileCount> files_;
};

Status write_json(const std::string& path, const nlohmann::json& j) {
  std::ofstream f(path, std::ios::binary);
  f << j.dump(2) << '\n';
  f.close();
  if (!f) return Status::Unavailable(fmt::format("{}: write failed", path));
  return Status::OK();
}

}  // namespace

Date default_demo_now() { return days_from_civil(2026, 11, 1); }

DemoWorld plan_world(const DemoConfig& cfg) {
  DemoWorld w;
  w.cfg = cfg;
  w.tl = make_timeline(cfg);
  w.plans = plan_accounts(cfg, w.tl);
  run_experiments(w.plans, cfg, w.tl);
  return w;
}

Result<DemoOutput> generate_demo(const DemoConfig& cfg, const std::string& out_dir) {
  if (cfg.accounts < 1) return Status::InvalidArgument("--accounts: must be at least 1");
  if (!(cfg.holdout_fraction >= 0 && cfg.holdout_fraction < 1))
    return Status::InvalidArgument("--holdout: must be in [0, 1)");
  if (!(cfg.events_per_account > 0)) return Status::InvalidArgument("--events-per-account: must be positive");
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Status::InvalidArgument(fmt::format("{}: cannot create directory: {}", out_dir, ec.message()));

  const DemoWorld world = plan_world(cfg);
  DemoOutput out;
  Writer writer;
  UPLIFT_RETURN_IF_ERROR(writer.open(out_dir));
  for (const auto& a : world.plans) UPLIFT_RETURN_IF_ERROR(writer.write_account(a, cfg, world.tl, out));
  UPLIFT_RETURN_IF_ERROR(writer.close(out));
  UPLIFT_RETURN_IF_ERROR(write_json((std::filesystem::path(out_dir) / "cohorts.json").string(),
                                    cohorts_json(world.plans, cfg, world.tl)));
  UPLIFT_RETURN_IF_ERROR(write_json((std::filesystem::path(out_dir) / "truth.json").string(), truth_json(world, out)));
  return out;
}

}  // namespace uplift::demo
