// Canonical records <-> JSON objects (the NDJSON import contract, DESIGN.md).
//
// record_from_json validates one object and either returns the Record or a FieldError naming the
// first offending field and why ("ts", "not an RFC 3339 timestamp ..."). Unknown fields of an
// event are kept in its props; unknown fields of other kinds are ignored. record_to_json writes
// the canonical form (UTC timestamps, only set optionals), so from_json(to_json(r)) == r.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/records.h"

namespace uplift {

struct FieldError {
  std::string field;   // "ts", "props", "kind"; empty when the whole line is wrong
  std::string reason;  // "required field is missing", "expected a number, got string"
};

struct RecordOrError {
  std::optional<Record> record;
  FieldError error;  // meaningful when !record
  bool ok() const { return record.has_value(); }
};

// `forced` overrides/supplies the kind (CSV --kind); otherwise the object's "kind" field is used.
RecordOrError record_from_json(const nlohmann::json& obj, std::optional<RecordKind> forced = std::nullopt);
nlohmann::json record_to_json(const Record& r);

}  // namespace uplift
