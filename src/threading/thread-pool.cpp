// ThreadPool (see thread-pool.h). Follows pthreadpool's shape: persistent workers, an atomic
// tile counter shared by all threads, the caller working too; completion counts tiles rather
// than workers, so a descheduled idle worker never delays a call.
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
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void ThreadPool::run_tiles(int thread, uint32_t gen) {
  const Job& job = jobs_[gen & 1];
  const TileTask fn = job.fn.load(std::memory_order_relaxed);
  void* const ctx = job.ctx.load(std::memory_order_relaxed);
  const size_t range = job.range.load(std::memory_order_relaxed);
  const size_t tile = job.tile.load(std::memory_order_relaxed);
  const size_t tiles = job.tiles.load(std::memory_order_relaxed);
  const bool was_in_task = tls_in_task;
  tls_in_task = true;
  uint64_t v = claim_.load(std::memory_order_acquire);
  for (;;) {
    // Stop when the counter belongs to another job or this job's tiles are all taken.
    if (static_cast<uint32_t>(v >> 32) != gen || (v & 0xffffffffu) >= tiles) break;
    if (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    const size_t begin = static_cast<size_t>(v & 0xffffffffu) * tile;
    fn(ctx, thread, begin, std::min(begin + tile, range));
    if (done_tiles_.fetch_add(1, std::memory_order_acq_rel) + 1 == tiles && thread != 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
    v = claim_.load(std::memory_order_acquire);
  }
  tls_in_task = was_in_task;
}

void ThreadPool::worker_main(int thread) {
  uint32_t seen = 0;
  for (;;) {
    uint32_t gen = seen;
    for (int i = 0; i < kSpinPolls && gen == seen; ++i) gen = generation_.load(std::memory_order_acquire);
    if (gen == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleepers_.fetch_add(1);  // seq_cst: pairs with the caller's generation store + sleepers_ load
      wake_.wait(lock, [&] { return generation_.load() != seen; });
      sleepers_.fetch_sub(1);
      gen = generation_.load(std::memory_order_acquire);
    }
    seen = gen;
    if (stop_.load(std::memory_order_acquire)) return;
    run_tiles(thread, gen);
  }
}

void ThreadPool::parallelize_1d_tile(TileTask fn, void* ctx, size_t range, size_t tile) {
  if (tile == 0) tile = 1;
  const size_t tiles = (range + tile - 1) / tile;
  if (workers_.empty() || tiles <= 1 || tls_in_task || tiles > 0xffffffffu) {
    for (size_t begin = 0; begin < range; begin += tile) fn(ctx, 0, begin, std::min(begin + tile, range));
    return;
  }
  const uint32_t gen = generation_.load(std::memory_order_relaxed) + 1;
  Job& job = jobs_[gen & 1];
  job.fn.store(fn, std::memory_order_relaxed);
  job.ctx.store(ctx, std::memory_order_relaxed);
  job.range.store(range, std::memory_order_relaxed);
  job.tile.store(tile, std::memory_order_relaxed);
  job.tiles.store(tiles, std::memory_order_relaxed);
  done_tiles_.store(0, std::memory_order_relaxed);
  claim_.store(static_cast<uint64_t>(gen) << 32, std::memory_order_release);
  generation_.store(gen);  // seq_cst, then sleepers_ below: a worker going to sleep sees one or the other
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }
  run_tiles(0, gen);
  // Wait for tiles that workers claimed and are still running.
  for (int i = 0; i < kSpinPolls; ++i) {
    if (done_tiles_.load(std::memory_order_acquire) == tiles) return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return done_tiles_.load(std::memory_order_acquire) == tiles; });
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
