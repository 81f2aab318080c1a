// ThreadPool: a fixed set of worker threads that run one parallel loop at a time, in the
// style of pthreadpool. Each call is "the parallel version of this serial loop":
//
//   for (size_t begin = 0; begin < range; begin += tile)
//     fn(ctx, thread, begin, min(begin + tile, range));
//
// `thread` is in [0, num_threads()), the caller being thread 0, so ops can slice planned
// per-thread scratch by it. A null pool, a pool of one thread, or a call made from inside a
// task runs the loop on the calling thread. Idle workers spin briefly, then sleep on a
// condition variable (a futex), so a busy machine is not made worse by busy-waiting.
//
// A call returns when its tiles are done, not when every worker has checked in: a worker that
// another process keeps off its core (or that is still waking up) holds back a call only if it
// has claimed a tile, never by being absent, and the caller then does the tiles itself. One
// thread at a time may call a pool (the model's executor does).
#pragma once

#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace nn {

using TileTask = void (*)(void* ctx, int thread, size_t begin, size_t end);

class ThreadPool {
 public:
  // num_threads counts the calling thread. Values are clamped to [1, max_threads()].
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // The most threads this build may run: the hardware's count natively; under Emscripten the
  // pthread pool size the module was linked with (spawning beyond it deadlocks, see TOOLCHAIN.md).
  static int max_threads();

  void parallelize_1d_tile(TileTask fn, void* ctx, size_t range, size_t tile);

 private:
  // A job's fields, in one of two slots by generation parity: a worker that wakes late reads
  // the slot of the generation it saw, and runs a tile only if that generation still owns the
  // tile counter (claim_), which also proves the slot was not reused meanwhile.
  struct Job {
    std::atomic<TileTask> fn{nullptr};
    std::atomic<void*> ctx{nullptr};
    std::atomic<size_t> range{0}, tile{1}, tiles{0};
  };

  void worker_main(int thread);
  // Claims and runs tiles of generation `gen` until none are left (or a newer job started).
  void run_tiles(int thread, uint32_t gen);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;         // workers wait here for a new generation
  std::condition_variable done_;         // the caller waits here for done_tiles_ == tiles
  std::atomic<uint32_t> generation_{0};  // bumped once per job
  std::atomic<uint64_t> claim_{0};       // (generation << 32) | next unclaimed tile
  std::atomic<size_t> done_tiles_{0};    // tiles of the current job finished
  std::atomic<int> sleepers_{0};         // workers blocked on wake_ (skip notify when 0)
  std::atomic<bool> stop_{false};
  Job jobs_[2];
};

void parallelize_1d_tile(ThreadPool* pool, TileTask fn, void* ctx, size_t range, size_t tile);

inline int pool_threads(const ThreadPool* pool) { return pool ? pool->num_threads() : 1; }

// Convenience for lambdas: f(thread, begin, end).
template <typename F>
void parallel_for(ThreadPool* pool, size_t range, size_t tile, F&& f) {
  struct Box {
    F* f;
  };
  Box box{&f};
  parallelize_1d_tile(
      pool, [](void* ctx, int thread, size_t begin, size_t end) { (*static_cast<Box*>(ctx)->f)(thread, begin, end); },
      &box, range, tile);
}

}  // namespace nn
