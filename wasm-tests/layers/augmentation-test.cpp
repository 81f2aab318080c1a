// The augmentation layers (RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
// RandomContrast) and their configs: exact pixels against hand-computed and
// reference results (TF's ImageProjectiveTransformV3 written plainly in double), seeding,
// value ranges, and gradients (finite differences, and the adjoint identity for seeded layers).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "io/layer-config.h"
#include "layers/augmentation.h"
#include "testing/grad-check.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::check_layer_gradients;
using nn::testing::GradCheckOptions;
using nn::testing::random_vector;

namespace {

// Builds a layer for one image shape and runs it the way the graph does (ctx.saved planned by
// saved_floats, kept from forward to backward).
struct Runner {
  Layer& layer;
  Shape shape;
  int n;
  std::vector<float> saved, workspace;

  Runner(Layer& l, const Shape& s, int batch) : layer(l), shape(s), n(batch) {
    Shape out;
    NN_REQUIRE_OK(layer.build({s}, &out));
    REQUIRE(out == s);
    saved.assign(layer.saved_floats(n) + 1, 0.0f);
    workspace.assign(layer.workspace_floats(n, pool_threads(nn::testing::test_pool())) + 1, 0.0f);
  }
  size_t size() const { return static_cast<size_t>(n) * shape.numel(); }
  RunContext ctx(bool training, Rng* rng) {
    RunContext c;
    c.pool = nn::testing::test_pool();
    c.batch = n;
    c.training = training;
    c.rng = rng;
    c.saved = saved.data();
    c.workspace = workspace.data();
    return c;
  }
  std::vector<float> forward(const std::vector<float>& x, bool training = true, Rng* rng = nullptr) {
    REQUIRE(x.size() == size());
    std::vector<float> out(size(), -12345.0f);
    layer.forward(ctx(training, rng), {x.data()}, out.data());
    return out;
  }
  std::vector<float> backward(const std::vector<float>& x, const std::vector<float>& out, const std::vector<float>& g,
                              bool training = true) {
    std::vector<float> grad(size(), 0.0f);
    layer.backward(ctx(training, nullptr), {x.data()}, out.data(), g.data(), {grad.data()});
    return grad;
  }
};

std::vector<float> iota_image(size_t n, float start = 1.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

RandomFlipOptions flip(FlipMode mode, bool seeded = false, uint64_t seed = 0) {
  RandomFlipOptions o;
  o.mode = mode;
  o.has_seed = seeded;
  o.seed = seed;
  return o;
}

template <typename Options>
Options seeded_affine(Options o, bool seeded, uint64_t seed, FillMode fill = FillMode::kReflect,
                      Interpolation interp = Interpolation::kBilinear, float fill_value = 0.0f) {
  o.has_seed = seeded;
  o.seed = seed;
  o.fill_mode = fill;
  o.interpolation = interp;
  o.fill_value = fill_value;
  return o;
}

RandomRotationOptions rotation(float lo, float hi, FillMode fill = FillMode::kReflect,
                               Interpolation interp = Interpolation::kBilinear, float fill_value = 0.0f,
                               bool seeded = false, uint64_t seed = 0) {
  RandomRotationOptions o;
  o.factor = {lo, hi};
  return seeded_affine(o, seeded, seed, fill, interp, fill_value);
}

RandomZoomOptions zoom(FactorRange height, bool has_width, FactorRange width, FillMode fill = FillMode::kReflect,
                       Interpolation interp = Interpolation::kBilinear, bool seeded = false, uint64_t seed = 0) {
  RandomZoomOptions o;
  o.height_factor = height;
  o.has_width_factor = has_width;
  o.width_factor = width;
  return seeded_affine(o, seeded, seed, fill, interp);
}

RandomTranslationOptions translation(FactorRange height, FactorRange width, FillMode fill = FillMode::kReflect,
                                     Interpolation interp = Interpolation::kBilinear, float fill_value = 0.0f,
                                     bool seeded = false, uint64_t seed = 0) {
  RandomTranslationOptions o;
  o.height_factor = height;
  o.width_factor = width;
  return seeded_affine(o, seeded, seed, fill, interp, fill_value);
}

RandomContrastOptions contrast(float lower, float upper, float low = 0.0f, float high = 255.0f, bool seeded = false,
                               uint64_t seed = 0) {
  RandomContrastOptions o;
  o.lower = lower;
  o.upper = upper;
  o.value_low = low;
  o.value_high = high;
  o.has_seed = seeded;
  o.seed = seed;
  return o;
}

// One of each layer with typical (Keras-example) options.
std::vector<std::unique_ptr<AugmentationLayer>> one_of_each(bool seeded, uint64_t seed) {
  std::vector<std::unique_ptr<AugmentationLayer>> v;
  v.push_back(std::make_unique<RandomFlip>("flip", flip(FlipMode::kHorizontalAndVertical, seeded, seed)));
  v.push_back(std::make_unique<RandomRotation>(
      "rotation", rotation(-0.2f, 0.2f, FillMode::kReflect, Interpolation::kBilinear, 0.0f, seeded, seed)));
  v.push_back(std::make_unique<RandomZoom>(
      "zoom", zoom({-0.3f, 0.4f}, true, {-0.2f, 0.2f}, FillMode::kReflect, Interpolation::kBilinear, seeded, seed)));
  v.push_back(std::make_unique<RandomTranslation>(
      "translation",
      translation({-0.3f, 0.3f}, {-0.3f, 0.3f}, FillMode::kReflect, Interpolation::kBilinear, 0.0f, seeded, seed)));
  v.push_back(std::make_unique<RandomContrast>("contrast", contrast(0.5f, 0.5f, 0.0f, 255.0f, seeded, seed)));
  return v;
}

// ---- A plain double-precision version of TF's ImageProjectiveTransformV3 (one image). ----

double map_reference(double c, int64_t len, FillMode mode) {
  const double last = static_cast<double>(len - 1);
  if (mode == FillMode::kConstant) return c;
  if (mode == FillMode::kReflect && len > 1) {
    // Fold into one period of (a b c d d c b a), then TF's clamp.
    const double period = 2.0 * static_cast<double>(len);
    c = std::fmod(c, period);
    if (c < 0) c += period;
    if (c >= static_cast<double>(len)) c = period - 1.0 - c;
  }
  return std::clamp(c, 0.0, last);  // nearest mode, and the clamp after reflect
}

// Sets *borderline when a pixel sits within 1e-3 of a point where the result jumps (the
// image edge in constant mode, a rounding tie in nearest interpolation), where float32 and
// double may fairly disagree.
std::vector<float> reference_affine(const std::vector<float>& img, int64_t h, int64_t w, int64_t c, const double m[6],
                                    FillMode mode, Interpolation interp, double fill, std::vector<bool>* borderline) {
  std::vector<float> out(static_cast<size_t>(h * w * c));
  borderline->assign(static_cast<size_t>(h * w), false);
  auto at = [&](int64_t y, int64_t x, int64_t ch) {
    return y >= 0 && y < h && x >= 0 && x < w ? static_cast<double>(img[(y * w + x) * c + ch]) : fill;
  };
  auto near = [](double a, double b) { return std::fabs(a - b) < 1e-3; };
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      const double xi = map_reference(m[0] * x + m[1] * y + m[2], w, mode);
      const double yi = map_reference(m[3] * x + m[4] * y + m[5], h, mode);
      bool edge = false;
      if (mode == FillMode::kConstant) edge = near(xi, 0) || near(xi, w - 1.0) || near(yi, 0) || near(yi, h - 1.0);
      if (interp == Interpolation::kNearest) {
        edge = edge || near(xi - std::floor(xi), 0.5) || near(yi - std::floor(yi), 0.5);
      }
      (*borderline)[y * w + x] = edge;
      const bool outside = xi < 0 || xi > w - 1.0 || yi < 0 || yi > h - 1.0;
      for (int64_t ch = 0; ch < c; ++ch) {
        double v;
        if (outside) {
          v = fill;
        } else if (interp == Interpolation::kNearest) {
          v = at(static_cast<int64_t>(std::round(yi)), static_cast<int64_t>(std::round(xi)), ch);
        } else {
          const double x0 = std::floor(xi), y0 = std::floor(yi);
          const int64_t ix = static_cast<int64_t>(x0), iy = static_cast<int64_t>(y0);
          const double fx = xi - x0, fy = yi - y0;
          v = (1 - fy) * ((1 - fx) * at(iy, ix, ch) + fx * at(iy, ix + 1, ch)) +
              fy * ((1 - fx) * at(iy + 1, ix, ch) + fx * at(iy + 1, ix + 1, ch));
        }
        out[(y * w + x) * c + ch] = static_cast<float>(v);
      }
    }
  }
  return out;
}

// Keras's rotation matrix for an angle given as a fraction of a turn (float, as the layer holds it).
void rotation_matrix(float turn, int64_t h, int64_t w, double m[6]) {
  const double a = static_cast<double>(turn) * 2.0 * 3.14159265358979323846;
  const double cs = std::cos(a), sn = std::sin(a);
  m[0] = cs;
  m[1] = -sn;
  m[2] = ((w - 1.0) - (cs * (w - 1.0) - sn * (h - 1.0))) / 2.0;
  m[3] = sn;
  m[4] = cs;
  m[5] = ((h - 1.0) - (sn * (w - 1.0) + cs * (h - 1.0))) / 2.0;
}

// Compares one output image with the reference, skipping borderline pixels; returns the
// number of pixels compared.
int compare_with_reference(const float* got, const std::vector<float>& want, const std::vector<bool>& borderline,
                           int64_t c, double tol) {
  int compared = 0;
  for (size_t p = 0; p < borderline.size(); ++p) {
    if (borderline[p]) continue;
    ++compared;
    for (int64_t ch = 0; ch < c; ++ch) {
      INFO("pixel ", p, " channel ", ch);
      CHECK(std::fabs(got[p * c + ch] - want[p * c + ch]) <= tol);
    }
  }
  return compared;
}

// Runs an affine layer (lo == hi factors, so every image gets the same map) on `n` random images
// and checks each against the reference.
void check_affine_against_reference(AffineAugmentation& layer, const Shape& s, const double m[6], double tol = 1e-4) {
  const int n = 2;
  Runner run(layer, s, n);
  const std::vector<float> x = random_vector(run.size(), 77, 0.0f, 1.0f);
  const std::vector<float> y = run.forward(x);
  const int64_t per = s.numel();
  int compared = 0;
  for (int i = 0; i < n; ++i) {
    std::vector<float> img(x.begin() + i * per, x.begin() + (i + 1) * per);
    std::vector<bool> borderline;
    const AffineSampling& smp = layer.sampling();
    const std::vector<float> want =
        reference_affine(img, s[0], s[1], s[2], m, smp.fill_mode, smp.interpolation, smp.fill_value, &borderline);
    compared += compare_with_reference(y.data() + i * per, want, borderline, s[2], tol);
  }
  CHECK(compared > n * s[0] * s[1] / 2);
}

// Flips one (h, w, c) image.
std::vector<float> flipped(const float* img, int64_t h, int64_t w, int64_t c, bool fx, bool fy) {
  std::vector<float> out(static_cast<size_t>(h * w * c));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t ch = 0; ch < c; ++ch)
        out[(y * w + x) * c + ch] = img[((fy ? h - 1 - y : y) * w + (fx ? w - 1 - x : x)) * c + ch];
  return out;
}

// Which of the four flips turned `in` into `out` (bit 0 horizontal, bit 1 vertical), or -1.
int which_flip(const float* in, const float* out, int64_t h, int64_t w, int64_t c) {
  for (int k = 0; k < 4; ++k) {
    const std::vector<float> f = flipped(in, h, w, c, k & 1, k & 2);
    if (std::equal(f.begin(), f.end(), out)) return k;
  }
  return -1;
}

Status from_config(const char* class_name, const char* json, std::unique_ptr<Layer>* out) {
  JsonValue config;
  Status st = parse_json(json, &config);
  REQUIRE(st.is_ok());
  return layer_from_config(class_name, config, out);
}

}  // namespace

TEST_CASE("augmentation: every layer copies at inference and passes the gradient through") {
  const Shape s{5, 4, 3};
  for (auto& layer : one_of_each(false, 0)) {
    CAPTURE(layer->class_name());
    Runner run(*layer, s, 3);
    const std::vector<float> x = random_vector(run.size(), 1, 0.0f, 255.0f);
    Rng rng(5);
    const std::vector<float> y = run.forward(x, false, &rng);
    CHECK(y == x);
    const std::vector<float> g = random_vector(run.size(), 2);
    CHECK(run.backward(x, y, g, false) == g);
    // A null grad_inputs[0] means nobody wants the gradient: nothing to do, in either mode.
    layer->backward(run.ctx(true, nullptr), {x.data()}, y.data(), g.data(), {nullptr});
    layer->backward(run.ctx(false, nullptr), {x.data()}, y.data(), g.data(), {nullptr});
  }
}

TEST_CASE("augmentation: a fixed seed repeats, other seeds and later calls differ, ctx.rng is used without one") {
  const Shape s{6, 5, 2};
  const int n = 8;
  const std::vector<float> x = random_vector(n * s.numel(), 3, 0.0f, 255.0f);
  auto a = one_of_each(true, 7), b = one_of_each(true, 7), c = one_of_each(true, 8);
  auto u = one_of_each(false, 0), v = one_of_each(false, 0);
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(a[i]->class_name());
    Runner ra(*a[i], s, n), rb(*b[i], s, n), rc(*c[i], s, n), ru(*u[i], s, n), rv(*v[i], s, n);
    Rng r1(11), r2(99);
    const std::vector<float> first = ra.forward(x, true, &r1);
    CHECK(first != x);
    CHECK(rb.forward(x, true, &r2) == first);  // a seeded layer ignores ctx.rng
    CHECK(rc.forward(x) != first);
    const std::vector<float> second = ra.forward(x);
    CHECK(second != first);          // the next call draws afresh...
    CHECK(rb.forward(x) == second);  // ...and that repeats too
    Rng g1(21), g2(21), g3(22);
    const std::vector<float> from_ctx = ru.forward(x, true, &g1);
    CHECK(rv.forward(x, true, &g2) == from_ctx);
    CHECK(ru.forward(x, true, &g3) != from_ctx);
    // No seed and no ctx.rng: the default seed, still reproducible.
    auto w1 = one_of_each(false, 0), w2 = one_of_each(false, 0);
    Runner rw1(*w1[i], s, n), rw2(*w2[i], s, n);
    CHECK(rw1.forward(x) == rw2.forward(x));
  }
}

TEST_CASE("augmentation: RandomFlip horizontal mirrors rows exactly, about half of the images") {
  const Shape s{3, 4, 2};
  {
    RandomFlip layer("flip_h", flip(FlipMode::kHorizontal, true, 3));
    Runner run(layer, s, 16);
    const std::vector<float> x = iota_image(run.size());
    const std::vector<float> y = run.forward(x);
    int counts[4] = {0, 0, 0, 0};
    for (int i = 0; i < 16; ++i) {
      const int k = which_flip(x.data() + i * s.numel(), y.data() + i * s.numel(), 3, 4, 2);
      REQUIRE(k >= 0);
      ++counts[k];
    }
    CHECK(counts[0] > 0);
    CHECK(counts[1] > 0);  // some image flipped left-right, pixel for pixel
    CHECK(counts[2] + counts[3] == 0);
    // The exact mapping on one flipped image: out(y, x, c) = in(y, 3 - x, c).
    for (int i = 0; i < 16; ++i) {
      if (which_flip(x.data() + i * 24, y.data() + i * 24, 3, 4, 2) != 1) continue;
      const float* in = x.data() + i * 24;
      const float* out = y.data() + i * 24;
      CHECK(out[0] == in[6]);                                      // (0, 0, 0) <- (0, 3, 0)
      CHECK(out[(1 * 4 + 1) * 2 + 1] == in[(1 * 4 + 2) * 2 + 1]);  // (1, 1, 1) <- (1, 2, 1)
      break;
    }
  }
  RandomFlip many("flip_many", flip(FlipMode::kHorizontal));
  Runner run(many, Shape{1, 2, 1}, 200);
  const std::vector<float> x = iota_image(400);
  Rng rng(2024);
  const std::vector<float> y = run.forward(x, true, &rng);
  int flips = 0;
  for (int i = 0; i < 200; ++i) flips += y[2 * i] == x[2 * i + 1];
  MESSAGE("RandomFlip: ", flips, " of 200 images flipped");
  CHECK(flips > 70);
  CHECK(flips < 130);
}

TEST_CASE("augmentation: RandomFlip vertical, and horizontal_and_vertical flips each axis independently") {
  const Shape s{3, 4, 2};
  RandomFlip vertical("flip_v", flip(FlipMode::kVertical, true, 5));
  Runner rv(vertical, s, 16);
  const std::vector<float> x = iota_image(rv.size());
  const std::vector<float> yv = rv.forward(x);
  int counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < 16; ++i) {
    const int k = which_flip(x.data() + i * 24, yv.data() + i * 24, 3, 4, 2);
    REQUIRE(k >= 0);
    ++counts[k];
  }
  CHECK(counts[0] > 0);
  CHECK(counts[2] > 0);
  CHECK(counts[1] + counts[3] == 0);

  RandomFlip both("flip_hv", flip(FlipMode::kHorizontalAndVertical, true, 9));
  Runner rb(both, s, 64);
  const std::vector<float> xb = iota_image(rb.size());
  const std::vector<float> yb = rb.forward(xb);
  int seen[4] = {0, 0, 0, 0};
  for (int i = 0; i < 64; ++i) {
    const int k = which_flip(xb.data() + i * 24, yb.data() + i * 24, 3, 4, 2);
    REQUIRE(k >= 0);
    ++seen[k];
  }
  for (int k = 0; k < 4; ++k) CHECK(seen[k] > 4);  // all four: the two coins are independent
}

TEST_CASE("augmentation: RandomRotation by quarter and half turns moves pixels like np.rot90") {
  const int64_t n = 5, c = 2;
  const Shape s{n, n, c};
  const std::vector<float> x = iota_image(s.numel());  // 1..50: no zeros, so rounding cannot hide
  struct Case {
    float turn;
    int quarter_turns;
  };  // np.rot90(a, k) is counter-clockwise
  for (Case t : {Case{0.25f, 1}, Case{-0.25f, -1}, Case{0.5f, 2}}) {
    CAPTURE(t.turn);
    RandomRotation layer("rot", rotation(t.turn, t.turn));
    Runner run(layer, s, 1);
    const std::vector<float> y = run.forward(x);
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        int64_t si = i, sj = j;  // np.rot90(a, k)[i][j] = a[si][sj]
        if (t.quarter_turns == 1) {
          si = j;
          sj = n - 1 - i;
        }
        if (t.quarter_turns == -1) {
          si = n - 1 - j;
          sj = i;
        }
        if (t.quarter_turns == 2) {
          si = n - 1 - i;
          sj = n - 1 - j;
        }
        for (int64_t ch = 0; ch < c; ++ch) {
          CHECK(std::fabs(y[(i * n + j) * c + ch] - x[(si * n + sj) * c + ch]) <= 1e-5);
        }
      }
    }
  }
}

TEST_CASE("augmentation: RandomRotation by 30 degrees matches the reference sampler") {
  const float turn = static_cast<float>(30.0 / 360.0);
  const Shape s{7, 6, 2};
  double m[6];
  rotation_matrix(turn, 7, 6, m);
  struct Case {
    FillMode fill;
    Interpolation interp;
    float fill_value;
  };
  for (Case t : {Case{FillMode::kReflect, Interpolation::kBilinear, 0.0f},
                 Case{FillMode::kConstant, Interpolation::kBilinear, 0.25f},
                 Case{FillMode::kNearest, Interpolation::kBilinear, 0.0f},
                 Case{FillMode::kReflect, Interpolation::kNearest, 0.0f},
                 Case{FillMode::kConstant, Interpolation::kNearest, -1.0f}}) {
    CAPTURE(fill_mode_name(t.fill));
    CAPTURE(interpolation_name(t.interp));
    RandomRotation layer("rot30", rotation(turn, turn, t.fill, t.interp, t.fill_value));
    check_affine_against_reference(layer, s, m);
  }
}

TEST_CASE("augmentation: RandomZoom with known factors matches the reference sampler") {
  const Shape s{6, 8, 3};
  {
    // zy = 1.5 (zoom out vertically), zx = 0.75 (zoom in horizontally).
    RandomZoom layer("zoom", zoom({0.5f, 0.5f}, true, {-0.25f, -0.25f}));
    const double zx = 0.75, zy = 1.5, m[6] = {zx, 0, 3.5 * (1 - zx), 0, zy, 2.5 * (1 - zy)};
    check_affine_against_reference(layer, s, m);
  }
  {
    // No width_factor: the width zooms with the height. Constant fill shows the shrunk frame.
    RandomZoom layer("zoom_same", zoom({0.3f, 0.3f}, false, {}, FillMode::kConstant));
    const double z = 1.0 + static_cast<double>(0.3f), m[6] = {z, 0, 3.5 * (1 - z), 0, z, 2.5 * (1 - z)};
    check_affine_against_reference(layer, s, m);
  }
  {
    // Nearest interpolation: zy = 0.6 keeps rows inside; zx = 1.2 reads 0.7 pixel past both
    // side edges (x_in = 1.2 x - 0.7), so the fill mode decides the outer columns.
    RandomZoom clamped("zoom_nearest",
                       zoom({-0.4f, -0.4f}, true, {0.2f, 0.2f}, FillMode::kNearest, Interpolation::kNearest));
    const double zx = 1.0 + static_cast<double>(0.2f), zy = 1.0 - static_cast<double>(0.4f);
    const double m[6] = {zx, 0, 3.5 * (1 - zx), 0, zy, 2.5 * (1 - zy)};
    check_affine_against_reference(clamped, s, m);
    // Wrap: -0.7 -> 7.3 -> column 7 and 7.7 -> -0.3 -> column 0 (TF's formula), the reverse
    // of nearest's clamping; inner columns agree.
    RandomZoom wrapped("zoom_wrap", zoom({-0.4f, -0.4f}, true, {0.2f, 0.2f}, FillMode::kWrap, Interpolation::kNearest));
    Runner a(wrapped, s, 1), b(clamped, s, 1);
    const std::vector<float> x = random_vector(a.size(), 8);
    const std::vector<float> ya = a.forward(x), yb = b.forward(x);
    for (int64_t y = 0; y < 6; ++y) {
      for (int64_t col = 0; col < 8; ++col) {
        const int64_t twin = col == 0 ? 7 : col == 7 ? 0 : col;
        for (int64_t ch = 0; ch < 3; ++ch) CHECK(ya[(y * 8 + col) * 3 + ch] == yb[(y * 8 + twin) * 3 + ch]);
      }
    }
  }
}

TEST_CASE("augmentation: RandomTranslation with known factors matches the reference sampler") {
  const Shape s{6, 8, 2};
  // dy = 0.25 * 6 = 1.5 pixels down, dx = -0.3 * 8 = -2.4 pixels (left).
  for (FillMode fill : {FillMode::kReflect, FillMode::kConstant, FillMode::kNearest}) {
    CAPTURE(fill_mode_name(fill));
    RandomTranslation layer("shift", translation({0.25f, 0.25f}, {-0.3f, -0.3f}, fill, Interpolation::kBilinear, 0.5f));
    const double dx = static_cast<double>(-0.3f * 8.0f), dy = static_cast<double>(0.25f * 6.0f);
    const double m[6] = {1, 0, -dx, 0, 1, -dy};
    check_affine_against_reference(layer, s, m);
  }
}

TEST_CASE("augmentation: fill modes on a known shift give TF's pixels") {
  // One row a b c d e = 1 2 3 4 5, shifted by 2 pixels right, then 2 left.
  const std::vector<float> row = {1, 2, 3, 4, 5};
  struct Case {
    FillMode fill;
    std::vector<float> right, left;
  };
  const Case cases[] = {
      {FillMode::kReflect, {2, 1, 1, 2, 3}, {3, 4, 5, 5, 4}},  // (d c b a | a b c d | d c b a)
      {FillMode::kWrap, {4, 5, 1, 2, 3}, {3, 4, 5, 1, 2}},
      {FillMode::kNearest, {1, 1, 1, 2, 3}, {3, 4, 5, 5, 5}},
      {FillMode::kConstant, {-7, -7, 1, 2, 3}, {3, 4, 5, -7, -7}},
  };
  for (const Case& t : cases) {
    CAPTURE(fill_mode_name(t.fill));
    for (Interpolation interp : {Interpolation::kBilinear, Interpolation::kNearest}) {
      CAPTURE(interpolation_name(interp));
      RandomTranslation right("right", translation({0, 0}, {0.4f, 0.4f}, t.fill, interp, -7.0f));
      RandomTranslation left("left", translation({0, 0}, {-0.4f, -0.4f}, t.fill, interp, -7.0f));
      Runner rr(right, Shape{1, 5, 1}, 1), rl(left, Shape{1, 5, 1}, 1);
      CHECK(rr.forward(row) == t.right);
      CHECK(rl.forward(row) == t.left);
      // The same along the height, on a column.
      RandomTranslation down("down", translation({0.4f, 0.4f}, {0, 0}, t.fill, interp, -7.0f));
      Runner rd(down, Shape{5, 1, 1}, 1);
      CHECK(rd.forward(row) == t.right);
    }
  }
  // Half a pixel: constant mode fills a point outside outright (no blend with the edge), wrap
  // sends (-1, 0) to the last pixel, nearest interpolation rounds half away from zero.
  const std::vector<float> four = {1, 2, 3, 4};
  struct Half {
    FillMode fill;
    Interpolation interp;
    std::vector<float> want;
  };
  const Half halves[] = {
      {FillMode::kConstant, Interpolation::kBilinear, {0, 1.5f, 2.5f, 3.5f}},
      {FillMode::kReflect, Interpolation::kBilinear, {1, 1.5f, 2.5f, 3.5f}},
      {FillMode::kNearest, Interpolation::kBilinear, {1, 1.5f, 2.5f, 3.5f}},
      {FillMode::kWrap, Interpolation::kBilinear, {4, 1.5f, 2.5f, 3.5f}},
      {FillMode::kReflect, Interpolation::kNearest, {1, 2, 3, 4}},
  };
  for (const Half& t : halves) {
    CAPTURE(fill_mode_name(t.fill));
    CAPTURE(interpolation_name(t.interp));
    RandomTranslation half("half", translation({0, 0}, {0.125f, 0.125f}, t.fill, t.interp, 0.0f));
    Runner run(half, Shape{1, 4, 1}, 1);
    CHECK(run.forward(four) == t.want);
  }
}

TEST_CASE("augmentation: [0, 255] images stay in [0, 255] through every layer") {
  const Shape s{9, 7, 3};
  const std::vector<float> x = random_vector(6 * s.numel(), 4, 0.0f, 255.0f);
  for (bool nearest : {false, true}) {
    auto layers = one_of_each(true, 31);
    if (nearest) {
      layers[1] = std::make_unique<RandomRotation>(
          "rot", rotation(-0.5f, 0.5f, FillMode::kConstant, Interpolation::kNearest, 0.0f, true, 2));
      layers[2] = std::make_unique<RandomZoom>(
          "zoom", zoom({-0.9f, 0.9f}, false, {}, FillMode::kWrap, Interpolation::kBilinear, true, 3));
      layers[4] = std::make_unique<RandomContrast>("contrast", contrast(1.0f, 3.0f, 0.0f, 255.0f, true, 4));
    }
    for (auto& layer : layers) {
      CAPTURE(layer->class_name());
      Runner run(*layer, s, 6);
      const std::vector<float> y = run.forward(x);
      CHECK(*std::min_element(y.begin(), y.end()) >= 0.0f);
      CHECK(*std::max_element(y.begin(), y.end()) <= 255.0f);
    }
  }
}

TEST_CASE("augmentation: RandomContrast scales each channel about its mean by one factor per image") {
  const Shape s{4, 5, 3};
  const int n = 6;
  RandomContrast layer("contrast", contrast(0.5f, 0.5f, 0.0f, 255.0f, true, 12));
  Runner run(layer, s, n);
  // Values in [50, 200]: even a factor of 1.5 stays inside [0, 255], so nothing is clipped.
  const std::vector<float> x = random_vector(run.size(), 6, 50.0f, 200.0f);
  const std::vector<float> y = run.forward(x);
  std::vector<double> factors;
  for (int i = 0; i < n; ++i) {
    const float* in = x.data() + i * s.numel();
    const float* out = y.data() + i * s.numel();
    double factor = 0.0;
    for (int64_t ch = 0; ch < 3; ++ch) {
      double mean = 0.0;
      for (int64_t p = 0; p < 20; ++p) mean += in[p * 3 + ch];
      mean /= 20.0;
      // The factor from the pixel farthest from the mean, then every pixel must agree with it.
      int64_t far = 0;
      for (int64_t p = 0; p < 20; ++p)
        if (std::fabs(in[p * 3 + ch] - mean) > std::fabs(in[far * 3 + ch] - mean)) far = p;
      const double f = (out[far * 3 + ch] - mean) / (in[far * 3 + ch] - mean);
      if (ch == 0) factor = f;
      CHECK(f == doctest::Approx(factor).epsilon(1e-4));  // one factor for all channels
      for (int64_t p = 0; p < 20; ++p)
        CHECK(out[p * 3 + ch] == doctest::Approx((in[p * 3 + ch] - mean) * f + mean).epsilon(1e-5));
    }
    CHECK(factor >= 0.5 - 1e-5);
    CHECK(factor <= 1.5 + 1e-5);
    factors.push_back(factor);
  }
  CHECK(*std::max_element(factors.begin(), factors.end()) - *std::min_element(factors.begin(), factors.end()) > 0.05);

  // Keras 3 clips to value_range: a black-and-white image only gains contrast (f in [1, 2]),
  // so it stays exactly black and white.
  RandomContrast stronger("contrast_bw", contrast(0.0f, 1.0f, 0.0f, 1.0f, true, 3));
  Runner rs(stronger, Shape{2, 2, 1}, 4);
  const std::vector<float> bw = {0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0};
  CHECK(rs.forward(bw) == bw);
}

NN_GRAD_CHECKED("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast");
TEST_CASE("augmentation: finite-difference gradients of every layer in training, with ctx.rng") {
  // Without their own seed the layers draw from ctx.rng, which the harness re-seeds for every
  // evaluation, so each perturbed forward sees the same transform.
  const Shape s{5, 6, 2};
  const GradCheckOptions o{.batch = 3};
  for (FlipMode mode : {FlipMode::kHorizontal, FlipMode::kVertical, FlipMode::kHorizontalAndVertical}) {
    RandomFlip layer("flip", flip(mode));
    CHECK(check_layer_gradients(layer, {s}, o).ok());
  }
  struct Fill {
    FillMode fill;
    Interpolation interp;
  };
  for (Fill f :
       {Fill{FillMode::kReflect, Interpolation::kBilinear}, Fill{FillMode::kWrap, Interpolation::kBilinear},
        Fill{FillMode::kConstant, Interpolation::kBilinear}, Fill{FillMode::kNearest, Interpolation::kNearest}}) {
    CAPTURE(fill_mode_name(f.fill));
    CAPTURE(interpolation_name(f.interp));
    RandomRotation rot("rot", rotation(-0.3f, 0.3f, f.fill, f.interp, 0.5f));
    CHECK(check_layer_gradients(rot, {s}, o).ok());
    RandomZoom zm("zoom", zoom({-0.3f, 0.4f}, true, {-0.4f, 0.3f}, f.fill, f.interp));
    CHECK(check_layer_gradients(zm, {s}, o).ok());
    RandomTranslation tr("shift", translation({-0.3f, 0.3f}, {-0.4f, 0.4f}, f.fill, f.interp, -0.5f));
    CHECK(check_layer_gradients(tr, {s}, o).ok());
  }
  // Inputs are uniform in [-1, 1]: a [-0.6, 0.6] range clips some outputs, [-10, 10] none.
  RandomContrast clipped("contrast", contrast(0.5f, 0.5f, -0.6f, 0.6f));
  CHECK(check_layer_gradients(clipped, {s}, o).ok());
  RandomContrast wide("contrast_wide", contrast(0.9f, 2.0f, -10.0f, 10.0f));
  CHECK(check_layer_gradients(wide, {s}, o).ok());
  // Inference: identity.
  RandomRotation inference("rot_inference", rotation(-0.3f, 0.3f));
  CHECK(check_layer_gradients(inference, {s}, {.batch = 2, .training = false}).ok());
}

TEST_CASE("augmentation: seeded layers' backward is the exact adjoint of their last forward") {
  // A seeded layer draws afresh on every call, so finite differences cannot see one transform;
  // <T x, g> == <x, T^T g> checks that backward replays what the last forward drew.
  const Shape s{6, 5, 3};
  const int n = 4;
  auto layers = one_of_each(true, 41);
  layers.push_back(std::make_unique<RandomRotation>(
      "rot_constant", rotation(-0.4f, 0.4f, FillMode::kConstant, Interpolation::kBilinear, 0.0f, true, 5)));
  layers.push_back(std::make_unique<RandomZoom>(
      "zoom_nearest", zoom({-0.5f, 0.5f}, false, {}, FillMode::kWrap, Interpolation::kNearest, true, 6)));
  for (auto& layer : layers) {
    CAPTURE(layer->class_name());
    CAPTURE(layer->name());
    Runner run(*layer, s, n);
    // In [50, 200] nothing reaches RandomContrast's clip bounds.
    const std::vector<float> x = random_vector(run.size(), 51, 50.0f, 200.0f), g = random_vector(run.size(), 52);
    run.forward(x);  // one call, then the call whose transform backward must replay
    const std::vector<float> y = run.forward(x);
    const std::vector<float> gx = run.backward(x, y, g);
    if (std::string(layer->class_name()) == "RandomContrast") {
      // Not linear (it clips), but with nothing clipped its Jacobian J = f I + (1 - f)/HW 11^T
      // is symmetric: <J g, g'> == <g, J g'>.
      const std::vector<float> g2 = random_vector(run.size(), 53);
      const std::vector<float> gx2 = run.backward(x, y, g2);
      double a = 0, b = 0;
      for (size_t i = 0; i < g.size(); ++i) {
        a += static_cast<double>(gx[i]) * g2[i];
        b += static_cast<double>(g[i]) * gx2[i];
      }
      CHECK(a == doctest::Approx(b).epsilon(1e-5));
      continue;
    }
    double lhs = 0, rhs = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      lhs += static_cast<double>(y[i]) * g[i];
      rhs += static_cast<double>(x[i]) * gx[i];
    }
    CHECK(lhs == doctest::Approx(rhs).epsilon(1e-5));
  }
}

TEST_CASE("augmentation: configs read Keras 2 and Keras 3 keys") {
  std::unique_ptr<Layer> layer;
  NN_REQUIRE_OK(from_config("RandomFlip", R"({"name": "random_flip", "mode": "horizontal", "seed": null})", &layer));
  auto* f = dynamic_cast<RandomFlip*>(layer.get());
  REQUIRE(f);
  CHECK(f->options().mode == FlipMode::kHorizontal);
  CHECK(!f->has_seed());
  NN_REQUIRE_OK(from_config("RandomFlip", R"({"name": "f2", "seed": 42})", &layer));
  CHECK(dynamic_cast<RandomFlip*>(layer.get())->options().mode == FlipMode::kHorizontalAndVertical);
  CHECK(layer->name() == "f2");
  CHECK(dynamic_cast<RandomFlip*>(layer.get())->seed() == 42);

  NN_REQUIRE_OK(from_config("RandomRotation", R"({"name": "random_rotation", "factor": 0.1, "fill_mode": "reflect",
      "fill_value": 0, "interpolation": "bilinear", "seed": null})",
                            &layer));
  auto* r = dynamic_cast<RandomRotation*>(layer.get());
  REQUIRE(r);
  CHECK(r->options().factor.lo == -0.1f);
  CHECK(r->options().factor.hi == 0.1f);
  NN_REQUIRE_OK(from_config("RandomRotation", R"({"name": "r", "factor": [0.3, -0.2], "fill_mode": "constant",
      "fill_value": 0.5, "interpolation": "nearest", "seed": 7, "data_format": "channels_last"})",
                            &layer));
  r = dynamic_cast<RandomRotation*>(layer.get());
  CHECK(r->options().factor.lo == -0.2f);  // Keras sorts a pair
  CHECK(r->options().factor.hi == 0.3f);
  CHECK(r->sampling().fill_mode == FillMode::kConstant);
  CHECK(r->sampling().interpolation == Interpolation::kNearest);
  CHECK(r->sampling().fill_value == 0.5f);
  CHECK(r->seed() == 7);

  NN_REQUIRE_OK(from_config("RandomZoom", R"({"name": "random_zoom", "height_factor": 0.2, "width_factor": null,
      "fill_mode": "reflect", "fill_value": 0, "interpolation": "bilinear", "seed": null})",
                            &layer));
  auto* z = dynamic_cast<RandomZoom*>(layer.get());
  REQUIRE(z);
  CHECK(z->options().height_factor.lo == -0.2f);
  CHECK(!z->options().has_width_factor);
  NN_REQUIRE_OK(
      from_config("RandomZoom", R"({"name": "z", "height_factor": [-0.3, -0.1], "width_factor": 0.4})", &layer));
  z = dynamic_cast<RandomZoom*>(layer.get());
  CHECK(z->options().has_width_factor);
  CHECK(z->options().width_factor.lo == -0.4f);
  CHECK(z->options().height_factor.hi == -0.1f);

  NN_REQUIRE_OK(from_config("RandomTranslation", R"({"name": "t", "height_factor": 0.1, "width_factor": [-0.2, 0.3],
      "fill_mode": "wrap"})",
                            &layer));
  auto* t = dynamic_cast<RandomTranslation*>(layer.get());
  REQUIRE(t);
  CHECK(t->options().width_factor.hi == 0.3f);
  CHECK(t->sampling().fill_mode == FillMode::kWrap);

  NN_REQUIRE_OK(
      from_config("RandomContrast", R"({"name": "c", "factor": 0.2, "value_range": [0, 1], "seed": 3})", &layer));
  auto* c = dynamic_cast<RandomContrast*>(layer.get());
  REQUIRE(c);
  CHECK(c->options().lower == 0.2f);
  CHECK(c->options().upper == 0.2f);
  CHECK(c->options().value_high == 1.0f);
  NN_REQUIRE_OK(from_config("RandomContrast", R"({"name": "c2", "factor": [0.1, 1.5]})", &layer));
  CHECK(dynamic_cast<RandomContrast*>(layer.get())->options().upper == 1.5f);
  CHECK(dynamic_cast<RandomContrast*>(layer.get())->options().value_high == 255.0f);

  JsonValue zoom_config;
  REQUIRE(parse_json(R"({"name": "zz", "height_factor": 0.2})", &zoom_config).is_ok());
  NN_REQUIRE_OK(layer_from_config("RandomZoom", zoom_config, &layer));
  CHECK(std::string(layer->class_name()) == "RandomZoom");
}

TEST_CASE("augmentation: bad configs give errors naming the layer") {
  std::unique_ptr<Layer> layer;
  struct Case {
    const char* cls;
    const char* json;
    StatusCode code;
    const char* needle;
  };
  const Case cases[] = {
      {"RandomZoom", R"({"name": "random_zoom", "height_factor": 1.5})", StatusCode::kInvalidArgument, "out of range"},
      {"RandomZoom", R"({"name": "random_zoom", "height_factor": 0.2, "width_factor": [-1.5, 0]})",
       StatusCode::kInvalidArgument, "width_factor"},
      {"RandomRotation", R"({"name": "random_rotation", "factor": "0.1"})", StatusCode::kParseError, "factor"},
      {"RandomRotation", R"({"name": "random_rotation", "factor": [0.1, 0.2, 0.3]})", StatusCode::kParseError,
       "factor"},
      {"RandomRotation", R"({"name": "random_rotation"})", StatusCode::kParseError, "missing"},
      {"RandomRotation", R"({"name": "random_rotation", "factor": 2})", StatusCode::kInvalidArgument, "out of range"},
      {"RandomRotation", R"({"name": "random_rotation", "factor": 0.1, "fill_mode": "mirror"})",
       StatusCode::kUnsupported, "mirror"},
      {"RandomTranslation", R"({"name": "random_translation", "height_factor": 0.1, "width_factor": 0.1,
          "interpolation": "bicubic"})",
       StatusCode::kUnsupported, "bicubic"},
      {"RandomTranslation", R"({"name": "random_translation", "height_factor": 0.1})", StatusCode::kParseError,
       "width_factor"},
      {"RandomFlip", R"({"name": "random_flip", "mode": "diagonal"})", StatusCode::kInvalidArgument, "diagonal"},
      {"RandomFlip", R"({"name": "random_flip", "seed": 1.5})", StatusCode::kParseError, "seed"},
      {"RandomFlip", R"({"name": "random_flip", "data_format": "channels_first"})", StatusCode::kUnsupported,
       "channels_first"},
      {"RandomContrast", R"({"name": "random_contrast", "factor": 1.5})", StatusCode::kInvalidArgument, "lower"},
      {"RandomContrast", R"({"name": "random_contrast", "factor": [0.2, -0.1]})", StatusCode::kInvalidArgument,
       "upper"},
      {"RandomContrast", R"({"name": "random_contrast", "factor": 0.2, "value_range": [255]})", StatusCode::kParseError,
       "value_range"},
  };
  for (const Case& t : cases) {
    CAPTURE(t.json);
    Status st = from_config(t.cls, t.json, &layer);
    INFO(st.message());
    CHECK(st.code() == t.code);
    CHECK(st.message().find(t.cls) != std::string::npos);
    CHECK(st.message().find("'random_") != std::string::npos);
    CHECK(st.message().find(t.needle) != std::string::npos);
  }
  // The same rules hold for layers made from options, at build; and images must be rank 3.
  Shape out;
  RandomZoom bad_zoom("random_zoom", zoom({-1.5f, 1.5f}, false, {}));
  Status st = bad_zoom.build({Shape{8, 8, 3}}, &out);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("RandomZoom 'random_zoom': height_factor [-1.5, 1.5] is out of range") == 0);
  RandomFlip flat("flat", flip(FlipMode::kHorizontal));
  CHECK(flat.build({Shape{10}}, &out).code() == StatusCode::kShapeMismatch);
}
