#include "app/roi_load.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "milestones/state_json.h"
#include "app/cohort_store.h"

namespace uplift::app {
namespace {

// Runs `part`, adding its wall time to `seconds`.
template <typename F>
Status timed(double& seconds, F&& part) {
  const auto t0 = std::chrono::steady_clock::now();
  Status st = part();
  seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

// The target events' times: event name → account → sorted times, all names in one scan.
Status read_usage(Store& store, const std::vector<cohorts::Program>& programs, RoiData& out) {
  std::set<std::string> targets;
  for (const auto& p : programs)
    if (!p.target_event.empty()) targets.insert(p.target_event);
  const std::vector<std::string> names(targets.begin(), targets.end());
  std::vector<attribution::EventTimes*> times;
  for (const auto& name : names) times.push_back(&out.usage[name]);
  // Events of one account usually arrive together: remember each name's last account's list.
  std::vector<std::string> last_account(names.size());
  std::vector<std::vector<Timestamp>*> last(names.size(), nullptr);
  UPLIFT_RETURN_IF_ERROR(store.scan_event_times_of(names, [&](std::size_t i, std::string_view account, Timestamp ts) {
    if (!last[i] || account != last_account[i]) {
      last_account[i].assign(account);
      last[i] = &(*times[i])[last_account[i]];
    }
    last[i]->push_back(ts);
    ++out.events;
    return true;
  }));
  for (auto* per_name : times)
    for (auto& [account, ts] : *per_name) std::sort(ts.begin(), ts.end());
  return Status::OK();
}

// The learners of the programs' eligible roles (a matched control must meet the program's
// eligibility, which asks for a learner of an eligible role), in the Store's order.
Status read_role_learners(Store& store, const std::vector<cohorts::Program>& programs, std::vector<Record>& out) {
  std::set<std::string> roles;
  for (const auto& p : programs) roles.insert(p.eligibility.roles.begin(), p.eligibility.roles.end());
  if (roles.empty()) return Status::OK();
  const std::vector<std::string> wanted(roles.begin(), roles.end());
  return store.scan_learners_with_roles(wanted, [&](const StoredRecord& r) {
    out.push_back(r.record);  // a page is reread after the visitor (no move from the page)
    return true;
  });
}

// Cohorts, accounts, ARR snapshots, renewals and attendance.
Status read_records(Store& store, RoiData& out) {
  auto cohorts = load_cohorts(store);
  if (!cohorts.ok()) return cohorts.status();
  out.cohorts = std::move(*cohorts);
  for (RecordKind kind : kAllRecordKinds) {
    // Events come by name (read_usage); completions only feed the milestone evaluation (states
    // are stored); learners are read by role (read_role_learners) and by attendance (below).
    if (kind == RecordKind::kEvent || kind == RecordKind::kCompletion || kind == RecordKind::kLearner) continue;
    UPLIFT_RETURN_IF_ERROR(store.scan_kind(kind, [&](const StoredRecord& r) {
      out.data.apply(r.record);
      return true;
    }));
  }
  return Status::OK();
}

// The learners who attended and are not yet in `data`, fetched one by one.
Status read_attended_learners(Store& store, Dataset& data) {
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
                                               std::span<Store* const> readers) {
  auto out = std::make_unique<RoiData>();
  // Three independent parts: the target events and the states; the learners of eligible roles;
  // the other records. Each reader connection takes one part on its own thread (the process is
  // CPU-bound on decoding, so two cores finish three parts sooner than two); the rest run here.
  auto events_and_states = [&](Store& db) -> Status {
    UPLIFT_RETURN_IF_ERROR(timed(out->seconds.usage, [&] { return read_usage(db, programs, *out); }));
    return timed(out->seconds.states, [&] { return read_states(db, *out); });
  };
  std::vector<Record> role_learners;
  auto learners = [&](Store& db) {
    return timed(out->seconds.learners, [&] { return read_role_learners(db, programs, role_learners); });
  };
  Status second, third;
  std::optional<std::jthread> second_reader, third_reader;
  if (readers.size() > 0) second_reader.emplace([&] { second = events_and_states(*readers[0]); });
  if (readers.size() > 1) third_reader.emplace([&] { third = learners(*readers[1]); });
  Status first = timed(out->seconds.records, [&] { return read_records(store, *out); });
  if (first.ok() && readers.size() < 2) first = learners(store);
  third_reader.reset();  // joins
  if (first.ok() && third.ok()) {
    for (Record& r : role_learners) out->data.apply(std::move(r));
    role_learners = {};
    first = read_attended_learners(store, out->data);
  }
  if (first.ok() && readers.empty()) second = events_and_states(store);
  second_reader.reset();
  UPLIFT_RETURN_IF_ERROR(first);
  UPLIFT_RETURN_IF_ERROR(second);
  UPLIFT_RETURN_IF_ERROR(third);
  return out;
}

}  // namespace uplift::app
