// ThreadPool (see thread-pool.h). Follows pthreadpool's shape: persistent workers, an atomic
// tile counter shared by all threads, the caller working too, a countdown for completion.
#include "threading/thread-pool.h"

#include <algorithm>


#ifndef NN_MAX_THREADS
#define NN_MAX_THREADS 64
#endif

namespace nn {
namespace {

// Spins this many polls before sleeping: long enough to catch back-to-back ops in one step,
// short enough not to steal a core from another process for long.
constexpr int kSpinPolls = 20000;

thread_local bool tls_in_task = false;

}  // namespace

int ThreadPool::max_threads() {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  return 1;
#else
  unsigned hw = std::thread::hardware_concurrency();
  int n = hw == 0 ? 1 : static_cast<int>(hw);
  return std::min(n, NN_MAX_THREADS);
#endif
}

ThreadPool::ThreadPool(int num_threads) {
  int n = std::clamp(num_threads, 1, std::max(1, std::max(max_threads(), 1)));
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  n = 1;
#endif
  workers_.reserve(n - 1);
  for (int t = 1; t < n; ++t) workers_.emplace_back([this, t] { worker_main(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void ThreadPool::run_tiles(int thread) {
  bool was_in_task = tls_in_task;
  tls_in_task = true;
  for (;;) {
    size_t t = next_tile_.fetch_add(1, std::memory_order_relaxed);
    size_t begin = t * tile_;
    if (begin >= range_) break;
    fn_(ctx_, thread, begin, std::min(begin + tile_, range_));
  }
  tls_in_task = was_in_task;
}

void ThreadPool::worker_main(int thread) {
  uint64_t seen = 0;
  for (;;) {
    bool woke = false;
    for (int i = 0; i < kSpinPolls; ++i) {
      if (generation_.load(std::memory_order_acquire) != seen) { woke = true; break; }
    }
    if (!woke) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) return;
    }
    run_tiles(thread);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

void ThreadPool::parallelize_1d_tile(TileTask fn, void* ctx, size_t range, size_t tile) {
  if (tile == 0) tile = 1;
  size_t tiles = (range + tile - 1) / tile;
  if (workers_.empty() || tiles <= 1 || tls_in_task) {
    for (size_t begin = 0; begin < range; begin += tile) fn(ctx, 0, begin, std::min(begin + tile, range));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_    = fn;
    ctx_   = ctx;
    range_ = range;
    tile_  = tile;
    next_tile_.store(0, std::memory_order_relaxed);
    pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  wake_.notify_all();
  run_tiles(0);
  for (int i = 0; i < kSpinPolls; ++i) {
    if (pending_.load(std::memory_order_acquire) == 0) return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
}

void parallelize_1d_tile(ThreadPool* pool, TileTask fn, void* ctx, size_t range, size_t tile) {
  if (pool == nullptr) {
    if (tile == 0) tile = 1;
    for (size_t begin = 0; begin < range; begin += tile) fn(ctx, 0, begin, std::min(begin + tile, range));
    return;
  }
  pool->parallelize_1d_tile(fn, ctx, range, tile);
}

}  // namespace nn
