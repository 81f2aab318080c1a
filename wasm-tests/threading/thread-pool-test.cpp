// Thread pool invariants (pthreadpool's tests): every item exactly once, in bounds, thread ids
// in range, many back-to-back calls, nested calls run serially instead of deadlocking.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "testing/test-util.h"
#include "threading/thread-pool.h"

using namespace nn;

TEST_CASE("parallelize_1d_tile covers every item exactly once, in bounds") {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    CHECK(pool.num_threads() >= 1);
    CHECK(pool.num_threads() <= ThreadPool::max_threads());
    for (size_t range : {0, 1, 7, 64, 1000}) {
      for (size_t tile : {1, 3, 64}) {
        std::vector<std::atomic<int>> hits(range);
        std::atomic<int> bad_thread{0}, out_of_bounds{0};
        parallel_for(&pool, range, tile, [&](int thread, size_t b, size_t e) {
          if (thread < 0 || thread >= pool.num_threads()) bad_thread++;
          if (e > range || b >= e || e - b > tile) out_of_bounds++;
          for (size_t i = b; i < e && i < range; ++i) hits[i]++;
        });
        int wrong = 0;
        for (auto& h : hits) wrong += h.load() != 1;
        CHECK(wrong == 0);
        CHECK(bad_thread == 0);
        CHECK(out_of_bounds == 0);
      }
    }
  }
}

TEST_CASE("a null pool runs serially on thread 0") {
  std::vector<int> order;
  parallel_for(nullptr, 10, 3, [&](int thread, size_t b, size_t e) {
    CHECK(thread == 0);
    for (size_t i = b; i < e; ++i) order.push_back(static_cast<int>(i));
  });
  REQUIRE(order.size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(order[i] == i);
}

TEST_CASE("many back-to-back jobs and nested calls complete") {
  ThreadPool* pool = nn::testing::test_pool();
  std::atomic<long> sum{0};
  for (int job = 0; job < 2000; ++job) {
    parallel_for(pool, 8, 1, [&](int, size_t b, size_t e) {
      // A nested call from inside a task must not wait for the (busy) pool.
      parallel_for(pool, 4, 1, [&](int, size_t b2, size_t e2) { sum += static_cast<long>(e2 - b2); });
      sum += static_cast<long>(e - b);
    });
  }
  CHECK(sum == 2000L * (8 + 8 * 4));
}

TEST_CASE("the test pool really runs more than one thread where threads exist") {
  ThreadPool* pool = nn::testing::test_pool();
  std::vector<std::atomic<int>> used(pool->num_threads());
  parallel_for(pool, 64, 1, [&](int thread, size_t, size_t) {
    used[thread]++;
    // Busy enough that one thread cannot take every tile before the others wake.
    volatile double x = 0;
    for (int i = 0; i < 200000; ++i) x = x + i * 1e-9;
  });
  int active = 0;
  for (auto& u : used) active += u.load() > 0;
  if (ThreadPool::max_threads() > 1)
    CHECK(active >= 2);
  else
    CHECK(active == 1);
}

TEST_CASE("short jobs back to back: late and sleeping workers never run a stale or finished job") {
  // Jobs of 2..6 one-item tiles, so workers often wake after the caller has done every tile;
  // pauses between some jobs let workers fall asleep and take the condition-variable path.
  ThreadPool* pool = nn::testing::test_pool();
  int wrong = 0, bad_thread = 0;
  for (int job = 0; job < 3000; ++job) {
    const size_t range = 2 + job % 5;
    std::atomic<int> counts[6] = {};
    std::atomic<int> bad{0};
    parallel_for(pool, range, 1, [&](int thread, size_t b, size_t e) {
      if (thread < 0 || thread >= pool->num_threads()) bad++;
      for (size_t i = b; i < e; ++i) counts[i]++;
    });
    for (size_t i = 0; i < 6; ++i) wrong += counts[i].load() != (i < range ? 1 : 0);
    bad_thread += bad.load();
    if (job % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(wrong == 0);
  CHECK(bad_thread == 0);
}
