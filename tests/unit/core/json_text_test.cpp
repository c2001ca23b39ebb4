#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

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
