// Affine resampling of NHWC images the way TensorFlow's ImageProjectiveTransformV3 does it (the
// op behind Keras's RandomRotation, RandomZoom and RandomTranslation): output pixel (x, y) reads
// the input at (a0 x + a1 y + a2, b0 x + b1 y + b2), brought back into the image by the fill
// mode, then interpolated. The backward pass is the exact adjoint: a scatter-add of gradients.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace nn {

class ThreadPool;

// Points outside the input, as TF and Keras describe them:
//   reflect  (d c b a | a b c d | d c b a)   wrap    (a b c d | a b c d | a b c d)
//   constant (k k k k | a b c d | k k k k)   nearest (a a a a | a b c d | d d d d)
enum class FillMode { kReflect, kWrap, kConstant, kNearest };
enum class Interpolation { kBilinear, kNearest };

Status parse_fill_mode(std::string_view name, FillMode* out);
Status parse_interpolation(std::string_view name, Interpolation* out);
const char* fill_mode_name(FillMode mode);
const char* interpolation_name(Interpolation interpolation);

// One map per image: {a0, a1, a2, b0, b1, b2}, from output pixel to input point (TF's 8-float
// transform row without the projective c0 = c1 = 0).
constexpr int kAffineMapFloats = 6;

struct ImageBatch {
  int64_t n = 0, h = 0, w = 0, c = 0;
};

struct AffineSampling {
  FillMode fill_mode = FillMode::kReflect;
  Interpolation interpolation = Interpolation::kBilinear;
  float fill_value = 0.0f;  // constant mode only
};

// TF's MapCoordinate: a coordinate along an axis of `len` pixels, brought into [0, len - 1]
// (constant mode leaves it alone). Kept bit-for-bit, quirks included: wrap is exact only
// within one image length of the edge.
float map_coordinate(float coord, int64_t len, FillMode mode);

// out = every image resampled through its map (maps holds n * kAffineMapFloats floats).
// in and out must not overlap. Parallel over rows.
void affine_transform(ThreadPool* pool, const ImageBatch& d, const float* maps, const AffineSampling& s,
                      const float* in, float* out);
// grad_in += the adjoint applied to grad_out, with the same taps and weights as the forward;
// the fill value gets no gradient. Parallel over images (each image's grad_in has one writer).
void affine_transform_backward(ThreadPool* pool, const ImageBatch& d, const float* maps, const AffineSampling& s,
                               const float* grad_out, float* grad_in);

}  // namespace nn
