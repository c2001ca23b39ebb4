#include <doctest/doctest.h>

#include "../enum_names.h"
#include "http/keys.h"

using namespace uplift::http;
using uplift::testing::check_names_round_trip;

TEST_CASE("key scopes: every enumerator's name parses back to it") {
  check_names_round_trip({Scope::kIngest, Scope::kLms, Scope::kAdmin, Scope::kAnalyst}, scope_name, parse_scope);
}
