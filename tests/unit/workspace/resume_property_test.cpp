// Starting from the saved states and the records after their watermark must give exactly what
// evaluating every account gives, state by state (issue 24: fast start). Random streams of account
// records, learners moving between accounts, completions, renewals and product events, with days
// passing (windows and declines move) between the save and the start; three ways the store can
// be left: closed cleanly and then written by another process (an import), a crash after the
// states were saved but before the watermark was settled (saved states newer than it), and a
// second writer saving its older states meanwhile (the watermark must then not be trusted).
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>

#include "app/workspace.h"
#include "core/time.h"
#include "store/store.h"

using namespace uplift;
namespace fs = std::filesystem;

namespace {

std::map<std::string, milestones::AccountState> states_of(const app::Workspace& ws) {
  std::map<std::string, milestones::AccountState> out;
  const app::View view = ws.view();
  for (const auto& s : view.states()) out.emplace(s->account, *s);
  return out;
}

// A random stream: account upserts (overrides may apply differently), learners joining and
// moving, completions, renewals (churn ends decline flags) and product events, hours apart.
struct Stream {
  std::mt19937 rng;
  unsigned seed;
  Timestamp t = *parse_timestamp("2026-03-01T10:00:00Z");
  int n = 0;
  Stream(unsigned s) : rng(s), seed(s) {}

  std::string account_id() { return "a" + std::to_string(seed) + "_" + std::to_string(rng() % 30); }
  std::string learner_id() { return "l" + std::to_string(seed) + "_" + std::to_string(rng() % 12); }

  std::vector<Record> batch() {
    static const std::vector<std::string> names = {"group_created", "workflow_published", "contract_completed", "login",
                                                   "data_manager_edit", "ai_review_run", "sso_configured",
                                                   "contract_imported", "user_invited"};
    static const std::vector<std::string> tiers = {"", "smb", "enterprise"};
    std::vector<Record> records;
    const int size = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < size; ++k, ++n) {
      t += static_cast<Timestamp>(rng() % (8 * 3'600'000));
      switch (rng() % 7) {
        case 0: {
          Account a;
          a.id = account_id();
          a.name = a.id;
          a.tier = tiers[rng() % tiers.size()];
          a.arr = static_cast<double>(rng() % 3) * 10000;
          records.push_back(a);
          break;
        }
        case 1: {
          Learner l;
          l.id = learner_id();
          l.account = account_id();
          l.email = l.id + "@example.com";
          records.push_back(l);
          break;
        }
        case 2: {
          Completion c;
          c.learner = learner_id();
          c.content = "course-" + std::to_string(rng() % 3);
          c.status = CompletionStatus::kCompleted;
          c.ts = t;
          records.push_back(c);
          break;
        }
        case 3: {
          Renewal r;
          r.account = account_id();
          r.date = date_of(t);
          r.outcome = rng() % 3 == 0 ? RenewalOutcome::kChurned : RenewalOutcome::kRenewed;
          records.push_back(r);
          break;
        }
        default: {
          Event e;
          e.id = "e" + std::to_string(seed) + "_" + std::to_string(n);
          e.account = account_id();
          e.name = names[rng() % names.size()];
          e.learner = learner_id();
          // Mostly in order; now and then a late one, dated before what the account has.
          e.ts = rng() % 8 == 0 ? t - static_cast<Timestamp>(rng() % (10 * 86'400'000LL)) : t;
          e.props = {{"group_id", "g" + std::to_string(rng() % 5)}};
          records.push_back(e);
        }
      }
    }
    return records;
  }
};

void ingest_batch(app::Workspace& ws, const std::vector<Record>& records) {
  auto r = ws.ingest_concurrently([&](const app::View&) { return std::span<const Record>(records); });
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
}

}  // namespace

TEST_CASE("starting from saved states plus the records after their watermark equals evaluating every account") {
  const fs::path dir = fs::temp_directory_path() / ("uplift_resume_" + std::to_string(::getpid()));
  int resumed = 0;
  for (unsigned seed = 1; seed <= 9; ++seed) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy(fs::path(UPLIFT_SOURCE_DIR) / "milestones", dir / "milestones", fs::copy_options::recursive);
    const std::string url = "sqlite:" + (dir / "u.db").string();
    app::WorkspaceOptions saving;
    saving.config_dir = dir.string();
    Stream stream(seed);
    const int how = static_cast<int>(seed % 3);
    INFO("seed " << seed << ", way " << how);
    std::string settled_body;
    {
      auto a = app::Workspace::open(url, saving);
      REQUIRE_MESSAGE(a.ok(), a.status().to_string());
      for (int b = 0; b < 40; ++b) ingest_batch(**a, stream.batch());
      REQUIRE((*a)->save_states().ok());
      auto store = Store::open(url);
      REQUIRE(store.ok());
      auto mark = (*store)->get_document(app::kStateMetaCollection, "watermark");
      REQUIRE(mark.ok());
      CHECK(nlohmann::json::parse(mark->body).value("settled", false));
      settled_body = mark->body;
      if (how == 1) {  // more batches through the same process, saved: then a crash before settling
        stream.t += 9 * 86'400'000LL;
        for (int b = 0; b < 3; ++b) ingest_batch(**a, stream.batch());
        REQUIRE((*a)->save_states().ok());
      }
      if (how == 2) {  // a second, older process saves its states after the first settled
        app::WorkspaceOptions lagging = saving;
        auto older = app::Workspace::open(url, lagging);
        REQUIRE(older.ok());
        for (int b = 0; b < 15; ++b) ingest_batch(**a, stream.batch());
        REQUIRE((*a)->save_states().ok());
        // Its view predates the last 15 batches, and the other process saved since it opened: its
        // save is refused by the watermark's compare-and-set, and it says so.
        Status st = (*older)->persist_all_states();
        CHECK(st.code() == Code::kAborted);
      }
    }
    auto store = Store::open(url);
    REQUIRE(store.ok());
    if (how == 1)  // the crash: the settled watermark is the one before the last saves
      REQUIRE((*store)->put_document({app::kStateMetaCollection, "watermark", settled_body, 0}).ok());
    if (how == 0) {  // weeks later another process (an import) writes a little: most accounts
      stream.t += 17 * 86'400'000LL;  // are untouched, but their windows and declines moved
      for (int b = 0; b < 2; ++b) {
        auto records = stream.batch();
        REQUIRE((*store)->write(records).ok());
      }
    }

    app::WorkspaceOptions reading;
    reading.config_dir = dir.string();
    reading.persist_state = false;
    auto from_saved = app::Workspace::open(url, reading);
    REQUIRE_MESSAGE(from_saved.ok(), from_saved.status().to_string());
    reading.resume_saved_states = false;
    auto everything = app::Workspace::open(url, reading);
    REQUIRE(everything.ok());
    CHECK_FALSE((*everything)->start_up().resumed);
    const auto got = states_of(**from_saved), want = states_of(**everything);
    CHECK(got.size() == want.size());
    for (const auto& [account_, state] : want) {
      const auto& account = account_;  // a named variable: doctest captures messages in a lambda
      auto it = got.find(account);
      REQUIRE_MESSAGE(it != got.end(), "no state for " << account);
      CHECK_MESSAGE(it->second == state, "account " << account << " differs from a full evaluation");
    }
    const auto& start = (*from_saved)->start_up();
    if (how == 0 || how == 1) {
      CHECK(start.resumed);
      CHECK(start.records_after_watermark > 0);
      CHECK(start.adopted > 0);
    }
    resumed += start.resumed;
  }
  CHECK(resumed >= 6);
  fs::remove_all(dir);
}
