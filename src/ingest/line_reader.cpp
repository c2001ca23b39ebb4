#include "ingest/line_reader.h"

#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace uplift::ingest {
namespace {
constexpr std::size_t kChunk = 256 * 1024;
}

LineReader::LineReader(int fd, std::size_t max_line)
    : fd_(fd), max_line_(max_line), buf_(max_line + kChunk + 1) {}

bool LineReader::fill() {
  if (eof_ || !status_.ok()) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) return false;  // caller handles a full buffer
  for (;;) {
    ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status_ = Status::Unavailable(std::string("read failed: ") + std::strerror(errno));
      return false;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    bytes_read_ += static_cast<std::uint64_t>(n);
    bool first = end_ == 0 && bytes_read_ == static_cast<std::uint64_t>(n);
    end_ += static_cast<std::size_t>(n);
    if (first && end_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) begin_ = 3;
    return true;
  }
}

bool LineReader::next(Line& out) {
  std::size_t scan = begin_;
  for (;;) {
    const char* nl = static_cast<const char*>(std::memchr(buf_.data() + scan, '\n', end_ - scan));
    if (nl) {
      std::size_t len = static_cast<std::size_t>(nl - (buf_.data() + begin_));
      if (len > 0 && buf_[begin_ + len - 1] == '\r') --len;
      out = Line{std::string_view(buf_.data() + begin_, len), ++number_, len > max_line_};
      if (out.too_long) out.text = {};
      begin_ = static_cast<std::size_t>(nl - buf_.data()) + 1;
      return true;
    }
    std::size_t pending = end_ - begin_;
    if (pending > max_line_ + 1) {
      // Too long: drop what we have and skip to the next newline without keeping any of it.
      for (;;) {
        begin_ = end_ = 0;
        if (!fill()) {
          out = Line{{}, ++number_, true};
          return status_.ok();
        }
        const char* skip = static_cast<const char*>(std::memchr(buf_.data(), '\n', end_));
        if (skip) {
          begin_ = static_cast<std::size_t>(skip - buf_.data()) + 1;
          out = Line{{}, ++number_, true};
          return true;
        }
      }
    }
    scan = end_ - begin_;  // after fill() compacts, data starts at 0
    if (!fill()) {
      if (!status_.ok()) return false;
      if (end_ == begin_) return false;
      // Last line without a trailing newline.
      std::size_t len = end_ - begin_;
      if (buf_[begin_ + len - 1] == '\r') --len;
      out = Line{std::string_view(buf_.data() + begin_, len), ++number_, len > max_line_};
      if (out.too_long) out.text = {};
      begin_ = end_;
      return true;
    }
  }
}

}  // namespace uplift::ingest
