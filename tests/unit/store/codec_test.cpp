// PropsWriter (the reused-buffer props encoder of bulk writes) must write exactly props_text.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "store/codec.h"

using namespace uplift;
using uplift::store::PropsWriter;
using uplift::store::props_text;

TEST_CASE("PropsWriter writes the same text as props_text, call after call") {
  PropsWriter w;
  std::vector<nlohmann::json> cases = {
      nlohmann::json::object(),
      nlohmann::json(nullptr),
      {{"group_id", "g1"}},
      {{"b", 2}, {"a", "x\"y\\z\n\u00e9\u2028"}},
      {{"nested", {{"list", {1, 2.5, -3, true, nullptr}}}}, {"s", ""}},
      {{"big", 1e300}, {"neg", -0.0}, {"u", 18446744073709551615ULL}},
      {{"group_id", "g2"}},
      // The plain-string shortcut's edges: what it writes as is, and what it leaves to nlohmann.
      {{"a", "x"}, {"b", " ~\x7f"}, {"c", ""}, {"", "empty key"}},
      {{"tab", "a\tb"}, {"ok", "v"}},
      {{"ok", "v"}, {"unit", "\x1f"}},
      {{"quote\"key", "v"}},
      {{"k", "caf\u00e9"}},
      {{"k", "v"}, {"n", 1}},
      {{"k", "v"}, {"z", {{"inner", "x"}}}},
      {{"k", "back\\slash"}},
      nlohmann::json::array({"not", "an", "object"}),
  };
  for (const auto& props : cases) {
    Event e;
    e.props = props;
    INFO("props: " << props.dump());
    CHECK(w.text(e) == props_text(e));
  }
}

TEST_CASE("PropsWriter refuses invalid UTF-8 like props_text, and keeps working afterwards") {
  PropsWriter w;
  Event bad;
  bad.props = {{"s", std::string("\xff")}};
  CHECK_THROWS_AS(w.text(bad), nlohmann::json::exception);
  CHECK_THROWS_AS(props_text(bad), nlohmann::json::exception);
  Event good;
  good.props = {{"k", "v"}};
  CHECK(w.text(good) == R"({"k":"v"})");
}
