// Checks one enum's name/parse pair (the one place its spelling lives, next to the enum) over
// every enumerator the test lists: names are non-empty and distinct, each parses back to its
// enumerator, and a name no enumerator has parses to nothing.
#pragma once

#include <doctest/doctest.h>

#include <initializer_list>
#include <set>
#include <string>
#include <string_view>

namespace uplift::testing {

template <typename E, typename Name, typename Parse>
void check_names_round_trip(std::initializer_list<E> all, Name name, Parse parse) {
  std::set<std::string> seen;
  for (E e : all) {
    const std::string n(name(e));
    CAPTURE(n);
    CHECK_FALSE(n.empty());
    CHECK(seen.insert(n).second);
    const auto back = parse(n);
    REQUIRE(back.has_value());
    CHECK(*back == e);
  }
  CHECK_FALSE(parse("no such name").has_value());
  CHECK_FALSE(parse("").has_value());
}

}  // namespace uplift::testing
