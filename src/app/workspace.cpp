#include "app/workspace.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iterator>
#include <random>
#include <system_error>
#include <utility>

#include <malloc.h>
#include <unistd.h>

#include <fmt/format.h>

#include "log/log.h"
#include "milestones/loader.h"
#include "milestones/state_json.h"

namespace uplift::app {

namespace fs = std::filesystem;

Result<fs::path> resolve_config_dir(std::string_view explicit_dir) {
  std::error_code ec;
  if (!explicit_dir.empty()) {
    fs::path p(explicit_dir);
    if (!fs::is_directory(p, ec)) return Status::NotFound(fmt::format("config dir {}: not a directory", p.string()));
    return p;
  }
  if (const char* env = std::getenv("UPLIFT_CONFIG_DIR"); env && *env) {
    fs::path p(env);
    if (!fs::is_directory(p, ec))
      return Status::NotFound(fmt::format("UPLIFT_CONFIG_DIR={}: not a directory", p.string()));
    return p;
  }
  std::vector<fs::path> tried;
  fs::path cwd = fs::current_path(ec);
  if (!ec) {
    if (fs::is_directory(cwd / "milestones", ec)) return cwd;
    tried.push_back(cwd);
  }
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path root = exe.parent_path().parent_path();
    if (fs::is_directory(root / "milestones", ec)) return root;
    tried.push_back(root);
  }
  std::string where;
  for (const auto& t : tried) where += (where.empty() ? "" : ", ") + t.string();
  return Status::NotFound(fmt::format(
      "no config directory with milestones/ found (looked in {}); pass --config DIR or set UPLIFT_CONFIG_DIR", where));
}

namespace {
// The process's resident memory in MiB (/proc/self/statm), 0 where it cannot be read: for the
// start-up log lines that say what loading the records and evaluating them cost.
long resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

// Runs a job on a thread of its own beside the caller's; join() waits and rethrows what the job
// threw. Destroyed unjoined (the caller's side threw), it still waits for the job, so nothing the
// job uses goes first when it is declared after all of that.
// Where no thread can be started, the job runs in the constructor instead.
class BesideJob {
 public:
  template <typename Fn>
  explicit BesideJob(Fn job) {
    auto run = [this, job = std::move(job)] {
      try {
        job();
      } catch (...) {
        failed_ = std::current_exception();
      }
    };
    try {
      thread_ = std::jthread(run);
    } catch (const std::system_error&) {
      run();
    }
  }
  BesideJob(const BesideJob&) = delete;  // the thread holds `this`
  BesideJob& operator=(const BesideJob&) = delete;
  void join() {
    if (thread_.joinable()) thread_.join();
    if (failed_) std::rethrow_exception(std::exchange(failed_, nullptr));
  }

 private:
  std::exception_ptr failed_;
  std::jthread thread_;  // after failed_: joined before it goes
};

}  // namespace

Result<std::unique_ptr<Workspace>> Workspace::open(std::string_view db_url, WorkspaceOptions options,
                                                   const ProgressFn& progress) {
  auto store = Store::open(db_url);
  if (!store.ok()) return store.status();
  return open(std::move(store.value()), std::move(options), progress);
}

Result<std::unique_ptr<Workspace>> Workspace::open(std::unique_ptr<Store> store, WorkspaceOptions options,
                                                   const ProgressFn& progress) {
  std::unique_ptr<Workspace> ws(new Workspace());
  ws->options_ = std::move(options);
  ws->store_ = std::move(store);
  UPLIFT_RETURN_IF_ERROR(ws->load(progress));
  return ws;
}

Status Workspace::load(const ProgressFn& progress) {
  const std::int64_t started_ms = steady_ms();
  fs::path milestones_dir;
  if (!options_.milestones_dir.empty()) {
    milestones_dir = options_.milestones_dir;
    if (!options_.config_dir.empty()) config_dir_ = options_.config_dir;
    else if (auto dir = resolve_config_dir(""); dir.ok()) config_dir_ = *dir;
  } else {
    auto dir = resolve_config_dir(options_.config_dir);
    if (!dir.ok()) return dir.status();
    config_dir_ = *dir;
    milestones_dir = config_dir_ / "milestones";
  }
  milestones_dir_ = milestones_dir;
  auto config = load_config(config_dir_, milestones_dir);
  if (!config.ok()) return config.status();
  config_.store(*config);

  auto seq = store_->last_sequence();
  if (!seq.ok()) return seq.status();
  last_seq_ = *seq;
  evaluated_config_ = config_.load();
  // Two jobs where the store offers a second handle, on the two cores this is sized for: on that
  // handle the events, then their id set; on this thread every other kind, each in the store's
  // key order (learners and completions in sequence order cost an index lookup per row, and the
  // Dataset does not depend on the order within a kind), then the saved states. The events and
  // the other kinds touch disjoint parts of the Dataset, and the saved states none of it; the
  // evaluator reads nothing until both jobs are done. Whatever is written meanwhile is after
  // last_seq_: read again once the saved states are resumed, or by the next catch-up.
  std::size_t events = 0;
  Status events_read;
  std::int64_t events_ms = 0, ids_ms = 0;
  auto read_events = [&](Store& from) {
    const std::int64_t t0 = steady_ms();
    {
      // Events come in store order: each account's are sorted once at the end. Their ids are the
      // store's unique key, and nothing else is in memory yet: none is looked up before it is added.
      BulkLoad bulk(data_, /*ids_unique=*/true, /*stage_learners=*/true);
      // The store's last sequence bounds the events (every record took one): their rows are set
      // aside without being copied as they grow (probes at FULL scale: this thread 6.9-7.9 s ->
      // 6.0-6.5 s). Capped (2.7 GB of address space), for a store whose sequence is mostly updates.
      data_.reserve_events(static_cast<std::size_t>(std::min<Sequence>(last_seq_.load(), Sequence{1} << 26)));
      events_read = from.scan_event_fields([&](const EventFields& e) {
        data_.apply(e);
        if (progress && ++events % 65536 == 0) progress("loading events", events, 0);
        return true;
      });
    }
    events_ms = steady_ms() - t0;
    // The set of event ids the bulk load left out, built at its final size before any record
    // goes into memory again.
    data_.hold_event_ids();
    ids_ms = steady_ms() - t0 - events_ms;
  };
  auto reader = store_->open_reader();
  if (!reader.ok())
    log::warn("events read on the main store handle (no second one)", {{"error", reader.status().to_string()}});
  std::optional<BesideJob> events_job;
  if (reader.ok() && *reader) events_job.emplace([&] { read_events(**reader); });
  Status entities_read;
  std::int64_t entities_ms = 0, states_ms = 0;
  {
    const std::int64_t t0 = steady_ms();
    for (RecordKind kind : kAllRecordKinds) {
      if (kind == RecordKind::kEvent || !entities_read.ok()) continue;
      entities_read = store_->scan_kind_by_key(kind, [&](const StoredRecord& r) {
        data_.apply(r.record);
        return true;
      });
    }
    entities_ms = steady_ms() - t0;
  }
  SavedStates saved;
  auto read_states = [&] {
    const std::int64_t t0 = steady_ms();
    saved = read_saved_states(*store_);
    states_ms = steady_ms() - t0;
  };
  // Beside the events where they have a thread; else after them (not held through their load).
  if (events_job && entities_read.ok()) read_states();
  if (events_job) {
    events_job->join();  // rethrows what the job threw (memory): a failed open
  } else {
    read_events(*store_);
    if (entities_read.ok() && events_read.ok()) read_states();
  }
  UPLIFT_RETURN_IF_ERROR(entities_read);
  UPLIFT_RETURN_IF_ERROR(events_read);
  data_.join_staged_learners();  // the events' learners get the learner table's codes
  if (progress) progress("loading events", events, events);
  log::info("records loaded", {{"events", data_.event_count()},
                               {"events_seconds", static_cast<double>(events_ms) / 1000.0},
                               {"event_ids_seconds", static_cast<double>(ids_ms) / 1000.0},
                               {"other_records_seconds", static_cast<double>(entities_ms) / 1000.0},
                               {"saved_states_seconds", static_cast<double>(states_ms) / 1000.0},
                               {"learners", data_.learners().size()},
                               {"seconds", static_cast<double>(steady_ms() - started_ms) / 1000.0},
                               {"resident_mib", resident_mib()}});

  evaluator_ = std::make_unique<milestones::Evaluator>(evaluated_config_->graph, data_, options_.as_of);
  std::lock_guard writer(writer_mutex_);
  auto resumed = resume_from_saved_states(std::move(saved), progress);
  if (!resumed.ok()) return resumed.status();
  if (!*resumed) {
    evaluator_->rebuild([&](std::size_t done, std::size_t total) {
      if (progress) progress("evaluating accounts", done, total);
    });
    publish(nullptr);  // every state is queued for the saver: the saved ones may be of another graph
  }
  // Loading freed much (the bulk load's staging, the saved states' documents, the staged learner
  // codes) in holes between what stays: give those pages back (glibc returns whole free pages
  // anywhere in the heap, not only at its top).
  malloc_trim(0);
  log::info("milestone states ready", {{"resumed", *resumed},
                                       {"seconds", static_cast<double>(steady_ms() - started_ms) / 1000.0},
                                       {"resident_mib", resident_mib()}});
  loaded_ = true;
  if (options_.persist_state) saver_ = std::thread([this] { saver_loop(); });
  return Status::OK();
}

Workspace::SavedStates Workspace::read_saved_states(Store& from) const {
  SavedStates out;
  auto doc = from.get_document(kStateMetaCollection, "watermark");
  if (!doc.ok()) {
    if (doc.status().code() != Code::kNotFound) out.unusable = doc.status();
    return out;
  }
  out.watermark_body = doc->body;
  if (!options_.resume_saved_states || options_.as_of) return out;
  StateWatermark mark;
  try {
    auto j = nlohmann::json::parse(doc->body);
    if (!j.value("settled", false)) return out;  // states were being saved: which are current is unknown
    mark.sequence = j.at("sequence").get<Sequence>();
    mark.as_of = j.at("as_of").get<Timestamp>();
    mark.as_of_fixed = j.at("as_of_fixed").get<bool>();
    mark.graph = j.at("graph").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return out;  // unreadable: evaluate everything
  }
  if (mark.as_of_fixed || mark.graph != evaluated_config_->graph_fingerprint || mark.sequence > last_seq_.load())
    return out;
  Status bad;
  Status docs = from.scan_documents(milestones::kStateCollection, [&](const Document& d) {
    auto state = milestones::account_state_from_text(d.body);
    if (!state.ok()) {
      bad = state.status().with_context(fmt::format("saved milestone state '{}'", d.key));
      return false;
    }
    out.states.emplace(d.key, std::make_shared<const milestones::AccountState>(std::move(*state)));
    return true;
  });
  if (!docs.ok() || !bad.ok()) {
    out.unusable = !docs.ok() ? docs : bad;
    out.states.clear();
    return out;
  }
  out.mark = std::move(mark);
  return out;
}

Result<bool> Workspace::resume_from_saved_states(SavedStates saved, const ProgressFn& progress) {
  {
    std::random_device rd;
    saver_token_ = fmt::format("{:08x}{:08x}", rd(), rd());
  }
  // Whatever goes wrong here, the start goes on by evaluating every account.
  auto not_used = [](const Status& why) {
    log::warn("saved milestone states not used (every account is evaluated)", {{"error", why.to_string()}});
    return false;
  };
  known_watermark_ = saved.watermark_body;  // the saver's first save expects it (Workspace::save_fenced)
  if (!saved.unusable.ok()) return not_used(saved.unusable);
  if (!saved.mark) return false;
  const StateWatermark& mark = *saved.mark;
  // The records after the watermark — those committed while the records were read included: each
  // is put into memory (a no-op for most) and noted once the saved states are in. When they are
  // most of the store, evaluating everything is as quick.
  std::vector<Record> tail;
  Sequence through = last_seq_.load();
  const std::size_t records = data_.record_count();
  bool too_long = false, learner_moved = false;
  const bool completion_criteria = !evaluated_config_->graph.completion_criteria.empty();
  Status scanned = store_->scan_since(mark.sequence, 0, [&](const StoredRecord& r) {
    data_.apply(r.record);
    through = std::max(through, r.seq);
    // A learner that changed account leaves its old account's completions behind, and which
    // account that was is not known any more: evaluate everything.
    learner_moved = learner_moved || (completion_criteria && std::holds_alternative<Learner>(r.record));
    tail.push_back(r.record);
    too_long = tail.size() > records / 2 + 1024;
    return !too_long && !learner_moved;
  });
  last_seq_ = through;
  if (!scanned.ok()) return not_used(scanned);
  if (too_long || learner_moved) return false;
  // Another process may have saved states while they were read: then which ones are the
  // watermark's is unknown. Every save changes the watermark's body, so an identical body after
  // the read means none happened.
  auto again = store_->get_document(kStateMetaCollection, "watermark");
  if (!again.ok()) return not_used(again.status());
  if (again->body != *saved.watermark_body) return false;
  const std::size_t adopted = evaluator_->resume(std::move(saved.states), mark.as_of);
  for (const Record& r : tail) evaluator_->note(r);
  const std::vector<std::string> changed = evaluator_->flush();
  if (evaluator_->as_of() != milestones::latest_fact_time(data_)) {
    // The saved as-of is not where the records put it: evaluate everything rather than guess.
    log::warn("saved milestone states not used (their as-of does not match the records)",
              {{"saved_as_of", format_timestamp(mark.as_of)}, {"records_as_of", format_timestamp(milestones::latest_fact_time(data_))}});
    return false;
  }
  {
    std::lock_guard l(save_mutex_);
    states_clean_ = true;  // every saved state is the watermark's, which this process now holds
  }
  start_up_ = {true, adopted, tail.size(), changed.size()};
  publish(&changed);  // what was evaluated again is queued for the saver
  log::info("milestone states resumed from the saved ones",
            {{"saved", adopted}, {"records_after_watermark", tail.size()}, {"evaluated", changed.size()}});
  if (progress) progress("resuming saved states", adopted, adopted);
  return true;
}

void Workspace::queue_states_to_save(const std::vector<std::string>& accounts, bool every_account) {
  if (!options_.persist_state || (accounts.empty() && !every_account)) return;
  std::lock_guard l(save_mutex_);
  if (every_account) {
    full_save_pending_ = true;
    states_clean_ = false;  // clean again once all of them are saved
  }
  states_to_save_.insert(accounts.begin(), accounts.end());
  save_cv_.notify_one();
}

void Workspace::saver_loop() {
  std::unique_lock l(save_mutex_);
  for (;;) {
    save_cv_.wait(l, [&] { return stop_saving_ || !states_to_save_.empty(); });
    if (stop_saving_) return;  // stop_saver() saves what is left
    // Gather what changes meanwhile: an account touched by every group is saved once.
    save_cv_.wait_for(l, kStateSaveInterval, [&] { return stop_saving_; });
    if (stop_saving_) return;
    l.unlock();
    try {
      (void)save_states();  // a failure is counted and kept for state_saves(); retried next round
    } catch (const std::exception& e) {  // out of memory serialising: counted, retried, not fatal
      std::lock_guard counted(save_mutex_);
      ++saves_.failed;
      saves_.last_failure = Status::Internal(std::string("saving states: ") + e.what());
      saves_.failing = true;
    }
    l.lock();
    if (saves_.failing && !states_to_save_.empty())
      save_cv_.wait_for(l, kStateSaveInterval * 4, [&] { return stop_saving_; });  // a failing store: back off
  }
}

Status Workspace::save_states() {
  std::lock_guard one(save_one_at_a_time_);  // a later save never overtakes an earlier one
  return save_queued_states({});
}

Status Workspace::save_queued_states(const ProgressFn& progress) {
  std::vector<std::string> accounts;
  std::shared_ptr<const StateVersion> version;
  {
    // The queue and the published version in one step (publish() queues and publishes in one):
    // the version holds every change of the accounts taken. Serialised without the lock.
    std::lock_guard l(save_mutex_);
    accounts.assign(states_to_save_.begin(), states_to_save_.end());
    states_to_save_.clear();
    version = published_.load();
  }
  constexpr std::size_t kPerTransaction = 2048;
  for (std::size_t at = 0; at < accounts.size(); at += kPerTransaction) {
    const std::vector<std::string> chunk(accounts.begin() + static_cast<std::ptrdiff_t>(at),
                                         accounts.begin() + static_cast<std::ptrdiff_t>(std::min(accounts.size(), at + kPerTransaction)));
    Result<bool> saved = save_fenced(state_documents(*version, chunk));
    std::lock_guard l(save_mutex_);
    if (!saved.ok() || !*saved) {
      states_to_save_.insert(accounts.begin() + static_cast<std::ptrdiff_t>(at), accounts.end());
      if (saved.ok()) return Status::OK();  // another process saved states meanwhile: the next round retries
      ++saves_.failed;
      saves_.last_failure = saved.status();
      saves_.failing = true;
      return saved.status();
    }
    saves_.saved += chunk.size();
    saves_.failing = false;
    if (progress) progress("saving states", std::min(accounts.size(), at + kPerTransaction), accounts.size());
  }
  {
    std::lock_guard l(save_mutex_);
    if (full_save_pending_ && states_to_save_.empty()) {  // every account saved, none by another since
      full_save_pending_ = false;
      states_clean_ = true;
    }
  }
  return settle_watermark(*version);
}

Result<bool> Workspace::save_fenced(std::vector<Document> docs) {
  // The watermark is marked unsettled in the same transaction, expecting the body this process
  // last wrote (or resumed from): a process that settles later knows nobody wrote states between
  // its own saves, and one that finds another's mark knows its view of the documents is stale.
  nlohmann::json unsettled = {{"settled", false}, {"writer", saver_token_}, {"n", ++watermark_nonce_}};
  Store::DocumentChanges changes;
  changes.expect.push_back({kStateMetaCollection, "watermark", known_watermark_});
  changes.put = std::move(docs);
  changes.put.push_back({kStateMetaCollection, "watermark", unsettled.dump(), 0});
  auto wrote = store_->apply_documents(changes);
  if (!wrote.ok()) return wrote.status();
  if (*wrote) {
    known_watermark_ = changes.put.back().body;
    return true;
  }
  return watermark_taken();
}

bool Workspace::watermark_taken() {
  // Another process wrote states since this one's last save: which, it cannot know. Nothing more
  // is settled by this process until it has saved every account again (at shutdown).
  {
    std::lock_guard l(save_mutex_);
    states_clean_ = false;
    full_save_pending_ = false;
  }
  auto current = store_->get_document(kStateMetaCollection, "watermark");
  if (current.ok()) known_watermark_ = current->body;
  else if (current.status().code() == Code::kNotFound) known_watermark_.reset();
  return false;
}

Status Workspace::settle_watermark(const StateVersion& saved_from) {
  // Settled: every account was saved by this process since another last wrote (states_clean_),
  // nothing is queued, and `saved_from` is still the published version. Every version up to it
  // queued its changes before it was published, and each was saved from it or a later one (no
  // later one exists): every saved state is exactly saved_from's. last_seq_ moves only after the
  // version holding its records is published, so saved_from holds every record up to it.
  Sequence sequence = 0;
  {
    std::lock_guard l(save_mutex_);
    if (!states_clean_ || !states_to_save_.empty()) return Status::OK();
    if (published_.load().get() != &saved_from) return Status::OK();
    sequence = last_seq_.load();
    if (watermark_written_ == std::make_pair(sequence, saved_from.number)) return Status::OK();
  }
  nlohmann::json mark = {{"settled", true}, {"sequence", sequence}, {"as_of", saved_from.as_of},
                         {"as_of_fixed", options_.as_of.has_value()}, {"graph", saved_from.config->graph_fingerprint},
                         {"writer", saver_token_}, {"n", ++watermark_nonce_}};
  Document doc{kStateMetaCollection, "watermark", mark.dump(), saved_from.as_of};
  auto wrote = store_->apply_documents({{{kStateMetaCollection, "watermark", known_watermark_}}, {doc}, {}});
  if (!wrote.ok()) return wrote.status();
  if (!*wrote) {
    watermark_taken();
    return Status::OK();
  }
  known_watermark_ = doc.body;
  std::lock_guard l(save_mutex_);
  watermark_written_ = {sequence, saved_from.number};
  return Status::OK();
}

Workspace::StateSaves Workspace::state_saves() const {
  std::lock_guard l(save_mutex_);
  return saves_;
}

void Workspace::stop_saver() {
  {
    std::lock_guard l(save_mutex_);
    stop_saving_ = true;
  }
  save_cv_.notify_all();
  if (saver_.joinable()) saver_.join();
  if (options_.persist_state && store_ && loaded_) {  // what is left, once
    Status saved = Status::OK();
    try {
      bool clean = false;
      {
        std::lock_guard l(save_mutex_);
        clean = states_clean_ || full_save_pending_;
      }
      // Another process saved states meanwhile: save every account, so the next start may resume.
      saved = clean ? save_states() : persist_all_states();
    } catch (const std::exception& e) {
      saved = Status::Internal(e.what());
    }
    if (!saved.ok()) log::warn("milestone states not saved at shutdown (the next start re-evaluates them)", {{"error", saved.to_string()}});
  }
}

View Workspace::view() const {
  std::shared_lock records(records_mutex_);
  // Loaded after the lock: the records held are at least as new as the states (a writer puts
  // records in before it publishes what it evaluated from them).
  return View(std::move(records), data_, published_.load());
}

std::optional<View> Workspace::try_view() const {
  std::shared_lock records(records_mutex_, std::try_to_lock);
  if (!records.owns_lock()) return std::nullopt;
  return View(std::move(records), data_, published_.load());
}

std::uint64_t Workspace::publish(const std::vector<std::string>* changed, const std::vector<std::string>& records_changed,
                                 bool queue_for_saver) {
  auto next = std::make_shared<StateVersion>();
  const std::shared_ptr<const StateVersion> current = published_.load();
  next->number = current ? current->number + 1 : 1;
  next->as_of = evaluator_->as_of();
  next->config = evaluated_config_;
  const milestones::StateMap& states = evaluator_->states();
  if (!changed || !current) {
    next->states.reserve(states.size());
    for (const auto& [account, state] : states) next->states.push_back(state);
  } else {
    // Merge the current version (sorted) with the changed accounts (sorted): an account's state
    // is shared with the current version unless it changed.
    next->states.reserve(current->states.size() + changed->size());
    auto cur = current->states.begin();
    for (const std::string& account : *changed) {
      for (; cur != current->states.end() && (*cur)->account < account; ++cur) next->states.push_back(*cur);
      if (cur != current->states.end() && (*cur)->account == account) ++cur;
      if (auto state = evaluator_->shared_state(account)) next->states.push_back(std::move(state));
    }
    next->states.insert(next->states.end(), cur, current->states.end());
  }
  // The segment sizes from scratch (every state, or a new config) are counted on a second thread
  // beside the stage aggregates: each has its own members, and both only read the records and
  // the states (at 100,000 accounts 0.6 and 0.3 s of a start-up).
  const segments::StateLookup states_now = [this](std::string_view account) { return evaluator_->state(account); };
  std::optional<BesideJob> sizes_job;
  if (!changed || !current || current->config != evaluated_config_)
    sizes_job.emplace([&] { segment_sizes_.rebuild(evaluated_config_->segments, data_, states_now, next->as_of); });
  // The stage aggregates: from scratch with every state, else moving what changed.
  const milestones::Graph& graph = evaluated_config_->graph;
  if (!changed || !current) {
    contributions_.clear();
    StageAggregates all;
    auto count = [&](const std::string& id) {
      auto [it, fresh] = contributions_.try_emplace(id);
      if (!fresh) return;
      it->second = contribution_of(graph, data_.account(id), evaluator_->state(id));
      all.add(it->second, +1);
    };
    for (const auto& [id, record] : data_.accounts()) count(id);
    for (const auto& [id, state] : states) count(id);
    next->aggregates = std::make_shared<const StageAggregates>(std::move(all));
  } else {
    std::optional<StageAggregates> moved;
    auto update = [&](const std::string& id) {
      const Account* record = data_.account(id);
      const milestones::AccountState* state = evaluator_->state(id);
      auto it = contributions_.find(id);
      if (!record && !state && it == contributions_.end()) return;  // not a known account
      Contribution c = contribution_of(graph, record, state);
      if (it != contributions_.end() && it->second == c) return;
      if (!moved) moved = *current->aggregates;
      if (it != contributions_.end()) moved->add(it->second, -1);
      moved->add(c, +1);
      contributions_[id] = std::move(c);
    };
    for (const std::string& id : *changed) update(id);
    for (const std::string& id : records_changed) update(id);
    next->aggregates = moved ? std::make_shared<const StageAggregates>(std::move(*moved)) : current->aggregates;
  }
  // Else the segment sizes: the as-of moved and the accounts that changed counted again.
  if (sizes_job) {
    sizes_job->join();
  } else {
    segment_sizes_.advance(data_, states_now, next->as_of);
    // An account's counts stand for the state it has in `current` (every publication counts what
    // it changes), so one whose new state gives every rule the same inputs keeps them: most events
    // move a milestone's progress, not what a segment reads. Changed records are counted again.
    for (const std::string& id : *changed)
      if (!segments::same_rule_inputs(current->find(id), evaluator_->state(id)))
        segment_sizes_.recount(data_, states_now, id);
    for (const std::string& id : records_changed) segment_sizes_.recount(data_, states_now, id);
  }
  if (current && current->segment_sizes && *current->segment_sizes == segment_sizes_.sizes())
    next->segment_sizes = current->segment_sizes;
  else
    next->segment_sizes = std::make_shared<const std::vector<long>>(segment_sizes_.sizes());
  // Queued and published in one step under save_mutex_ (and before last_seq_ moves past its
  // records): a saver round takes the queue and the published version in one step too, so it
  // saves every account it takes from a version at least as new as the one that queued it, and a
  // round that finds the queue empty and its version still published has saved all of it.
  std::vector<std::string> all;
  if (!changed && queue_for_saver && options_.persist_state) {
    all.reserve(states.size());
    for (const auto& [account, state] : states) all.push_back(account);
  }
  const std::uint64_t number = next->number;
  {
    std::lock_guard l(save_mutex_);
    if (!changed) states_clean_ = false;  // every state replaced: the saved ones are not these
    if (queue_for_saver && options_.persist_state) {
      if (changed) {
        states_to_save_.insert(changed->begin(), changed->end());
      } else {
        full_save_pending_ = true;
        states_to_save_.insert(all.begin(), all.end());
      }
    }
    published_.store(std::move(next));
  }
  save_cv_.notify_one();
  return number;
}

void Workspace::note_record_accounts(const Record& r, std::vector<std::string>& touched) const {
  if (const auto* a = std::get_if<Account>(&r)) {
    const Account* before = data_.account(a->id);
    if (!before || !(*before == *a)) touched.push_back(a->id);
  } else if (const auto* l = std::get_if<Learner>(&r)) {
    LearnerRef before = data_.learner(l->id);
    if (before && before->record() == *l) return;
    touched.push_back(l->account);
    if (before && before->account() != l->account) touched.emplace_back(before->account());
  }
}

IngestSummary Workspace::apply_written(std::span<const Record> records, const WriteResult& written) {
  IngestSummary summary;
  summary.last_sequence = written.last_sequence;
  // The tick's catch-up may already have applied this transaction — in sequence order, with
  // whatever other processes committed after it. Applying it again would put an older version of
  // a record back over a newer one (entities are simply replaced): then it is only counted.
  const bool applied_already = written.last_sequence != 0 && last_seq_.load() >= written.last_sequence;
  std::vector<std::string> records_changed;  // accounts whose record or learners changed
  {
    std::unique_lock records_in(records_mutex_);  // readers wait for this loop only
    for (std::size_t i = 0; i < records.size(); ++i) {
      switch (written.outcomes[i]) {
        case WriteOutcome::kDuplicate: ++summary.duplicates; continue;
        case WriteOutcome::kInserted: ++summary.inserted; break;
        case WriteOutcome::kUpdated: ++summary.updated; break;
      }
      if (applied_already) continue;
      note_record_accounts(records[i], records_changed);
      if (data_.apply(records[i])) evaluator_->note(records[i]);
    }
  }
  // When nothing was committed between what this process had applied and this write, everything
  // up to the write's last sequence is applied now: the catch-up need not read these records
  // back. Otherwise (another process committed in between) last_seq_ stays, and the next catch-up
  // re-applies our records in sequence order with theirs.
  const bool caught_up = !applied_already && written.last_sequence != 0 && written.previous_sequence &&
                         *written.previous_sequence == last_seq_.load();
  // Evaluated beside the published version: readers read that one (and the records) meanwhile.
  if (options_.before_evaluation) options_.before_evaluation();
  summary.changed_accounts = evaluator_->flush();
  summary.version = publish(&summary.changed_accounts, records_changed);
  if (caught_up) last_seq_ = written.last_sequence;  // after the publication: the states hold them
  return summary;
}

std::vector<Document> Workspace::state_documents(const StateVersion& version, const std::vector<std::string>& accounts) {
  std::vector<Document> docs;
  docs.reserve(accounts.size());
  for (const auto& account : accounts) {
    const milestones::AccountState* s = version.find(account);
    if (!s) continue;
    docs.push_back({milestones::kStateCollection, account, milestones::to_json_text(*s), version.as_of});
  }
  return docs;
}

namespace {

// The accounts and learners a batch upserts, by key: two batches that upsert the same entity are
// never committed in one group, since the later one's partial upsert was merged over the state
// before the earlier one (its `prepare` ran before the group was applied).
void entity_keys(std::span<const Record> records, std::set<std::pair<int, std::string>>& keys) {
  for (const Record& r : records) {
    if (const auto* a = std::get_if<Account>(&r)) keys.emplace(0, a->id);
    else if (const auto* l = std::get_if<Learner>(&r)) keys.emplace(1, l->id);
  }
}

bool overlaps(std::span<const Record> records, const std::set<std::pair<int, std::string>>& keys) {
  for (const Record& r : records) {
    if (const auto* a = std::get_if<Account>(&r); a && keys.count({0, a->id})) return true;
    if (const auto* l = std::get_if<Learner>(&r); l && keys.count({1, l->id})) return true;
  }
  return false;
}

}  // namespace

Result<IngestSummary> Workspace::ingest_concurrently(const Prepare& prepare) {
  PendingIngest me;
  me.prepare = &prepare;
  std::unique_lock queue(group_mutex_);
  pending_.push_back(&me);
  while (!me.done) {
    if (group_leader_) {
      group_cv_.wait(queue);
      continue;
    }
    // Lead: commit everything waiting (this request and those that arrived while the previous
    // group was committing) as few groups as possible.
    group_leader_ = true;
    std::vector<PendingIngest*> members(pending_.begin(), pending_.end());
    pending_.clear();
    queue.unlock();
    // Whatever happens, every member is answered and the leadership is given up: an exception
    // (from a prepare, the store, memory) must not leave the others waiting for good.
    std::optional<Status> failed;
    try {
      commit_groups(members);
    } catch (const std::exception& e) {
      failed = Status::Internal(std::string("ingest failed: ") + e.what());
    } catch (...) {
      failed = Status::Internal("ingest failed");
    }
    queue.lock();
    if (failed)
      for (PendingIngest* m : members)
        if (!m->done) {
          m->result = *failed;
          m->done = true;
        }
    group_leader_ = false;
    group_cv_.notify_all();
  }
  return std::move(me.result);
}

void Workspace::commit_groups(const std::vector<PendingIngest*>& members) {
  std::size_t next = 0;
  while (next < members.size()) {
    // Prepare members in arrival order, reading one View, until one upserts an entity an
    // earlier member of this group upserts.
    std::vector<PendingIngest*> group;
    std::set<std::pair<int, std::string>> keys;
    {
      const View view = this->view();
      for (; next < members.size(); ++next) {
        PendingIngest* m = members[next];
        try {
          m->records = (*m->prepare)(view);
        } catch (const std::exception& e) {  // this request fails; the group goes on without it
          std::lock_guard queue(group_mutex_);
          m->result = Status::Internal(std::string("ingest failed: ") + e.what());
          m->done = true;
          group_cv_.notify_all();
          continue;
        }
        if (!group.empty() && overlaps(m->records, keys)) break;  // prepared again in the next group
        entity_keys(m->records, keys);
        group.push_back(m);
      }
    }
    if (!group.empty()) commit_group(group);
  }
}

void Workspace::commit_group(const std::vector<PendingIngest*>& group) {
  auto finish = [&](const Result<IngestSummary>& r) {
    std::lock_guard queue(group_mutex_);
    for (PendingIngest* m : group) {
      m->result = r;
      m->done = true;
    }
    group_cv_.notify_all();
  };
  std::vector<Record> combined;
  std::span<const Record> records = group.front()->records;
  if (group.size() > 1) {
    std::size_t n = 0;
    for (const PendingIngest* m : group) n += m->records.size();
    combined.reserve(n);
    for (const PendingIngest* m : group) combined.insert(combined.end(), m->records.begin(), m->records.end());
    records = combined;
  }
  auto written = store_->write(records);  // one transaction, one fsync; no workspace lock: reads go on
  if (!written.ok() && group.size() > 1 && written.status().code() != Code::kUnavailable) {
    // One member's records may be what the store refused: each is committed on its own, so the
    // others are not failed with it.
    for (PendingIngest* m : group) commit_group({m});
    return;
  }
  if (!written.ok()) return finish(written.status());
  IngestSummary summary;
  {
    std::lock_guard writer(writer_mutex_);
    summary = apply_written(records, *written);
    if (alerting_) note_for_judgement(touched_accounts(records, *written));
  }
  // The records are committed: from here nothing may turn the ingest into a failure. The changed
  // states went to the state saver when they were published; the group is answered without
  // waiting for them.
  // Each member is answered with its own records' outcomes.
  std::lock_guard queue(group_mutex_);
  std::size_t at = 0;
  for (PendingIngest* m : group) {
    IngestSummary mine;
    mine.last_sequence = summary.last_sequence;
    mine.version = summary.version;
    mine.changed_accounts = summary.changed_accounts;
    for (std::size_t i = 0; i < m->records.size(); ++i, ++at)
      switch (written->outcomes[at]) {
        case WriteOutcome::kDuplicate: ++mine.duplicates; break;
        case WriteOutcome::kInserted: ++mine.inserted; break;
        case WriteOutcome::kUpdated: ++mine.updated; break;
      }
    m->result = std::move(mine);
    m->done = true;
  }
  ++groups_committed_;
  requests_committed_ += group.size();
  group_cv_.notify_all();  // its members answer now, while the leader goes on with the next group
}

Result<std::size_t> Workspace::catch_up_concurrently() {
  constexpr std::size_t kPage = 8192;
  std::size_t applied = 0;
  Sequence after = last_seq_.load();
  for (;;) {
    std::vector<StoredRecord> page;
    page.reserve(kPage);
    Status st = store_->scan_since(after, kPage, [&](const StoredRecord& r) {
      page.push_back(r);
      return page.size() < kPage;
    });
    if (!st.ok()) return st;
    if (page.empty()) break;
    {
      std::lock_guard writer(writer_mutex_);
      std::vector<Record> records;
      std::vector<std::string> records_changed;
      // What this process's own writes applied meanwhile (apply_written advances last_seq_ past
      // them) is in memory already, and possibly newer than this page's copy of an entity: skip it.
      const Sequence in_memory = last_seq_.load();
      Sequence through = in_memory;
      {
        std::unique_lock records_in(records_mutex_);  // readers wait for this loop only
        for (const StoredRecord& r : page) {
          if (r.seq <= in_memory) continue;
          note_record_accounts(r.record, records_changed);
          if (data_.apply(r.record)) {
            evaluator_->note(r.record);
            ++applied;
            if (alerting_) records.push_back(r.record);
          }
          through = std::max(through, r.seq);
        }
      }
      const std::vector<std::string> changed = evaluator_->flush();
      publish(&changed, records_changed);  // queues the changed states for the saver
      last_seq_ = through;
      if (!records.empty()) note_for_judgement(touched_accounts(records, WriteResult{}));
    }
    after = page.back().seq;
    if (page.size() < kPage) break;
  }
  return applied;
}

Status Workspace::persist_all_states(const ProgressFn& progress) {
  std::lock_guard one(save_one_at_a_time_);  // no saver chunk of an older version lands after these
  const std::shared_ptr<const StateVersion> version = published_.load();
  std::vector<std::string> all;
  all.reserve(version->states.size());
  for (const auto& state : version->states) all.push_back(state->account);
  queue_states_to_save(all, /*every_account=*/true);
  UPLIFT_RETURN_IF_ERROR(save_queued_states(progress));
  std::lock_guard l(save_mutex_);
  if (!states_to_save_.empty() && !full_save_pending_)
    return Status::Aborted("another process saved milestone states meanwhile: the saved states are not marked "
                           "current (the next start evaluates every account; the state saver retries)");
  return Status::OK();
}

std::string milestone_fingerprint(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec))
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::uint64_t h = 14695981039346656037ULL;
  auto mix = [&h](std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;  // separator: ("ab","c") and ("a","bc") differ
    h *= 1099511628211ULL;
  };
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    mix(f.lexically_relative(dir).string());
    mix(body);
  }
  return fmt::format("{:016x}", h);
}

Result<std::optional<StateWatermark>> states_current(Store& store, const fs::path& milestones_dir) {
  auto doc = store.get_document(kStateMetaCollection, "watermark");
  if (!doc.ok()) {
    if (doc.status().code() == Code::kNotFound) return std::optional<StateWatermark>();
    return doc.status();
  }
  StateWatermark w;
  try {
    auto j = nlohmann::json::parse(doc->body);
    if (!j.value("settled", false)) return std::optional<StateWatermark>();  // being saved
    w.sequence = j.at("sequence").get<Sequence>();
    w.as_of = j.at("as_of").get<Timestamp>();
    w.as_of_fixed = j.at("as_of_fixed").get<bool>();
    w.graph = j.at("graph").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return std::optional<StateWatermark>();  // unreadable: treat as absent, the caller re-evaluates
  }
  auto seq = store.last_sequence();
  if (!seq.ok()) return seq.status();
  if (*seq != w.sequence || w.as_of_fixed || w.graph != states_fingerprint(milestones_dir))
    return std::optional<StateWatermark>();
  return std::optional<StateWatermark>(std::move(w));
}

}  // namespace uplift::app
