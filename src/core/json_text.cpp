#include "core/json_text.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace uplift {

void append_json_string(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) {  // non-ASCII: let nlohmann validate the UTF-8 (rare on these paths)
      out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
  }
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace uplift
