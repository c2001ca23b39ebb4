// Every enumerator of the record enums round-trips through its one name/parse pair (records.h).
#include <doctest/doctest.h>

#include "../enum_names.h"
#include "core/records.h"

using namespace uplift;
using testing::check_names_round_trip;

TEST_CASE("record enums: every enumerator's name parses back to it") {
  check_names_round_trip({RecordKind::kAccount, RecordKind::kLearner, RecordKind::kEvent, RecordKind::kCompletion,
                          RecordKind::kAttendance, RecordKind::kArr, RecordKind::kRenewal},
                         kind_name, parse_kind);
  check_names_round_trip({Audience::kCustomer, Audience::kTrial, Audience::kPartner, Audience::kEmployee},
                         audience_name, parse_audience);
  check_names_round_trip({CompletionStatus::kStarted, CompletionStatus::kCompleted, CompletionStatus::kPassed,
                          CompletionStatus::kFailed},
                         completion_status_name, parse_completion_status);
  check_names_round_trip({RenewalOutcome::kRenewed, RenewalOutcome::kChurned, RenewalOutcome::kExpanded,
                          RenewalOutcome::kContracted},
                         renewal_outcome_name, parse_renewal_outcome);
}
