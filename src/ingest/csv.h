// CSV with a header row (RFC 4180) → canonical records.
//
// Cells may be quoted; quoted cells may hold commas, doubled quotes and newlines (a record then
// spans several physical lines and is reported at the line where it starts). The header names
// the fields: `kind` (unless a kind is forced with --kind), the record's field names, and
// `props.NAME` columns that fill an event's props. Unknown columns of event rows also go to props
// (as strings); on other kinds a non-empty unknown cell rejects the row, since it is most likely a
// misspelt field. An empty cell means "absent". Numeric fields (qty, arr, score, session,
// arr_before, arr_after) and `attended` (true/false/yes/no/1/0) are converted; props cells stay
// strings. A header that cannot be used (duplicate or empty column names, no kind) rejects the
// whole file at line 1.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/line_reader.h"
#include "ingest/source.h"

namespace uplift::ingest {

// The records (rows) of a CSV input, cell by cell: the RFC 4180 syntax shared by CsvSource and
// the mapped import (ingest/csv_map.h). Blank lines between records are skipped.
class CsvRecordReader {
 public:
  explicit CsvRecordReader(int fd, std::size_t max_record = kMaxLineBytes) : reader_(fd, max_record) {}
  // Reads one record into `cells`; false at the end of input (or on a read error: status()).
  // `start_line` is the physical line where the record starts; on a syntax error `error` says
  // what is wrong (the record's cells are then incomplete), else it is empty.
  bool read(std::vector<std::string>& cells, std::int64_t& start_line, std::string& error);
  const Status& status() const { return reader_.status(); }
  std::uint64_t bytes_read() const { return reader_.bytes_read(); }

 private:
  LineReader reader_;
};

// A header name or cell without the spaces and tabs around it.
std::string_view trim_cell(std::string_view s);
// A cell's text in quotes for an error message, its first 40 bytes and "…" when longer.
std::string quoted_cell(std::string_view s);

class CsvSource : public RecordSource {
 public:
  CsvSource(int fd, std::optional<RecordKind> forced, std::size_t max_record = kMaxLineBytes)
      : reader_(fd, max_record), forced_(forced) {}
  bool next(ParsedItem& out) override;
  const Status& status() const override { return reader_.status(); }
  std::uint64_t bytes_read() const override { return reader_.bytes_read(); }

 private:
  // Reads one CSV record into cells_; false at end of input. On a syntax error sets error_.
  bool read_record(std::int64_t& start_line) { return reader_.read(cells_, start_line, error_); }
  bool read_header(ParsedItem& out);
  void row_to_item(ParsedItem& out);

  CsvRecordReader reader_;
  std::optional<RecordKind> forced_;
  std::vector<std::string> cells_;
  std::string error_;
  bool header_done_ = false;
  bool dead_ = false;  // the header was unusable: nothing more to read
  std::vector<std::string> columns_;
  int kind_column_ = -1;
};

}  // namespace uplift::ingest
