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
#pragma once

#include <atomic>
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
  void worker_main(int thread);
  void run_tiles(int thread);

  std::vector<std::thread> workers_;
  std::mutex               mutex_;
  std::condition_variable  wake_;        // workers wait here for a new generation
  std::condition_variable  done_;        // the caller waits here for pending_ == 0
  std::atomic<uint64_t>    generation_{0};
  std::atomic<int>         pending_{0};  // workers still inside the current job
  std::atomic<size_t>      next_tile_{0};
  bool                     stop_ = false;

  // The current job; written by the caller before generation_ is bumped.
  TileTask fn_    = nullptr;
  void*    ctx_   = nullptr;
  size_t   range_ = 0;
  size_t   tile_  = 1;
};

void parallelize_1d_tile(ThreadPool* pool, TileTask fn, void* ctx, size_t range, size_t tile);

inline int pool_threads(const ThreadPool* pool) { return pool ? pool->num_threads() : 1; }

// Convenience for lambdas: f(thread, begin, end).
template <typename F>
void parallel_for(ThreadPool* pool, size_t range, size_t tile, F&& f) {
  struct Box { F* f; };
  Box box{&f};
  parallelize_1d_tile(
      pool,
      [](void* ctx, int thread, size_t begin, size_t end) { (*static_cast<Box*>(ctx)->f)(thread, begin, end); },
      &box, range, tile);
}

}  // namespace nn
