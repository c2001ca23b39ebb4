// What the payload adapters (Segment, xAPI, LMS webhooks) return: canonical records plus an
// error per item that could not be mapped. Adapters are pure functions over parsed JSON — the
// HTTP layer authenticates, parses the body, calls one, writes `records` to the Store and turns
// `errors` into a partial-acceptance response. Field names in errors are the SOURCE format's
// ("messageId", "context.groupId", "verb.id"), so the sender can find what to fix.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.h"
#include "ingest/identity.h"

namespace uplift::ingest {

struct ItemError {
  std::size_t index = 0;  // position in the batch/array; 0 for a single payload
  std::string field;      // in the source format's words; empty when the whole item is wrong
  std::string reason;
  bool operator==(const ItemError&) const = default;
};

struct AdapterResult {
  std::vector<Record> records;
  std::vector<std::size_t> record_items;  // for each record, the index of the item it came from
  // For each record: an account's or learner's fields as the payload named them (ingest/merge.h:
  // only these change a stored record); nullopt for the other kinds.
  std::vector<std::optional<nlohmann::json>> upserts;
  // For each record (or empty: none): who it is about, as the sender named them — resolved to a
  // learner when committed, else the record waits in the unresolved queue (ingest/identity.h).
  std::vector<std::optional<ActorRef>> actors;
  // Items acknowledged but not used (an LMS event type uplift has no use for): counted, not errors.
  std::size_t ignored = 0;
  std::vector<std::string> ignored_reasons;
  std::vector<ItemError> errors;
  std::size_t items = 0;  // how many items the payload held
};

// A source's field-mapping overrides (sources/*.json "fields"): canonical field → dotted path in
// the payload, for an LMS whose payloads put a field elsewhere than the adapter expects.
struct FieldOverrides {
  std::map<std::string, std::string, std::less<>> paths;
  // The override for `key`, else nullptr.
  const std::string* find(std::string_view key) const {
    auto it = paths.find(key);
    return it == paths.end() ? nullptr : &it->second;
  }
};

namespace adapter_detail {

// The value at a dotted path ("context.groupId") if present and not null.
const nlohmann::json* at(const nlohmann::json& obj, std::string_view dotted);
// A string at one of the paths, first match wins; `found` gets the path that matched.
std::string first_string(const nlohmann::json& obj, std::initializer_list<std::string_view> paths,
                         std::string* found = nullptr);
// Validates a canonical JSON object with record_from_json; on failure the canonical field name is
// translated through `names` (canonical → source) and reported for item `index`.
void finish(const nlohmann::json& canonical, std::size_t index,
            std::initializer_list<std::pair<std::string_view, std::string_view>> names, AdapterResult& out);
// Thrown inside an adapter when an item is unusable: the source field and why. The adapter
// catches it at the item's boundary and reports it as that item's error.
struct Bad {
  std::string field, reason;
};

}  // namespace adapter_detail
}  // namespace uplift::ingest
