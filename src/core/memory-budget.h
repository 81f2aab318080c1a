// Memory budget: how many more bytes this engine can expect to allocate, so that a plan that
// cannot fit is refused with a clear message before anything is allocated (rather than
// trapping in wasm or being killed natively). wasm32: the heap's maximum (4 GiB with
// -sMAXIMUM_MEMORY=4GB) minus what is in use. Native: the system's available memory
// (MemAvailable), since Linux overcommits and a too-large malloc may "succeed".
#pragma once

#include <cstdint>
#include <string>

namespace nn {

uint64_t memory_available_bytes();

// The largest block one allocation can get. wasm32 (Emscripten's dlmalloc on sbrk, whose
// increment is a signed 32-bit number): just under 2 GiB, however much heap is free; a 2.2 GiB
// arena fails with 3.9 GiB available. Native: no limit of its own.
uint64_t largest_block_bytes();

// Tests cap the budget (0 removes the cap) to check limits and messages deterministically.
void set_memory_cap_for_testing(uint64_t bytes);

// "130.2 GiB", "3.9 GiB", "612.0 MiB", "12.0 KiB", "100 bytes": how messages print sizes.
std::string format_bytes(uint64_t bytes);

}  // namespace nn
