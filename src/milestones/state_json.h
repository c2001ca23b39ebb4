// JSON form of AccountState: what the store's "milestone_state" documents hold, what
// `uplift status --json` prints and what the HTTP API returns. Timestamps are RFC 3339 strings;
// absent optionals are omitted. from_json(to_json(s)) == s.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "milestones/state.h"

namespace uplift::milestones {

nlohmann::json to_json(const AccountState& s);
nlohmann::json to_json(const Flag& f);
// to_json(s).dump(), written straight into a string (the state saver writes thousands a second):
// the same bytes, except that text which is not valid UTF-8 (never in a state built from
// validated records) has U+FFFD where dump() would throw.
std::string to_json_text(const AccountState& s);
// InvalidArgument naming the field when the document does not have the expected shape.
Result<AccountState> account_state_from_json(const nlohmann::json& j);
// The same from a document's text: what account_state_from_json(json::parse(text)) gives, or
// InvalidArgument when the text is not JSON. Stored states are read by the hundred thousand, so
// the usual document (the shape to_json writes) is decoded by a fast path
// (account_state_from_text_fast) and anything else by the DOM route above.
Result<AccountState> account_state_from_text(std::string_view text);
// The fast path alone: true and `out` filled only when it is certain the result equals the DOM
// route's; false (out unspecified) on anything unusual — escapes are fine, but unknown or
// repeated keys, wrong types, invalid timestamps, trailing text — so the caller falls back.
bool account_state_from_text_fast(std::string_view text, AccountState& out);

// The store collection the evaluated states are persisted in (key = account id).
inline constexpr const char* kStateCollection = "milestone_state";

}  // namespace uplift::milestones
