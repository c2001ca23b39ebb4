#include <doctest/doctest.h>

#include "../enum_names.h"
#include "triggers/destination.h"

using namespace uplift::triggers;
using uplift::testing::check_names_round_trip;

TEST_CASE("destination kinds: every enumerator's name parses back to it") {
  check_names_round_trip({Destination::Kind::kSlack, Destination::Kind::kWebhook}, destination_kind_name,
                         parse_destination_kind);
}
