// How records become table rows, shared by both backends so they store identical text.
//
// Events are stored as columns (id, account, name, ts, learner, qty, props-as-JSON) because they
// are the bulk of the data; every other kind is stored as its canonical JSON (record_to_json),
// whose dump is deterministic (sorted keys), so "identical body" means "identical record".
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/records.h"
#include "core/status.h"

namespace uplift::store {

// The props object as JSON text ("{}" when empty). Throws nlohmann::json exceptions on strings
// that are not UTF-8; callers catch them and fail the whole batch.
std::string props_text(const Event& e);
// props_text into a buffer kept across calls (no allocation per event on a bulk write). The
// view is valid until the next call.
class PropsWriter {
 public:
  PropsWriter();
  PropsWriter(const PropsWriter&) = delete;
  PropsWriter& operator=(const PropsWriter&) = delete;
  std::string_view text(const Event& e);

 private:
  std::string buf_;
  std::shared_ptr<void> serializer_;  // nlohmann's serializer, writing into buf_
};
// Canonical JSON text of a non-event record (throws like props_text).
std::string entity_body(const Record& r);

// Rebuilds records from stored rows; a row that does not decode is reported as Internal
// (the database was edited by hand or is corrupt), naming the kind and key.
Result<Record> decode_entity(RecordKind kind, std::string_view key, std::string_view body);
Status decode_props(std::string_view text, Event& e);
// A stored event's props text as EventFields::props wants it: "{}" when empty, else the text when
// it is a JSON object with no whitespace or escapes (as uplift writes them), else — an object
// written another way — nlohmann's minified form of it in `canonical`. Not an object: the error
// decode_props gives, naming the event.
Result<std::string_view> props_object_text(std::string_view text, std::string_view event_id, std::string& canonical);

// Kinds as stored in the entities table ("account", "learner", ...).
inline std::string_view kind_column(RecordKind k) { return kind_name(k); }

}  // namespace uplift::store
