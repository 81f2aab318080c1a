// Memory budget (see memory-budget.h).
#include "core/memory-budget.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#if defined(__EMSCRIPTEN__)
#include <emscripten/heap.h>
#include <malloc.h>
#include <unistd.h>
#else
#include <unistd.h>
#endif

namespace nn {
namespace {

std::atomic<uint64_t> g_cap{0};

#if defined(__EMSCRIPTEN__)
uint64_t system_available() {
  // In use: what lies below the heap (static data, stack) plus what malloc has handed out;
  // free blocks inside the heap and the room it can still grow into are available.
  const struct mallinfo info = mallinfo();
  const uint64_t brk = reinterpret_cast<uintptr_t>(sbrk(0));
  const uint64_t below = brk >= static_cast<uint64_t>(info.arena) ? brk - static_cast<uint64_t>(info.arena) : 0;
  const uint64_t used = below + static_cast<uint64_t>(info.uordblks);
  const uint64_t max = emscripten_get_heap_max();
  return max > used ? max - used : 0;
}
#else
uint64_t system_available() {
  // MemAvailable counts reclaimable page cache, unlike free pages; fall back to physical size.
  if (std::FILE* f = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    unsigned long long kib = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f)) found = std::sscanf(line, "MemAvailable: %llu kB", &kib) == 1;
    std::fclose(f);
    if (found) return static_cast<uint64_t>(kib) * 1024;
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : UINT64_MAX;
}
#endif

}  // namespace

uint64_t memory_available_bytes() {
  const uint64_t available = system_available();
  const uint64_t cap = g_cap.load();
  return cap != 0 && cap < available ? cap : available;
}

uint64_t largest_block_bytes() {
#if defined(__EMSCRIPTEN__)
  return (uint64_t{1} << 31) - (uint64_t{1} << 20);  // below sbrk's 2 GiB, with room for malloc's own
#else
  return UINT64_MAX;
#endif
}

void set_memory_cap_for_testing(uint64_t bytes) { g_cap.store(bytes); }

std::string format_bytes(uint64_t bytes) {
  static const char* const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double v = static_cast<double>(bytes) / 1024.0;
  int u = 0;
  while (v >= 1024.0 && u < 5) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace nn
