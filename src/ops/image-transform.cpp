// Affine image resampling and its adjoint (see image-transform.h), following TensorFlow's
// ProjectiveGenerator (tensorflow/core/kernels/image/image_ops.h): coordinates in float32,
// bilinear taps outside the image read the fill value, nearest rounds half away from zero.
#include "ops/image-transform.h"

#include <algorithm>
#include <cmath>

#include "threading/thread-pool.h"

namespace nn {

Status parse_fill_mode(std::string_view name, FillMode* out) {
  if (name == "reflect")
    *out = FillMode::kReflect;
  else if (name == "wrap")
    *out = FillMode::kWrap;
  else if (name == "constant")
    *out = FillMode::kConstant;
  else if (name == "nearest")
    *out = FillMode::kNearest;
  else
    return unsupported("fill_mode '", name, "' is not supported: use 'reflect', 'wrap', 'constant' or 'nearest'");
  return Status::ok();
}

Status parse_interpolation(std::string_view name, Interpolation* out) {
  if (name == "bilinear")
    *out = Interpolation::kBilinear;
  else if (name == "nearest")
    *out = Interpolation::kNearest;
  else
    return unsupported("interpolation '", name, "' is not supported: use 'bilinear' or 'nearest'");
  return Status::ok();
}

const char* fill_mode_name(FillMode mode) {
  switch (mode) {
    case FillMode::kReflect:
      return "reflect";
    case FillMode::kWrap:
      return "wrap";
    case FillMode::kConstant:
      return "constant";
    case FillMode::kNearest:
      return "nearest";
  }
  return "?";
}

const char* interpolation_name(Interpolation interpolation) {
  return interpolation == Interpolation::kNearest ? "nearest" : "bilinear";
}

float map_coordinate(float coord, int64_t len, FillMode mode) {
  // Non-finite points (a degenerate map) are left for the caller to fill; TF would cast them
  // to an integer, which is undefined behaviour.
  if (mode == FillMode::kConstant || !std::isfinite(coord)) return coord;
  const float last = static_cast<float>(len - 1);
  float c = coord;
  if (mode == FillMode::kReflect) {
    if (c < 0) {
      if (len <= 1) {
        c = 0;
      } else {
        // TF tests `c < sz2` here (always true); reducing an in-range c adds 0, so it is harmless.
        const int64_t sz2 = 2 * len;
        c = static_cast<float>(sz2 * static_cast<int64_t>(-c / static_cast<float>(sz2))) + c;
        c = c < static_cast<float>(-len) ? c + static_cast<float>(sz2) : -c - 1;
      }
    } else if (c > last) {
      if (len <= 1) {
        c = 0;
      } else {
        const int64_t sz2 = 2 * len;
        c -= static_cast<float>(sz2 * static_cast<int64_t>(c / static_cast<float>(sz2)));
        if (c >= static_cast<float>(len)) c = static_cast<float>(sz2) - c - 1;
      }
    }
  } else if (mode == FillMode::kWrap) {
    if (c < 0) {
      if (len <= 1) {
        c = 0;
      } else {
        const int64_t sz = len - 1;
        c += static_cast<float>(len * (static_cast<int64_t>(-c / static_cast<float>(sz)) + 1));
      }
    } else if (c > last) {
      if (len <= 1) {
        c = 0;
      } else {
        const int64_t sz = len - 1;
        c -= static_cast<float>(len * static_cast<int64_t>(c / static_cast<float>(sz)));
      }
    }
  }
  // The clamp matters: reflect leaves (len - 1, len) alone and wrap can land there too.
  return std::min(std::max(c, 0.0f), last);
}

namespace {

// Where one output pixel reads the input: nothing (all fill), one pixel, or four bilinear taps
// idx[0..3] = (y0, x0), (y0, x1), (y1, x0), (y1, x1), -1 for a tap outside the image.
struct Sample {
  enum Kind { kFill, kNearest, kBilinear } kind = kFill;
  int64_t idx[4] = {-1, -1, -1, -1};
  float wx0 = 0, wx1 = 0, wy0 = 0, wy1 = 0;
};

inline Sample sample_at(const float* m, int64_t x, int64_t y, int64_t h, int64_t w, const AffineSampling& s) {
  Sample t;
  const float fx = static_cast<float>(x), fy = static_cast<float>(y);
  const float in_x = map_coordinate(m[0] * fx + m[1] * fy + m[2], w, s.fill_mode);
  const float in_y = map_coordinate(m[3] * fx + m[4] * fy + m[5], h, s.fill_mode);
  // Only constant mode leaves points outside, and TF then returns the fill value outright
  // (no blending with the edge). Written so that NaN lands here too.
  if (!(in_x >= 0 && in_x <= static_cast<float>(w - 1) && in_y >= 0 && in_y <= static_cast<float>(h - 1))) return t;
  if (s.interpolation == Interpolation::kNearest) {
    t.kind = Sample::kNearest;
    t.idx[0] = static_cast<int64_t>(std::round(in_y)) * w + static_cast<int64_t>(std::round(in_x));
    return t;
  }
  t.kind = Sample::kBilinear;
  const float x0 = std::floor(in_x), y0 = std::floor(in_y);
  t.wx0 = (x0 + 1) - in_x;
  t.wx1 = in_x - x0;
  t.wy0 = (y0 + 1) - in_y;
  t.wy1 = in_y - y0;
  const int64_t ix = static_cast<int64_t>(x0), iy = static_cast<int64_t>(y0);
  // x0, y0 are inside; the +1 taps fall outside only at the last row/column, with weight 0.
  const bool x1_in = ix + 1 < w, y1_in = iy + 1 < h;
  t.idx[0] = iy * w + ix;
  t.idx[1] = x1_in ? iy * w + ix + 1 : -1;
  t.idx[2] = y1_in ? (iy + 1) * w + ix : -1;
  t.idx[3] = x1_in && y1_in ? (iy + 1) * w + ix + 1 : -1;
  return t;
}

}  // namespace

void affine_transform(ThreadPool* pool, const ImageBatch& d, const float* maps, const AffineSampling& s,
                      const float* in, float* out) {
  const int64_t h = d.h, w = d.w, c = d.c;
  const size_t tile = std::max<size_t>(1, 16384 / static_cast<size_t>(std::max<int64_t>(1, w * c)));
  parallel_for(pool, static_cast<size_t>(d.n * h), tile, [&](int, size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const int64_t n = static_cast<int64_t>(r) / h, y = static_cast<int64_t>(r) % h;
      const float* m = maps + n * kAffineMapFloats;
      const float* img = in + n * h * w * c;
      float* o = out + static_cast<int64_t>(r) * w * c;
      for (int64_t x = 0; x < w; ++x, o += c) {
        const Sample t = sample_at(m, x, y, h, w, s);
        if (t.kind == Sample::kFill) {
          std::fill(o, o + c, s.fill_value);
        } else if (t.kind == Sample::kNearest) {
          std::copy(img + t.idx[0] * c, img + t.idx[0] * c + c, o);
        } else {
          const float* p[4];
          for (int k = 0; k < 4; ++k) p[k] = t.idx[k] >= 0 ? img + t.idx[k] * c : nullptr;
          for (int64_t ch = 0; ch < c; ++ch) {
            const float v00 = img[t.idx[0] * c + ch];
            const float v01 = p[1] ? p[1][ch] : s.fill_value;
            const float v10 = p[2] ? p[2][ch] : s.fill_value;
            const float v11 = p[3] ? p[3][ch] : s.fill_value;
            // TF's evaluation order: along x on both rows, then along y.
            o[ch] = t.wy0 * (t.wx0 * v00 + t.wx1 * v01) + t.wy1 * (t.wx0 * v10 + t.wx1 * v11);
          }
        }
      }
    }
  });
}

void affine_transform_backward(ThreadPool* pool, const ImageBatch& d, const float* maps, const AffineSampling& s,
                               const float* grad_out, float* grad_in) {
  const int64_t h = d.h, w = d.w, c = d.c;
  parallel_for(pool, static_cast<size_t>(d.n), 1, [&](int, size_t n0, size_t n1) {
    for (size_t n = n0; n < n1; ++n) {
      const float* m = maps + n * kAffineMapFloats;
      const float* go = grad_out + static_cast<int64_t>(n) * h * w * c;
      float* gi = grad_in + static_cast<int64_t>(n) * h * w * c;
      for (int64_t y = 0; y < h; ++y) {
        for (int64_t x = 0; x < w; ++x, go += c) {
          const Sample t = sample_at(m, x, y, h, w, s);
          if (t.kind == Sample::kFill) continue;
          if (t.kind == Sample::kNearest) {
            float* g = gi + t.idx[0] * c;
            for (int64_t ch = 0; ch < c; ++ch) g[ch] += go[ch];
            continue;
          }
          const float weight[4] = {t.wy0 * t.wx0, t.wy0 * t.wx1, t.wy1 * t.wx0, t.wy1 * t.wx1};
          for (int k = 0; k < 4; ++k) {
            if (t.idx[k] < 0 || weight[k] == 0.0f) continue;
            float* g = gi + t.idx[k] * c;
            for (int64_t ch = 0; ch < c; ++ch) g[ch] += weight[k] * go[ch];
          }
        }
      }
    }
  });
}

}  // namespace nn
