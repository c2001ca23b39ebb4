#include "ingest/ndjson.h"

#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/record_json.h"
#include "ingest/fast_event.h"
#include "ingest/utf8.h"

namespace uplift::ingest {
namespace {

using json = nlohmann::json;

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

// nlohmann's messages look like "[json.exception.parse_error.101] parse error at line 1,
// column 7: syntax error while parsing value - invalid literal; last read: 'tru,'".
// Keep the part a person needs: where, and what.
std::string tidy_parse_error(const json::parse_error& e) {
  std::string what = e.what();
  std::string detail = what;
  auto colon = what.find(": ", what.find("column"));
  if (colon != std::string::npos) detail = what.substr(colon + 2);
  return fmt::format("invalid JSON at byte {}: {}", e.byte, detail);
}

}  // namespace

std::string line_too_long_reason(std::size_t max_line) {
  return fmt::format("line longer than {} bytes", max_line);
}

bool parse_json_line(std::string_view text, std::optional<RecordKind> forced, ParsedItem& out) {
  out.kind = forced;
  out.field.clear();
  out.reason.clear();
  out.fields = kAllFields;
  if (is_blank(text)) return false;
  if (auto bad = find_invalid_utf8(text)) {
    out.record.reset();
    out.reason = fmt::format("not valid UTF-8 (byte 0x{:02X} at byte {})",
                             static_cast<unsigned char>(text[*bad]), *bad + 1);
    return true;
  }
  // An event the caller left in `out` is overwritten in place, reusing its memory.
  if (Event* spent = out.record ? std::get_if<Event>(&*out.record) : nullptr) {
    if (fast_event_line(text, forced, *spent)) {
      out.kind = RecordKind::kEvent;
      return true;
    }
  } else {
    Event e;
    if (fast_event_line(text, forced, e)) {
      out.kind = RecordKind::kEvent;
      out.record.emplace(std::move(e));
      return true;
    }
  }
  out.record.reset();
  json obj;
  try {
    obj = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    out.reason = tidy_parse_error(e);
    return true;
  } catch (const json::exception& e) {  // e.g. out_of_range 406: a number no double can hold
    std::string what = e.what();
    auto bracket = what.find("] ");
    out.reason = "invalid JSON: " + (bracket == std::string::npos ? what : what.substr(bracket + 2));
    return true;
  }
  if (!forced && obj.is_object()) {
    auto k = obj.find("kind");
    if (k != obj.end() && k->is_string()) out.kind = parse_kind(k->get_ref<const std::string&>());
  }
  RecordOrError r = record_from_json(obj, forced);
  if (r.ok()) {
    out.record = std::move(r.record);
    out.fields = r.fields;
  } else {
    out.field = std::move(r.error.field);
    out.reason = std::move(r.error.reason);
  }
  return true;
}

bool NdjsonSource::next(ParsedItem& out) {
  Line line;
  while (reader_.next(line)) {
    out.line = line.number;
    if (line.too_long) {
      out.record.reset();
      out.kind = forced_;
      out.field.clear();
      out.reason = line_too_long_reason(reader_.max_line());
      return true;
    }
    if (parse_json_line(line.text, forced_, out)) return true;
  }
  return false;
}

}  // namespace uplift::ingest
