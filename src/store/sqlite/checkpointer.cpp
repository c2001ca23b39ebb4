#include "store/sqlite/checkpointer.h"

#include <memory>

#include "store/sqlite/sqlite_db.h"

namespace uplift::store::sqlite {

Checkpointer::Checkpointer(std::string path) : path_(std::move(path)), thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(m_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Checkpointer::nudge() {
  {
    std::lock_guard lock(m_);
    pending_ = true;
  }
  cv_.notify_one();
}

void Checkpointer::run() {
  std::unique_ptr<Db> db;
  try {
    db = std::make_unique<Db>(path_);
    // A first read makes the connection find the file in WAL mode (else checkpoints are no-ops).
    db->exec("SELECT count(*) FROM sqlite_master");
  } catch (const SqliteError&) {
    return;  // the final checkpoint on the main connection does all the work
  }
  for (;;) {
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return pending_ || stop_; });
      if (stop_) return;
      pending_ = false;
    }
    // PASSIVE: copies what no reader still needs, waits for nobody; its fsyncs (log, then
    // database file) happen here instead of on the writing thread.
    sqlite3_wal_checkpoint_v2(db->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
}

}  // namespace uplift::store::sqlite
