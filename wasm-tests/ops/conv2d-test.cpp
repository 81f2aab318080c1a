// Convolution ops (im2col + GEMM, threaded) against the direct reference loops, over odd
// shapes, strides, paddings and GEMM row-tile edges.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>

#include "kernels/kernels.h"
#include "ops/conv2d.h"
#include "ops/window.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::random_vector;
using nn::testing::relative_error;
using nn::testing::test_pool;

namespace {

ConvDims make_dims(size_t n, size_t h, size_t w, size_t ci, size_t k, size_t stride, Padding padding, size_t co) {
  Window1D wh, ww;
  REQUIRE(window_1d("test", "height", h, k, stride, padding, &wh).is_ok());
  REQUIRE(window_1d("test", "width", w, k, stride, padding, &ww).is_ok());
  return ConvDims{
      n, h, w, ci, k, k, stride, stride, size_t(wh.pad_before), size_t(ww.pad_before), size_t(wh.out), size_t(ww.out),
      co};
}

void check_against_reference(const ConvDims& d, ThreadPool* pool) {
  const size_t in_n = d.batch * d.in_h * d.in_w * d.in_c;
  const size_t out_n = d.batch * d.out_h * d.out_w * d.out_c;
  const size_t f_n = d.kernel_h * d.kernel_w * d.in_c * d.out_c;
  auto in = random_vector(in_n, 1), filter = random_vector(f_n, 2), bias = random_vector(d.out_c, 3);
  auto grad_out = random_vector(out_n, 4);
  std::vector<float> ws(conv2d_workspace_floats(d, pool_threads(pool)) + 16);

  std::vector<float> out(out_n), ref_out(out_n);
  conv2d_forward(pool, d, in.data(), filter.data(), bias.data(), Activation::kLinear, out.data(), ws.data());
  nn_f32_conv2d_forward__reference(d, in.data(), filter.data(), bias.data(), ref_out.data());
  CHECK(relative_error(out, ref_out) < 1e-5);

  // Backward passes accumulate: start from a non-zero buffer to check "+=".
  auto gin = random_vector(in_n, 5), ref_gin = gin;
  conv2d_backward_input(pool, d, grad_out.data(), filter.data(), gin.data(), ws.data());
  nn_f32_conv2d_backward_input__reference(d, grad_out.data(), filter.data(), ref_gin.data());
  CHECK(relative_error(gin, ref_gin) < 1e-5);

  auto gf = random_vector(f_n, 6), ref_gf = gf;
  auto gb = random_vector(d.out_c, 7), ref_gb = gb;
  conv2d_backward_filter(pool, d, in.data(), grad_out.data(), gf.data(), gb.data(), ws.data());
  nn_f32_conv2d_backward_filter__reference(d, in.data(), grad_out.data(), ref_gf.data(), ref_gb.data());
  CHECK(relative_error(gf, ref_gf) < 1e-5);
  CHECK(relative_error(gb, ref_gb) < 1e-5);
}

}  // namespace

TEST_CASE("conv2d ops match the reference over shapes, strides and paddings") {
  struct Case {
    size_t n, h, w, ci, k, s;
    Padding p;
    size_t co;
  };
  const Case cases[] = {
      {1, 5, 5, 1, 3, 1, Padding::kValid, 1},   {2, 7, 6, 3, 3, 1, Padding::kSame, 5},
      {2, 6, 6, 2, 3, 2, Padding::kSame, 4},    {3, 7, 5, 3, 3, 2, Padding::kSame, 7},
      {2, 9, 9, 4, 1, 1, Padding::kValid, 3},   {2, 9, 9, 4, 1, 2, Padding::kSame, 6},
      {1, 11, 13, 3, 5, 1, Padding::kValid, 8}, {2, 8, 8, 5, 3, 3, Padding::kValid, 2},
      {1, 33, 1, 2, 1, 1, Padding::kValid, 17},  // rows cross several GEMM row tiles
  };
  for (const Case& c : cases) {
    const ConvDims d = make_dims(c.n, c.h, c.w, c.ci, c.k, c.s, c.p, c.co);
    CAPTURE(c.h);
    CAPTURE(c.w);
    CAPTURE(c.ci);
    CAPTURE(c.k);
    CAPTURE(c.s);
    CAPTURE(c.co);
    check_against_reference(d, nullptr);
    check_against_reference(d, test_pool());
  }
}

TEST_CASE("conv2d results do not depend on the thread count") {
  const ConvDims d = make_dims(3, 9, 7, 5, 3, 1, Padding::kSame, 6);
  auto in = random_vector(3 * 9 * 7 * 5, 1), filter = random_vector(9 * 5 * 6, 2), go = random_vector(3 * 9 * 7 * 6, 3);
  std::vector<float> ws(conv2d_workspace_floats(d, 4) + 16);
  std::vector<float> gf1(9 * 5 * 6, 0.0f), gf2(9 * 5 * 6, 0.0f);
  conv2d_backward_filter(nullptr, d, in.data(), go.data(), gf1.data(), nullptr, ws.data());
  conv2d_backward_filter(test_pool(), d, in.data(), go.data(), gf2.data(), nullptr, ws.data());
  CHECK(gf1 == gf2);  // bit-identical: each element is summed in the same order
}

namespace {

// im2col the plain way: every tap of every row, zero outside the image.
std::vector<float> naive_im2col(const ConvDims& d, const std::vector<float>& in) {
  const size_t rows = d.batch * d.out_h * d.out_w, k = d.kernel_h * d.kernel_w * d.in_c;
  std::vector<float> col(rows * k, 0.0f);
  for (size_t r = 0; r < rows; ++r) {
    const size_t ox = r % d.out_w, oy = r / d.out_w % d.out_h, n = r / (d.out_w * d.out_h);
    for (size_t ky = 0; ky < d.kernel_h; ++ky)
      for (size_t kx = 0; kx < d.kernel_w; ++kx) {
        const long iy = long(oy * d.stride_h + ky) - long(d.pad_top),
                   ix = long(ox * d.stride_w + kx) - long(d.pad_left);
        if (iy < 0 || ix < 0 || iy >= long(d.in_h) || ix >= long(d.in_w)) continue;
        for (size_t c = 0; c < d.in_c; ++c)
          col[r * k + (ky * d.kernel_w + kx) * d.in_c + c] = in[((n * d.in_h + iy) * d.in_w + ix) * d.in_c + c];
      }
  }
  return col;
}

// Fused backward (mask + bias + both gradients) and forward with `pool`; outputs appended.
struct ConvResults {
  std::vector<float> out, grad_in, grad_filter, grad_bias;
};

ConvResults run_conv(const ConvDims& d, Activation act, ThreadPool* pool, size_t ws_threads) {
  const size_t in_n = d.batch * d.in_h * d.in_w * d.in_c, out_n = d.batch * d.out_h * d.out_w * d.out_c;
  const size_t f_n = d.kernel_h * d.kernel_w * d.in_c * d.out_c;
  auto in = random_vector(in_n, 11), filter = random_vector(f_n, 12), bias = random_vector(d.out_c, 13);
  auto grad_out = random_vector(out_n, 14);
  std::vector<float> ws(conv2d_fused_workspace_floats(d, act, static_cast<int>(ws_threads)) + 16);
  ConvResults r;
  r.out.resize(out_n);
  conv2d_forward(pool, d, in.data(), filter.data(), bias.data(), act, r.out.data(), ws.data());
  r.grad_in = random_vector(in_n, 15);
  r.grad_filter = random_vector(f_n, 16);
  r.grad_bias = random_vector(d.out_c, 17);
  conv2d_fused_backward(pool, d, act, in.data(), r.out.data(), grad_out.data(), filter.data(), r.grad_in.data(),
                        r.grad_filter.data(), r.grad_bias.data(), ws.data());
  return r;
}

}  // namespace

TEST_CASE("im2col over any column range matches the plain gather") {
  struct Case {
    size_t n, h, w, ci, k, s;
    Padding p;
  };
  const Case cases[] = {{2, 7, 6, 3, 3, 1, Padding::kSame},  {1, 6, 9, 2, 3, 2, Padding::kSame},
                        {2, 8, 8, 5, 3, 3, Padding::kValid}, {1, 5, 7, 4, 5, 1, Padding::kSame},
                        {2, 9, 9, 3, 1, 2, Padding::kValid}, {1, 3, 4, 2, 5, 1, Padding::kSame}};
  for (const Case& c : cases) {
    const ConvDims d = make_dims(c.n, c.h, c.w, c.ci, c.k, c.s, c.p, 1);
    CAPTURE(c.h);
    CAPTURE(c.w);
    CAPTURE(c.ci);
    CAPTURE(c.k);
    CAPTURE(c.s);
    const auto in = random_vector(d.batch * d.in_h * d.in_w * d.in_c, 21);
    const std::vector<float> full = naive_im2col(d, in);
    const size_t rows = d.batch * d.out_h * d.out_w, k = d.kernel_h * d.kernel_w * d.in_c;
    // Column ranges that start and end inside taps, on tap and kernel-row edges, and whole.
    for (size_t kb = 0; kb < k; kb += 1 + k / 7) {
      for (size_t ke = kb + 1; ke <= k; ke += 1 + k / 5) {
        CAPTURE(kb);
        CAPTURE(ke);
        const size_t r0 = rows / 3, r1 = rows;  // a row range that starts mid-image
        std::vector<float> col((r1 - r0) * (ke - kb), -7.0f);
        nn_f32_im2col(d, in.data(), r0, r1, kb, ke, col.data());
        size_t wrong = 0;
        for (size_t r = r0; r < r1; ++r)
          for (size_t q = kb; q < ke; ++q) wrong += col[(r - r0) * (ke - kb) + q - kb] != full[r * k + q];
        CHECK(wrong == 0);
      }
    }
  }
}

TEST_CASE("fused conv backward (ReLU mask and bias in one pass) matches the reference") {
  for (Activation act : {Activation::kRelu, Activation::kLinear}) {
    // 3 images of 9x13: 351 output rows, more than one bias chunk.
    const ConvDims d = make_dims(3, 9, 13, 5, 3, 1, Padding::kSame, 6);
    CAPTURE(static_cast<int>(act));
    const ConvResults r = run_conv(d, act, nullptr, 1);
    const size_t in_n = d.batch * d.in_h * d.in_w * d.in_c, out_n = d.batch * d.out_h * d.out_w * d.out_c;
    const size_t f_n = d.kernel_h * d.kernel_w * d.in_c * d.out_c;
    auto in = random_vector(in_n, 11), filter = random_vector(f_n, 12), bias = random_vector(d.out_c, 13);
    auto grad_out = random_vector(out_n, 14);
    std::vector<float> ref_out(out_n);
    nn_f32_conv2d_forward__reference(d, in.data(), filter.data(), bias.data(), ref_out.data());
    std::vector<float> g(out_n);
    for (size_t i = 0; i < out_n; ++i) {
      if (act == Activation::kRelu) ref_out[i] = std::max(ref_out[i], 0.0f);
      g[i] = act == Activation::kRelu && !(ref_out[i] > 0.0f) ? 0.0f : grad_out[i];
    }
    CHECK(relative_error(r.out, ref_out) < 1e-5);
    auto ref_gin = random_vector(in_n, 15), ref_gf = random_vector(f_n, 16), ref_gb = random_vector(d.out_c, 17);
    nn_f32_conv2d_backward_input__reference(d, g.data(), filter.data(), ref_gin.data());
    nn_f32_conv2d_backward_filter__reference(d, in.data(), g.data(), ref_gf.data(), ref_gb.data());
    CHECK(relative_error(r.grad_in, ref_gin) < 1e-5);
    CHECK(relative_error(r.grad_filter, ref_gf) < 1e-5);
    CHECK(relative_error(r.grad_bias, ref_gb) < 1e-5);
  }
}

TEST_CASE("conv2d forward and all gradients are bit-identical with 1, 2 and 4 threads") {
  // K = 3*3*5 = 45 (not a multiple of the tn tile), 351 rows: uneven column and row tiles.
  const ConvDims d = make_dims(3, 9, 13, 5, 3, 1, Padding::kSame, 6);
  const ConvResults one = run_conv(d, Activation::kRelu, nullptr, 4);  // workspace sized for 4
  for (int threads : {1, 2, 4}) {
    auto pool = std::make_unique<ThreadPool>(threads);
    INFO("threads asked " << threads << ", running " << pool->num_threads());
    const ConvResults r = run_conv(d, Activation::kRelu, pool.get(), static_cast<size_t>(threads));
    CHECK(r.out == one.out);
    CHECK(r.grad_in == one.grad_in);
    CHECK(r.grad_filter == one.grad_filter);
    CHECK(r.grad_bias == one.grad_bias);
  }
  // A strided layer too (the gather path of the input gradient).
  const ConvDims s = make_dims(4, 10, 9, 3, 3, 2, Padding::kSame, 7);
  const ConvResults s1 = run_conv(s, Activation::kLinear, nullptr, 2);
  auto pool = std::make_unique<ThreadPool>(2);
  const ConvResults s2 = run_conv(s, Activation::kLinear, pool.get(), 2);
  CHECK(s2.grad_filter == s1.grad_filter);
  CHECK(s2.grad_bias == s1.grad_bias);
  CHECK(s2.grad_in == s1.grad_in);
}
