#include "report/roi_load.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "milestones/state_json.h"

namespace uplift::report {

Result<std::unique_ptr<RoiData>> load_roi_data(Store& store, const std::vector<cohorts::Program>& programs) {
  auto out = std::make_unique<RoiData>();
  Dataset& data = out->data;
  for (RecordKind kind : kAllRecordKinds) {
    // Events come by name below; completions only feed the milestone evaluation (states are
    // stored); learners only map attendance to accounts (fetched one by one below).
    if (kind == RecordKind::kEvent || kind == RecordKind::kCompletion || kind == RecordKind::kLearner) continue;
    UPLIFT_RETURN_IF_ERROR(store.scan_kind(kind, [&](const StoredRecord& r) {
      data.apply(r.record);
      return true;
    }));
  }
  std::set<std::string> learners;
  for (const Attendance* a : data.all_attendance())
    if (a->attended) learners.insert(a->learner);
  for (const auto& id : learners) {
    auto r = store.get(RecordKind::kLearner, id);
    if (r.ok()) data.apply(r->record);
    else if (r.status().code() != Code::kNotFound) return r.status();
  }

  std::set<std::string> targets;
  for (const auto& p : programs)
    if (!p.target_event.empty()) targets.insert(p.target_event);
  for (const auto& name : targets) {
    attribution::EventTimes& times = out->usage[name];
    UPLIFT_RETURN_IF_ERROR(store.scan_events_named(name, [&](const StoredRecord& r) {
      const Event& e = std::get<Event>(r.record);
      times[e.account].push_back(e.ts);
      ++out->events;
      return true;
    }));
    for (auto& [account, ts] : times) std::sort(ts.begin(), ts.end());
  }

  Status failed;
  UPLIFT_RETURN_IF_ERROR(store.scan_documents(milestones::kStateCollection, [&](const Document& d) {
    Result<milestones::AccountState> s = Status::Internal("unparsed");
    try {
      s = milestones::account_state_from_json(nlohmann::json::parse(d.body));
    } catch (const nlohmann::json::exception& e) {
      failed = Status::Internal(fmt::format("milestone state document '{}': not valid JSON: {}", d.key, e.what()));
      return false;
    }
    if (!s.ok()) {
      failed = s.status().with_context(fmt::format("milestone state document '{}'", d.key));
      return false;
    }
    out->states.emplace(d.key, std::move(*s));
    return true;
  }));
  UPLIFT_RETURN_IF_ERROR(failed);
  return out;
}

}  // namespace uplift::report
