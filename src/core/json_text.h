// Appending JSON text directly, byte-identical to what nlohmann's dump() writes, for the hot
// paths that skip building a json object (the demo's NDJSON writer, the recommendations body).
#pragma once

#include <string>
#include <string_view>

namespace uplift {

// Appends `s` as a JSON string literal exactly as nlohmann::json(s).dump() would (control
// characters escaped, UTF-8 kept as is); bytes that are not valid UTF-8 become U+FFFD, as with
// error_handler_t::replace.
void append_json_string(std::string& out, std::string_view s);
// Appends `v` exactly as nlohmann::json(v).dump() would: shortest round-trip digits, "1.0" for
// an integral value, "1e+20" past 15 digits, "null" for NaN and infinities.
void append_json_number(std::string& out, double v);

}  // namespace uplift
