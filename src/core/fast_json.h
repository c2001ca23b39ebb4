// What the fast decoders of stored JSON share (core/record_fast.cpp for entity bodies,
// milestones/state_text.cpp for milestone states): simdjson's DOM parser on a padded per-thread
// copy, and readers that throw Decline on anything unexpected. A decoder catches Decline and
// answers "not sure", so its caller takes the nlohmann route, which decides.
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace uplift::fast_json {

namespace dom = simdjson::dom;

struct Decline {};

inline void check(simdjson::error_code e) {
  if (e) throw Decline{};
}

// Members seen so far; a repeated member declines (a DOM keeps only one of them).
struct Seen {
  unsigned bits = 0;
  void once(unsigned bit) {
    if (bits & bit) throw Decline{};
    bits |= bit;
  }
};

// Parses `text`; the element is valid until this thread parses again. simdjson reads up to
// SIMDJSON_PADDING bytes past the end, hence the padded copy.
inline dom::element parse(std::string_view text) {
  thread_local dom::parser parser;
  thread_local std::string buffer;
  buffer.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  buffer.assign(text);
  dom::element doc;
  check(parser.parse(buffer.data(), buffer.size(), /*realloc_if_needed=*/false).get(doc));
  return doc;
}

// Calls fn(key, value) for every member of an object.
template <typename Fn>
void members(dom::element v, Fn&& fn) {
  dom::object o;
  check(v.get_object().get(o));
  for (dom::key_value_pair kv : o) fn(kv.key, kv.value);
}

inline std::string string(dom::element v) {
  std::string_view s;
  check(v.get_string().get(s));
  return std::string(s);
}

// Integers convert as nlohmann converts them ("-0" is the integer 0 to both); a floating
// negative zero declines rather than trust both parsers keep its sign alike.
inline double number(dom::element v) {
  double d = 0;
  switch (v.type()) {
    case dom::element_type::INT64: d = static_cast<double>(v.get_int64().value_unsafe()); break;
    case dom::element_type::UINT64: d = static_cast<double>(v.get_uint64().value_unsafe()); break;
    case dom::element_type::DOUBLE: d = v.get_double().value_unsafe(); break;
    default: throw Decline{};
  }
  if (d == 0 && std::signbit(d)) throw Decline{};
  return d;
}

}  // namespace uplift::fast_json
