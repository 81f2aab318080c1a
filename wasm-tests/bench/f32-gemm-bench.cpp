// f32 GEMM microkernel benchmark: steady-state single-thread GFLOP/s of every kernel in
// kernels/f32-gemm/f32-gemm.inc on the seed models' conv shapes (models/seed-models-gemm.txt)
// and a 1024^3 GEMM, one JSON object per line. GFLOP/s = 2*M*N*K / seconds, the median of
// several timed samples after a warm-up, with packed weights precomputed.
//   f32-gemm-bench [--quick] [--shapes FILE] [--kernel SUBSTRING] [--rows R] [--nc N] [--min-ms T] [--samples S]
//                  [--tn-rows R]
// Build by hand (see the lead's CMake targets for the official ones):
//   g++ -O2 -std=c++20 -Isrc wasm-tests/bench/f32-gemm-bench.cpp src/kernels/f32-gemm/*.cpp
//       src/kernels/x32-packw/*.cpp src/kernels/kernel-config.cpp src/core/alloc.cpp -o /tmp/gemm-bench
//   em++ -O3 -msimd128 -std=c++20 -Isrc (same sources) -sENVIRONMENT=node -sNODERAWFS=1
//       -sALLOW_MEMORY_GROWTH=1 -o /tmp/gemm-bench.js && node --no-experimental-fetch /tmp/gemm-bench.js
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/alloc.h"
#include "core/rng.h"
#include "kernels/kernel-config.h"
#include "kernels/kernels.h"

#ifndef NN_BENCH_MODELS_DIR
#define NN_BENCH_MODELS_DIR "wasm-tests/bench/models"
#endif

namespace {

using namespace nn;
using Clock = std::chrono::steady_clock;

#if defined(__EMSCRIPTEN__)
#if defined(__EMSCRIPTEN_PTHREADS__)
const char* kRuntime = "wasm-node-mt";
#else
const char* kRuntime = "wasm-node-st";
#endif
#else
const char* kRuntime = "native";
#endif

struct Kernel {
  const char* name;
  Isa isa;
  size_t mr, nr;
  GemmUkernelFn gemm;  // one of these two is set
  GemmTnUkernelFn tn;
};

const Kernel kKernels[] = {
#define NN_GEMM_UKERNEL(isa, fn, mr, nr) {#fn, Isa::isa, mr, nr, fn, nullptr},
#define NN_GEMM_TN_UKERNEL(isa, fn, mr, nr) {#fn, Isa::isa, mr, nr, nullptr, fn},
#include "kernels/f32-gemm/f32-gemm.inc"
};

struct Shape {
  size_t m, n, k;
  std::string label;
};

struct Options {
  bool quick = false;
  std::string shapes = std::string(NN_BENCH_MODELS_DIR) + "/seed-models-gemm.txt";
  std::string filter;
  size_t max_rows = 4096;  // rows timed per shape (the rate is steady long before M)
  size_t nc_block = 0;     // columns per ukernel call; 0: enough to keep ~128 KB of W per block
  size_t tn_rows = 256;    // rows per tn call (the depth of the weight-gradient product)
  double min_ms = 20.0;    // per timed sample
  int samples = 5;
};

// A float buffer from core/alloc (aligned, with the tail padding the kernels may read into).
struct Buffer {
  float* p = nullptr;
  explicit Buffer(size_t n) : p(static_cast<float*>(aligned_allocate(std::max<size_t>(n, 1) * sizeof(float)))) {}
  ~Buffer() { aligned_free(p); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
};

void fill_random(float* p, size_t n, uint64_t seed) {
  Rng rng(seed);
  for (size_t i = 0; i < n; ++i) p[i] = rng.uniform(-1.0f, 1.0f);
}

bool read_shapes(const std::string& path, std::vector<Shape>* shapes) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    std::string comment;
    const size_t hash = line.find('#');
    if (hash != std::string::npos) {
      comment = line.substr(hash + 1);
      line.resize(hash);
    }
    std::istringstream fields(line);
    Shape s;
    if (!(fields >> s.m >> s.n >> s.k)) continue;
    const size_t colon = comment.find(':');
    s.label = comment.substr(0, colon);
    s.label.erase(0, s.label.find_first_not_of(' '));
    s.label.erase(s.label.find_last_not_of(' ') + 1);
    shapes->push_back(s);
  }
  return true;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

struct Rate {
  double median, best;  // GFLOP/s over the samples (best: the least disturbed sample)
};

// Times `pass` (which does `flops` floating-point operations): a warm-up, then samples of
// enough passes to last min_ms each.
template <class F>
Rate measure(const Options& opt, double flops, F pass) {
  // Warm-up for at least min_ms: caches, and in V8 the tier-up from Liftoff to TurboFan code.
  auto t0 = Clock::now();
  int warm = 0;
  double elapsed = 0.0;
  do {
    pass();
    ++warm;
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (elapsed < opt.min_ms * 1e-3);
  const double one = elapsed / warm;
  const int reps = std::max(1, static_cast<int>(std::ceil(opt.min_ms * 1e-3 / std::max(one, 1e-9))));
  std::vector<double> rates;
  for (int s = 0; s < opt.samples; ++s) {
    t0 = Clock::now();
    for (int r = 0; r < reps; ++r) pass();
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    rates.push_back(flops * reps / t * 1e-9);
  }
  return Rate{median(rates), *std::max_element(rates.begin(), rates.end())};
}

// Columns per call: a block of W (K x nc) of about 128 KB stays in L2 while all rows stream by.
size_t nc_block_for(const Options& opt, const Kernel& kn, size_t n, size_t k) {
  size_t nc = opt.nc_block;
  if (nc == 0) nc = (128 * 1024) / (sizeof(float) * (k + 1));
  nc = std::max(kn.nr, nc / kn.nr * kn.nr);
  return std::min(nc, (n + kn.nr - 1) / kn.nr * kn.nr);
}

// Packed kernel: C[rows x N] = A[rows x K] * W + bias, looping the ukernel over the matrix as an
// op would (column blocks of nc, row tiles of MR; the 1-row kernel is used as is, for mr = MR).
Rate bench_gemm(const Options& opt, const Kernel& kn, const Shape& s, size_t rows, size_t nc) {
  Buffer a(rows * s.k), w(s.k * s.n), bias(s.n), packed(nn_f32_packed_gemm_w_floats(s.k, s.n, kn.nr)), c(rows * s.n);
  fill_random(a.p, rows * s.k, 1);
  fill_random(w.p, s.k * s.n, 2);
  fill_random(bias.p, s.n, 3);
  nn_f32_pack_gemm_w(s.k, s.n, kn.nr, w.p, s.n, bias.p, packed.p);
  const GemmParams params;
  const size_t panel = kn.nr * (s.k + 1);
  auto pass = [&] {
    for (size_t n0 = 0; n0 < s.n; n0 += nc) {
      const size_t nb = std::min(nc, s.n - n0);
      const float* wb = packed.p + n0 / kn.nr * panel;
      for (size_t m0 = 0; m0 < rows; m0 += kn.mr) {
        const size_t mb = std::min(kn.mr, rows - m0);
        kn.gemm(mb, nb, s.k, a.p + m0 * s.k, s.k, wb, c.p + m0 * s.n + n0, s.n, &params);
      }
    }
  };
  return measure(opt, 2.0 * rows * s.n * s.k, pass);
}

// Tn kernel on the same layer's weight gradient: C[K x N] += col^T * grad_out over `rows` rows,
// col (rows x K) and grad_out (rows x N) unpacked, in chunks of --tn-rows rows (an op's row tile).
Rate bench_tn(const Options& opt, const Kernel& kn, const Shape& s, size_t rows) {
  Buffer col(rows * s.k), go(rows * s.n), c(s.k * s.n);
  fill_random(col.p, rows * s.k, 1);
  fill_random(go.p, rows * s.n, 2);
  std::memset(c.p, 0, s.k * s.n * sizeof(float));
  GemmParams params;
  params.accumulate = true;
  const size_t kChunk = opt.tn_rows;
  auto pass = [&] {
    for (size_t r0 = 0; r0 < rows; r0 += kChunk) {
      const size_t kb = std::min(kChunk, rows - r0);
      for (size_t i0 = 0; i0 < s.k; i0 += kn.mr) {
        const size_t mb = std::min(kn.mr, s.k - i0);
        kn.tn(mb, s.n, kb, col.p + r0 * s.k + i0, s.k, go.p + r0 * s.n, s.n, c.p + i0 * s.n, s.n, &params);
      }
    }
  };
  return measure(opt, 2.0 * rows * s.n * s.k, pass);
}

int run(const Options& opt) {
  std::vector<Shape> shapes;
  if (!read_shapes(opt.shapes, &shapes)) {
    std::fprintf(stderr, "f32-gemm-bench: cannot read shapes from %s (use --shapes FILE)\n", opt.shapes.c_str());
    return 1;
  }
  if (opt.quick) shapes.resize(std::min<size_t>(shapes.size(), 2));
  shapes.push_back(opt.quick ? Shape{64, 64, 64, "square 64"} : Shape{1024, 1024, 1024, "square 1024"});

  const GemmConfig& config = gemm_config();
  std::printf("{\"bench\":\"f32-gemm-config\",\"runtime\":\"%s\",\"config\":\"%s\",\"mr\":%zu,\"nr\":%zu}\n", kRuntime,
              config.name, config.mr, config.nr);
  double peak = 0.0;
  std::string peak_kernel, peak_shape;
  for (const Kernel& kn : kKernels) {
    if (!isa_available(kn.isa)) continue;
    if (!opt.filter.empty() && std::string(kn.name).find(opt.filter) == std::string::npos) continue;
    std::vector<double> rates;
    for (const Shape& s : shapes) {
      const size_t rows = std::min(s.m, opt.max_rows);
      Rate rate;
      size_t nc = 0;
      if (kn.gemm) {
        nc = nc_block_for(opt, kn, s.n, s.k);
        rate = bench_gemm(opt, kn, s, rows, nc);
      } else {
        rate = bench_tn(opt, kn, s, rows);
      }
      const double gflops = rate.median;
      rates.push_back(gflops);
      std::printf(
          "{\"bench\":\"f32-gemm\",\"runtime\":\"%s\",\"kernel\":\"%s\",\"isa\":\"%s\",\"mr\":%zu,\"nr\":%zu,"
          "\"layer\":\"%s\",\"m\":%zu,\"n\":%zu,\"k\":%zu,\"rows_timed\":%zu,\"nc_block\":%zu,\"gflops\":%.2f,"
          "\"gflops_best\":%.2f}\n",
          kRuntime, kn.name, isa_name(kn.isa), kn.mr, kn.nr, s.label.c_str(), s.m, s.n, s.k, rows, nc, gflops,
          rate.best);
      std::fflush(stdout);
      if (gflops > peak) {
        peak = gflops;
        peak_kernel = kn.name;
        peak_shape = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k);
      }
    }
    double log_sum = 0.0;
    for (double r : rates) log_sum += std::log(r);
    std::printf(
        "{\"bench\":\"f32-gemm-kernel\",\"runtime\":\"%s\",\"kernel\":\"%s\",\"shapes\":%zu,\"geomean_gflops\":%.2f}\n",
        kRuntime, kn.name, rates.size(), std::exp(log_sum / rates.size()));
  }
  std::printf(
      "{\"bench\":\"f32-gemm-summary\",\"runtime\":\"%s\",\"config\":\"%s\",\"peak_gflops\":%.2f,"
      "\"peak_kernel\":\"%s\",\"peak_shape\":\"%s\"}\n",
      kRuntime, config.name, peak, peak_kernel.c_str(), peak_shape.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "f32-gemm-bench: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--quick") {
      opt.quick = true;
    } else if (arg == "--shapes") {
      opt.shapes = value();
    } else if (arg == "--kernel") {
      opt.filter = value();
    } else if (arg == "--rows") {
      opt.max_rows = std::strtoul(value().c_str(), nullptr, 10);
    } else if (arg == "--nc") {
      opt.nc_block = std::strtoul(value().c_str(), nullptr, 10);
    } else if (arg == "--tn-rows") {
      opt.tn_rows = std::max<size_t>(1, std::strtoul(value().c_str(), nullptr, 10));
    } else if (arg == "--samples") {
      opt.samples = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--min-ms") {
      opt.min_ms = std::strtod(value().c_str(), nullptr);
    } else {
      std::fprintf(stderr,
                   "usage: f32-gemm-bench [--quick] [--shapes FILE] [--kernel SUBSTRING] [--rows R] [--nc N] "
                   "[--min-ms T] [--samples S] [--tn-rows R]\n");
      return 2;
    }
  }
  if (opt.quick) {
    opt.max_rows = std::min<size_t>(opt.max_rows, 64);
    opt.min_ms = 1.0;
    opt.samples = 3;
  }
  return run(opt);
}
