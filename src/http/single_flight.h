// SingleFlightCache: the last few values computed, by key, and the ones being computed — a
// request for a value another request is computing waits for that computation instead of
// starting its own (the ROI report takes seconds at 100k accounts: ten requests after a write
// compute it once, not ten times).
//
// Promises: compute() runs at most once at a time per key while the key is kept; every caller
// waiting for it gets its result — a value, an error Status or its exception — and a failure is
// not kept (the next caller computes again). At most `capacity` keys are kept, the most recently
// used; one pushed out while in flight still reaches the callers already waiting for it.
// Thread-safe; no lock is held while computing or waiting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <mutex>
#include <optional>

#include "core/status.h"

namespace uplift::http {

template <typename Key, typename Value>
class SingleFlightCache {
 public:
  explicit SingleFlightCache(std::size_t capacity) : capacity_(capacity) {}

  // The value for `key`: kept, in flight (waited for), or computed now. `computed` (when given)
  // is incremented for each computation this call ran.
  Result<Value> get(const Key& key, const std::function<Result<Value>()>& compute, std::function<void()> computed = {}) {
    std::promise<Result<Value>> mine;
    std::shared_future<Result<Value>> flight;
    std::uint64_t id = 0;
    {
      std::lock_guard l(mutex_);
      for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->key == key) {
          entries_.splice(entries_.begin(), entries_, it);  // most recently used first
          flight = it->value;
          break;
        }
      if (!flight.valid()) {
        flight = mine.get_future().share();
        id = ++last_id_;
        entries_.push_front(Entry{key, flight, id});
        if (entries_.size() > capacity_) entries_.pop_back();
      }
    }
    if (id == 0) return flight.get();
    std::optional<Result<Value>> r;
    try {
      r.emplace(compute());
      if (computed) computed();
      mine.set_value(*r);
    } catch (...) {
      // Waiters get the exception; the key is computed again next time.
      try {
        mine.set_exception(std::current_exception());
      } catch (const std::future_error&) {
      }
      forget(id);
      throw;
    }
    if (!r->ok()) forget(id);
    return std::move(*r);
  }

 private:
  struct Entry {
    Key key;
    std::shared_future<Result<Value>> value;
    std::uint64_t id;
  };
  void forget(std::uint64_t id) {
    std::lock_guard l(mutex_);
    entries_.remove_if([&](const Entry& e) { return e.id == id; });
  }
  const std::size_t capacity_;
  std::mutex mutex_;
  std::list<Entry> entries_;
  std::uint64_t last_id_ = 0;
};

}  // namespace uplift::http
