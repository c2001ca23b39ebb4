// View: what one request (or one CLI command) reads — one published version of the served
// states and the config they were evaluated under, and the records they were evaluated from —
// pinned for as long as the View lives. Workspace::view() hands it out; readers hold no lock of
// their own and never see a state change under them.
//
// Promises:
//  * The states, as-of and config of a View never change while it lives: a writer evaluates the
//    next version beside it and publishes that whole (StateVersion below); a reload publishes the
//    new config with the states evaluated under it, so a View's states always match its graph.
//  * A reader waits for a writer only while a committed batch's records go into memory (the
//    records themselves, a few microseconds each) — never while accounts are re-evaluated, their
//    states serialised or the store written.
//  * data() may already hold the records of a batch whose states are being evaluated (their
//    version is published a few milliseconds later); a client that wrote reads its own write: an
//    ingest is answered only after its version is published (IngestSummary::version).
//  * A View is movable, not copyable. Hold it for one request: while any View is held, a writer
//    cannot put records into memory, and the group it leads (and the groups behind it) wait to be
//    answered — a long read (a quarterly report) delays ingest answers by its length, and reads
//    that never pause all at once would hold writers back (README, known limits).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <vector>

#include "app/aggregates.h"
#include "app/config.h"
#include "core/dataset.h"
#include "milestones/state.h"
#include "recommend/account_advice.h"
#include "recommend/recommend.h"

namespace uplift::app {

// One published version of every account's evaluated state. Immutable once published.
struct StateVersion {
  std::uint64_t number = 0;  // 1 for the states evaluated at open, +1 per publication
  Timestamp as_of = 0;       // the instant the states were evaluated at
  std::shared_ptr<const Config> config;  // the config (graph) they were evaluated under
  // Every account's state, ordered by account id (each shared with the evaluator and with the
  // versions before and after it that did not change it).
  std::vector<std::shared_ptr<const milestones::AccountState>> states;
  // The stage funnel's counts over these states and the account records they were published with.
  std::shared_ptr<const StageAggregates> aggregates;
  // Every segment's learner count (config's segments, in catalog order) at `as_of`.
  std::shared_ptr<const std::vector<long>> segment_sizes;

  // The account's state, or nullptr (binary search).
  const milestones::AccountState* find(std::string_view account) const;
};

// The states lookup the core's functions take (segments, reports, triggers).
using StateLookup = segments::StateLookup;

class View {
 public:
  View(View&&) noexcept = default;
  View& operator=(View&&) noexcept = default;

  const Dataset& data() const { return *data_; }
  const Config& config() const { return *version_->config; }
  std::shared_ptr<const Config> shared_config() const { return version_->config; }
  const milestones::Graph& graph() const { return config().graph; }
  const segments::SegmentSet& segments() const { return config().segments; }
  const recommend::ContentMap& content() const { return config().content; }
  const attribution::StageTargets& targets() const { return config().targets; }
  const std::vector<cohorts::Program>& programs() const { return config().programs; }
  const triggers::RuleSet& triggers() const { return config().triggers; }

  const milestones::AccountState* state(std::string_view account) const { return version_->find(account); }
  // Every account's state, ordered by account id.
  const std::vector<std::shared_ptr<const milestones::AccountState>>& states() const { return version_->states; }
  // state() as a function object (valid while this View lives).
  StateLookup state_lookup() const;
  Timestamp as_of() const { return version_->as_of; }
  // The stage funnel's counts, maintained as accounts change (app/aggregates.h).
  const StageAggregates& aggregates() const { return *version_->aggregates; }
  // How many learners each segment holds, maintained as accounts change (segments/sizes.h).
  const std::vector<long>& segment_sizes() const { return *version_->segment_sizes; }
  std::uint64_t version() const { return version_->number; }

  // What recommendations read (valid while this View lives).
  recommend::Context recommend_context() const;
  // The accelerator program targeting a milestone ("" none), for recommend::advise_account.
  recommend::ProgramFor program_for() const;

 private:
  friend class Workspace;
  View(std::shared_lock<std::shared_mutex> records_lock, const Dataset& data, std::shared_ptr<const StateVersion> version)
      : records_lock_(std::move(records_lock)), data_(&data), version_(std::move(version)) {}
  std::shared_lock<std::shared_mutex> records_lock_;  // data() does not change while held
  const Dataset* data_;
  std::shared_ptr<const StateVersion> version_;
};

}  // namespace uplift::app
