// A one-line progress bar on stderr for long CLI phases ("loading events", "evaluating
// accounts"). Draws only when stderr is a terminal, so logs and tests see no carriage returns.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace uplift::cli {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled = true) : tty_(enabled && ::isatty(2)) {}
  ~ProgressBar() { finish(); }

  // total 0 = unknown: shows a running count instead of a bar.
  void update(std::string_view phase, std::size_t done, std::size_t total) {
    if (!tty_) return;
    if (phase != phase_) {
      finish();
      phase_ = std::string(phase);
    }
    if (total > 0) {
      double frac = static_cast<double>(done) / static_cast<double>(total);
      int filled = static_cast<int>(frac * 30);
      std::fprintf(stderr, "\r%-20s [%-30s] %3.0f%% %zu/%zu", phase_.c_str(),
                   std::string(static_cast<std::size_t>(filled), '#').c_str(), frac * 100, done, total);
    } else {
      std::fprintf(stderr, "\r%-20s %zu", phase_.c_str(), done);
    }
    drawn_ = true;
  }
  void finish() {
    if (tty_ && drawn_) std::fprintf(stderr, "\n");
    drawn_ = false;
  }

 private:
  bool tty_;
  bool drawn_ = false;
  std::string phase_;
};

}  // namespace uplift::cli
