// A segment rule's fields and operators have one spelling each (segment.h), read by the loader
// and written by the rule JSON.
#include <doctest/doctest.h>

#include "../enum_names.h"
#include "segments/segment.h"

using namespace uplift::segments;
using uplift::testing::check_names_round_trip;

TEST_CASE("segment enums: every enumerator's name parses back to it") {
  check_names_round_trip({Field::kStage, Field::kRole, Field::kPlan, Field::kTier, Field::kAccessLevel,
                          Field::kAudience, Field::kAchieved, Field::kFlag, Field::kTenureDays,
                          Field::kAccountTenureDays},
                         field_name, parse_field);
  check_names_round_trip({Op::kIn, Op::kNotIn, Op::kHasAll, Op::kGt, Op::kGte, Op::kLt, Op::kLte, Op::kEq}, op_name,
                         parse_op);
}
