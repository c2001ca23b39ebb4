// record_from_text_fast: stored entity bodies decoded with simdjson's DOM parser (runtime-dispatched
// SIMD kernels; On-Demand would be compiled for the baseline CPU). Mirrors the
// success cases of record_json.cpp field by field; every failure declines (the DOM route then
// produces the exact FieldError), so only accepting paths are written here.
#include <cmath>

#include "core/fast_json.h"
#include "core/record_json.h"

namespace uplift {
namespace {

// Named one by one, not `using namespace fast_json`: in the unity build the other files of this
// module share this unit, and a directive would let their names win silently.
namespace dom = fast_json::dom;
using fast_json::check;
using fast_json::Decline;
using fast_json::members;
using fast_json::number;
using fast_json::parse;
using fast_json::Seen;
using fast_json::string;

constexpr std::size_t kMaxId = 191, kMaxText = 4096, kMaxShort = 64, kMaxEmail = 320;

bool is_null(dom::element v) { return v.is_null(); }

// A string field; null means absent (""), as record_json's find() treats it.
std::string text(dom::element v, std::size_t max) {
  if (is_null(v)) return {};
  std::string_view s;
  check(v.get_string().get(s));
  if (s.size() > max) throw fast_json::Decline{};
  return std::string(s);
}

std::string id(dom::element v) {
  std::string s = text(v, kMaxId);
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) throw fast_json::Decline{};
  return s;
}

std::optional<double> finite_number(dom::element v) {
  if (is_null(v)) return std::nullopt;
  double d = number(v);
  if (!std::isfinite(d)) throw fast_json::Decline{};
  return d;
}

std::optional<Timestamp> timestamp(dom::element v) {
  std::string s = text(v, kMaxShort);
  if (s.empty()) return std::nullopt;
  auto t = parse_timestamp(s);
  if (!t.ok()) throw fast_json::Decline{};
  return *t;
}

std::optional<Date> date(dom::element v) {
  std::string s = text(v, kMaxShort);
  if (s.empty()) return std::nullopt;
  auto d = parse_date(s);
  if (!d.ok()) throw fast_json::Decline{};
  return *d;
}

template <typename E, typename Parse>
std::optional<E> enumeration(dom::element v, Parse parse) {
  std::string s = text(v, kMaxShort);
  if (s.empty()) return std::nullopt;
  auto e = parse(s);
  if (!e) throw fast_json::Decline{};
  return e;
}

template <typename T>
T required(std::optional<T> v) {
  if (!v) throw fast_json::Decline{};
  return *v;
}
void required(const std::string& s) {
  if (s.empty()) throw fast_json::Decline{};
}

Account account(dom::element doc) {
  Account a;
  Seen seen;
  std::optional<Audience> audience;
  // Keys other than the kind's are skipped, as record_from_json ignores them.
  members(doc, [&](std::string_view k, dom::element v) {
    if (k == "id") seen.once(1), a.id = id(v);
    else if (k == "name") seen.once(2), a.name = text(v, kMaxText);
    else if (k == "plan") seen.once(4), a.plan = text(v, kMaxId);
    else if (k == "tier") seen.once(8), a.tier = text(v, kMaxId);
    else if (k == "csm") seen.once(16), a.csm = text(v, kMaxId);
    else if (k == "arr") seen.once(32), a.arr = finite_number(v);
    else if (k == "renewal_date") seen.once(64), a.renewal_date = date(v);
    else if (k == "created_at") seen.once(128), a.created_at = timestamp(v);
    else if (k == "audience") seen.once(256), audience = enumeration<Audience>(v, parse_audience);
    else if (k == "aliases") throw fast_json::Decline{};  // rare: the DOM route validates and sorts them
  });
  required(a.id);
  if (a.arr && *a.arr < 0) throw fast_json::Decline{};
  a.audience = audience.value_or(Audience::kCustomer);
  return a;
}

Learner learner(dom::element doc) {
  Learner l;
  Seen seen;
  members(doc, [&](std::string_view k, dom::element v) {
    if (k == "id") seen.once(1), l.id = id(v);
    else if (k == "account") seen.once(2), l.account = id(v);
    else if (k == "email") seen.once(4), l.email = text(v, kMaxEmail);
    else if (k == "role") seen.once(8), l.role = text(v, kMaxId);
    else if (k == "access_level") seen.once(16), l.access_level = text(v, kMaxId);
    else if (k == "created_at") seen.once(32), l.created_at = timestamp(v);
    else if (k == "audience") seen.once(64), l.audience = enumeration<Audience>(v, parse_audience);
    else if (k == "departed_at") seen.once(128), l.departed_at = timestamp(v);
    else if (k == "aliases") throw fast_json::Decline{};  // rare: the DOM route validates and sorts them
  });
  required(l.id);
  required(l.account);
  return l;
}

Completion completion(dom::element doc) {
  Completion c;
  Seen seen;
  std::optional<Timestamp> ts;
  std::optional<CompletionStatus> status;
  members(doc, [&](std::string_view k, dom::element v) {
    if (k == "id") seen.once(1), c.id = id(v);
    else if (k == "learner") seen.once(2), c.learner = id(v);
    else if (k == "content") seen.once(4), c.content = id(v);
    else if (k == "ts") seen.once(8), ts = timestamp(v);
    else if (k == "status") seen.once(16), status = enumeration<CompletionStatus>(v, parse_completion_status);
    else if (k == "score") seen.once(32), c.score = finite_number(v);
  });
  required(c.learner);
  required(c.content);
  c.ts = required(ts);
  c.status = status.value_or(CompletionStatus::kCompleted);
  return c;
}

Attendance attendance(dom::element doc) {
  Attendance a;
  Seen seen;
  std::optional<double> session;
  std::optional<Timestamp> ts;
  members(doc, [&](std::string_view k, dom::element v) {
    if (k == "learner") seen.once(1), a.learner = id(v);
    else if (k == "program") seen.once(2), a.program = id(v);
    else if (k == "session") seen.once(4), session = finite_number(v);
    else if (k == "ts") seen.once(8), ts = timestamp(v);
    else if (k == "cohort") seen.once(16), a.cohort = id(v);
    else if (k == "attended") {
      seen.once(32);
      if (!is_null(v)) check(v.get_bool().get(a.attended));
    }
  });
  required(a.learner);
  required(a.program);
  double s = required(session);
  if (s != std::floor(s) || s < 1 || s > 1000) throw fast_json::Decline{};
  a.session = static_cast<int>(s);
  a.ts = required(ts);
  return a;
}

ArrSnapshot arr(dom::element doc) {
  ArrSnapshot s;
  Seen seen;
  std::optional<Date> d;
  std::optional<double> value;
  members(doc, [&](std::string_view k, dom::element v) {
    if (k == "account") seen.once(1), s.account = id(v);
    else if (k == "date") seen.once(2), d = date(v);
    else if (k == "arr") seen.once(4), value = finite_number(v);
  });
  required(s.account);
  s.date = required(d);
  s.arr = required(value);
  if (s.arr < 0) throw fast_json::Decline{};
  return s;
}

Renewal renewal(dom::element doc) {
  Renewal r;
  Seen seen;
  std::optional<Date> d;
  std::optional<RenewalOutcome> outcome;
  members(doc, [&](std::string_view k, dom::element v) {
    if (k == "account") seen.once(1), r.account = id(v);
    else if (k == "date") seen.once(2), d = date(v);
    else if (k == "outcome") seen.once(4), outcome = enumeration<RenewalOutcome>(v, parse_renewal_outcome);
    else if (k == "arr_before") seen.once(8), r.arr_before = finite_number(v);
    else if (k == "arr_after") seen.once(16), r.arr_after = finite_number(v);
  });
  required(r.account);
  r.date = required(d);
  r.outcome = required(outcome);
  return r;
}

}  // namespace

bool record_from_text_fast(std::string_view body, RecordKind kind, Record& out) {
  if (kind == RecordKind::kEvent) return false;  // events keep unknown fields in props: DOM route
  try {
    dom::element doc = parse(body);
    Record r;
    switch (kind) {
      case RecordKind::kAccount: r = account(doc); break;
      case RecordKind::kLearner: r = learner(doc); break;
      case RecordKind::kCompletion: r = completion(doc); break;
      case RecordKind::kAttendance: r = attendance(doc); break;
      case RecordKind::kArr: r = arr(doc); break;
      case RecordKind::kRenewal: r = renewal(doc); break;
      case RecordKind::kEvent: return false;
    }
    out = std::move(r);
    return true;
  } catch (const fast_json::Decline&) {
    return false;
  } catch (const simdjson::simdjson_error&) {
    return false;
  }
}

}  // namespace uplift
