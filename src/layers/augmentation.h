// Keras's random image augmentation layers: RandomFlip, RandomRotation, RandomZoom,
// RandomTranslation and RandomContrast, on (H, W, C) images, active only in training. (Previews
// run them as a model of augmentation layers alone: Session::augment.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "layers/layer.h"
#include "ops/image-transform.h"

namespace nn {

// What the augmentation layers share. At inference forward copies and backward passes the
// gradient through. In training backward is the exact adjoint of what the last forward did
// (the layers have no parameters).
//
// Randomness: a layer given a seed re-seeds a private generator on every training forward from
// (seed, call count), as Dropout does: a run repeats exactly, yet each step draws afresh, like
// Keras's SeedGenerator. Without a seed it draws from ctx.rng (the trainer's generator); with no
// ctx.rng either, from the private generator as if seeded with 0. Draws are serial (one
// generator, one order), so results do not depend on the thread count.
//
// Per-image parameters (flip flags, affine maps, contrast factors and channel means) are drawn
// in forward into ctx.saved, the per-layer buffer the graph plans for this: saved_floats(planned
// batch) floats, alive from this layer's forward to its backward. So neither pass allocates, and
// backward replays the very transform forward applied.
class AugmentationLayer : public Layer {
 public:
  AugmentationLayer(std::string name, bool has_seed, uint64_t seed)
      : Layer(std::move(name)), has_seed_(has_seed), seed_(seed) {}
  bool has_seed() const { return has_seed_; }
  uint64_t seed() const { return seed_; }
  bool backward_reads_input(int) const override { return false; }
  bool backward_reads_output() const override { return false; }
  // Checks the options against Keras's rules, naming the layer. build() calls it; the config
  // reader calls it too, so a bad model file fails when it is read.
  virtual Status validate() const { return Status::ok(); }

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
  // The generator for this training forward ("Randomness" above); `own` backs the private one.
  Rng* generator(const RunContext& ctx, Rng* own);
  void copy_through(const RunContext& ctx, const float* in, float* out) const;
  void add_through(const RunContext& ctx, const float* grad_out, float* grad_in) const;
  ImageBatch dims(int batch) const;

 private:
  bool has_seed_;
  uint64_t seed_;
  uint64_t calls_ = 0;
};

// A Keras factor as a closed range [lo, hi]. The config reader turns a number f into [-|f|, |f|]
// (RandomContrast: lower = upper = f) and sorts a pair.
struct FactorRange {
  float lo = 0.0f, hi = 0.0f;
};

enum class FlipMode { kHorizontal, kVertical, kHorizontalAndVertical };

Status parse_flip_mode(std::string_view name, FlipMode* out);
const char* flip_mode_name(FlipMode mode);

struct RandomFlipOptions {
  FlipMode mode = FlipMode::kHorizontalAndVertical;  // Keras's default
  bool has_seed = false;
  uint64_t seed = 0;
};

// Flips each image left-right and/or top-bottom, each direction independently with
// probability 1/2 (Keras 2 and the first Keras 3 releases; see random-flip.cpp).
class RandomFlip final : public AugmentationLayer {
 public:
  RandomFlip(std::string name, const RandomFlipOptions& options)
      : AugmentationLayer(std::move(name), options.has_seed, options.seed), options_(options) {}
  const char* class_name() const override { return "RandomFlip"; }
  const RandomFlipOptions& options() const { return options_; }
  size_t saved_floats(int batch) const override { return 2 * static_cast<size_t>(batch); }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 private:
  RandomFlipOptions options_;
};

// Options of the three affine layers (Keras's defaults).
struct AffineAugmentationOptions {
  FillMode fill_mode = FillMode::kReflect;
  Interpolation interpolation = Interpolation::kBilinear;
  float fill_value = 0.0f;
  bool has_seed = false;
  uint64_t seed = 0;
};

// RandomRotation, RandomZoom and RandomTranslation: each draws one affine map per image (output
// pixel -> input point, TF's convention) and resamples through ops/image-transform.h.
class AffineAugmentation : public AugmentationLayer {
 public:
  AffineAugmentation(std::string name, const AffineAugmentationOptions& options)
      : AugmentationLayer(std::move(name), options.has_seed, options.seed),
        sampling_{options.fill_mode, options.interpolation, options.fill_value} {}
  const AffineSampling& sampling() const { return sampling_; }
  size_t saved_floats(int batch) const override { return kAffineMapFloats * static_cast<size_t>(batch); }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) final;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) final;

 protected:
  // Draws one image's map for an h x w image into map[0..5].
  virtual void draw_map(Rng& rng, int64_t h, int64_t w, float* map) const = 0;

 private:
  AffineSampling sampling_;
};

struct RandomRotationOptions : AffineAugmentationOptions {
  FactorRange factor;  // fractions of a full turn, in [-1, 1]; positive is counter-clockwise
};

// Rotates about the image center by an angle uniform in [lo, hi] * 2 pi, with Keras's matrix:
//   x_in = cos x - sin y + x_off,  x_off = ((w-1) - (cos (w-1) - sin (h-1))) / 2
//   y_in = sin x + cos y + y_off,  y_off = ((h-1) - (sin (w-1) + cos (h-1))) / 2
class RandomRotation final : public AffineAugmentation {
 public:
  RandomRotation(std::string name, const RandomRotationOptions& options)
      : AffineAugmentation(std::move(name), options), options_(options) {}
  const char* class_name() const override { return "RandomRotation"; }
  const RandomRotationOptions& options() const { return options_; }
  Status validate() const override;

 protected:
  void draw_map(Rng& rng, int64_t h, int64_t w, float* map) const override;

 private:
  RandomRotationOptions options_;
};

struct RandomZoomOptions : AffineAugmentationOptions {
  FactorRange height_factor;
  bool has_width_factor = false;  // Keras's width_factor=None: zoom both axes alike
  FactorRange width_factor;
};

// Zooms about the center by z = 1 + uniform(lo, hi) per axis (z > 1 zooms out):
//   x_in = zx x + (w-1)/2 (1 - zx),  y_in = zy y + (h-1)/2 (1 - zy).
class RandomZoom final : public AffineAugmentation {
 public:
  RandomZoom(std::string name, const RandomZoomOptions& options)
      : AffineAugmentation(std::move(name), options), options_(options) {}
  const char* class_name() const override { return "RandomZoom"; }
  const RandomZoomOptions& options() const { return options_; }
  Status validate() const override;

 protected:
  void draw_map(Rng& rng, int64_t h, int64_t w, float* map) const override;

 private:
  RandomZoomOptions options_;
};

struct RandomTranslationOptions : AffineAugmentationOptions {
  FactorRange height_factor;  // fractions of the height; positive shifts down
  FactorRange width_factor;   // fractions of the width; positive shifts right
};

// Shifts by dy = uniform * h and dx = uniform * w pixels: x_in = x - dx, y_in = y - dy.
class RandomTranslation final : public AffineAugmentation {
 public:
  RandomTranslation(std::string name, const RandomTranslationOptions& options)
      : AffineAugmentation(std::move(name), options), options_(options) {}
  const char* class_name() const override { return "RandomTranslation"; }
  const RandomTranslationOptions& options() const { return options_; }
  Status validate() const override;

 protected:
  void draw_map(Rng& rng, int64_t h, int64_t w, float* map) const override;

 private:
  RandomTranslationOptions options_;
};

struct RandomContrastOptions {
  float lower = 0.0f, upper = 0.0f;             // the factor is uniform in [1 - lower, 1 + upper]
  float value_low = 0.0f, value_high = 255.0f;  // Keras 3's value_range: outputs are clipped to it
  bool has_seed = false;
  uint64_t seed = 0;
};

// Per image, one factor f; per channel, out = clip((x - mean) f + mean) with the mean over the
// image's pixels. Backward reads the input to know which outputs were clipped.
class RandomContrast final : public AugmentationLayer {
 public:
  RandomContrast(std::string name, const RandomContrastOptions& options)
      : AugmentationLayer(std::move(name), options.has_seed, options.seed), options_(options) {}
  const char* class_name() const override { return "RandomContrast"; }
  const RandomContrastOptions& options() const { return options_; }
  bool backward_reads_input(int) const override { return true; }
  Status validate() const override;
  size_t saved_floats(int batch) const override;
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 private:
  RandomContrastOptions options_;
};

}  // namespace nn
