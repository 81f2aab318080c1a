// The vectorized max-pool, ReLU-family activation and batch-norm ops against plain loops
// written here: odd sizes, channel counts that cross vector and block edges, 'same' and 'valid'
// windows, NaN handling, "+=" accumulation; and identical results with 1 and 4 threads.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ops/activation.h"
#include "ops/batchnorm.h"
#include "ops/pool2d.h"
#include "ops/window.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::random_vector;
using nn::testing::relative_error;

namespace {

ConvDims pool_dims(size_t n, size_t h, size_t w, size_t c, size_t k, size_t s, Padding p) {
  Window1D wh, ww;
  REQUIRE(window_1d("test", "height", h, k, s, p, &wh).is_ok());
  REQUIRE(window_1d("test", "width", w, k, s, p, &ww).is_ok());
  return ConvDims{n, h, w, c, k, k, s, s, size_t(wh.pad_before), size_t(ww.pad_before), size_t(wh.out), size_t(ww.out),
                  c};
}

// Plain max pooling: the first maximum of each clipped window takes the gradient.
void max_pool_reference(const ConvDims& d, const float* in, const float* grad_out, float* out, float* grad_in) {
  for (size_t n = 0; n < d.batch; ++n)
    for (size_t oy = 0; oy < d.out_h; ++oy)
      for (size_t ox = 0; ox < d.out_w; ++ox)
        for (size_t c = 0; c < d.in_c; ++c) {
          float best = -std::numeric_limits<float>::infinity();
          long at = -1;
          for (size_t ky = 0; ky < d.kernel_h; ++ky)
            for (size_t kx = 0; kx < d.kernel_w; ++kx) {
              const long y = long(oy * d.stride_h + ky) - long(d.pad_top);
              const long x = long(ox * d.stride_w + kx) - long(d.pad_left);
              if (y < 0 || x < 0 || y >= long(d.in_h) || x >= long(d.in_w)) continue;
              const long i = ((long(n) * long(d.in_h) + y) * long(d.in_w) + x) * long(d.in_c) + long(c);
              if (at < 0 || in[i] > best) {
                best = in[i];
                at = i;
              }
            }
          const size_t o = ((n * d.out_h + oy) * d.out_w + ox) * d.in_c + c;
          out[o] = best;
          grad_in[at] += grad_out[o];
        }
}

}  // namespace

TEST_CASE("max pooling matches plain loops; 1 and 4 threads agree") {
  ThreadPool one(1), four(4);
  struct Case {
    size_t h, w, k, s;
  };
  const Case cases[] = {{7, 9, 3, 2}, {6, 6, 2, 2}, {5, 7, 3, 1}, {1, 5, 1, 1}, {8, 5, 3, 3}};
  for (const Case& k : cases)
    for (Padding p : {Padding::kSame, Padding::kValid})
      for (size_t c : {1, 3, 5, 17, 70}) {
        if (p == Padding::kValid && (k.k > k.h || k.k > k.w)) continue;
        CAPTURE(k.h);
        CAPTURE(k.w);
        CAPTURE(k.k);
        CAPTURE(k.s);
        CAPTURE(p == Padding::kSame);
        CAPTURE(c);
        const ConvDims d = pool_dims(3, k.h, k.w, c, k.k, k.s, p);
        auto in = random_vector(d.batch * k.h * k.w * c, 1);
        // Repeated values: ties go to the first tap.
        for (size_t i = 0; i < in.size(); i += 5) in[i] = 0.5f;
        const auto go = random_vector(d.batch * d.out_h * d.out_w * c, 2);
        std::vector<float> out(go.size()), ref_out(go.size());
        auto gin = random_vector(in.size(), 3), ref_gin = gin;
        max_pool_reference(d, in.data(), go.data(), ref_out.data(), ref_gin.data());
        max_pool2d_forward(&one, d, in.data(), out.data());
        max_pool2d_backward(&one, d, in.data(), go.data(), gin.data());
        CHECK(out == ref_out);
        CHECK(relative_error(gin, ref_gin) < 1e-6);
        std::vector<float> out4(go.size());
        auto gin4 = random_vector(in.size(), 3);
        max_pool2d_forward(&four, d, in.data(), out4.data());
        max_pool2d_backward(&four, d, in.data(), go.data(), gin4.data());
        CHECK(out4 == out);
        CHECK(gin4 == gin);
      }
}

TEST_CASE("max pooling keeps a NaN anywhere in the window") {
  const ConvDims d = pool_dims(1, 4, 4, 5, 2, 2, Padding::kValid);
  auto in = random_vector(4 * 4 * 5, 4);
  in[(1 * 4 + 1) * 5 + 2] = std::nanf("");  // pixel (1, 1), channel 2: window (0, 0)
  in[(0 * 4 + 2) * 5 + 4] = std::nanf("");  // pixel (0, 2), channel 4: first tap of window (0, 1)
  std::vector<float> out(2 * 2 * 5);
  max_pool2d_forward(nullptr, d, in.data(), out.data());
  for (size_t i = 0; i < out.size(); ++i) {
    const bool nan_expected = i == 2 || i == 5 + 4;
    CAPTURE(i);
    CHECK(std::isnan(out[i]) == nan_expected);
  }
}

TEST_CASE("ReLU forward keeps NaN; backward passes dy where y > 0, adds or overwrites") {
  const size_t rows = 37, cols = 7;  // odd total: vector tails
  auto x = random_vector(rows * cols, 5);
  x[3] = std::nanf("");
  x[10] = 0.0f;
  std::vector<float> y(x.size());
  activation_forward(nullptr, Activation::kRelu, x.data(), y.data(), rows, cols);
  CHECK(std::isnan(y[3]));
  for (size_t i = 0; i < x.size(); ++i)
    if (i != 3) CHECK(y[i] == (x[i] < 0.0f ? 0.0f : x[i]));
  const auto dy = random_vector(x.size(), 6);
  for (bool accumulate : {false, true}) {
    CAPTURE(accumulate);
    auto dx = random_vector(x.size(), 7), ref = dx;
    for (size_t i = 0; i < x.size(); ++i) {
      const float g = y[i] > 0.0f ? dy[i] : 0.0f;  // NaN and 0 pass nothing
      ref[i] = accumulate ? ref[i] + g : g;
    }
    activation_backward(nn::testing::test_pool(), Activation::kRelu, y.data(), dy.data(), dx.data(), rows, cols,
                        accumulate);
    CHECK(dx == ref);
  }
}

TEST_CASE("batch norm (training and inference) matches double loops; 1 and 4 threads agree") {
  ThreadPool one(1), four(4);
  for (size_t rows : {1, 5, 300, 777})
    for (size_t c : {1, 3, 17, 70})
      for (bool affine : {false, true}) {
        CAPTURE(rows);
        CAPTURE(c);
        CAPTURE(affine);
        const auto x = random_vector(rows * c, 8, -2.0f, 3.0f), dy = random_vector(rows * c, 9);
        const auto gamma = random_vector(c, 10, 0.5f, 2.0f), beta = random_vector(c, 11);
        BatchNormArgs a;
        a.rows = rows;
        a.channels = c;
        a.momentum = 0.9f;
        a.gamma = affine ? gamma.data() : nullptr;
        a.beta = affine ? beta.data() : nullptr;
        // Reference, in double.
        std::vector<double> mean(c), var(c), ref_y(rows * c), ref_dx(rows * c), ref_dg(c), ref_db(c);
        for (size_t j = 0; j < c; ++j) {
          for (size_t r = 0; r < rows; ++r) mean[j] += x[r * c + j];
          mean[j] /= double(rows);
          for (size_t r = 0; r < rows; ++r) var[j] += (x[r * c + j] - mean[j]) * (x[r * c + j] - mean[j]);
          var[j] /= double(rows);
          const double is = 1.0 / std::sqrt(var[j] + a.epsilon), g = affine ? gamma[j] : 1.0;
          double sdy = 0, sdyx = 0;
          for (size_t r = 0; r < rows; ++r) {
            const double xh = (x[r * c + j] - mean[j]) * is;
            ref_y[r * c + j] = xh * g + (affine ? beta[j] : 0.0);
            sdy += dy[r * c + j];
            sdyx += dy[r * c + j] * xh;
          }
          ref_db[j] = sdy;
          ref_dg[j] = sdyx;
          for (size_t r = 0; r < rows; ++r) {
            const double xh = (x[r * c + j] - mean[j]) * is;
            ref_dx[r * c + j] = 1.0 + g * is * (dy[r * c + j] - sdy / double(rows) - xh * sdyx / double(rows));
          }
        }
        auto run = [&](ThreadPool* pool, std::vector<float>* y, std::vector<float>* dx, std::vector<float>* dg,
                       std::vector<float>* db, std::vector<float>* mm) {
          std::vector<float> ws(batchnorm_workspace_floats(rows, c)), m(c), is(c), mv(c, 1.0f);
          mm->assign(c, 0.0f);
          y->assign(rows * c, 0.0f);
          dx->assign(rows * c, 1.0f);  // backward adds
          dg->assign(c, 0.0f);
          db->assign(c, 0.0f);
          batchnorm_forward_training(pool, a, x.data(), y->data(), m.data(), is.data(), mm->data(), mv.data(),
                                     ws.data());
          batchnorm_backward(pool, a, true, x.data(), dy.data(), m.data(), is.data(), dx->data(), dg->data(),
                             db->data(), ws.data());
        };
        std::vector<float> y1, dx1, dg1, db1, mm1, y4, dx4, dg4, db4, mm4;
        run(&one, &y1, &dx1, &dg1, &db1, &mm1);
        run(&four, &y4, &dx4, &dg4, &db4, &mm4);
        auto as_float = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
        CHECK(relative_error(y1, as_float(ref_y)) < 1e-4);
        CHECK(relative_error(dx1, as_float(ref_dx)) < 1e-4);
        CHECK(relative_error(db1, as_float(ref_db)) < 1e-4);
        CHECK(relative_error(dg1, as_float(ref_dg)) < 1e-4);
        for (size_t j = 0; j < c; ++j) CHECK(mm1[j] == doctest::Approx(0.1 * mean[j]).epsilon(1e-4));
        CHECK(y1 == y4);
        CHECK(dx1 == dx4);
        CHECK(dg1 == dg4);
        CHECK(db1 == db4);

        // Inference: normalize with the moving statistics; backward is a per-channel scale.
        std::vector<float> mmv = random_vector(c, 12), mvv = random_vector(c, 13, 0.5f, 2.0f), m(c), is(c);
        std::vector<float> yi(rows * c), dxi(rows * c, 0.0f), ws(batchnorm_workspace_floats(rows, c));
        batchnorm_forward_inference(&four, a, x.data(), yi.data(), mmv.data(), mvv.data(), m.data(), is.data());
        batchnorm_backward(&four, a, false, x.data(), dy.data(), m.data(), is.data(), dxi.data(), nullptr, nullptr,
                           ws.data());
        std::vector<float> ryi(rows * c), rdxi(rows * c);
        for (size_t r = 0; r < rows; ++r)
          for (size_t j = 0; j < c; ++j) {
            const double s = (affine ? gamma[j] : 1.0) / std::sqrt(double(mvv[j]) + a.epsilon);
            ryi[r * c + j] = float((x[r * c + j] - mmv[j]) * s + (affine ? beta[j] : 0.0));
            rdxi[r * c + j] = float(dy[r * c + j] * s);
          }
        CHECK(relative_error(yi, ryi) < 1e-5);
        CHECK(relative_error(dxi, rdxi) < 1e-5);
      }
}
