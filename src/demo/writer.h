// Fast NDJSON output of canonical records, byte-identical to record_to_json(r).dump().
//
// The demo writes millions of lines; building an nlohmann object per event is the slow part, so
// these functions append the canonical text directly: keys in nlohmann's (sorted) order, doubles
// as nlohmann prints them ("1.0", "25000.0"), strings escaped the same way. The unit tests hold
// every line to record_to_json(record_from_json(line)).dump(), so a drift fails loudly.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "core/json_text.h"
#include "core/records.h"
#include "core/status.h"

namespace uplift::demo {

using uplift::append_json_number;  // core/json_text.h
using uplift::append_json_string;

// One line each, ending in '\n'.
void append_line(std::string& out, const Account& a);
void append_line(std::string& out, const Learner& l);
void append_line(std::string& out, const Completion& c);
void append_line(std::string& out, const Attendance& a);
void append_line(std::string& out, const ArrSnapshot& s);
void append_line(std::string& out, const Renewal& r);
// An event whose props are already canonical JSON object text ("{}" or {"k":"v"} sorted).
void append_event_line(std::string& out, std::string_view account, std::string_view id, std::string_view name,
                       Timestamp ts, std::string_view learner, double qty, std::string_view props);

// A file written through a large buffer; errors carry the path.
class NdjsonFile {
 public:
  NdjsonFile() = default;
  NdjsonFile(const NdjsonFile&) = delete;
  NdjsonFile& operator=(const NdjsonFile&) = delete;
  ~NdjsonFile();

  Status open(const std::string& path);
  std::string& buffer() { return buf_; }
  // Writes the buffer out once it is large (call after appending).
  Status maybe_flush();
  Status close();
  std::size_t lines() const { return lines_; }
  void count(std::size_t n = 1) { lines_ += n; }

 private:
  Status flush();
  std::FILE* file_ = nullptr;
  std::string path_, buf_;
  std::size_t lines_ = 0;
};

}  // namespace uplift::demo
