#include <doctest/doctest.h>

#include "../enum_names.h"
#include "recommend/content_map.h"

using namespace uplift::recommend;
using uplift::testing::check_names_round_trip;

TEST_CASE("catalog item types: every enumerator's name parses back to it") {
  check_names_round_trip({ItemType::kCourse, ItemType::kPath, ItemType::kLive, ItemType::kArticle}, item_type_name,
                         parse_item_type);
}
