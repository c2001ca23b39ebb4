// Partial upserts: an account or learner sent with some of its fields (a canonical record that
// names only some, a Segment `identify` with only an email, a `group` with only a name) changes
// only the fields it names; everything else keeps its stored value (a field named as null is
// cleared). A `group` with only a name used to replace the whole account — a trial account became
// a customer (plan, tier and ARR cleared) and its learners were then shown customer-only content.
// The audience in particular changes only when a record names it (DESIGN.md "Identity").
//
// Every door merges the same way: `POST /v1/records`, `uplift import` (NDJSON and CSV: a column
// left out, or a cell left empty, is not named), and the Segment adapter — so the import/POST
// differential (tests/e2e/import_differential.test.sh) stays byte-identical.
#pragma once

#include <nlohmann/json.hpp>

#include "core/record_json.h"
#include "core/records.h"

namespace uplift::ingest {

// The record to store for `sent` (a canonical account or learner object, as received) given the
// stored one (nullptr: none yet, and `sent` is the whole record).
RecordOrError merge_upsert(const Record* stored, const nlohmann::json& sent);

// The same for a parsed record that named only the fields in `carried`.
RecordOrError merge_upsert(const Record* stored, const Record& sent, FieldSet carried);

}  // namespace uplift::ingest
