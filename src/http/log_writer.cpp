#include "http/log_writer.h"

#include <unistd.h>

#include <cerrno>

namespace uplift::http {

LogWriter::LogWriter(int fd) : fd_(fd), thread_([this] { run(); }) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void LogWriter::append(std::string_view line) {
  std::unique_lock lock(mu_);
  done_.wait(lock, [&] { return pending_.size() < kMaxPending || stop_; });
  pending_.append(line);
  ++appended_;
  bool wake = idle_;
  idle_ = false;
  lock.unlock();
  if (wake) wake_.notify_one();
}

void LogWriter::flush() {
  std::unique_lock lock(mu_);
  std::uint64_t target = appended_;
  if (idle_) {
    idle_ = false;
    wake_.notify_one();
  }
  done_.wait(lock, [&] { return written_ >= target || stop_; });
}

void LogWriter::write_all(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the log is gone (closed pipe, full disk): nothing better to do
    off += static_cast<std::size_t>(n);
  }
}

void LogWriter::run() {
  std::string batch;
  std::unique_lock lock(mu_);
  for (;;) {
    if (pending_.empty()) {
      if (stop_) break;
      idle_ = true;
      wake_.wait(lock, [&] { return !pending_.empty() || stop_; });
      idle_ = false;
      continue;
    }
    batch.swap(pending_);
    std::uint64_t lines = appended_;
    lock.unlock();
    done_.notify_all();  // room in the buffer again
    write_all(batch);
    batch.clear();
    lock.lock();
    written_ = lines;
    done_.notify_all();
  }
  written_ = appended_;
  done_.notify_all();
}

}  // namespace uplift::http
