// The graph's enums have one spelling each (graph.h): the JSON export, the API and `uplift
// status` all say "k_of_n", never "k of n".
#include <doctest/doctest.h>

#include "../enum_names.h"
#include "milestones/graph.h"

using namespace uplift::milestones;
using uplift::testing::check_names_round_trip;

TEST_CASE("graph enums: every enumerator's name parses back to it") {
  check_names_round_trip({GateMode::kAll, GateMode::kAny, GateMode::kKOfN}, gate_mode_name, parse_gate_mode);
  check_names_round_trip({Measure::kCount, Measure::kDistinct, Measure::kSum}, measure_name, parse_measure);
  check_names_round_trip({Source::kEvents, Source::kCompletions}, source_name, parse_source);
  CHECK(gate_mode_name(GateMode::kKOfN) == "k_of_n");
}
