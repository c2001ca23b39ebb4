// Invariants shared by the payload-adapter fuzz targets (Segment, xAPI, webhook): beyond "no
// crash", an adapter's result must be self-consistent and every record it returns must be a valid
// canonical record that survives a JSON round trip.
#pragma once

#include <cstdlib>

#include "core/record_json.h"
#include "ingest/adapter.h"

namespace uplift::fuzz {

inline void check_adapter_result(const ingest::AdapterResult& r) {
  if (r.records.size() != r.record_items.size()) std::abort();
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    if (r.items > 0 && r.record_items[i] >= r.items) std::abort();
    // An xAPI learning event leaves the adapter without an account (its learner's, once known).
    Record rec = r.records[i];
    if (auto* e = std::get_if<Event>(&rec); e && e->account.empty()) e->account.push_back('?');
    auto again = record_from_json(record_to_json(rec));
    if (!again.ok() || !(*again.record == rec)) std::abort();
  }
  for (const auto& e : r.errors)
    if (e.reason.empty()) std::abort();  // an error must say why
  if (!r.actors.empty() && r.actors.size() != r.records.size()) std::abort();  // one actor slot per record
  for (const auto& a : r.actors)
    if (a && a->aliases.empty() && a->learner_id.empty()) std::abort();  // an actor names someone
}

}  // namespace uplift::fuzz
