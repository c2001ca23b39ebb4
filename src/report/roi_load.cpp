#include "report/roi_load.h"

#include <algorithm>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "milestones/state_json.h"
#include "report/roi_inputs.h"

namespace uplift::report {
namespace {

// The target events' times: event name → account → sorted times.
Status read_usage(Store& store, const std::vector<cohorts::Program>& programs, RoiData& out) {
  std::set<std::string> targets;
  for (const auto& p : programs)
    if (!p.target_event.empty()) targets.insert(p.target_event);
  for (const auto& name : targets) {
    attribution::EventTimes& times = out.usage[name];
    // Events of one account usually arrive together: remember the last account's list.
    std::string last_account;
    std::vector<Timestamp>* last = nullptr;
    UPLIFT_RETURN_IF_ERROR(store.scan_event_times(name, [&](std::string_view account, Timestamp ts) {
      if (!last || account != last_account) {
        last_account.assign(account);
        last = &times[last_account];
      }
      last->push_back(ts);
      ++out.events;
      return true;
    }));
    for (auto& [account, ts] : times) std::sort(ts.begin(), ts.end());
  }
  return Status::OK();
}

// Cohorts, accounts, ARR snapshots, renewals, attendance, the learners who attended and — when a
// program's eligibility names roles — the learners of those roles (a matched control must meet
// the program's eligibility, which asks for a learner of an eligible role).
Status read_records(Store& store, const std::vector<cohorts::Program>& programs, RoiData& out) {
  auto cohorts = load_cohorts(store);
  if (!cohorts.ok()) return cohorts.status();
  out.cohorts = std::move(*cohorts);
  Dataset& data = out.data;
  for (RecordKind kind : kAllRecordKinds) {
    // Events come by name (read_usage); completions only feed the milestone evaluation (states
    // are stored); learners only map attendance to accounts (fetched one by one below).
    if (kind == RecordKind::kEvent || kind == RecordKind::kCompletion || kind == RecordKind::kLearner) continue;
    UPLIFT_RETURN_IF_ERROR(store.scan_kind(kind, [&](const StoredRecord& r) {
      data.apply(r.record);
      return true;
    }));
  }
  std::set<std::string, std::less<>> roles;
  for (const auto& p : programs) roles.insert(p.eligibility.roles.begin(), p.eligibility.roles.end());
  if (!roles.empty())
    UPLIFT_RETURN_IF_ERROR(store.scan_kind(RecordKind::kLearner, [&](const StoredRecord& r) {
      if (roles.count(std::get<Learner>(r.record).role)) data.apply(r.record);
      return true;
    }));
  std::set<std::string> learners;
  for (const Attendance* a : data.all_attendance())
    if (a->attended && !data.learner(a->learner)) learners.insert(a->learner);
  for (const auto& id : learners) {
    auto r = store.get(RecordKind::kLearner, id);
    if (r.ok()) data.apply(r->record);
    else if (r.status().code() != Code::kNotFound) return r.status();
  }
  return Status::OK();
}

// Every account's stored milestone state.
Status read_states(Store& store, RoiData& out) {
  Status failed;
  UPLIFT_RETURN_IF_ERROR(store.scan_documents(milestones::kStateCollection, [&](const Document& d) {
    Result<milestones::AccountState> s = milestones::account_state_from_text(d.body);
    if (!s.ok()) {
      failed = s.status().with_context(fmt::format("milestone state document '{}'", d.key));
      return false;
    }
    out.states.emplace(d.key, std::move(*s));
    return true;
  }));
  return failed;
}

}  // namespace

Result<std::unique_ptr<RoiData>> load_roi_data(Store& store, const std::vector<cohorts::Program>& programs,
                                               Store* events_store) {
  auto out = std::make_unique<RoiData>();
  // With a second connection the target events and the states (about half of the work) are
  // read on a second thread while the records are read here; otherwise all in turn.
  auto events_and_states = [&](Store& db) -> Status {
    UPLIFT_RETURN_IF_ERROR(read_usage(db, programs, *out));
    return read_states(db, *out);
  };
  Status second;
  std::optional<std::jthread> reader;
  if (events_store) reader.emplace([&] { second = events_and_states(*events_store); });
  else second = events_and_states(store);
  Status first = read_records(store, programs, *out);
  reader.reset();  // joins
  UPLIFT_RETURN_IF_ERROR(first);
  UPLIFT_RETURN_IF_ERROR(second);
  return out;
}

}  // namespace uplift::report
