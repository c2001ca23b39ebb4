#include <doctest/doctest.h>

#include "../enum_names.h"
#include "ingest/source.h"

using namespace uplift::ingest;
using uplift::testing::check_names_round_trip;

TEST_CASE("input formats: every enumerator's name parses back to it") {
  check_names_round_trip({InputFormat::kNdjson, InputFormat::kCsv}, input_format_name, parse_input_format);
}
