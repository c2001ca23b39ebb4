// account_state_from_text: the fast path over simdjson's DOM parser for stored states,
// falling back to the nlohmann DOM route (state_json.cpp) for anything it is not sure about.
#include <cmath>

#include <simdjson.h>

#include <fmt/format.h>

#include "milestones/state_json.h"

namespace uplift::milestones {
namespace {

namespace dom = simdjson::dom;

// Thrown inside this file only: the fast path declines and the DOM route decides.
struct Decline {};

void check(simdjson::error_code e) {
  if (e) throw Decline{};
}

// Marks a key as seen; a repeated key declines (the DOM keeps only one of them).
void once(unsigned& seen, unsigned bit) {
  if (seen & bit) throw Decline{};
  seen |= bit;
}

std::string str(dom::element v) {
  std::string_view s;
  check(v.get_string().get(s));
  return std::string(s);
}

Timestamp ts(dom::element v) {
  std::string_view s;
  check(v.get_string().get(s));
  auto t = parse_timestamp(s);
  if (!t.ok()) throw Decline{};
  return *t;
}

// Integers convert as nlohmann converts them ("-0" is the integer 0 to both); a floating
// negative zero declines rather than trust both parsers keep its sign alike.
double num(dom::element v) {
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

std::vector<std::string> strs(dom::element v) {
  std::vector<std::string> out;
  dom::array a;
  check(v.get_array().get(a));
  for (dom::element e : a) out.push_back(str(e));
  return out;
}

template <typename Fn>
void members(dom::element v, Fn&& fn) {
  dom::object o;
  check(v.get_object().get(o));
  for (dom::key_value_pair kv : o) fn(kv.key, kv.value);
}

Progress progress(dom::element v) {
  Progress p;
  unsigned seen = 0;
  members(v, [&](std::string_view k, dom::element x) {
    if (k == "current") once(seen, 1), p.current = num(x);
    else if (k == "target") once(seen, 2), p.target = num(x);
    else if (k == "unit") once(seen, 4), p.unit = str(x);
    else throw Decline{};
  });
  return p;
}

MilestoneStatus milestone(dom::element v) {
  MilestoneStatus m;
  unsigned seen = 0;
  members(v, [&](std::string_view k, dom::element x) {
    if (k == "id") once(seen, 1), m.id = str(x);
    else if (k == "achieved") once(seen, 2), check(x.get_bool().get(m.achieved));
    else if (k == "achieved_at") once(seen, 4), m.achieved_at = ts(x);
    else if (k == "progress") once(seen, 8), m.progress = progress(x);
    else throw Decline{};
  });
  if (!(seen & 1)) throw Decline{};
  return m;
}

Flag flag(dom::element v) {
  Flag f;
  unsigned seen = 0;
  members(v, [&](std::string_view k, dom::element x) {
    if (k == "kind") once(seen, 1), f.kind = str(x);
    else if (k == "milestone") once(seen, 2), f.milestone = str(x);
    else if (k == "detail") once(seen, 4), f.detail = str(x);
    else if (k == "at") once(seen, 8), f.at = ts(x);
    else if (k == "missing") once(seen, 16), f.missing = strs(x);
    else if (k == "before_rate") once(seen, 32), f.before_rate = num(x);
    else if (k == "after_rate") once(seen, 64), f.after_rate = num(x);
    else if (k == "change_pct") once(seen, 128), f.change_pct = num(x);
    else throw Decline{};
  });
  if ((seen & 3) != 3) throw Decline{};
  return f;
}

template <typename T, typename Fn>
void each(dom::element v, std::vector<T>& out, Fn&& fn) {
  dom::array a;
  check(v.get_array().get(a));
  out.reserve(a.size());
  for (dom::element e : a) out.push_back(fn(e));
}

}  // namespace

bool account_state_from_text_fast(std::string_view text, AccountState& out) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: one padded copy per thread.
  thread_local dom::parser parser;
  thread_local std::string buffer;
  buffer.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  buffer.assign(text);
  try {
    dom::element doc;
    check(parser.parse(buffer.data(), buffer.size(), /*realloc_if_needed=*/false).get(doc));
    AccountState s;
    unsigned seen = 0;
    members(doc, [&](std::string_view k, dom::element x) {
      if (k == "account") once(seen, 1), s.account = str(x);
      else if (k == "stage") once(seen, 2), s.stage = str(x);
      else if (k == "stage_reached_at") once(seen, 4), s.stage_reached_at = ts(x);
      else if (k == "frontier") once(seen, 8), s.frontier = strs(x);
      else if (k == "milestones") once(seen, 16), each(x, s.milestones, milestone);
      else if (k == "flags") once(seen, 32), each(x, s.flags, flag);
      else throw Decline{};
    });
    if ((seen & (1 | 2 | 16)) != (1 | 2 | 16)) return false;
    out = std::move(s);
    return true;
  } catch (const Decline&) {
    return false;
  } catch (const simdjson::simdjson_error&) {
    return false;
  }
}

Result<AccountState> account_state_from_text(std::string_view text) {
  AccountState s;
  if (account_state_from_text_fast(text, s)) return s;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("milestone state: not valid JSON");
  try {
    return account_state_from_json(j);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(fmt::format("milestone state: {}", e.what()));
  }
}

}  // namespace uplift::milestones
