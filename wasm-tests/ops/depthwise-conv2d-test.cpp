// Depthwise convolution ops (kernels/f32-dwconv with interior/border splitting, threaded)
// against the plain reference loops, over odd sizes, channel tails, strides, paddings, depth
// multipliers, batches and bias; and bit-identical results with 1 and 4 threads.
#include <doctest/doctest.h>

#include <vector>

#include "kernels/kernels.h"
#include "ops/depthwise-conv2d.h"
#include "ops/window.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::random_vector;
using nn::testing::relative_error;

namespace {

ConvDims dw_dims(size_t n, size_t h, size_t w, size_t c, size_t kh, size_t kw, size_t sh, size_t sw, Padding p,
                 size_t dm) {
  Window1D wh, ww;
  REQUIRE(window_1d("test", "height", h, kh, sh, p, &wh).is_ok());
  REQUIRE(window_1d("test", "width", w, kw, sw, p, &ww).is_ok());
  return ConvDims{
      n, h, w, c, kh, kw, sh, sw, size_t(wh.pad_before), size_t(ww.pad_before), size_t(wh.out), size_t(ww.out), c * dm};
}

struct Results {
  std::vector<float> out, gin, gf, gb;
};

Results run_ops(ThreadPool* pool, const ConvDims& d, bool use_bias) {
  const size_t in_n = d.batch * d.in_h * d.in_w * d.in_c, out_n = d.batch * d.out_h * d.out_w * d.out_c;
  const size_t f_n = d.kernel_h * d.kernel_w * d.out_c;
  const auto in = random_vector(in_n, 1), filter = random_vector(f_n, 2), bias = random_vector(d.out_c, 3);
  const auto grad_out = random_vector(out_n, 4);
  std::vector<float> ws(depthwise_conv2d_workspace_floats(d));
  Results r;
  r.out.assign(out_n, 7.0f);  // overwritten, not accumulated
  depthwise_conv2d_forward(pool, d, in.data(), filter.data(), use_bias ? bias.data() : nullptr, r.out.data());
  // Backward passes add: start from non-zero buffers.
  r.gin = random_vector(in_n, 5);
  depthwise_conv2d_backward_input(pool, d, grad_out.data(), filter.data(), r.gin.data());
  r.gf = random_vector(f_n, 6);
  r.gb = random_vector(d.out_c, 7);
  depthwise_conv2d_backward_filter(pool, d, in.data(), grad_out.data(), r.gf.data(), use_bias ? r.gb.data() : nullptr,
                                   ws.data());
  return r;
}

Results run_reference(const ConvDims& d, bool use_bias) {
  const size_t in_n = d.batch * d.in_h * d.in_w * d.in_c, out_n = d.batch * d.out_h * d.out_w * d.out_c;
  const size_t f_n = d.kernel_h * d.kernel_w * d.out_c;
  const auto in = random_vector(in_n, 1), filter = random_vector(f_n, 2), bias = random_vector(d.out_c, 3);
  const auto grad_out = random_vector(out_n, 4);
  Results r;
  r.out.assign(out_n, 0.0f);
  nn_f32_dwconv_forward__reference(d, in.data(), filter.data(), use_bias ? bias.data() : nullptr, r.out.data());
  r.gin = random_vector(in_n, 5);
  nn_f32_dwconv_backward_input__reference(d, grad_out.data(), filter.data(), r.gin.data());
  r.gf = random_vector(f_n, 6);
  r.gb = random_vector(d.out_c, 7);
  nn_f32_dwconv_backward_filter__reference(d, in.data(), grad_out.data(), r.gf.data(),
                                           use_bias ? r.gb.data() : nullptr);
  return r;
}

}  // namespace

TEST_CASE("depthwise conv ops match the reference; 1 and 4 threads agree bit for bit") {
  ThreadPool one(1), four(4);
  struct Case {
    size_t h, w, kh, kw, sh, sw;
  };
  const Case shapes[] = {
      {7, 9, 3, 3, 1, 1}, {8, 6, 3, 3, 2, 2}, {5, 5, 3, 3, 2, 1}, {9, 7, 3, 3, 1, 2},  {6, 11, 5, 5, 1, 1},
      {7, 8, 2, 2, 1, 1}, {3, 3, 3, 3, 1, 1}, {1, 4, 1, 3, 1, 1}, {10, 5, 5, 3, 2, 2}, {2, 2, 3, 3, 1, 1},
  };
  for (const Case& s : shapes)
    for (Padding p : {Padding::kSame, Padding::kValid})
      for (size_t c : {1, 3, 5, 7, 17})
        for (size_t dm : {1, 2})
          for (size_t n : {1, 3})
            for (bool use_bias : {false, true}) {
              if (p == Padding::kValid && (s.kh > s.h || s.kw > s.w)) continue;
              if (dm == 2 && c > 5) continue;  // the plain-loop path; keep the test short
              CAPTURE(s.h);
              CAPTURE(s.w);
              CAPTURE(s.kh);
              CAPTURE(s.kw);
              CAPTURE(s.sh);
              CAPTURE(s.sw);
              CAPTURE(p == Padding::kSame);
              CAPTURE(c);
              CAPTURE(dm);
              CAPTURE(n);
              CAPTURE(use_bias);
              const ConvDims d = dw_dims(n, s.h, s.w, c, s.kh, s.kw, s.sh, s.sw, p, dm);
              const Results ref = run_reference(d, use_bias);
              const Results a = run_ops(&one, d, use_bias);
              CHECK(relative_error(a.out, ref.out) < 1e-5);
              CHECK(relative_error(a.gin, ref.gin) < 1e-5);
              CHECK(relative_error(a.gf, ref.gf) < 1e-5);
              CHECK(relative_error(a.gb, ref.gb) < 1e-5);
              const Results b = run_ops(&four, d, use_bias);
              CHECK(a.out == b.out);
              CHECK(a.gin == b.gin);
              CHECK(a.gf == b.gf);
              CHECK(a.gb == b.gb);
            }
}

TEST_CASE("depthwise conv ops on a seed-model-B layer shape (3x3 same, 32 channels)") {
  const ConvDims d = dw_dims(2, 30, 30, 32, 3, 3, 1, 1, Padding::kSame, 1);
  const Results ref = run_reference(d, false);
  const Results a = run_ops(nn::testing::test_pool(), d, false);
  CHECK(relative_error(a.out, ref.out) < 1e-5);
  CHECK(relative_error(a.gin, ref.gin) < 1e-5);
  CHECK(relative_error(a.gf, ref.gf) < 1e-5);
}
