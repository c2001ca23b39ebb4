#include "segments/segment.h"

#include <cmath>

namespace uplift::segments {

using nlohmann::json;

json to_json(const Witness& w) {
  json j = {{"field", w.field}, {"op", w.op}, {"expected", w.expected}, {"actual", w.actual}};
  if (!w.holds) j["negated"] = true;
  return j;
}

json to_json(const SegmentMatch& m) {
  json matched = json::array();
  for (const auto& w : m.matched) matched.push_back(to_json(w));
  return {{"segment", m.segment}, {"matched", matched}};
}

json rule_to_json(const Rule& rule) {
  switch (rule.kind) {
    case Rule::Kind::kNot: return {{"not", rule_to_json(rule.children.front())}};
    case Rule::Kind::kAll:
    case Rule::Kind::kAny: {
      json list = json::array();
      for (const auto& c : rule.children) list.push_back(rule_to_json(c));
      return {{rule.kind == Rule::Kind::kAll ? "all" : "any", list}};
    }
    case Rule::Kind::kLeaf: break;
  }
  const Condition& c = rule.condition;
  std::string field(field_name(c.field));
  switch (c.op) {
    case Op::kIn: return {{field, c.values.size() == 1 ? json(c.values.front()) : json(c.values)}};
    case Op::kNotIn: return {{field, {{std::string(op_name(c.op)), c.values}}}};
    case Op::kHasAll: return {{field, c.values.size() == 1 ? json(c.values.front()) : json(c.values)}};
    default: {
      // A whole number prints as an integer; one past ±2^53 (or not whole) stays a double — casting
      // a double beyond int64's range is undefined (found by fuzz_segments: `{"gt": 4444…}`).
      const bool whole = std::abs(c.number) < 9007199254740992.0 && c.number == std::trunc(c.number);
      json n = whole ? json(static_cast<std::int64_t>(c.number)) : json(c.number);
      return {{field, {{std::string(op_name(c.op)), n}}}};
    }
  }
}

json to_json(const Segment& s) {
  json j = {{"id", s.id}, {"rule", rule_to_json(s.rule)}};
  if (!s.title.empty()) j["title"] = s.title;
  if (!s.description.empty()) j["description"] = s.description;
  return j;
}

json to_json(const SegmentMembers& m) {
  return {{"segment", m.segment}, {"total", m.total}, {"offset", m.offset}, {"limit", m.limit},
          {"learners", m.learners}};
}

}  // namespace uplift::segments
