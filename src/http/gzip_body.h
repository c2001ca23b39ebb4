// Inflating a gzip request body all or nothing: the whole body is checked — every member's
// deflate data, CRC-32 and length trailer — before any of it is used, so a body cut short or
// corrupted is refused (400) and nothing of it is stored. (Poco's InflatingInputStream stops
// quietly at the end of its input: half a body, or one with a bad CRC, read as a shorter valid one.)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace uplift::http {

// The inflated bytes of `gzip` (one or more gzip members, RFC 1952), at most `limit` of them.
// Errors: InvalidArgument naming the damage (not gzip, corrupt data, CRC or length mismatch,
// truncated, trailing bytes); ResourceExhausted when the inflated body is over `limit`.
Result<std::string> inflate_gzip(std::string_view gzip, std::size_t limit);

}  // namespace uplift::http
