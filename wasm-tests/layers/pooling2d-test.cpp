// MaxPooling2D and AveragePooling2D (Keras; one Pooling2D class): finite-difference gradient
// checks with 'valid' and 'same' windows, odd padding totals and strides. The vectorized ops
// underneath: ops/pool2d-test.cpp. Run: nn_tests_native -tc='*Pooling2D*'
#include <doctest/doctest.h>

#include "layers/layers.h"
#include "testing/grad-check.h"

using namespace nn;
using nn::testing::check_layer_gradients;
using nn::testing::GradCheckOptions;

NN_GRAD_CHECKED("MaxPooling2D");
TEST_CASE("MaxPooling2D gradients: valid, same with odd total, strides") {
  Pooling2D p2("p", PoolKind::kMax, {2, 2, 0, 0, Padding::kValid});
  const GradCheckOptions distinct{.distinct_inputs = true};
  CHECK(check_layer_gradients(p2, {Shape{5, 5, 3}}, distinct).ok());
  Pooling2D same("q", PoolKind::kMax, {2, 2, 0, 0, Padding::kSame});
  CHECK(check_layer_gradients(same, {Shape{5, 7, 2}}, distinct).ok());
  Pooling2D xception("x", PoolKind::kMax, {3, 3, 2, 2, Padding::kSame});
  CHECK(check_layer_gradients(xception, {Shape{7, 6, 2}}, distinct).ok());
}

NN_GRAD_CHECKED("AveragePooling2D");
TEST_CASE("AveragePooling2D gradients: valid, same (padding not counted), stride 1") {
  Pooling2D a("a", PoolKind::kAverage, {2, 2, 0, 0, Padding::kValid});
  CHECK(check_layer_gradients(a, {Shape{5, 4, 3}}).ok());
  Pooling2D b("b", PoolKind::kAverage, {3, 3, 2, 2, Padding::kSame});
  CHECK(check_layer_gradients(b, {Shape{6, 5, 2}}).ok());
  Pooling2D c("c", PoolKind::kAverage, {2, 2, 1, 1, Padding::kSame});
  CHECK(check_layer_gradients(c, {Shape{3, 3, 2}}).ok());
}
