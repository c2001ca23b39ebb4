// Workspace: the running application's state — the Store, every record in memory (Dataset), the
// milestone graph and every account's evaluated AccountState — composed once and shared by the
// CLI commands and the HTTP server.
//
// Promises:
//  * open() loads the configuration (milestones/ under the config dir), reads every stored record
//    (scan_kind per kind, events last) and remembers the store's last sequence. It then resumes
//    from the saved states when their watermark allows (the same milestone definitions, no fixed
//    as-of): every saved state is taken as it is and only the accounts the records written after
//    the watermark touch (and those the as-of day moving can change, and those without a saved
//    state) are evaluated — the result equals evaluating every account, which it does otherwise.
//    A bad graph or unreachable database is an error Status, never a crash.
//  * The state saver keeps the saved states current: each published change is queued for it
//    before the version is published, and when a round has saved everything queued and no newer
//    version was published meanwhile, every saved state is exactly that version's — it then
//    writes the watermark (the store's sequence it holds, its as-of, its graph's fingerprint).
//  * ingest_concurrently() writes a batch to the store first (durable, atomic) and only then
//    applies the committed, non-duplicate records to memory and re-evaluates the touched accounts
//    incrementally; their states are saved to the "milestone_state" documents by the state saver
//    (a background thread, within kStateSaveInterval; what changed several times meanwhile is
//    saved once; a failed save is retried; the destructor saves what is left).
//  * catch_up_concurrently() applies what other processes committed since the last sequence seen
//    (replicas tailing one MySQL database converge this way).
//  * Alerting (start_alerting(), which `uplift serve` calls): the trigger rules of
//    <config>/triggers are judged for every account a write touched — by this process's ingest
//    or by another's (catch-up) — and for every account when the as-of moves, on the workspace's
//    alerting thread right after the records are applied (the ingest does not wait for it). An
//    alert is written with its outbox entries and the account's episodes in one compare-and-set
//    transaction (alerts/outbox.h). A write that fails leaves the accounts marked and they are
//    judged again; a crash before the judgement loses nothing either — start_alerting() judges
//    every account against the stored episodes — so a fired alert is never lost and an episode is
//    never raised twice, by this replica or another.
//  * Thread safety: callers need no synchronisation of their own. Readers take a View (view(): one
//    published version of the states and their config, app/view.h) and hold no lock; writers
//    (ingest, catch-up, reload) go one at a time and evaluate beside the published version, so a
//    reader waits only while a committed batch's records are put into memory — never for the
//    database, the re-evaluation or the state documents.
//
// Config dir (holds milestones/, segments/, content_maps/): explicit option > $UPLIFT_CONFIG_DIR
// > the current directory (if it has milestones/) > the executable's directory's parent.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"
#include "app/view.h"
#include "attribution/movement.h"
#include "core/dataset.h"
#include "core/records.h"
#include "core/shared_slot.h"
#include "core/status.h"
#include "milestones/evaluator.h"
#include "milestones/graph.h"
#include "milestones/state.h"
#include "cohorts/program.h"
#include "recommend/content_map.h"
#include "recommend/recommend.h"
#include "segments/segment.h"
#include "segments/sizes.h"
#include "store/store.h"
#include "ingest/sources.h"
#include "recommend/account_advice.h"
#include "triggers/detect.h"
#include "triggers/rule.h"

namespace uplift::app {

struct WorkspaceOptions {
  std::string config_dir;                // explicit --config; empty: resolve (see file comment)
  std::string milestones_dir;            // explicit milestones directory; empty: <config>/milestones
  std::optional<Timestamp> as_of;        // fixed reference instant for windows/declines
  bool persist_state = true;             // changed states are saved to the store (the state saver)
  bool resume_saved_states = true;       // open() may start from the saved states (see above)
  // The alerting thread judges the accounts a write touched at once. When the as-of moved it also
  // owes every other account a judgement (rules count days to the as-of): while writes keep
  // moving the as-of within one UTC day it gives that pass at most once per this many ms, and
  // within this plus 250 ms of the last write; a new day at once (detect_pending() always at once).
  std::int64_t alert_full_pass_ms = 1000;
  // The alerting thread's passes start at least this many ms apart: under a stream of writes the
  // accounts touched meanwhile are judged together in one pass (a group commit touches most
  // accounts; judging them after every group was a quarter of the server's CPU under ingest). The
  // first write after a quiet spell (no such pass within the gap) is judged at once.
  std::int64_t alert_min_gap_ms = 100;
  // For tests: called by a writer after a batch's records went into memory, before the accounts
  // are evaluated (holding the writer lock only: readers are not blocked while it runs).
  std::function<void()> before_evaluation;
};

// Reports long phases ("loading events", "evaluating") for progress bars; total 0 = unknown.
using ProgressFn = std::function<void(std::string_view phase, std::size_t done, std::size_t total)>;

// The config dir to use per the rule in the file comment; NotFound lists where it looked.
Result<std::filesystem::path> resolve_config_dir(std::string_view explicit_dir);

// What the stored "milestone_state" documents reflect, saved by persist_all_states (collection
// kStateMetaCollection, key "watermark"): the store's last sequence when the records were read,
// the evaluation instant, and a fingerprint of the milestone definitions. A reader may use the
// stored states instead of re-evaluating every account only when the store's last_sequence()
// still equals `sequence` (nothing written since), as_of was not fixed (it is the latest fact
// time) and the fingerprint matches its milestone directory (states_current() checks all three).
inline constexpr const char* kStateMetaCollection = "milestone_state_meta";
struct StateWatermark {
  Sequence sequence = 0;
  Timestamp as_of = 0;
  bool as_of_fixed = false;
  std::string graph;  // milestone_fingerprint()
};
// The watermark when the stored states are current for `milestones_dir`; nullopt otherwise
// (none saved, records written since, a fixed as-of, other milestone definitions).
Result<std::optional<StateWatermark>> states_current(Store& store, const std::filesystem::path& milestones_dir);

struct IngestSummary {
  std::size_t inserted = 0, updated = 0, duplicates = 0;
  std::vector<std::string> changed_accounts;  // accounts whose milestone state changed
  Sequence last_sequence = 0;
  // The published state version that includes these records: a View at least this new reads them.
  std::uint64_t version = 0;
};

// How long the state saver gathers changed states before it saves them in one transaction.
inline constexpr std::chrono::milliseconds kStateSaveInterval{250};

class Workspace {
 public:
  static Result<std::unique_ptr<Workspace>> open(std::string_view db_url, WorkspaceOptions options = {},
                                                 const ProgressFn& progress = {});
  // For tests and tools: an already-open store.
  static Result<std::unique_ptr<Workspace>> open(std::unique_ptr<Store> store, WorkspaceOptions options = {},
                                                 const ProgressFn& progress = {});

  // Stores a batch and applies it; the caller holds no lock. Group commit: concurrent calls are
  // committed together — one store transaction (one fsync) per group (the states are saved by the state saver) — and
  // each returns once its group is durable and applied, with its own records' outcomes. Groups
  // are committed one at a time, in arrival order (records are applied in the order they were
  // committed). `prepare` reads a View, on the thread leading the group, and returns the records
  // (it may complete partial upserts from memory; it may run more than once, so it must be
  // repeatable); a batch that upserts an account or learner an earlier batch of the
  // group upserts waits for the next group, so it merges over that one. The store write holds no
  // workspace lock; the committed records are put into memory (readers wait only for that), the
  // touched accounts re-evaluated beside the published states and the next version published;
  // the changed states are saved holding no lock. A failed write fails every request of its group.
  using Prepare = std::function<std::span<const Record>(const View&)>;
  Result<IngestSummary> ingest_concurrently(const Prepare& prepare);
  // Groups committed and requests in them since open (for metrics and tests).
  std::uint64_t ingest_groups() const { return groups_committed_.load(); }
  // Requests waiting for a group to lead them (for tests: to know followers queued up).
  std::size_t ingests_waiting() {
    std::lock_guard queue(group_mutex_);
    return pending_.size();
  }
  std::uint64_t ingest_requests() const { return requests_committed_.load(); }
  // Applies records committed by others since last_sequence(); returns how many were applied. The
  // caller holds no lock: pages are read holding no workspace lock; each is put into memory,
  // evaluated and published as one version.
  Result<std::size_t> catch_up_concurrently();
  // Writes every account's state to the "milestone_state" collection (used by `uplift rebuild`).
  Status persist_all_states(const ProgressFn& progress = {});

  Store& store() { return *store_; }
  // What a reader reads: the published version of every account's state, the config it was
  // evaluated under and the records (app/view.h). The View is the reader's only handle: hold it
  // for the length of one request.
  View view() const;
  // The same, or nullopt instead of waiting while a writer puts records into memory (for a
  // thread that must never wait: the HTTP front door).
  std::optional<View> try_view() const;
  // The number of the version view() would pin now.
  std::uint64_t version() const { return published_.load()->number; }
  // The config being served (app/config.h), whole (the one a View pins may be older by a reload
  // in progress). Segments, content map, targets, programs and trigger rules are all in it,
  // validated against the graph; every use reads these, never the files again.
  std::shared_ptr<const Config> config() const { return config_.load(); }
  // Reloads the config dir (SIGHUP, POST /v1/admin/reload): validates all of it and, only if every
  // folder is valid, swaps it in whole and re-evaluates every account under the new graph (ingest
  // pauses meanwhile; readers go on reading the published version until the new one is published). An invalid
  // config leaves the served one in place and the error lists every problem. The caller holds no
  // lock. Trigger destinations are read by the deliverer at start: `destinations_changed` says
  // when a restart is needed for them.
  struct Reload {
    std::size_t milestones = 0, segments = 0, programs = 0, rules = 0, sources = 0;
    bool destinations_changed = false;
  };
  Result<Reload> reload_config();
  // Turns alerting on: reads the stored episodes, judges every account (alerts that a crash left
  // unwritten fire now) and starts the alerting thread. `on_fired` runs after alerts were written
  // (wakes the deliverer).
  Status start_alerting(std::function<void()> on_fired);
  // Judges what is waiting: the accounts writes touched since the last judgement, those whose
  // last alert write failed, and every account when the as-of moved. The alerting thread does the
  // same whenever a write touched accounts (passes at least WorkspaceOptions::alert_min_gap_ms
  // apart) and every 250 ms, putting off the pass over every account while writes keep coming
  // (alert_full_pass_ms); tests call this to judge everything now. No-op unless alerting is on.
  // The caller holds no lock.
  Status detect_pending();
  // Stops the alerting thread (before what on_fired reaches goes away); the destructor does too.
  void stop_alerting();
  ~Workspace();
  struct AlertingCounts {
    std::uint64_t fired = 0, episode_conflicts = 0, failed_writes = 0;
    std::uint64_t passes = 0;  // the alerting thread's passes over accounts that writes touched
  };
  AlertingCounts alerting_counts() const;
  // Saves every changed state the saver has not saved yet, now (tests; the destructor does too).
  Status save_states();
  // Saves of changed states that failed since open (each is retried), and the last failure.
  struct StateSaves {
    std::uint64_t saved = 0, failed = 0;  // accounts saved, save transactions that failed
    std::optional<Status> last_failure;   // the most recent failure (kept after later successes)
    bool failing = false;                 // the last save failed (what it held is retried)
  };
  StateSaves state_saves() const;
  // The unresolved queue (app/unresolved.h): writes every queued record whose person is now known
  // (credited to that learner) and removes its entry; returns how many. Looks only when a
  // learner or account changed since the last look, unless `force`. The caller holds no lock.
  Result<std::size_t> resolve_unresolved(bool force = false);
  // Entries were queued: the next resolve_unresolved() looks even if no learner changed since.
  void unresolved_queued() { ++unresolved_queued_; }
  Sequence last_sequence() const { return last_seq_.load(); }
  // How open() got its states: resumed from the saved ones (how many, how many records after
  // their watermark, how many accounts it evaluated), or by evaluating every account.
  struct StartUp {
    bool resumed = false;
    std::size_t adopted = 0, records_after_watermark = 0, evaluated = 0;
  };
  const StartUp& start_up() const { return start_up_; }
  const std::filesystem::path& config_dir() const { return config_dir_; }

 private:
  Workspace() = default;
  Status load(const ProgressFn& progress);
  // Puts committed records into memory, re-evaluates and publishes (caller holds writer_mutex_).
  IngestSummary apply_written(std::span<const Record> records, const WriteResult& written);
  // Publishes the evaluator's states as the next version: `changed` (sorted) are taken from the
  // evaluator, the rest shared with the current version; all of them when `changed` is null. The
  // stage aggregates move the accounts of `changed` and `records_changed` (accounts whose record
  // or learners changed) to their new contributions, and the segment sizes count them again. `changed` (or every account) is queued for the state
  // saver before the version is published, unless `queue_for_saver` is false. Caller holds
  // writer_mutex_. Returns the new version's number.
  std::uint64_t publish(const std::vector<std::string>* changed, const std::vector<std::string>& records_changed = {},
                        bool queue_for_saver = true);
  // The saved states as the start-up reads them, beside the records on a handle of its own: the
  // watermark document's body when there is one, and the states when they may be resumed from.
  struct SavedStates {
    std::optional<std::string> watermark_body;
    std::optional<StateWatermark> mark;  // set: `states` are this watermark's, and may be resumed from
    milestones::StateMap states;
    Status unusable;  // why they may not, when that deserves a warning
  };
  // Needs the config and last_seq_ (read before the records), nothing of the Dataset.
  SavedStates read_saved_states(Store& from) const;
  // Starts the evaluator from `saved` and the records after their watermark (see the file
  // comment); false (nothing changed) when they cannot be used. Caller holds writer_mutex_, and
  // every record read so far is in memory (the load's event id set included).
  Result<bool> resume_from_saved_states(SavedStates saved, const ProgressFn& progress);
  // Each known account's contribution to the published aggregates (writer's).
  std::unordered_map<std::string, Contribution> contributions_;
  segments::SegmentSizes segment_sizes_;  // the published segment sizes' counts (writer's)
  // Adds to `touched` the accounts whose segments or stage contribution applying `r` may change
  // besides its evaluation: an account record's own, a learner's account (old and new).
  void note_record_accounts(const Record& r, std::vector<std::string>& touched) const;
  // The state documents of `accounts` in `version` (no lock needed).
  static std::vector<Document> state_documents(const StateVersion& version, const std::vector<std::string>& accounts);
  // The saver's round (caller holds save_one_at_a_time_): saves what is queued, then settles.
  Status save_queued_states(const ProgressFn& progress);
  // Writes `docs` with the watermark marked unsettled, fenced by the watermark this process knows
  // (Store::apply_documents). False (nothing written) when another process wrote states since.
  Result<bool> save_fenced(std::vector<Document> docs);
  bool watermark_taken();  // another process's mark was found: re-read it, stop settling
  // Writes the settled watermark when every saved state is `saved_from`'s (see the file comment).
  Status settle_watermark(const StateVersion& saved_from);
  std::pair<Sequence, std::uint64_t> watermark_written_{0, 0};  // (sequence, version); save_mutex_
  // The watermark body this process last wrote or resumed from (save_one_at_a_time_).
  std::optional<std::string> known_watermark_;
  std::uint64_t watermark_nonce_ = 0;                           // save_one_at_a_time_
  std::string saver_token_;                                     // this process's, random
  StartUp start_up_;
  bool states_clean_ = false;       // every saved state is this process's (save_mutex_)
  bool full_save_pending_ = false;  // every account is queued since the last interference (save_mutex_)
  // The state saver (workspace.cpp): accounts whose state changed since the last save.
  std::set<std::string, std::less<>> states_to_save_;  // guarded by save_mutex_
  mutable std::mutex save_mutex_;
  std::condition_variable save_cv_;
  bool stop_saving_ = false;  // guarded by save_mutex_
  StateSaves saves_;          // guarded by save_mutex_
  std::thread saver_;
  // load() finished: there are milestone states, and stop_saver() saves what is left of them. A
  // workspace whose load failed (a config that does not load) goes without saving anything.
  bool loaded_ = false;
  std::mutex save_one_at_a_time_;
  void saver_loop();
  // `every_account`: the accounts are all of them (a full save makes the saved states clean).
  void queue_states_to_save(const std::vector<std::string>& accounts, bool every_account = false);
  void stop_saver();
  // Group commit (ingest_concurrently): requests wait in pending_; one of them leads a group.
  struct PendingIngest {
    const Prepare* prepare = nullptr;
    std::span<const Record> records;
    Result<IngestSummary> result = Status::Internal("not committed");
    bool done = false;  // guarded by group_mutex_
  };
  void commit_groups(const std::vector<PendingIngest*>& members);
  void commit_group(const std::vector<PendingIngest*>& group);
  std::mutex group_mutex_;
  std::condition_variable group_cv_;
  std::deque<PendingIngest*> pending_;
  bool group_leader_ = false;
  std::atomic<std::uint64_t> groups_committed_{0}, requests_committed_{0};
  std::mutex reload_mutex_;  // reload_config: one at a time

  // Alerting (workspace_alerts.cpp). alert_mutex_ guards the judging state below; touched_mutex_
  // the accounts waiting to be judged (writers add, the alerting thread takes).
  std::atomic<bool> alerting_{false};
  std::mutex alert_mutex_;
  std::mutex touched_mutex_;
  std::condition_variable touched_cv_;
  std::set<std::string, std::less<>> to_judge_;  // touched by writes since the last judgement
  bool stop_alerting_ = false;                   // guarded by touched_mutex_
  bool episodes_loaded_ = false;                 // guarded by alert_mutex_
  std::thread alerting_thread_;
  void note_for_judgement(const std::vector<std::string>& accounts);
  std::function<void()> on_fired_;
  triggers::EpisodeBook episodes_;
  std::map<std::string, std::string, std::less<>> episode_bodies_;  // account → stored episodes document
  std::set<std::string, std::less<>> undetected_;                   // accounts to judge again
  std::optional<Timestamp> judged_as_of_;                            // as-of of the last full judgement
  std::int64_t full_pass_steady_ms_ = 0;                             // steady_ms() of the last full judgement
  // detect_pending(), where the alerting thread may put off the pass over every account (see
  // WorkspaceOptions::alert_full_pass_ms).
  Status judge_waiting(bool full_pass_may_wait);
  std::atomic<std::uint64_t> fired_{0}, episode_conflicts_{0}, failed_alert_writes_{0}, alert_passes_{0};
  // identity_version() and unresolved_queued_ at the last look of the unresolved queue.
  std::atomic<std::uint64_t> unresolved_checked_{UINT64_MAX}, unresolved_queued_{0}, unresolved_seen_queued_{0};
  // Accounts a batch's stored (non-duplicate) records belong to (caller holds writer_mutex_).
  std::vector<std::string> touched_accounts(std::span<const Record> records, const WriteResult& written) const;
  // Judges `accounts` and writes their alerts, outbox entries and episodes in one transaction; on
  // a lost compare-and-set reloads the accounts' episodes and judges again. Caller holds
  // alert_mutex_ and no workspace lock.
  Status judge_and_write(const std::vector<std::string>& accounts);

  WorkspaceOptions options_;
  std::filesystem::path config_dir_;
  std::filesystem::path milestones_dir_;
  std::unique_ptr<Store> store_;
  Dataset data_;
  SharedSlot<const Config> config_;  // swapped whole by a reload
  // Writers (group commit, catch-up, reload) one at a time: the evaluator and everything below
  // that is not atomic are theirs. Readers never take it.
  std::mutex writer_mutex_;
  // The evaluator reads the graph of the config it was built with: kept alive with it.
  std::shared_ptr<const Config> evaluated_config_;
  std::unique_ptr<milestones::Evaluator> evaluator_;
  SharedSlot<const StateVersion> published_;  // what view() pins
  std::atomic<Sequence> last_seq_{0};
  // data_ changes only under this lock held exclusively (by a writer, for the records going in);
  // a View holds it shared.
  mutable std::shared_mutex records_mutex_;
};

}  // namespace uplift::app
