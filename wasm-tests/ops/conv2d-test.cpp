// Convolution ops (im2col + GEMM, threaded) against the direct reference loops, over odd
// shapes, strides, paddings and GEMM row-tile edges.
#include <doctest/doctest.h>

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
  return ConvDims{n, h, w, ci, k, k, stride, stride, size_t(wh.pad_before), size_t(ww.pad_before),
                  size_t(wh.out), size_t(ww.out), co};
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

TEST_CASE("window arithmetic follows Keras: 'same' puts the odd padding at the bottom/right") {
  Window1D w;
  REQUIRE(window_1d("t", "height", 6, 3, 2, Padding::kSame, &w).is_ok());
  CHECK(w.out == 3);
  CHECK(w.pad_before == 0);
  CHECK(w.pad_after == 1);
  REQUIRE(window_1d("t", "height", 5, 3, 2, Padding::kSame, &w).is_ok());
  CHECK(w.out == 3);
  CHECK(w.pad_before == 1);
  CHECK(w.pad_after == 1);
  REQUIRE(window_1d("t", "height", 180, 5, 1, Padding::kValid, &w).is_ok());
  CHECK(w.out == 176);
  REQUIRE(window_1d("t", "height", 32, 2, 2, Padding::kSame, &w).is_ok());
  CHECK(w.out == 16);
  CHECK(window_1d("t", "height", 2, 3, 1, Padding::kValid, &w).code() == StatusCode::kShapeMismatch);
}

TEST_CASE("conv2d ops match the reference over shapes, strides and paddings") {
  struct Case { size_t n, h, w, ci, k, s; Padding p; size_t co; };
  const Case cases[] = {
      {1, 5, 5, 1, 3, 1, Padding::kValid, 1},   {2, 7, 6, 3, 3, 1, Padding::kSame, 5},
      {2, 6, 6, 2, 3, 2, Padding::kSame, 4},    {3, 7, 5, 3, 3, 2, Padding::kSame, 7},
      {2, 9, 9, 4, 1, 1, Padding::kValid, 3},   {2, 9, 9, 4, 1, 2, Padding::kSame, 6},
      {1, 11, 13, 3, 5, 1, Padding::kValid, 8}, {2, 8, 8, 5, 3, 3, Padding::kValid, 2},
      {1, 33, 1, 2, 1, 1, Padding::kValid, 17}, // rows cross several GEMM row tiles
  };
  for (const Case& c : cases) {
    const ConvDims d = make_dims(c.n, c.h, c.w, c.ci, c.k, c.s, c.p, c.co);
    CAPTURE(c.h); CAPTURE(c.w); CAPTURE(c.ci); CAPTURE(c.k); CAPTURE(c.s); CAPTURE(c.co);
    check_against_reference(d, nullptr);
    check_against_reference(d, test_pool());
  }
}

TEST_CASE("gemm kernels match the reference across row and column edges") {
  for (size_t m : {1, 3, 8, 33})
    for (size_t n : {1, 4, 7, 17})
      for (size_t k : {1, 5, 16}) {
        auto a = random_vector(m * k, 1), b = random_vector(k * n, 2);
        std::vector<float> c(m * n, 9.0f), ref(m * n);
        nn_f32_gemm_ukernel__scalar(m, n, k, a.data(), k, b.data(), n, c.data(), n, false);
        nn_f32_gemm__reference(m, n, k, a.data(), b.data(), ref.data());
        CHECK(relative_error(c, ref) < 1e-5);
        // C += A^T B with A stored (k x m): the filter-gradient form.
        std::vector<float> at(k * m);
        for (size_t i = 0; i < m; ++i)
          for (size_t p = 0; p < k; ++p) at[p * m + i] = a[i * k + p];
        std::vector<float> c2(m * n, 0.0f);
        nn_f32_gemm_tn_ukernel__scalar(k, m, n, at.data(), m, b.data(), n, c2.data(), n);
        CHECK(relative_error(c2, ref) < 1e-5);
      }
}

TEST_CASE("conv2d results do not depend on the thread count") {
  const ConvDims d = make_dims(3, 9, 7, 5, 3, 1, Padding::kSame, 6);
  auto in = random_vector(3 * 9 * 7 * 5, 1), filter = random_vector(9 * 5 * 6, 2), go = random_vector(3 * 9 * 7 * 6, 3);
  std::vector<float> ws(conv2d_workspace_floats(d, 4) + 16);
  std::vector<float> gf1(9 * 5 * 6, 0.0f), gf2(9 * 5 * 6, 0.0f);
  conv2d_backward_filter(nullptr, d, in.data(), go.data(), gf1.data(), nullptr, ws.data());
  conv2d_backward_filter(test_pool(), d, in.data(), go.data(), gf2.data(), nullptr, ws.data());
  CHECK(gf1 == gf2);   // bit-identical: each element is summed in the same order
}
