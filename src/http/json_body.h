// Parsing request bodies as JSON, defensively: a depth limit checked before the parser runs
// (deeply nested input is refused, not recursed into), invalid UTF-8 refused, and errors that
// name the byte offset. Used by every endpoint that accepts JSON.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace uplift::http {

inline constexpr int kMaxJsonDepth = 64;

// The deepest nesting of arrays/objects in `text` (strings skipped), or -1 when it exceeds
// `limit` (scanning stops there).
int json_depth(std::string_view text, int limit = kMaxJsonDepth);

// Parses one JSON value; InvalidArgument("malformed JSON at byte 17: ...") or
// InvalidArgument("JSON nested deeper than 64 levels").
Result<nlohmann::json> parse_json(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace uplift::http
