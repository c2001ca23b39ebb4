// Checkpointer: during a bulk load, copies the SQLite WAL into the database file on its own
// thread and connection, so the writing thread never stops for a checkpoint's copy and fsyncs.
//
// The bulk writer turns wal_autocheckpoint off and calls nudge() after each commit; this thread
// then runs PASSIVE checkpoints (they never block the writer, and the writer never waits for
// them). Best effort: a checkpoint that fails or cannot finish is left to the final checkpoint
// end_bulk runs on the main connection, which reports errors and makes everything durable.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace uplift::store::sqlite {

class Checkpointer {
 public:
  explicit Checkpointer(std::string path);  // starts the thread
  ~Checkpointer();                          // finishes the running checkpoint, then stops
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Something was committed: checkpoint soon (nudges while one runs collapse into one more).
  void nudge();

 private:
  void run();

  std::string path_;
  std::mutex m_;
  std::condition_variable cv_;
  bool pending_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace uplift::store::sqlite
