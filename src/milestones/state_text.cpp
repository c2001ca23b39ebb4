// account_state_from_text: the fast path over simdjson's DOM parser for stored states,
// falling back to the nlohmann DOM route (state_json.cpp) for anything it is not sure about.
#include <fmt/format.h>

#include "core/fast_json.h"
#include "milestones/state_json.h"

namespace uplift::milestones {
namespace {

// Named one by one, not `using namespace fast_json`: in the unity build other files' names
// (milestones' Decline) share this unit, and a directive would let them win silently.
namespace dom = fast_json::dom;
using fast_json::check;
using fast_json::Decline;
using fast_json::members;
using fast_json::number;
using fast_json::parse;
using fast_json::Seen;

std::string str(dom::element v) { return fast_json::string(v); }

Timestamp ts(dom::element v) {
  std::string_view s;
  check(v.get_string().get(s));
  auto t = parse_timestamp(s);
  if (!t.ok()) throw fast_json::Decline{};
  return *t;
}

std::vector<std::string> strs(dom::element v) {
  std::vector<std::string> out;
  dom::array a;
  check(v.get_array().get(a));
  for (dom::element e : a) out.push_back(str(e));
  return out;
}

Progress progress(dom::element v) {
  Progress p;
  Seen seen;
  members(v, [&](std::string_view k, dom::element x) {
    if (k == "current") seen.once(1), p.current = number(x);
    else if (k == "target") seen.once(2), p.target = number(x);
    else if (k == "unit") seen.once(4), p.unit = str(x);
    else throw fast_json::Decline{};
  });
  return p;
}

MilestoneStatus milestone(dom::element v) {
  MilestoneStatus m;
  Seen seen;
  members(v, [&](std::string_view k, dom::element x) {
    if (k == "id") seen.once(1), m.id = str(x);
    else if (k == "achieved") seen.once(2), check(x.get_bool().get(m.achieved));
    else if (k == "achieved_at") seen.once(4), m.achieved_at = ts(x);
    else if (k == "progress") seen.once(8), m.progress = progress(x);
    else throw fast_json::Decline{};
  });
  if (!(seen.bits & 1)) throw fast_json::Decline{};
  return m;
}

Flag flag(dom::element v) {
  Flag f;
  Seen seen;
  members(v, [&](std::string_view k, dom::element x) {
    if (k == "kind") seen.once(1), f.kind = str(x);
    else if (k == "milestone") seen.once(2), f.milestone = str(x);
    else if (k == "detail") seen.once(4), f.detail = str(x);
    else if (k == "at") seen.once(8), f.at = ts(x);
    else if (k == "missing") seen.once(16), f.missing = strs(x);
    else if (k == "before_rate") seen.once(32), f.before_rate = number(x);
    else if (k == "after_rate") seen.once(64), f.after_rate = number(x);
    else if (k == "change_pct") seen.once(128), f.change_pct = number(x);
    else throw fast_json::Decline{};
  });
  if ((seen.bits & 3) != 3) throw fast_json::Decline{};
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
  try {
    dom::element doc = parse(text);
    AccountState s;
    Seen seen;
    members(doc, [&](std::string_view k, dom::element x) {
      if (k == "account") seen.once(1), s.account = str(x);
      else if (k == "stage") seen.once(2), s.stage = str(x);
      else if (k == "stage_reached_at") seen.once(4), s.stage_reached_at = ts(x);
      else if (k == "frontier") seen.once(8), s.frontier = strs(x);
      else if (k == "milestones") seen.once(16), each(x, s.milestones, milestone);
      else if (k == "flags") seen.once(32), each(x, s.flags, flag);
      else throw fast_json::Decline{};
    });
    if ((seen.bits & (1 | 2 | 16)) != (1 | 2 | 16)) return false;
    out = std::move(s);
    return true;
  } catch (const fast_json::Decline&) {
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
