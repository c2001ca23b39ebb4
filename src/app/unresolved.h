// The unresolved queue: records from another system whose person uplift cannot name yet
// (ingest/identity.h) — kept, visible, and applied by themselves once a learner record or an
// alias makes them resolvable.
//
// Documents of the collection "unresolved", keyed "<source>:<16 hex digits>" of the record and
// its actor (the same delivery sent again is one entry):
//   {"source", "received_at", "actor": {source, learner_id, aliases, display}, "reason",
//    "record": the canonical record, its learner not yet known}
// Workspace::resolve_unresolved() (the server's tick, when identity_version() moved;
// `uplift unresolved retry`) writes each record that resolves, credited to its learner, and only
// then deletes its entry (compare-and-set on the body: of two replicas, one deletes; the record
// itself is idempotent — a completion is keyed by learner, content and time).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.h"
#include "ingest/identity.h"
#include "store/store.h"

namespace uplift::app {

inline constexpr const char* kUnresolvedCollection = "unresolved";

struct UnresolvedEntry {
  std::string key, source, reason;
  Timestamp received_at = 0;
  ingest::ActorRef actor;
  Record record;
};

Document unresolved_document(const Record& record, const ingest::ActorRef& actor, const std::string& reason,
                             Timestamp received_at);
Result<UnresolvedEntry> unresolved_from_document(const Document& doc);
nlohmann::json unresolved_to_json(const UnresolvedEntry& e);
// The record credited to `learner` (its learner field set; an event's account too when unset;
// an alias-only learner record becomes `learner` with the record's aliases added).
Record credited(const Record& record, const Learner& learner);

}  // namespace uplift::app
