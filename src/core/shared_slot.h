// SharedSlot<T>: a shared_ptr that a writer replaces while readers take copies of it — the
// published state version, the served config. A reader gets the whole old or the whole new
// object, never a torn one, and keeps it alive for as long as it holds the copy.
//
// A mutex is held only for the pointer copy (and the old object is released outside it), so a
// reader never waits for a writer's work, only for another pointer copy. (libstdc++ 12's
// std::atomic<std::shared_ptr> does the same with a lock bit inside the pointer, which
// ThreadSanitizer cannot see through: it reports every load beside a store as a race.)
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace uplift {

template <typename T>
class SharedSlot {
 public:
  std::shared_ptr<T> load() const {
    std::lock_guard lock(mu_);
    return ptr_;
  }
  void store(std::shared_ptr<T> next) {
    {
      std::lock_guard lock(mu_);
      std::swap(ptr_, next);
    }
    // `next` now holds the old object: released here, outside the lock.
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<T> ptr_;
};

}  // namespace uplift
