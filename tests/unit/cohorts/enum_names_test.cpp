#include <doctest/doctest.h>

#include "../enum_names.h"
#include "cohorts/cohort.h"

using namespace uplift::cohorts;
using uplift::testing::check_names_round_trip;

TEST_CASE("cohort status: every enumerator's name parses back to it") {
  check_names_round_trip({CohortStatus::kProposed, CohortStatus::kSent, CohortStatus::kClosed}, cohort_status_name,
                         parse_cohort_status);
}
