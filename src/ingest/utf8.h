// UTF-8 validation for input lines: strict (no overlong forms, no surrogates, nothing past
// U+10FFFF), so a line we accept can be stored in any database and re-exported unchanged.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace uplift::ingest {

// The byte offset of the first byte that does not start a valid UTF-8 sequence, or nullopt when
// the whole text is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// `text` with A-Z lowered to a-z; every other byte (UTF-8 sequences included) unchanged.
std::string ascii_lower(std::string_view text);

}  // namespace uplift::ingest
