#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "segments/segment.h"

namespace uplift::segments {
namespace {

using nlohmann::json;

const std::string kEmpty;

// The learner's value of a text field; null when it is unknown.
std::optional<std::string_view> text_of(Field f, const LearnerFacts& x) {
  switch (f) {
    case Field::kStage: return x.state ? std::optional<std::string_view>(x.state->stage) : std::nullopt;
    case Field::kRole: return x.learner->role();
    case Field::kPlan: return x.account ? std::optional<std::string_view>(x.account->plan) : std::nullopt;
    case Field::kTier: return x.account ? std::optional<std::string_view>(x.account->tier) : std::nullopt;
    case Field::kAccessLevel: return x.learner->access_level();
    default: return std::nullopt;
  }
}

std::optional<double> days_of(Field f, const LearnerFacts& x) {
  std::optional<Timestamp> created;
  if (f == Field::kTenureDays) created = x.learner->created_at();
  if (f == Field::kAccountTenureDays && x.account) created = x.account->created_at;
  if (!created) return std::nullopt;
  // Whole days elapsed: 23h after creation is day 0; floor also for instants before creation.
  Timestamp diff = x.as_of - *created;
  Timestamp days = diff / kMsPerDay;
  if (diff % kMsPerDay != 0 && diff < 0) --days;
  return static_cast<double>(days);
}

bool has(const LearnerFacts& x, Field f, const std::string& v) {
  if (!x.state) return false;
  if (f == Field::kAchieved) {
    const auto* m = x.state->find(v);
    return m && m->achieved;
  }
  for (const auto& fl : x.state->flags)
    if (fl.kind == v) return true;
  return false;
}

bool in(const std::vector<std::string>& values, std::string_view s) {
  return std::find(values.begin(), values.end(), s) != values.end();
}

bool leaf_holds(const Condition& c, const LearnerFacts& x) {
  switch (c.field) {
    case Field::kAudience: {
      bool found = in(c.values, audience_name(x.audience));
      return c.op == Op::kNotIn ? !found : found;
    }
    case Field::kAchieved:
    case Field::kFlag:
      return std::all_of(c.values.begin(), c.values.end(), [&](const auto& v) { return has(x, c.field, v); });
    case Field::kTenureDays:
    case Field::kAccountTenureDays: {
      auto d = days_of(c.field, x);
      if (!d) return false;
      switch (c.op) {
        case Op::kGt: return *d > c.number;
        case Op::kGte: return *d >= c.number;
        case Op::kLt: return *d < c.number;
        case Op::kLte: return *d <= c.number;
        default: return *d == c.number;
      }
    }
    default: {
      const std::optional<std::string_view> v = text_of(c.field, x);
      if (!v) return false;  // unknown stays unknown, also for not_in
      bool found = in(c.values, *v);
      return c.op == Op::kNotIn ? !found : found;
    }
  }
}

json actual_of(const Condition& c, const LearnerFacts& x) {
  switch (c.field) {
    case Field::kAudience: return std::string(audience_name(x.audience));
    case Field::kAchieved:
    case Field::kFlag: {
      json a = json::array();
      for (const auto& v : c.values)
        if (has(x, c.field, v)) a.push_back(v);
      return a;
    }
    case Field::kTenureDays:
    case Field::kAccountTenureDays: {
      auto d = days_of(c.field, x);
      return d ? json(static_cast<std::int64_t>(*d)) : json(nullptr);
    }
    default: {
      const std::optional<std::string_view> v = text_of(c.field, x);
      return v ? json(*v) : json(nullptr);
    }
  }
}

json expected_of(const Condition& c) {
  if (c.field == Field::kTenureDays || c.field == Field::kAccountTenureDays) {
    if (std::abs(c.number) < 9007199254740992.0 && c.number == std::floor(c.number))  // int64 cast in range
      return static_cast<std::int64_t>(c.number);
    return c.number;
  }
  return c.values;
}

// Collects the leaves that make `rule` evaluate to `want` (witnesses of why it is true/false).
void witnesses(const Rule& rule, const LearnerFacts& x, bool want, std::vector<Witness>& out) {
  switch (rule.kind) {
    case Rule::Kind::kLeaf:
      if (leaf_holds(rule.condition, x) == want) {
        out.push_back(Witness{std::string(field_name(rule.condition.field)), std::string(op_name(rule.condition.op)),
                              expected_of(rule.condition), actual_of(rule.condition, x), want});
      }
      return;
    case Rule::Kind::kNot:
      witnesses(rule.children.front(), x, !want, out);
      return;
    case Rule::Kind::kAll:
    case Rule::Kind::kAny: {
      // all→true and any→false need every child; otherwise the deciding children suffice.
      bool every = (rule.kind == Rule::Kind::kAll) == want;
      for (const auto& c : rule.children) {
        if (every || matches(c, x) == want) witnesses(c, x, want, out);
        if (!every && matches(c, x) == want) return;
      }
      return;
    }
  }
}

}  // namespace

std::string_view field_name(Field f) {
  switch (f) {
    case Field::kStage: return "stage";
    case Field::kRole: return "role";
    case Field::kPlan: return "plan";
    case Field::kTier: return "tier";
    case Field::kAccessLevel: return "access_level";
    case Field::kAudience: return "audience";
    case Field::kAchieved: return "achieved";
    case Field::kFlag: return "flag";
    case Field::kTenureDays: return "tenure_days";
    case Field::kAccountTenureDays: return "account_tenure_days";
  }
  return "?";
}

std::optional<Field> parse_field(std::string_view name) {
  for (Field f : {Field::kStage, Field::kRole, Field::kPlan, Field::kTier, Field::kAccessLevel, Field::kAudience,
                  Field::kAchieved, Field::kFlag, Field::kTenureDays, Field::kAccountTenureDays})
    if (field_name(f) == name) return f;
  return std::nullopt;
}

std::string_view op_name(Op op) {
  switch (op) {
    case Op::kIn: return "in";
    case Op::kNotIn: return "not_in";
    case Op::kHasAll: return "has_all";
    case Op::kGt: return "gt";
    case Op::kGte: return "gte";
    case Op::kLt: return "lt";
    case Op::kLte: return "lte";
    case Op::kEq: return "eq";
  }
  return "?";
}

std::optional<Op> parse_op(std::string_view name) {
  for (Op op : {Op::kIn, Op::kNotIn, Op::kHasAll, Op::kGt, Op::kGte, Op::kLt, Op::kLte, Op::kEq})
    if (op_name(op) == name) return op;
  return std::nullopt;
}

const Segment* SegmentSet::find(std::string_view id) const {
  std::size_t i = index_of(id);
  return i == npos ? nullptr : &segments[i];
}

std::size_t SegmentSet::index_of(std::string_view id) const {
  for (std::size_t i = 0; i < segments.size(); ++i)
    if (segments[i].id == id) return i;
  return npos;
}

LearnerFacts facts_for(const Dataset& data, LearnerRef learner, const milestones::AccountState* state,
                       Timestamp as_of) {
  LearnerFacts f;
  f.learner = learner;
  f.account = data.account(learner.account());
  f.state = state;
  f.audience = data.audience_of(learner);
  f.as_of = as_of;
  return f;
}

bool same_rule_inputs(const milestones::AccountState* a, const milestones::AccountState* b) {
  if (!a || !b) return a == b;
  if (a->stage != b->stage) return false;
  // has(): a milestone is achieved when listed and achieved; a flag kind is raised when any flag has it.
  auto achieved = [](const milestones::AccountState& s, const std::string& id) {
    const auto* m = s.find(id);
    return m && m->achieved;
  };
  const bool same_order = a->milestones.size() == b->milestones.size() &&
                          std::equal(a->milestones.begin(), a->milestones.end(), b->milestones.begin(),
                                     [](const auto& x, const auto& y) { return x.id == y.id; });
  if (same_order) {
    for (std::size_t i = 0; i < a->milestones.size(); ++i)
      if (a->milestones[i].achieved != b->milestones[i].achieved) return false;
  } else {
    for (const auto& m : a->milestones)
      if (m.achieved != achieved(*b, m.id)) return false;
    for (const auto& m : b->milestones)
      if (m.achieved != achieved(*a, m.id)) return false;
  }
  auto raised = [](const milestones::AccountState& s, const std::string& kind) {
    return std::any_of(s.flags.begin(), s.flags.end(), [&](const auto& f) { return f.kind == kind; });
  };
  for (const auto& f : a->flags)
    if (!raised(*b, f.kind)) return false;
  for (const auto& f : b->flags)
    if (!raised(*a, f.kind)) return false;
  return true;
}

bool matches(const Rule& rule, const LearnerFacts& x) {
  switch (rule.kind) {
    case Rule::Kind::kLeaf: return leaf_holds(rule.condition, x);
    case Rule::Kind::kNot: return !matches(rule.children.front(), x);
    case Rule::Kind::kAll:
      for (const auto& c : rule.children)
        if (!matches(c, x)) return false;
      return true;
    case Rule::Kind::kAny:
      for (const auto& c : rule.children)
        if (matches(c, x)) return true;
      return false;
  }
  return false;
}

void member_of(const SegmentSet& set, const LearnerFacts& facts, std::vector<std::uint32_t>& out) {
  out.clear();
  for (std::size_t i = 0; i < set.segments.size(); ++i)
    if (matches(set.segments[i].rule, facts)) out.push_back(static_cast<std::uint32_t>(i));
}

std::vector<SegmentMatch> explain(const SegmentSet& set, const LearnerFacts& facts) {
  std::vector<SegmentMatch> out;
  for (const auto& s : set.segments) {
    if (!matches(s.rule, facts)) continue;
    SegmentMatch m{s.id, {}};
    witnesses(s.rule, facts, true, m.matched);
    out.push_back(std::move(m));
  }
  return out;
}

Result<SegmentMembers> members(const SegmentSet& set, std::string_view segment, const Dataset& data,
                               const StateLookup& states, Timestamp as_of, std::size_t offset,
                               std::size_t limit) {
  const Segment* s = set.find(segment);
  if (!s) return Status::NotFound(fmt::format("segment '{}' is not defined", segment));
  SegmentMembers out{s->id, 0, offset, limit, {}};
  for (LearnerRef learner : data.learners()) {
    LearnerFacts f = facts_for(data, learner, states ? states(learner.account()) : nullptr, as_of);
    if (!matches(s->rule, f)) continue;
    if (out.total >= offset && out.learners.size() < limit) out.learners.emplace_back(learner.id());
    ++out.total;
  }
  return out;
}

}  // namespace uplift::segments
