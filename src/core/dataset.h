// Dataset: every canonical record uplift knows, indexed in memory for the pure core.
//
// The milestone evaluator, segments, recommendations, cohorts and attribution all read from a
// Dataset; the app layer fills it from the Store at start-up and applies new records as they are
// committed. apply() has the store's semantics (events deduplicated by id, everything else an
// upsert by record_key), so a Dataset built from any order of the same records is the same.
// Per-account events are kept sorted by (ts, id hash) so out-of-order arrival changes nothing; an
// event later than its account's last one is appended (the common case: O(1) amortised).
// Events are never removed, so an account's events only grow by insertion.
// Not thread-safe for writers: the owner serialises writers against readers; concurrent const
// readers are fine (the evaluator's parallel rebuild relies on it). One exception, for start-up:
// events (in a BulkLoad that stages their learners' codes, then hold_event_ids()) may be applied
// on one thread while every other kind is applied on another (disjoint parts); once both are
// done, join_staged_learners() gives the events the learners' own codes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/event_table.h"
#include "core/learner_table.h"
#include "core/records.h"

namespace uplift {

// One completion as a Dataset holds it (32 bytes; a `Completion` record is ~130 plus its strings):
// its content as a code (Dataset::completion_content) and its source id, if any, as a place in the
// Dataset's texts (Dataset::completion_id). Its learner is whose list it is in.
struct CompletionRow {
  Timestamp ts = 0;
  double score_value = 0;     // meaningful when has_score
  std::uint64_t id = 0;       // place + 1 of its source id; 0 when it has none
  std::uint32_t content = 0;  // code of its content id
  CompletionStatus status = CompletionStatus::kCompleted;
  bool has_score = false;
  std::optional<double> score() const { return has_score ? std::optional<double>(score_value) : std::nullopt; }
};

// Accounts by id, by hash, for a Dataset's lookups: an open-addressing table of pointers to records
// that never move (map nodes, never removed), compared by the records' own ids — 8 bytes a slot,
// where a node-based map of id views cost 56 bytes a record.
template <typename T>
class RecordIndex {
 public:
  void clear() {
    slots_.clear();
    count_ = 0;
  }
  void reserve(std::size_t records) {
    std::size_t want = 64;
    while (want * 7 < records * 10) want *= 2;
    if (want > slots_.size()) rehash(want);
  }
  // Adds a record whose id the index does not hold.
  void insert(const T* record) {
    if ((count_ + 1) * 10 > slots_.size() * 7) rehash(std::max<std::size_t>(64, slots_.size() * 2));
    place(record);
    ++count_;
  }
  const T* find(std::string_view id) const {
    if (slots_.empty()) return nullptr;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = std::hash<std::string_view>{}(id) & mask;; i = (i + 1) & mask) {
      const T* r = slots_[i];
      if (!r || r->id == id) return r;
    }
  }

 private:
  void place(const T* record) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = std::hash<std::string_view>{}(record->id) & mask;
    while (slots_[i]) i = (i + 1) & mask;
    slots_[i] = record;
  }
  void rehash(std::size_t slots) {
    std::vector<const T*> old = std::move(slots_);
    slots_.assign(slots, nullptr);
    for (const T* r : old)
      if (r) place(r);
  }
  std::vector<const T*> slots_;
  std::size_t count_ = 0;
};

class Dataset {
 public:
  Dataset() = default;
  // Copies rebuild the account indexes over the copy's own map; moves keep them (map nodes move
  // whole). LearnerRef and LearnerList handles point into the Dataset they came from: take them
  // again from a copy or after a move.
  Dataset(const Dataset& other);
  Dataset& operator=(const Dataset& other);
  Dataset(Dataset&&) noexcept = default;
  Dataset& operator=(Dataset&&) noexcept = default;

  // Returns true when the record changed the dataset (false for a duplicate event or an
  // identical upsert).
  bool apply(const Record& r);
  // Capacity hint for a bulk load (between begin_bulk and end_bulk): at most about this many
  // events will be applied. An overestimate costs address space, not memory.
  void reserve_events(std::size_t n);
  // Bulk loading (start-up, imports): between begin_bulk() and end_bulk() events are appended in
  // arrival order (deduplicated as always) and end_bulk() sorts each account's events once, so a
  // load in any order costs O(n log n) instead of an insertion per event. Read no events in
  // between. Only events: bulk loading may run on the events' own thread (see above). BulkLoad is the RAII form.
  // `ids_unique`: the caller promises no event id repeats among these events or those held (a
  // store's scan, whose ids are its unique key), so none is looked up before it is added.
  // `stage_learners`: the events' learners get codes of their own (nothing else is touched), for a
  // load beside another thread's; call join_staged_learners() when both are done, before reading.
  // Staging needs a Dataset without events (every event's code is then a staged one).
  void begin_bulk(bool ids_unique = false, bool stage_learners = false);
  void end_bulk();
  void join_staged_learners();
  // Completes the set of held event ids that a load of known-new ids (ids_unique) leaves for later
  // (the next apply() of an event does it anyway): it touches only that set, so it may run on its
  // own thread while no event is applied (other kinds may be: see the file comment).
  void hold_event_ids() { events_.hold_ids(); }

  // apply() of an event given as views (a store's scan at start-up: no Event is built); its
  // props must be a JSON object's text.
  bool apply(const EventFields& e);

  const Account* account(std::string_view id) const;
  // A learner with a record (null when none): a handle that reads the learner's fields
  // (core/learner_table.h), valid like every reference into a Dataset until the next apply().
  LearnerRef learner(std::string_view id) const;
  // Accounts and learners ordered by id (deterministic iteration for reports and tests).
  const std::map<std::string, Account, std::less<>>& accounts() const { return accounts_; }
  LearnerTable::Order learners() const { return learners_.in_id_order(); }

  // Identity resolution (DESIGN.md "Identity"): the learner or account another system's id names
  // — a learner's listed aliases and its email ("email:" + lower case), an account's aliases.
  // Null when nobody has the alias, or when several do (then *ambiguous is set: the record
  // cannot be credited to one of them).
  LearnerRef learner_by_alias(std::string_view alias, bool* ambiguous = nullptr) const;
  const Account* account_by_alias(std::string_view alias, bool* ambiguous = nullptr) const;
  // Grows whenever a learner or account is added or changed: what waits for an identity (the
  // unresolved queue) is looked at again only when this moved.
  std::uint64_t identity_version() const { return identity_version_; }

  // The learner's audience, falling back to its account's (customer when neither is known).
  Audience audience_of(LearnerRef l) const;

  // The account's learners in id order.
  LearnerList learners_of(std::string_view account) const { return learners_.of_account(account); }
  // The account's events by (ts, id hash), as compact rows (core/event_table.h); read their strings
  // with event_name(), event_learner(), event_qty() and event_props() (ids are held as hashes: EventRow::id,
  // EventTable::id_hash; the texts stay in the store). The reference is valid
  // until the next apply() (like every reference into a Dataset, across a write).
  const std::vector<EventRow>& events_of(std::string_view account) const { return events_.of(account); }
  const std::string& event_name(const EventRow& e) const { return events_.name(e); }
  double event_qty(const EventRow& e) const { return events_.qty(e); }
  const std::string& event_learner(const EventRow& e) const { return learners_.id_of(e.learner); }  // "" for none
  // Props as JSON text ("{}" when none), and parsed (core/event_table.h keeps the text only).
  std::string_view event_props_text(const EventRow& e) const { return events_.props_text(e); }
  nlohmann::json event_props(const EventRow& e) const { return events_.props(e); }

  // Event names as small integers (EventRow::name), for per-event name tests that compare
  // integers instead of strings. Codes are dense (0 … event_name_count() - 1), handed out as
  // names first arrive, and never change.
  using NameCode = std::uint32_t;
  static constexpr NameCode kNoNameCode = StringCodes::kNone;
  // The code of `name`, or kNoNameCode when no event has had that name.
  NameCode event_name_code(std::string_view name) const { return events_.name_code(name); }
  std::size_t event_name_count() const { return events_.name_count(); }
  // The learner's completions by (ts, record_key), as compact rows; read the content with
  // completion_content() (valid until the next apply(), like events_of()).
  const std::vector<CompletionRow>& completions_of(std::string_view learner) const;
  const std::string& completion_content(const CompletionRow& c) const { return completion_contents_[c.content]; }
  std::string_view completion_id(const CompletionRow& c) const;  // "" when it has none
  // The completion as a record again (tests, exports).
  Completion completion(std::string_view learner, const CompletionRow& c) const;
  // The account a learner belonged to before its latest change of account ("" if it never
  // changed): what a learner's move leaves behind (its completions no longer count there).
  std::string_view learner_moved_from(std::string_view learner) const;
  // The learner a completion's source id was credited to before its latest re-crediting ("" if
  // it never moved): that learner's account no longer has the completion.
  std::string_view completion_moved_from(std::string_view id) const;
  const std::vector<Attendance>& attendance_of(std::string_view learner) const;   // by (program, session)
  const std::vector<ArrSnapshot>& arr_of(std::string_view account) const;         // by date
  const std::vector<Renewal>& renewals_of(std::string_view account) const;        // by date

  // Account ids that have events, attendance etc. may reference accounts not (yet) imported.
  std::vector<std::string> event_accounts() const;
  // Account ids that some learner belongs to (sorted).
  std::vector<std::string> learner_accounts() const;
  // The latest event time (0 when there are no events).
  Timestamp latest_event_ts() const { return latest_event_ts_; }
  // The latest completion time of a known learner (0 when there is none).
  Timestamp latest_completion_ts() const;
  // Every attendance record, ordered by (program, learner, session).
  std::vector<const Attendance*> all_attendance() const;

  std::size_t event_count() const { return events_.size(); }
  std::size_t record_count() const;

 private:
  std::map<std::string, Account, std::less<>> accounts_;
  // Learners with their id, account and alias indexes (and codes for learners only mentioned).
  LearnerTable learners_;
  // account() by hash: the map's keys (stable in their nodes; nothing is ever removed) → the records.
  RecordIndex<Account> account_index_;
  void rebuild_indexes();
  EventTable events_;
  StringCodes staged_learners_;  // an events load's own learner codes, until join_staged_learners()
  bool learners_staged_ = false;
  // Completions per learner, indexed by the learner's code in learners_ (LearnerTable::intern).
  std::vector<std::vector<CompletionRow>> completions_;
  StringCodes completion_contents_;
  TextSet completion_ids_;
  std::unordered_map<std::uint64_t, std::uint32_t> completion_id_holders_;  // id's place → learner code
  std::unordered_map<std::uint64_t, std::uint32_t> completion_moved_from_;  // id's place → learner code before
  bool apply_completion(const Completion& c);
  std::unordered_map<std::uint32_t, std::string> moved_from_;  // learner code → account before its latest move
  std::unordered_map<std::string, std::vector<Attendance>> attendance_;
  std::unordered_map<std::string, std::vector<ArrSnapshot>> arr_;
  std::unordered_map<std::string, std::vector<Renewal>> renewals_;
  Timestamp latest_event_ts_ = 0;
  bool bulk_ = false, bulk_ids_unique_ = false;
  std::size_t completion_count_ = 0, attendance_count_ = 0, arr_count_ = 0,
              renewal_count_ = 0;

  // Who holds an alias, by the alias's hash (the texts are the records' own): accounts by their
  // aliases (learners: LearnerTable). A lookup keeps the holders that really hold the alias. The
  // records never move (map nodes), so the pointers stay valid.
  std::unordered_multimap<std::uint64_t, const Account*> account_aliases_;
  std::uint64_t identity_version_ = 0;
  template <typename E>
  bool add_event(const E& e);  // an Event or EventFields
};

// Scoped Dataset::begin_bulk() / end_bulk().
class BulkLoad {
 public:
  explicit BulkLoad(Dataset& data, bool ids_unique = false, bool stage_learners = false) : data_(data) {
    data_.begin_bulk(ids_unique, stage_learners);
  }
  ~BulkLoad() { data_.end_bulk(); }
  BulkLoad(const BulkLoad&) = delete;
  BulkLoad& operator=(const BulkLoad&) = delete;

 private:
  Dataset& data_;
};

// Churned as of `today`: the account's latest renewal on or before today churned, or (no renewal
// by then) its record has no ARR and its renewal date has passed. Cohort selection leaves such
// accounts out; the usage-decline flag does not fire for them.
bool churned_as_of(const Dataset& data, std::string_view account, Date today);
// Whether churned_as_of(account, from) and (…, to) may differ: a renewal dated in (from, to], or
// the day after the account's renewal date, lies between the two days (either way round).
bool churn_may_change(const Dataset& data, std::string_view account, Date from, Date to);

}  // namespace uplift
