// Depthwise microkernels (kernels/f32-dwconv), every ISA set built into this binary, against
// plain double loops over channel tails (1, 3, 5, 7, 17 channels and full vectors), row lengths,
// input steps (strides 1 and 2), window shapes, flipped filters, bias and accumulation.
#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "kernels/f32-dwconv/f32-dwconv.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::random_vector;
using nn::testing::relative_error;

namespace {

constexpr size_t kChannels[] = {1, 3, 4, 5, 7, 8, 17};
constexpr size_t kWidths[] = {1, 2, 5, 9};

// A source of nrows rows; each row holds `pixels` pixels plus 2 spare ones (so the row stride is
// not the row length), C channels each.
struct Rows {
  size_t ch, pixels, row;
  std::vector<float> v;
  Rows(size_t nrows, size_t ch_, size_t pixels_, uint64_t seed)
      : ch(ch_), pixels(pixels_), row((pixels_ + 2) * ch_), v(random_vector(nrows * row, seed)) {}
};

// The filter taps (nrows, kw, C), plain or flipped: returns the base pointer and steps so that
// tap (r, k) = base + r * w_row + k * w_col.
struct Taps {
  const float* base;
  ptrdiff_t w_row, w_col;
};
Taps taps(const std::vector<float>& w, size_t nrows, size_t kw, size_t ch, bool flip) {
  // No taps (nrows 0): nothing is read, and the flipped base would be an offset from null.
  if (!flip || w.empty()) return Taps{w.data(), static_cast<ptrdiff_t>(kw * ch), static_cast<ptrdiff_t>(ch)};
  return Taps{w.data() + ((nrows - 1) * kw + (kw - 1)) * ch, -static_cast<ptrdiff_t>(kw * ch),
              -static_cast<ptrdiff_t>(ch)};
}

void check_conv(const DwconvConfig& cfg, bool three, size_t nrows, size_t kw) {
  const DwconvUkernelFn fn = three ? cfg.conv_3x3 : cfg.conv;
  for (size_t ch : kChannels)
    for (size_t out_w : kWidths)
      for (size_t step : {1, 2})
        for (int variant = 0; variant < 8; ++variant) {
          const bool flip = variant & 1, use_bias = variant & 2, accumulate = variant & 4;
          CAPTURE(cfg.name);
          CAPTURE(ch);
          CAPTURE(out_w);
          CAPTURE(step);
          CAPTURE(nrows);
          CAPTURE(kw);
          CAPTURE(flip);
          CAPTURE(use_bias);
          CAPTURE(accumulate);
          Rows in(nrows, ch, (out_w - 1) * step + kw, 11 + ch);
          const auto w = random_vector(nrows * kw * ch, 12), bias = random_vector(ch, 13);
          const Taps t = taps(w, nrows, kw, ch, flip);
          auto out = random_vector(out_w * ch, 14), ref = out;
          for (size_t x = 0; x < out_w; ++x)
            for (size_t c = 0; c < ch; ++c) {
              double acc = (accumulate ? ref[x * ch + c] : 0.0) + (use_bias ? bias[c] : 0.0);
              for (size_t r = 0; r < nrows; ++r)
                for (size_t k = 0; k < kw; ++k)
                  acc += static_cast<double>(in.v[r * in.row + (x * step + k) * ch + c]) *
                         t.base[static_cast<ptrdiff_t>(r) * t.w_row + static_cast<ptrdiff_t>(k) * t.w_col + c];
              ref[x * ch + c] = static_cast<float>(acc);
            }
          fn(ch, out_w, nrows, kw, in.v.data(), static_cast<ptrdiff_t>(in.row), step * ch, t.base, t.w_row, t.w_col,
             use_bias ? bias.data() : nullptr, out.data(), accumulate);
          CHECK(relative_error(out, ref) < 1e-5);
        }
}

void check_backward_filter(const DwconvConfig& cfg, bool three, size_t nrows, size_t kw) {
  const DwconvBackwardFilterUkernelFn fn = three ? cfg.backward_filter_3x3 : cfg.backward_filter;
  for (size_t ch : kChannels)
    for (size_t out_w : kWidths)
      for (size_t step : {1, 2}) {
        CAPTURE(cfg.name);
        CAPTURE(ch);
        CAPTURE(out_w);
        CAPTURE(step);
        CAPTURE(nrows);
        CAPTURE(kw);
        Rows in(nrows, ch, (out_w - 1) * step + kw, 21 + ch);
        const auto go = random_vector(out_w * ch, 22);
        // gw rows are (kw + 1) taps apart, to check gw_row is honoured.
        const size_t gw_row = (kw + 1) * ch;
        auto gw = random_vector(nrows * gw_row, 23), ref = gw;
        for (size_t r = 0; r < nrows; ++r)
          for (size_t k = 0; k < kw; ++k)
            for (size_t c = 0; c < ch; ++c) {
              double acc = ref[r * gw_row + k * ch + c];
              for (size_t x = 0; x < out_w; ++x)
                acc += static_cast<double>(in.v[r * in.row + (x * step + k) * ch + c]) * go[x * ch + c];
              ref[r * gw_row + k * ch + c] = static_cast<float>(acc);
            }
        fn(ch, out_w, nrows, kw, in.v.data(), static_cast<ptrdiff_t>(in.row), step * ch, go.data(), gw.data(), gw_row);
        CHECK(relative_error(gw, ref) < 1e-5);
      }
}

}  // namespace

TEST_CASE("f32 dwconv kernels: every ISA set is listed, the best first") {
  size_t n = 0;
  const DwconvConfig* all = dwconv_configs(&n);
  REQUIRE(n >= 1);
  CHECK(&dwconv_config() == &all[0]);
  CHECK(std::string(all[n - 1].name) == "scalar");
#if defined(__wasm_simd128__)
  CHECK(std::string(all[0].name) == "wasmsimd");
#endif
}

TEST_CASE("f32 dwconv forward kernels match plain loops (3x3 and generic windows)") {
  size_t n = 0;
  const DwconvConfig* all = dwconv_configs(&n);
  for (size_t i = 0; i < n; ++i) {
    check_conv(all[i], true, 3, 3);
    for (size_t nrows : {0, 1, 2, 3, 5})
      for (size_t kw : {0, 1, 2, 3, 4}) check_conv(all[i], false, nrows, kw);
  }
}

TEST_CASE("f32 dwconv filter-gradient kernels match plain loops") {
  size_t n = 0;
  const DwconvConfig* all = dwconv_configs(&n);
  for (size_t i = 0; i < n; ++i) {
    check_backward_filter(all[i], true, 3, 3);
    for (size_t nrows : {1, 2, 3, 5})
      for (size_t kw : {1, 2, 3, 4}) check_backward_filter(all[i], false, nrows, kw);
  }
}

TEST_CASE("f32 dwconv scatter kernel matches plain loops, overlapping windows included") {
  size_t n = 0;
  const DwconvConfig* all = dwconv_configs(&n);
  for (size_t i = 0; i < n; ++i)
    for (size_t ch : kChannels)
      for (size_t out_w : kWidths)
        for (size_t step : {1, 2, 3})
          for (size_t nrows : {1, 3})
            for (size_t kw : {1, 2, 3}) {
              CAPTURE(all[i].name);
              CAPTURE(ch);
              CAPTURE(out_w);
              CAPTURE(step);
              CAPTURE(nrows);
              CAPTURE(kw);
              const size_t pixels = (out_w - 1) * step + kw, gi_row = (pixels + 1) * ch;
              const auto go = random_vector(out_w * ch, 31), w = random_vector(nrows * kw * ch, 32);
              auto gi = random_vector(nrows * gi_row, 33);
              std::vector<double> acc(gi.begin(), gi.end());
              for (size_t x = 0; x < out_w; ++x)
                for (size_t r = 0; r < nrows; ++r)
                  for (size_t k = 0; k < kw; ++k)
                    for (size_t c = 0; c < ch; ++c)
                      acc[r * gi_row + (x * step + k) * ch + c] +=
                          static_cast<double>(go[x * ch + c]) * w[(r * kw + k) * ch + c];
              std::vector<float> ref(acc.begin(), acc.end());
              all[i].scatter(ch, out_w, nrows, kw, go.data(), w.data(), kw * ch, gi.data(), gi_row, step * ch);
              CHECK(relative_error(gi, ref) < 1e-5);
            }
}
