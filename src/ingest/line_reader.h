// LineReader: the physical lines of a file descriptor, read in chunks.
//
// Memory stays bounded whatever the input: a line longer than `max_line` bytes is never held
// whole — it is reported as too long (its text empty) and skipped up to the next newline, so a
// 10 MB line costs no more than a normal one. Line endings "\n" and "\r\n" are removed, and a
// UTF-8 byte order mark at the very start of the input is dropped. The text of a line stays valid
// until the next call to next(). Does not own the descriptor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace uplift::ingest {

inline constexpr std::size_t kMaxLineBytes = 1 << 20;  // 1 MiB

struct Line {
  std::string_view text;  // without the line ending; empty when too_long
  std::int64_t number = 0;  // 1-based
  bool too_long = false;
};

class LineReader {
 public:
  explicit LineReader(int fd, std::size_t max_line = kMaxLineBytes);

  // The next line; false at the end of the input or on a read error (then status() says why).
  bool next(Line& out);
  const Status& status() const { return status_; }
  std::size_t max_line() const { return max_line_; }
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  bool fill();  // reads more after compacting; false at EOF or error

  int fd_;
  std::size_t max_line_;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;  // unread data is buf_[begin_, end_)
  bool eof_ = false;
  std::int64_t number_ = 0;
  std::uint64_t bytes_read_ = 0;
  Status status_;
};

}  // namespace uplift::ingest
