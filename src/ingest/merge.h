// Partial upserts: an account or learner sent with some of its fields (a Segment `identify` with
// only an email, a `group` with only a name) changes only the fields it names; everything else
// keeps its stored value (a field named as null is cleared, though the Segment adapter drops null
// traits before they get here). A `group` with only a name used to replace the whole account — a trial account became a customer
// (plan, tier and ARR cleared) and its learners were then shown customer-only content. The
// audience in particular changes only when a record names it.
//
// Applies to the adapters' upserts over HTTP (Segment identify/group); canonical records (`POST
// /v1/records`, `uplift import`) are whole records and replace.
#pragma once

#include <nlohmann/json.hpp>

#include "core/record_json.h"
#include "core/records.h"

namespace uplift::ingest {

// The record to store for `sent` (a canonical account or learner object, as received) given the
// stored one (nullptr: none yet, and `sent` is the whole record).
RecordOrError merge_upsert(const Record* stored, const nlohmann::json& sent);

}  // namespace uplift::ingest
