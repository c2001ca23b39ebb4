// LineWriter: whole lines written to a file descriptor (stderr) by a background thread, so a line
// costs an append to a buffer instead of a write(2) system call. The logger (log.h) hands it every
// line while the server runs — one JSON line per request, and its events.
//
// Promises: lines are written whole and in the order they were appended. Under load the writer
// writes about once a millisecond, everything appended meanwhile in one write(2), and producers
// never wake it (a futex wake per request cost more than the write it replaced); after a few
// quiet milliseconds it sleeps until the next line wakes it, so a line reaches the file at most
// ~1 ms after it was appended. flush() returns once every line appended before it is written;
// the destructor flushes and stops the thread.
// A producer waits (rather than growing the buffer without bound) when the writer is more than
// kMaxPending bytes behind. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace uplift::log {

class LineWriter {
 public:
  static constexpr std::size_t kMaxPending = 8u << 20;

  explicit LineWriter(int fd = 2);
  ~LineWriter();
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  void append(std::string_view line);
  // append() of `text` and a newline.
  void append_line(std::string_view text);
  void flush();

 private:
  void add(std::string_view text, bool newline);
  void run();
  void write_all(const std::string& bytes);

  int fd_;
  std::mutex mu_;
  std::condition_variable wake_;   // the writer: there is something to write (or stop)
  std::condition_variable done_;   // producers/flush: the writer made progress
  std::string pending_;
  std::uint64_t appended_ = 0, written_ = 0;  // line counts, for flush()
  bool idle_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace uplift::log
