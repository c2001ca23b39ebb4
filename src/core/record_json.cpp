#include "core/record_json.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace uplift {
namespace {

using json = nlohmann::json;

// Longest id we accept: fits a utf8mb4 index in MySQL (191 characters).
constexpr std::size_t kMaxIdLength = 191;
constexpr std::size_t kMaxTextLength = 4096;

// Thrown inside this file only; turned into a FieldError at the boundary.
struct Bad {
  std::string field, reason;
};

std::string type_name(const json& v) {
  if (v.is_number()) return "number";
  return v.type_name();
}

const json* find(const json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string str(const json& obj, const char* field, bool required, std::size_t max = kMaxTextLength) {
  const json* v = find(obj, field);
  if (!v) {
    if (required) throw Bad{field, "required field is missing"};
    return {};
  }
  if (!v->is_string()) throw Bad{field, "expected a string, got " + type_name(*v)};
  const auto& s = v->get_ref<const std::string&>();
  if (required && s.empty()) throw Bad{field, "must not be empty"};
  if (s.size() > max) throw Bad{field, fmt::format("longer than {} characters", max)};
  return s;
}

std::string id(const json& obj, const char* field, bool required = true) {
  std::string s = str(obj, field, required, kMaxIdLength);
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) throw Bad{field, "contains a control character"};
  return s;
}

std::optional<double> num(const json& obj, const char* field, bool required = false) {
  const json* v = find(obj, field);
  if (!v) {
    if (required) throw Bad{field, "required field is missing"};
    return std::nullopt;
  }
  if (!v->is_number()) throw Bad{field, "expected a number, got " + type_name(*v)};
  double d = v->get<double>();
  if (!std::isfinite(d)) throw Bad{field, "must be a finite number"};
  return d;
}

std::optional<Timestamp> ts(const json& obj, const char* field, bool required) {
  std::string s = str(obj, field, required, 64);
  if (s.empty()) return std::nullopt;
  auto t = parse_timestamp(s);
  if (!t.ok()) throw Bad{field, t.status().message()};
  return *t;
}

std::optional<Date> date(const json& obj, const char* field, bool required) {
  std::string s = str(obj, field, required, 64);
  if (s.empty()) return std::nullopt;
  auto d = parse_date(s);
  if (!d.ok()) throw Bad{field, d.status().message()};
  return *d;
}

template <typename E, typename Parse>
std::optional<E> enumeration(const json& obj, const char* field, Parse parse, const char* allowed) {
  std::string s = str(obj, field, false, 64);
  if (s.empty()) return std::nullopt;
  auto e = parse(s);
  if (!e) throw Bad{field, fmt::format("\"{}\" is not one of {}", s, allowed)};
  return e;
}

// "aliases": a list of "source:value" strings (records.h valid_alias); kept sorted and unique.
std::vector<std::string> aliases(const json& obj) {
  const json* v = find(obj, "aliases");
  if (!v) return {};
  if (!v->is_array()) throw Bad{"aliases", "expected a list of \"source:value\" strings, got " + type_name(*v)};
  if (v->size() > 64) throw Bad{"aliases", "more than 64 aliases"};
  std::vector<std::string> out;
  for (const auto& a : *v) {
    if (!a.is_string() || !valid_alias(a.get_ref<const std::string&>()))
      throw Bad{"aliases", fmt::format("{} is not \"source:value\" (source: a-z, 0-9, _ or -, up to 32; value: 1-320 "
                                       "characters, no control characters)",
                                       a.dump().substr(0, 80))};
    out.push_back(a.get<std::string>());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Account account_from(const json& o) {
  Account a;
  a.id = id(o, "id");
  a.name = str(o, "name", false);
  a.plan = str(o, "plan", false, kMaxIdLength);
  a.tier = str(o, "tier", false, kMaxIdLength);
  a.csm = str(o, "csm", false, kMaxIdLength);
  a.arr = num(o, "arr");
  if (a.arr && *a.arr < 0) throw Bad{"arr", "must not be negative"};
  a.renewal_date = date(o, "renewal_date", false);
  a.created_at = ts(o, "created_at", false);
  a.aliases = aliases(o);
  a.audience = enumeration<Audience>(o, "audience", parse_audience, "customer, trial, partner, employee")
                   .value_or(Audience::kCustomer);
  return a;
}

Learner learner_from(const json& o) {
  Learner l;
  l.id = id(o, "id");
  l.account = id(o, "account");
  l.email = str(o, "email", false, 320);
  l.role = str(o, "role", false, kMaxIdLength);
  l.access_level = str(o, "access_level", false, kMaxIdLength);
  l.created_at = ts(o, "created_at", false);
  l.audience = enumeration<Audience>(o, "audience", parse_audience, "customer, trial, partner, employee");
  l.departed_at = ts(o, "departed_at", false);
  l.aliases = aliases(o);
  return l;
}

Event event_from(const json& o) {
  static const std::set<std::string> kKnown = {"kind", "id", "account", "name", "ts", "learner", "qty", "props"};
  Event e;
  e.id = id(o, "id");
  e.account = id(o, "account");
  e.name = id(o, "name");
  e.ts = *ts(o, "ts", true);
  e.learner = id(o, "learner", false);
  e.qty = num(o, "qty").value_or(1.0);
  if (!(e.qty >= 0 && e.qty <= kMaxQty)) throw Bad{"qty", "must be a number from 0 to 1e12 (a count or amount)"};
  if (const json* p = find(o, "props")) {
    if (!p->is_object()) throw Bad{"props", "expected an object, got " + type_name(*p)};
    e.props = *p;
  }
  for (auto it = o.begin(); it != o.end(); ++it)
    if (!kKnown.count(it.key()) && !e.props.contains(it.key())) e.props[it.key()] = it.value();
  return e;
}

Completion completion_from(const json& o) {
  Completion c;
  c.id = id(o, "id", false);
  c.learner = id(o, "learner");
  c.content = id(o, "content");
  c.ts = *ts(o, "ts", true);
  c.status = enumeration<CompletionStatus>(o, "status", parse_completion_status,
                                           "started, completed, passed, failed")
                 .value_or(CompletionStatus::kCompleted);
  c.score = num(o, "score");
  return c;
}

Attendance attendance_from(const json& o) {
  Attendance a;
  a.learner = id(o, "learner");
  a.program = id(o, "program");
  auto s = num(o, "session", true);
  if (*s != std::floor(*s) || *s < 1 || *s > 1000) throw Bad{"session", "expected a whole number from 1"};
  a.session = static_cast<int>(*s);
  a.ts = *ts(o, "ts", true);
  a.cohort = id(o, "cohort", false);
  if (const json* v = find(o, "attended")) {
    if (!v->is_boolean()) throw Bad{"attended", "expected true or false, got " + type_name(*v)};
    a.attended = v->get<bool>();
  }
  return a;
}

ArrSnapshot arr_from(const json& o) {
  ArrSnapshot s;
  s.account = id(o, "account");
  s.date = *date(o, "date", true);
  s.arr = *num(o, "arr", true);
  if (s.arr < 0) throw Bad{"arr", "must not be negative"};
  return s;
}

Renewal renewal_from(const json& o) {
  Renewal r;
  r.account = id(o, "account");
  r.date = *date(o, "date", true);
  auto out = enumeration<RenewalOutcome>(o, "outcome", parse_renewal_outcome,
                                         "renewed, churned, expanded, contracted");
  if (!out) throw Bad{"outcome", "required field is missing"};
  r.outcome = *out;
  r.arr_before = num(o, "arr_before");
  r.arr_after = num(o, "arr_after");
  return r;
}

void put_opt_ts(json& j, const char* f, const std::optional<Timestamp>& t) {
  if (t) j[f] = format_timestamp(*t);
}
void put_str(json& j, const char* f, const std::string& s) {
  if (!s.empty()) j[f] = s;
}

}  // namespace

namespace {
constexpr std::string_view kAccountFields[] = {"id", "name", "plan", "tier", "arr", "csm", "renewal_date", "created_at",
                                               "audience", "aliases"};
constexpr std::string_view kLearnerFields[] = {"id", "account", "email", "role", "access_level", "created_at", "audience",
                                               "departed_at", "aliases"};

FieldSet fields_named(const json& obj, RecordKind kind) {
  auto names = entity_fields(kind);
  if (names.empty()) return kAllFields;
  FieldSet named = 0;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (obj.contains(names[i])) named |= FieldSet{1} << i;
  return named == (FieldSet{1} << names.size()) - 1 ? kAllFields : named;
}
}  // namespace

std::span<const std::string_view> entity_fields(RecordKind kind) {
  if (kind == RecordKind::kAccount) return kAccountFields;
  if (kind == RecordKind::kLearner) return kLearnerFields;
  return {};
}

json carried_json(const Record& r, FieldSet carried) {
  json whole = record_to_json(r);
  if (carried == kAllFields) return whole;
  json out = json::object();
  out["kind"] = whole["kind"];
  auto names = entity_fields(kind_of(r));
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!(carried & (FieldSet{1} << i))) continue;
    std::string name(names[i]);
    auto it = whole.find(name);
    out[name] = it == whole.end() ? json(nullptr) : *it;
  }
  return out;
}

RecordOrError record_from_json(const json& obj, std::optional<RecordKind> forced) {
  RecordOrError out;
  try {
    if (!obj.is_object()) throw Bad{"", "expected a JSON object, got " + type_name(obj)};
    RecordKind kind;
    if (forced) {
      kind = *forced;
    } else {
      std::string k = str(obj, "kind", true, 64);
      auto pk = parse_kind(k);
      if (!pk)
        throw Bad{"kind", fmt::format("unknown kind \"{}\" (want account, learner, event, completion, "
                                      "attendance, arr, renewal)", k)};
      kind = *pk;
    }
    switch (kind) {
      case RecordKind::kAccount:
        out.record = account_from(obj);
        out.fields = fields_named(obj, kind);
        break;
      case RecordKind::kLearner:
        out.record = learner_from(obj);
        out.fields = fields_named(obj, kind);
        break;
      case RecordKind::kEvent: out.record = event_from(obj); break;
      case RecordKind::kCompletion: out.record = completion_from(obj); break;
      case RecordKind::kAttendance: out.record = attendance_from(obj); break;
      case RecordKind::kArr: out.record = arr_from(obj); break;
      case RecordKind::kRenewal: out.record = renewal_from(obj); break;
    }
  } catch (const Bad& b) {
    out.record.reset();
    out.error = FieldError{b.field, b.reason};
  }
  return out;
}

json record_to_json(const Record& r) {
  json j = json::object();
  j["kind"] = kind_name(kind_of(r));
  struct Visitor {
    json& j;
    void operator()(const Account& a) {
      j["id"] = a.id;
      put_str(j, "name", a.name);
      put_str(j, "plan", a.plan);
      put_str(j, "tier", a.tier);
      if (a.arr) j["arr"] = *a.arr;
      put_str(j, "csm", a.csm);
      if (a.renewal_date) j["renewal_date"] = format_date(*a.renewal_date);
      put_opt_ts(j, "created_at", a.created_at);
      j["audience"] = audience_name(a.audience);
      if (!a.aliases.empty()) j["aliases"] = a.aliases;
    }
    void operator()(const Learner& l) {
      j["id"] = l.id;
      j["account"] = l.account;
      put_str(j, "email", l.email);
      put_str(j, "role", l.role);
      put_str(j, "access_level", l.access_level);
      put_opt_ts(j, "created_at", l.created_at);
      if (l.audience) j["audience"] = audience_name(*l.audience);
      put_opt_ts(j, "departed_at", l.departed_at);
      if (!l.aliases.empty()) j["aliases"] = l.aliases;
    }
    void operator()(const Event& e) {
      j["id"] = e.id;
      j["account"] = e.account;
      j["name"] = e.name;
      j["ts"] = format_timestamp(e.ts);
      put_str(j, "learner", e.learner);
      j["qty"] = e.qty;
      j["props"] = e.props;
    }
    void operator()(const Completion& c) {
      put_str(j, "id", c.id);
      j["learner"] = c.learner;
      j["content"] = c.content;
      j["ts"] = format_timestamp(c.ts);
      j["status"] = completion_status_name(c.status);
      if (c.score) j["score"] = *c.score;
    }
    void operator()(const Attendance& a) {
      j["learner"] = a.learner;
      j["program"] = a.program;
      j["session"] = a.session;
      j["ts"] = format_timestamp(a.ts);
      put_str(j, "cohort", a.cohort);
      j["attended"] = a.attended;
    }
    void operator()(const ArrSnapshot& s) {
      j["account"] = s.account;
      j["date"] = format_date(s.date);
      j["arr"] = s.arr;
    }
    void operator()(const Renewal& x) {
      j["account"] = x.account;
      j["date"] = format_date(x.date);
      j["outcome"] = renewal_outcome_name(x.outcome);
      if (x.arr_before) j["arr_before"] = *x.arr_before;
      if (x.arr_after) j["arr_after"] = *x.arr_after;
    }
  };
  std::visit(Visitor{j}, r);
  return j;
}

}  // namespace uplift
