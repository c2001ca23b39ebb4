// JSON form of AccountState: what the store's "milestone_state" documents hold, what
// `uplift status --json` prints and what the HTTP API returns. Timestamps are RFC 3339 strings;
// absent optionals are omitted. from_json(to_json(s)) == s.
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "milestones/state.h"

namespace uplift::milestones {

nlohmann::json to_json(const AccountState& s);
nlohmann::json to_json(const Flag& f);
// InvalidArgument naming the field when the document does not have the expected shape.
Result<AccountState> account_state_from_json(const nlohmann::json& j);

// The store collection the evaluated states are persisted in (key = account id).
inline constexpr const char* kStateCollection = "milestone_state";

}  // namespace uplift::milestones
