// Canonical records <-> JSON objects (the NDJSON import contract, DESIGN.md).
//
// record_from_json validates one object and either returns the Record or a FieldError naming the
// first offending field and why ("ts", "not an RFC 3339 timestamp ..."). Unknown fields of an
// event are kept in its props; unknown fields of other kinds are ignored. record_to_json writes
// the canonical form (UTC timestamps, only set optionals), so from_json(to_json(r)) == r.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/records.h"

namespace uplift {

struct FieldError {
  std::string field;   // "ts", "props", "kind"; empty when the whole line is wrong
  std::string reason;  // "required field is missing", "expected a number, got string"
};

// Which of an account's or learner's fields a record carried (named, even as null): one bit per
// field of entity_fields(kind). Records of other kinds, and records that carry every field, have
// kAllFields. A record that carries only some is a partial upsert (ingest/merge.h).
using FieldSet = std::uint32_t;
inline constexpr FieldSet kAllFields = ~FieldSet{0};
// The canonical fields of an account or learner record, in bit order; empty for other kinds.
std::span<const std::string_view> entity_fields(RecordKind kind);
// The fields of `r` that `carried` names, as a canonical JSON object with its kind (a carried
// field that is unset is null, so merging it clears the stored value).
nlohmann::json carried_json(const Record& r, FieldSet carried);

struct RecordOrError {
  std::optional<Record> record;
  FieldError error;  // meaningful when !record
  FieldSet fields = kAllFields;  // of an account or learner: which fields the object named
  bool ok() const { return record.has_value(); }
};

// `forced` overrides/supplies the kind (CSV --kind); otherwise the object's "kind" field is used.
RecordOrError record_from_json(const nlohmann::json& obj, std::optional<RecordKind> forced = std::nullopt);
nlohmann::json record_to_json(const Record& r);

// Fast path for reading stored entity bodies (every kind but event) by the hundred thousand:
// decodes `text` as a `kind` record straight from simdjson's On-Demand parser. Returns true and
// fills `out` only when the result is certainly what record_from_json(json::parse(text), kind)
// gives; returns false on any doubt — invalid or unusual JSON, a repeated field, any value that
// record_from_json would reject — so the caller runs the DOM route for the record or the error.
bool record_from_text_fast(std::string_view text, RecordKind kind, Record& out);

}  // namespace uplift
