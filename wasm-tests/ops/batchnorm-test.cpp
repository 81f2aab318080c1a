// The vectorized batch-norm ops (training and inference, forward and backward) against double
// loops written here: row and channel counts that cross vector and block edges, with and
// without gamma/beta, "+=" accumulation; identical results with 1 and 4 threads.
// Run: nn_tests_native -tc='batch norm*'
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "ops/batchnorm.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::random_vector;
using nn::testing::relative_error;

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
