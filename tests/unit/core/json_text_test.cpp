#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/json_text.h"

using namespace uplift;

// append_json_string writes what nlohmann's dump writes for the same string, so hand-written JSON
// (the hot paths: request log lines, recommendations) parses back to the text it was given.
TEST_CASE("append_json_string escapes exactly as the JSON library does") {
  std::vector<std::string> texts = {
      "",
      "plain ascii text",
      "quote \" inside",
      "\"",
      "back\\slash",
      "\\",
      "tab\tnew\nline\rret\bback\fform",
      std::string("nul\0byte", 8),
      "\x01\x1f control at the end \x1f",
      "\x7f del is not escaped",
      "caf\xc3\xa9 non-ASCII",
      "Zo\xc3\xab \"and\" \\ \n all",
      "bad utf-8 \xff here",
  };
  for (char c = 1; c < 0x20; ++c) texts.push_back(std::string("a") + c + "b");
  for (const auto& t : texts) {
    std::string out = "[";
    append_json_string(out, t);
    out += "]";
    CAPTURE(t);
    const std::string expected =
        "[" + nlohmann::json(t).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "]";
    CHECK(out == expected);
    auto back = nlohmann::json::parse(out);
    if (t.find('\xff') == std::string::npos) CHECK(back[0].get<std::string>() == t);
  }
}

TEST_CASE("append_json_number writes what the JSON library's dump writes") {
  std::vector<double> values = {0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.0 / 3, 2.0 / 3, 100.0, 1e14, 1e15, 1e16, 1e17,
                                123456789.0, 1234567890123456.0, 12345678901234567.0, 1e-4, 1e-5, 0.00012345,
                                1e21, 1e22, 1e300, 2.5e-308, std::numeric_limits<double>::min(),
                                std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::lowest(), std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);  // any bit pattern: every exponent, NaNs, subnormals
    values.push_back(v);
    values.push_back(std::ldexp(static_cast<double>(rng() % 100000), static_cast<int>(rng() % 60) - 30));
  }
  for (double v : values) {
    std::string out = "x";
    append_json_number(out, v);
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    REQUIRE_MESSAGE(out == "x" + nlohmann::json(v).dump(), "value bits 0x" << std::hex << bits);
  }
}
