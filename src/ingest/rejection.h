// Rejection: why one input line did not become a record, and where it was.
//
// Every ingestion path (NDJSON, CSV, and the CLI around them) reports bad input the same way:
// `FILE:LINE: field: reason`, e.g. `events.ndjson:12: ts: timestamp has no UTC offset ...`.
// The field is empty when the whole line is wrong (not JSON, not UTF-8, too long); then the
// rendering is `FILE:LINE: reason`. Warnings (input that was accepted or skipped but looks wrong,
// such as a duplicate event id with different content) use the same shape.
#pragma once

#include <cstdint>
#include <string>

namespace uplift::ingest {

struct Rejection {
  std::string file;       // as given on the command line; "-" (stdin) is shown as "<stdin>"
  std::int64_t line = 0;  // 1-based physical line where the record starts
  std::string field;      // empty when the whole line is wrong
  std::string reason;
  bool operator==(const Rejection&) const = default;
};

// "FILE:LINE: field: reason" (or "FILE:LINE: reason" without a field).
std::string format_rejection(const Rejection& r);
// The same without the file: "LINE: field: reason" — the form the bad-input catalog lists.
std::string format_rejection_without_file(const Rejection& r);

}  // namespace uplift::ingest
