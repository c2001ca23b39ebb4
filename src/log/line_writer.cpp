#include "log/line_writer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace uplift::log {

LineWriter::LineWriter(int fd) : fd_(fd), thread_([this] { run(); }) {}

LineWriter::~LineWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void LineWriter::append(std::string_view line) { add(line, false); }

void LineWriter::append_line(std::string_view text) { add(text, true); }

void LineWriter::add(std::string_view text, bool newline) {
  std::unique_lock lock(mu_);
  done_.wait(lock, [&] { return pending_.size() < kMaxPending || stop_; });
  pending_.append(text);
  if (newline) pending_ += '\n';
  ++appended_;
  bool wake = idle_;
  idle_ = false;
  lock.unlock();
  if (wake) wake_.notify_one();
}

void LineWriter::flush() {
  std::unique_lock lock(mu_);
  std::uint64_t target = appended_;  // an idle writer has nothing pending: append() woke it
  done_.wait(lock, [&] { return written_ >= target || stop_; });
}

void LineWriter::write_all(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the log is gone (closed pipe, full disk): nothing better to do
    off += static_cast<std::size_t>(n);
  }
}

void LineWriter::run() {
  // After a write the writer naps kBatch before looking again, so under load it collects many
  // lines per write(2) and producers never have to wake it. Only after a few empty looks does it
  // sleep until woken (one futex wake by the next producer, at a quiet time).
  constexpr auto kBatch = std::chrono::milliseconds(1);
  constexpr int kLooksBeforeIdle = 3;
  std::string batch;
  int empty_looks = 0;
  std::unique_lock lock(mu_);
  for (;;) {
    if (pending_.empty()) {
      if (stop_) break;
      if (++empty_looks < kLooksBeforeIdle) {
        lock.unlock();
        std::this_thread::sleep_for(kBatch);
        lock.lock();
        continue;
      }
      idle_ = true;
      wake_.wait(lock, [&] { return !pending_.empty() || stop_; });
      idle_ = false;
      empty_looks = 0;
      continue;
    }
    empty_looks = 0;
    batch.swap(pending_);
    std::uint64_t lines = appended_;
    lock.unlock();
    done_.notify_all();  // room in the buffer again
    write_all(batch);
    batch.clear();
    lock.lock();
    written_ = lines;
    done_.notify_all();
    if (!stop_) {
      lock.unlock();
      std::this_thread::sleep_for(kBatch);
      lock.lock();
    }
  }
  written_ = appended_;
  done_.notify_all();
}

}  // namespace uplift::log
