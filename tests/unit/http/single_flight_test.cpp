// SingleFlightCache (http/single_flight.h), as the ROI report uses it: requests for a value being
// computed wait for that one computation; a failure (error or exception) reaches every waiter and
// is not kept; kept values are given again until pushed out by newer keys.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/single_flight.h"

using namespace uplift;
using uplift::http::SingleFlightCache;

namespace {
// A computation that waits until released, so callers pile up behind it.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  int entered = 0;
  void wait() {
    std::unique_lock l(m);
    ++entered;
    cv.notify_all();
    cv.wait(l, [&] { return open; });
  }
  void wait_entered(int n) {
    std::unique_lock l(m);
    cv.wait(l, [&] { return entered >= n; });
  }
  void release() {
    std::lock_guard l(m);
    open = true;
    cv.notify_all();
  }
};
}  // namespace

TEST_CASE("callers arriving while a value is computed wait for it: one computation for all") {
  SingleFlightCache<int, int> cache(4);
  Gate gate;
  std::atomic<int> computations{0};
  std::atomic<int> waiting{0};
  std::vector<std::thread> callers;
  std::vector<int> got(8, 0);
  for (int i = 0; i < 8; ++i)
    callers.emplace_back([&, i] {
      ++waiting;
      auto r = cache.get(7, [&]() -> Result<int> {
        ++computations;
        gate.wait();
        return 42;
      });
      got[static_cast<std::size_t>(i)] = r.ok() ? *r : -1;
    });
  gate.wait_entered(1);
  while (waiting.load() < 8) std::this_thread::yield();
  // Every caller has started; give the others time to reach the wait (they cannot compute: the
  // key is in flight until the gate opens, whenever they arrive).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  gate.release();
  for (auto& t : callers) t.join();
  CHECK(computations.load() == 1);
  for (int v : got) CHECK(v == 42);
  // Kept: asked again, nothing is computed.
  CHECK(*cache.get(7, [&]() -> Result<int> { ++computations; return 0; }) == 42);
  CHECK(computations.load() == 1);
}

TEST_CASE("a failure reaches the waiters and is not kept; an exception likewise") {
  SingleFlightCache<int, int> cache(4);
  Gate gate;
  std::vector<Status> seen(4);
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i)
    callers.emplace_back([&, i] {
      auto r = cache.get(1, [&]() -> Result<int> {
        gate.wait();
        return Status::Unavailable("store is down");
      });
      seen[static_cast<std::size_t>(i)] = r.status();
    });
  gate.wait_entered(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  gate.release();
  for (auto& t : callers) t.join();
  for (const Status& s : seen) CHECK(s.message().find("store is down") != std::string::npos);
  int computed = 0;
  CHECK(*cache.get(1, [&]() -> Result<int> { ++computed; return 5; }) == 5);  // computed again
  CHECK(computed == 1);

  CHECK_THROWS_AS(cache.get(2, []() -> Result<int> { throw std::runtime_error("out of memory"); }), std::runtime_error);
  CHECK(*cache.get(2, [&]() -> Result<int> { ++computed; return 6; }) == 6);  // not poisoned
  CHECK(computed == 2);
}

TEST_CASE("the most recently used keys are kept, up to the capacity") {
  SingleFlightCache<int, int> cache(2);
  int computed = 0;
  auto value_of = [&](int k) { return *cache.get(k, [&]() -> Result<int> { ++computed; return k * 10; }); };
  CHECK(value_of(1) == 10);
  CHECK(value_of(2) == 20);
  CHECK(value_of(1) == 10);  // kept; now the most recent
  CHECK(computed == 2);
  CHECK(value_of(3) == 30);  // pushes out 2, the least recent
  CHECK(value_of(1) == 10);
  CHECK(computed == 3);
  CHECK(value_of(2) == 20);
  CHECK(computed == 4);
  int counted = 0;
  CHECK(*cache.get(9, []() -> Result<int> { return 90; }, [&] { ++counted; }) == 90);
  CHECK(counted == 1);
}
