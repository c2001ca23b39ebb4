// Segments: named rules that put learners into groups (new admins, trial prospects, renewal
// risk…), evaluated over what uplift knows about a learner and its account.
//
// A rule is a tree: `all`, `any`, `not` over leaf conditions on one field each. Fields:
//   stage, role, plan, tier, access_level, audience   (text; equals one of the listed values)
//   achieved, flag                                     (the account achieved every listed
//                                                       milestone / carries every listed flag kind)
//   tenure_days, account_tenure_days                   (whole days since the learner's / account's
//                                                       created_at, relative to an explicit as_of)
// Evaluation is pure and deterministic: no wall clock, no I/O. A learner may be in any number of
// segments. A condition on an unknown value (no created_at, no account state) is false.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dataset.h"
#include "core/records.h"
#include "milestones/state.h"

namespace uplift::segments {

enum class Field { kStage, kRole, kPlan, kTier, kAccessLevel, kAudience, kAchieved, kFlag, kTenureDays,
                   kAccountTenureDays };
enum class Op { kIn, kNotIn, kHasAll, kGt, kGte, kLt, kLte, kEq };

// Each enum's one spelling (the segment files' keys and operators, the API's rule JSON), and
// back; nullopt for any other name.
std::string_view field_name(Field f);
std::optional<Field> parse_field(std::string_view name);
std::string_view op_name(Op op);
std::optional<Op> parse_op(std::string_view name);

struct Condition {
  Field field = Field::kRole;
  Op op = Op::kIn;
  std::vector<std::string> values;  // text and set fields
  double number = 0;                // tenure fields
};

struct Rule {
  enum class Kind { kAll, kAny, kNot, kLeaf };
  Kind kind = Kind::kAll;
  std::vector<Rule> children;  // all/any: any number; not: exactly one
  Condition condition;         // kLeaf
};

struct Segment {
  std::string id, title, description;
  Rule rule;
  std::string source;  // the file it was loaded from, for messages
};

// The segments of one or more catalog files, in file order then definition order.
struct SegmentSet {
  std::vector<Segment> segments;
  const Segment* find(std::string_view id) const;
  std::size_t index_of(std::string_view id) const;  // npos when unknown
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

// Everything a rule can look at for one learner. The account and state may be null (learner
// without an imported account, account without evaluated state); the learner is not.
struct LearnerFacts {
  LearnerRef learner;
  const Account* account = nullptr;
  const milestones::AccountState* state = nullptr;
  Audience audience = Audience::kCustomer;
  Timestamp as_of = 0;
};

// Finds the evaluated state of an account (null when there is none).
using StateLookup = std::function<const milestones::AccountState*(std::string_view account)>;

LearnerFacts facts_for(const Dataset& data, LearnerRef learner, const milestones::AccountState* state,
                       Timestamp as_of);

bool matches(const Rule& rule, const LearnerFacts& facts);

// Whether every rule decides the same for an account's learners with evaluated state `a` as with
// `b`, their records and the instant being the same: of a state, rules read only the stage,
// which milestones are achieved and which kinds of flag are raised. Progress, dates, the frontier
// and a flag's numbers may differ. Two null states are the same; a null and a non-null one are not.
bool same_rule_inputs(const milestones::AccountState* a, const milestones::AccountState* b);

// Indices (into set.segments) of the segments the learner belongs to, in catalog order.
// `out` is cleared first; passing a reused vector keeps the hot path allocation-free.
void member_of(const SegmentSet& set, const LearnerFacts& facts, std::vector<std::uint32_t>& out);

// One leaf condition that decided a segment: "role in [admin] (actual: admin) held".
struct Witness {
  std::string field, op;
  nlohmann::json expected;  // the rule's value(s)
  nlohmann::json actual;    // the learner's value; null when unknown
  bool holds = true;        // false for conditions under a `not` whose failure made it match
};

struct SegmentMatch {
  std::string segment;
  std::vector<Witness> matched;  // the leaf conditions that made the rule true
};

// Every segment the learner belongs to, each with the conditions that put it there.
std::vector<SegmentMatch> explain(const SegmentSet& set, const LearnerFacts& facts);

nlohmann::json to_json(const Witness& w);
nlohmann::json to_json(const SegmentMatch& m);
// The rule as written in a catalog file (used by `segments list` and GET /v1/segments).
nlohmann::json rule_to_json(const Rule& rule);
nlohmann::json to_json(const Segment& s);

// Learners of one segment in id order, paged; `total` counts every member.
struct SegmentMembers {
  std::string segment;
  std::size_t total = 0, offset = 0, limit = 0;
  std::vector<std::string> learners;
};
Result<SegmentMembers> members(const SegmentSet& set, std::string_view segment, const Dataset& data,
                               const StateLookup& states, Timestamp as_of, std::size_t offset,
                               std::size_t limit);
nlohmann::json to_json(const SegmentMembers& m);

}  // namespace uplift::segments
