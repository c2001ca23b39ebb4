// Partial upserts: an account or learner sent with some of its fields (a Segment `identify` with
// only an email, a `group` with only a name, an NDJSON line naming a few fields) changes only the
// fields it names; a field sent as null is cleared; everything else keeps its stored value. A
// `group` with only a name used to replace the whole account — a trial account became a customer
// (plan, tier and ARR cleared) and its learners were then shown customer-only content. The
// audience in particular changes only when a record names it.
//
// Applies to the server's ingest (HTTP); `uplift import` loads whole records and replaces.
#pragma once

#include <nlohmann/json.hpp>

#include "core/record_json.h"
#include "core/records.h"

namespace uplift::ingest {

// The record to store for `sent` (a canonical account or learner object, as received) given the
// stored one (nullptr: none yet, and `sent` is the whole record).
RecordOrError merge_upsert(const Record* stored, const nlohmann::json& sent);

}  // namespace uplift::ingest
