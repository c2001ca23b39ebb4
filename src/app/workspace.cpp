#include "app/workspace.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

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
  // Events last, so everything they refer to is in place when the evaluator first reads them.
  for (RecordKind kind : kAllRecordKinds) {
    if (kind == RecordKind::kEvent) continue;
    UPLIFT_RETURN_IF_ERROR(store_->scan_kind(kind, [&](const StoredRecord& r) {
      data_.apply(r.record);
      return true;
    }));
  }
  std::size_t events = 0;
  {
    BulkLoad bulk(data_);  // events come in store order: sort each account's once at the end
    UPLIFT_RETURN_IF_ERROR(store_->scan_kind(RecordKind::kEvent, [&](const StoredRecord& r) {
      data_.apply(r.record);
      if (progress && ++events % 65536 == 0) progress("loading events", events, 0);
      return true;
    }));
  }
  if (progress) progress("loading events", events, events);

  evaluated_config_ = config_.load();
  evaluator_ = std::make_unique<milestones::Evaluator>(evaluated_config_->graph, data_, options_.as_of);
  evaluator_->rebuild([&](std::size_t done, std::size_t total) {
    if (progress) progress("evaluating accounts", done, total);
  });
  std::lock_guard writer(writer_mutex_);
  publish(nullptr);
  if (options_.persist_state) saver_ = std::thread([this] { saver_loop(); });
  return Status::OK();
}

void Workspace::queue_states_to_save(const std::vector<std::string>& accounts) {
  if (!options_.persist_state || accounts.empty()) return;
  std::lock_guard l(save_mutex_);
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
  std::vector<std::string> accounts;
  {
    std::lock_guard l(save_mutex_);
    accounts.assign(states_to_save_.begin(), states_to_save_.end());
    states_to_save_.clear();
  }
  if (accounts.empty()) return Status::OK();
  // Serialised from the published version, holding no lock: it holds every change noted so far.
  const std::shared_ptr<const StateVersion> version = published_.load();
  constexpr std::size_t kPerTransaction = 2048;
  for (std::size_t at = 0; at < accounts.size(); at += kPerTransaction) {
    const std::vector<std::string> chunk(accounts.begin() + static_cast<std::ptrdiff_t>(at),
                                         accounts.begin() + static_cast<std::ptrdiff_t>(std::min(accounts.size(), at + kPerTransaction)));
    Status saved = store_->put_documents(state_documents(*version, chunk));
    std::lock_guard l(save_mutex_);
    if (!saved.ok()) {
      states_to_save_.insert(accounts.begin() + static_cast<std::ptrdiff_t>(at), accounts.end());
      ++saves_.failed;
      saves_.last_failure = saved;
      saves_.failing = true;
      return saved;
    }
    saves_.saved += chunk.size();
    saves_.failing = false;
  }
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
  if (options_.persist_state && store_) {  // what is left, once
    Status saved = Status::OK();
    try {
      saved = save_states();
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

std::uint64_t Workspace::publish(const std::vector<std::string>* changed, const std::vector<std::string>& records_changed) {
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
  const std::uint64_t number = next->number;
  published_.store(std::move(next));
  return number;
}

IngestSummary Workspace::apply_written(std::span<const Record> records, const WriteResult& written) {
  IngestSummary summary;
  summary.last_sequence = written.last_sequence;
  // The tick's catch-up may already have applied this transaction — in sequence order, with
  // whatever other processes committed after it. Applying it again would put an older version of
  // a record back over a newer one (entities are simply replaced): then it is only counted.
  const bool applied_already = written.last_sequence != 0 && last_seq_.load() >= written.last_sequence;
  std::vector<std::string> records_changed;  // accounts whose record changed
  {
    std::unique_lock records_in(records_mutex_);  // readers wait for this loop only
    for (std::size_t i = 0; i < records.size(); ++i) {
      switch (written.outcomes[i]) {
        case WriteOutcome::kDuplicate: ++summary.duplicates; continue;
        case WriteOutcome::kInserted: ++summary.inserted; break;
        case WriteOutcome::kUpdated: ++summary.updated; break;
      }
      if (!applied_already && data_.apply(records[i])) {
        evaluator_->note(records[i]);
        if (const auto* a = std::get_if<Account>(&records[i])) records_changed.push_back(a->id);
      }
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
    docs.push_back({milestones::kStateCollection, account, milestones::to_json(*s).dump(), version.as_of});
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
  // states go to the state saver (a cache the report trusts only when its watermark matches,
  // states_current); the group is answered without waiting for them.
  queue_states_to_save(summary.changed_accounts);
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
          if (data_.apply(r.record)) {
            evaluator_->note(r.record);
            if (const auto* a = std::get_if<Account>(&r.record)) records_changed.push_back(a->id);
            ++applied;
            if (alerting_) records.push_back(r.record);
          }
          through = std::max(through, r.seq);
        }
      }
      const std::vector<std::string> changed = evaluator_->flush();
      publish(&changed, records_changed);
      last_seq_ = through;
      queue_states_to_save(changed);
      if (!records.empty()) note_for_judgement(touched_accounts(records, WriteResult{}));
    }
    after = page.back().seq;
    if (page.size() < kPage) break;
  }
  return applied;
}

Status Workspace::persist_all_states(const ProgressFn& progress) {
  std::lock_guard one(save_one_at_a_time_);  // no saver chunk of an older version lands after these
  const Sequence sequence = last_seq_.load();  // before the version: the states hold at least this
  const std::shared_ptr<const StateVersion> version = published_.load();
  std::size_t done = 0, total = version->states.size();
  std::vector<Document> docs;
  for (const auto& s : version->states) {
    docs.push_back({milestones::kStateCollection, s->account, milestones::to_json(*s).dump(), version->as_of});
    if (++done % 1024 == 0 || done == total) {
      UPLIFT_RETURN_IF_ERROR(store_->put_documents(docs));
      docs.clear();
      if (progress) progress("saving states", done, total);
    }
  }
  nlohmann::json mark = {{"sequence", sequence}, {"as_of", version->as_of},
                         {"as_of_fixed", options_.as_of.has_value()}, {"graph", milestone_fingerprint(milestones_dir_)}};
  return store_->put_document({kStateMetaCollection, "watermark", mark.dump(), version->as_of});
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
    w.sequence = j.at("sequence").get<Sequence>();
    w.as_of = j.at("as_of").get<Timestamp>();
    w.as_of_fixed = j.at("as_of_fixed").get<bool>();
    w.graph = j.at("graph").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return std::optional<StateWatermark>();  // unreadable: treat as absent, the caller re-evaluates
  }
  auto seq = store.last_sequence();
  if (!seq.ok()) return seq.status();
  if (*seq != w.sequence || w.as_of_fixed || w.graph != milestone_fingerprint(milestones_dir))
    return std::optional<StateWatermark>();
  return std::optional<StateWatermark>(std::move(w));
}

}  // namespace uplift::app
