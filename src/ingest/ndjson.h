// NDJSON: one JSON object per line, the canonical import format (DESIGN.md, "Canonical records").
//
// Blank and whitespace-only lines are skipped. A line is rejected, with a reason naming what is
// wrong, when it is longer than the line limit, not valid UTF-8, not valid JSON, not an object,
// or fails record validation (record_from_json). Everything else becomes a Record.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "ingest/line_reader.h"
#include "ingest/source.h"

namespace uplift::ingest {

// Parses one line's text (no line ending) into `out` (its line number is left as is). An event
// left in out.record is parsed over, reusing its memory. Returns false when the line is blank and
// should be skipped (out.record is then left as it was).
bool parse_json_line(std::string_view text, std::optional<RecordKind> forced, ParsedItem& out);

// "line longer than 1048576 bytes".
std::string line_too_long_reason(std::size_t max_line);

class NdjsonSource : public RecordSource {
 public:
  NdjsonSource(int fd, std::optional<RecordKind> forced, std::size_t max_line = kMaxLineBytes)
      : reader_(fd, max_line), forced_(forced) {}
  bool next(ParsedItem& out) override;
  const Status& status() const override { return reader_.status(); }
  std::uint64_t bytes_read() const override { return reader_.bytes_read(); }

 private:
  LineReader reader_;
  std::optional<RecordKind> forced_;
};

}  // namespace uplift::ingest
