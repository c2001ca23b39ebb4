#include "http/json_body.h"

#include <string>

namespace uplift::http {

int json_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > limit) return -1;
      if (depth > deepest) deepest = depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

Result<nlohmann::json> parse_json(std::string_view text, int max_depth) {
  if (json_depth(text, max_depth) < 0)
    return Status::InvalidArgument("JSON nested deeper than " + std::to_string(max_depth) + " levels");
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    auto pos = what.find("parse error");
    return Status::InvalidArgument("malformed JSON at byte " + std::to_string(e.byte) + ": " +
                                   (pos == std::string::npos ? what : what.substr(pos)));
  } catch (const nlohmann::json::exception& e) {  // out_of_range 406: e.g. 1e999 overflows a double
    return Status::InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
}

}  // namespace uplift::http
