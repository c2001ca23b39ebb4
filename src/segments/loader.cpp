#include "segments/loader.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "segments/json_source.h"

namespace uplift::segments {
namespace {

using nlohmann::json;

// A rule field (its key is its name, segment.h) and the values it takes.
struct FieldInfo {
  std::string_view name;
  Field field;
  enum Type { kText, kSet, kDays } type;
};

std::optional<FieldInfo> find_field(std::string_view name) {
  auto f = parse_field(name);
  if (!f) return std::nullopt;
  switch (*f) {
    case Field::kAchieved:
    case Field::kFlag: return FieldInfo{field_name(*f), *f, FieldInfo::kSet};
    case Field::kTenureDays:
    case Field::kAccountTenureDays: return FieldInfo{field_name(*f), *f, FieldInfo::kDays};
    default: return FieldInfo{field_name(*f), *f, FieldInfo::kText};
  }
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Parses one segment's rule tree, appending every problem to `errors` prefixed with `where`.
class RuleParser {
 public:
  RuleParser(std::string where, const KnownIds& known, std::vector<std::string>& errors)
      : where_(std::move(where)), known_(known), errors_(errors) {}

  Rule parse(const json& node, const std::string& path) {
    Rule rule;
    if (!node.is_object() || node.empty()) {
      error(path, "a rule must be a non-empty object (all/any/not or a field), got " + config::brief(node));
      return rule;
    }
    std::vector<Rule> parts;
    for (const auto& [key, value] : node.items()) {
      std::string at = path + "." + key;
      if (key == "all" || key == "any") {
        Rule r;
        r.kind = key == "all" ? Rule::Kind::kAll : Rule::Kind::kAny;
        if (!value.is_array() || value.empty()) {
          error(at, "expected a non-empty list of rules");
        } else {
          for (std::size_t i = 0; i < value.size(); ++i)
            r.children.push_back(parse(value[i], fmt::format("{}[{}]", at, i)));
        }
        parts.push_back(std::move(r));
      } else if (key == "not") {
        Rule r;
        r.kind = Rule::Kind::kNot;
        r.children.push_back(parse(value, at));
        parts.push_back(std::move(r));
      } else if (auto f = find_field(key)) {
        parse_field(*f, value, at, parts);
      } else {
        error(at, fmt::format("unknown field '{}' (expected all, any, not, stage, role, plan, tier, "
                              "access_level, audience, achieved, flag, tenure_days, account_tenure_days)",
                              key));
      }
    }
    if (parts.size() == 1) return std::move(parts.front());
    rule.kind = Rule::Kind::kAll;
    rule.children = std::move(parts);
    return rule;
  }

 private:
  std::string where_;
  const KnownIds& known_;
  std::vector<std::string>& errors_;

  void error(const std::string& path, const std::string& msg) {
    errors_.push_back(fmt::format("{}: {}: {}", where_, path, msg));
  }

  static Rule leaf(Field field, Op op, std::vector<std::string> values = {}, double number = 0) {
    Rule r;
    r.kind = Rule::Kind::kLeaf;
    r.condition = Condition{field, op, std::move(values), number};
    return r;
  }

  std::vector<std::string> strings(const FieldInfo& f, const json& v, const std::string& at) {
    std::vector<std::string> out;
    auto take = [&](const json& s) {
      if (!s.is_string() || s.get_ref<const std::string&>().empty()) {
        error(at, fmt::format("expected a non-empty string, got {}", config::brief(s)));
        return;
      }
      out.push_back(s.get<std::string>());
      check_value(f, out.back(), at);
    };
    if (v.is_array()) {
      if (v.empty()) error(at, "expected at least one value");
      for (const auto& s : v) take(s);
    } else {
      take(v);
    }
    return out;
  }

  void check_value(const FieldInfo& f, const std::string& s, const std::string& at) {
    if (f.field == Field::kAudience && !parse_audience(s))
      error(at, fmt::format("unknown audience '{}' (expected customer, trial, partner, employee)", s));
    if (f.field == Field::kStage && !known_.stages.empty() && !contains(known_.stages, s))
      error(at, fmt::format("unknown stage '{}'", s));
    if (f.field == Field::kAchieved && !known_.milestones.empty() && !contains(known_.milestones, s))
      error(at, fmt::format("unknown milestone '{}'", s));
  }

  void parse_field(const FieldInfo& f, const json& value, const std::string& at, std::vector<Rule>& parts) {
    if (f.type == FieldInfo::kSet) {
      parts.push_back(leaf(f.field, Op::kHasAll, strings(f, value, at)));
      return;
    }
    if (f.type == FieldInfo::kText) {
      if (!value.is_object()) {
        parts.push_back(leaf(f.field, Op::kIn, strings(f, value, at)));
        return;
      }
      if (value.size() != 1) {
        error(at, "expected exactly one operator (in or not_in)");
        return;
      }
      const std::string op = value.begin().key();
      const json& v = value.begin().value();
      if (auto o = parse_op(op); o == Op::kIn || o == Op::kNotIn) {
        parts.push_back(leaf(f.field, *o, strings(f, v, at + "." + op)));
      } else {
        error(at, fmt::format("unknown operator '{}' for field '{}' (expected in, not_in)", op, f.name));
      }
      return;
    }
    // Days: a bare number means eq; an object combines comparisons with and.
    auto number = [&](const json& v, const std::string& p) -> std::optional<double> {
      if (!v.is_number()) {
        error(p, fmt::format("expected a number of days, got {}", config::brief(v)));
        return std::nullopt;
      }
      double d = v.get<double>();
      if (d < 0) {
        error(p, fmt::format("days must not be negative, got {}", config::brief(v)));
        return std::nullopt;
      }
      return d;
    };
    if (!value.is_object()) {
      if (auto d = number(value, at)) parts.push_back(leaf(f.field, Op::kEq, {}, *d));
      return;
    }
    if (value.empty()) error(at, "expected at least one of gt, gte, lt, lte, eq");
    for (const auto& [op, v] : value.items()) {
      auto o = parse_op(op);
      if (!o || *o == Op::kIn || *o == Op::kNotIn || *o == Op::kHasAll) {
        error(at, fmt::format("unknown operator '{}' for field '{}' (expected gt, gte, lt, lte, eq)", op, f.name));
        continue;
      }
      if (auto d = number(v, at + "." + op)) parts.push_back(leaf(f.field, *o, {}, *d));
    }
  }
};

}  // namespace

Status parse_segments(const json& doc, const std::string& name, const KnownIds& known, SegmentSet& set) {
  std::vector<std::string> errors;
  if (!doc.is_object() || !doc.contains("segments") || !doc["segments"].is_array()) {
    return Status::InvalidArgument(fmt::format("{}: expected an object with a \"segments\" list", name));
  }
  for (const auto& [key, _] : doc.items()) {
    if (key != "segments" && key != "id" && key != "description")
      errors.push_back(fmt::format("{}: unknown top-level field '{}'", name, key));
  }
  const auto& list = doc["segments"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& s = list[i];
    std::string label = fmt::format("segments[{}]", i);
    if (!s.is_object()) {
      errors.push_back(fmt::format("{}: {}: expected an object", name, label));
      continue;
    }
    if (!s.contains("id") || !s["id"].is_string() || s["id"].get_ref<const std::string&>().empty()) {
      errors.push_back(fmt::format("{}: {}: required field 'id' is missing or not a non-empty string", name, label));
      continue;
    }
    Segment seg;
    seg.id = s["id"].get<std::string>();
    seg.source = name;
    std::string where = fmt::format("{}: segment '{}'", name, seg.id);
    if (set.find(seg.id)) {
      const Segment* first = set.find(seg.id);
      errors.push_back(fmt::format("{}: duplicate segment id (first defined in {})", where, first->source));
      continue;
    }
    for (const auto& [key, v] : s.items()) {
      if (key == "id" || key == "rule") continue;
      if (key == "title" || key == "description") {
        if (!v.is_string()) errors.push_back(fmt::format("{}: {}: expected a string", where, key));
        else (key == "title" ? seg.title : seg.description) = v.get<std::string>();
      } else {
        errors.push_back(fmt::format("{}: unknown field '{}'", where, key));
      }
    }
    if (!s.contains("rule")) {
      errors.push_back(fmt::format("{}: required field 'rule' is missing", where));
      continue;
    }
    RuleParser parser(where, known, errors);
    seg.rule = parser.parse(s["rule"], "rule");
    // Kept even when its rule has errors, so a later duplicate id is still reported.
    set.segments.push_back(std::move(seg));
  }
  if (errors.empty()) return Status::OK();
  std::string msg;
  for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
  return Status::InvalidArgument(msg);
}

Result<SegmentSet> load_segments(const std::string& path, const KnownIds& known) {
  auto files = config::json_files_at(path);
  if (!files.ok()) return files.status();
  SegmentSet set;
  std::vector<std::string> errors;
  for (const auto& file : *files) {
    auto doc = config::read_json_file(file);
    if (!doc.ok()) {
      errors.push_back(doc.status().message());
      continue;
    }
    Status st = parse_segments(*doc, file, known, set);
    if (!st.ok()) errors.push_back(st.message());
  }
  if (errors.empty()) return set;
  std::string msg;
  for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
  return Status::InvalidArgument(msg);
}

}  // namespace uplift::segments
