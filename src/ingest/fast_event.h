// Fast path for the common NDJSON line: one flat, valid event.
//
// Parsing a line into an nlohmann DOM and then validating it costs most of an import's CPU. Most
// lines are simple: a flat object of the known event fields with plain strings (no escapes), an
// optional plain-number qty and a props object of plain strings. fast_event_line parses
// exactly those, straight into an Event, and promises: when it returns true, `out` holds the SAME
// Event that json::parse + record_from_json would have produced (whatever `out` held before: its
// strings and props nodes are reused, so an importer handing back spent events allocates nothing
// per line). On anything else — escapes,
// nulls, numbers in props, unknown fields, duplicate keys, nesting, any validation failure or
// doubt — it returns false without touching `out`, and the caller runs the full parser, which
// produces the record or the exact rejection message. So it can only ever be a shortcut.
// (tests/unit/ingest/fast_event_test.cpp checks both paths agree line by line.)
#pragma once

#include <optional>
#include <string_view>

#include "core/records.h"

namespace uplift::ingest {

// `text` must already be valid UTF-8 (the caller checks first). `forced` is --kind.
bool fast_event_line(std::string_view text, std::optional<RecordKind> forced, Event& out);

}  // namespace uplift::ingest
