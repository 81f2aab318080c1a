// The layer catalog: the Keras layers the engine computes with, with Keras names and options
// (the augmentation layers, active only in training, are in augmentation.h). Each class lives
// in its own .cpp beside this header.
#pragma once

#include "core/conv-dims.h"
#include "layers/layer.h"
#include "ops/activation.h"
#include "ops/window.h"

namespace nn {

// Keras InputLayer: the graph writes the batch into its output; nothing to compute.
class InputLayer final : public Layer {
 public:
  InputLayer(std::string name, Shape shape) : Layer(std::move(name)), shape_(shape) {}
  const char* class_name() const override { return "InputLayer"; }
  bool backward_reads_input(int) const override { return false; }
  bool backward_reads_output() const override { return false; }
  const Shape& shape() const { return shape_; }
  void forward(const RunContext&, const std::vector<const float*>&, float*) override {}
  void backward(const RunContext&, const std::vector<const float*>&, const float*, const float*,
                const std::vector<float*>&) override {}

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  Shape shape_;
};

// y = x * scale + offset.
class Rescaling final : public Layer {
 public:
  Rescaling(std::string name, float scale, float offset) : Layer(std::move(name)), scale_(scale), offset_(offset) {}
  const char* class_name() const override { return "Rescaling"; }
  bool backward_reads_input(int) const override { return false; }
  bool backward_reads_output() const override { return false; }
  float scale() const { return scale_; }
  float offset() const { return offset_; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  float scale_, offset_;
};

struct Conv2DOptions {
  int64_t filters = 0;
  int64_t kernel_h = 3, kernel_w = 3;
  int64_t stride_h = 1, stride_w = 1;
  Padding padding = Padding::kValid;
  bool use_bias = true;
  Activation activation = Activation::kLinear;
};

class Conv2D final : public Layer {
 public:
  Conv2D(std::string name, const Conv2DOptions& options) : Layer(std::move(name)), options_(options) {}
  const char* class_name() const override { return "Conv2D"; }
  bool backward_reads_output() const override { return options_.activation != Activation::kLinear; }
  int64_t macs_per_sample() const override;
  uint64_t workspace_floats(int batch, int threads) const override;
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;
  const Conv2DOptions& options() const { return options_; }

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  ConvDims dims(int batch) const;
  Conv2DOptions options_;
  Window2D window_;
};

struct DenseOptions {
  int64_t units = 0;
  bool use_bias = true;
  Activation activation = Activation::kLinear;
};

// Applies to the last axis; any leading axes are treated as more rows, as in Keras.
class Dense final : public Layer {
 public:
  Dense(std::string name, const DenseOptions& options) : Layer(std::move(name)), options_(options) {}
  const char* class_name() const override { return "Dense"; }
  bool backward_reads_output() const override { return options_.activation != Activation::kLinear; }
  int64_t macs_per_sample() const override;
  const DenseOptions& options() const { return options_; }
  uint64_t workspace_floats(int batch, int threads) const override;
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  ConvDims dims(int batch) const;
  DenseOptions options_;
};

struct Pool2DOptions {
  int64_t pool_h = 2, pool_w = 2;
  int64_t stride_h = 0, stride_w = 0;  // 0 = the pool size, Keras's default
  Padding padding = Padding::kValid;
};

enum class PoolKind { kMax, kAverage };

// MaxPooling2D and AveragePooling2D.
class Pooling2D final : public Layer {
 public:
  Pooling2D(std::string name, PoolKind kind, const Pool2DOptions& options)
      : Layer(std::move(name)), kind_(kind), options_(options) {}
  const char* class_name() const override { return kind_ == PoolKind::kMax ? "MaxPooling2D" : "AveragePooling2D"; }
  bool backward_reads_input(int) const override { return kind_ == PoolKind::kMax; }
  bool backward_reads_output() const override { return false; }
  const Pool2DOptions& options() const { return options_; }
  PoolKind kind() const { return kind_; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  ConvDims dims(int batch) const;
  PoolKind kind_;
  Pool2DOptions options_;
  Window2D window_;
};

class GlobalAveragePooling2D final : public Layer {
 public:
  explicit GlobalAveragePooling2D(std::string name) : Layer(std::move(name)) {}
  const char* class_name() const override { return "GlobalAveragePooling2D"; }
  bool backward_reads_input(int) const override { return false; }
  bool backward_reads_output() const override { return false; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
};

class Flatten final : public Layer {
 public:
  explicit Flatten(std::string name) : Layer(std::move(name)) {}
  const char* class_name() const override { return "Flatten"; }
  bool backward_reads_input(int) const override { return false; }
  bool backward_reads_output() const override { return false; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
};

// Keras Reshape: the per-sample shape becomes target_shape (batch excluded), in which one -1
// stands for the dimension the element count implies. A copy, as Flatten is.
class Reshape final : public Layer {
 public:
  Reshape(std::string name, const Shape& target_shape) : Layer(std::move(name)), target_shape_(target_shape) {}
  const char* class_name() const override { return "Reshape"; }
  bool backward_reads_input(int) const override { return false; }
  bool backward_reads_output() const override { return false; }
  const Shape& target_shape() const { return target_shape_; }  // as given, -1 included
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  Shape target_shape_;
};

// Keras Activation layer; softmax normalizes the last axis. Also serves Keras's Softmax layer
// (class_name "Softmax"), which is the same computation.
class ActivationLayer final : public Layer {
 public:
  // axis (Keras's, counting the batch) must be -1 or the last axis.
  ActivationLayer(std::string name, Activation activation, const char* class_name = "Activation", int axis = -1)
      : Layer(std::move(name)), activation_(activation), class_name_(class_name), axis_(axis) {}
  const char* class_name() const override { return class_name_; }
  bool backward_reads_input(int) const override { return false; }
  Activation activation() const { return activation_; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  Activation activation_;
  const char* class_name_;
  int axis_;
};

// Elementwise sum of two or more inputs of one shape (residual connections).
class Add final : public Layer {
 public:
  explicit Add(std::string name) : Layer(std::move(name)) {}
  const char* class_name() const override { return "Add"; }
  bool backward_reads_input(int) const override { return false; }
  bool backward_reads_output() const override { return false; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
};

// BatchNormalization over the channel axis (Keras defaults: momentum 0.99, epsilon 1e-3).
// Parameters in Keras's order: gamma (if scale), beta (if center), moving_mean, moving_variance
// (the last two non-trainable).
struct BatchNormOptions {
  int axis = -1;  // Keras's axis, counting the batch: -1 or the last axis only
  float momentum = 0.99f;
  float epsilon = 1e-3f;
  bool center = true;
  bool scale = true;
};

class BatchNormalization final : public Layer {
 public:
  BatchNormalization(std::string name, const BatchNormOptions& options) : Layer(std::move(name)), options_(options) {}
  const char* class_name() const override { return "BatchNormalization"; }
  bool backward_reads_output() const override { return false; }
  const BatchNormOptions& options() const { return options_; }
  uint64_t workspace_floats(int batch, int threads) const override;
  size_t saved_floats(int batch) const override;
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  size_t rows(int batch) const;
  BatchNormOptions options_;
  int gamma_ = -1, beta_ = -1, moving_mean_ = -1, moving_variance_ = -1;  // param indices
};

struct DepthwiseConv2DOptions {
  int64_t kernel_h = 3, kernel_w = 3;
  int64_t stride_h = 1, stride_w = 1;
  Padding padding = Padding::kValid;
  int64_t depth_multiplier = 1;
  bool use_bias = true;
  Activation activation = Activation::kLinear;
};

// DepthwiseConv2D: kernel (KH, KW, C, depth_multiplier), output channels C * depth_multiplier.
class DepthwiseConv2D final : public Layer {
 public:
  DepthwiseConv2D(std::string name, const DepthwiseConv2DOptions& options)
      : Layer(std::move(name)), options_(options) {}
  const char* class_name() const override { return "DepthwiseConv2D"; }
  bool backward_reads_output() const override { return options_.activation != Activation::kLinear; }
  int64_t macs_per_sample() const override;
  const DepthwiseConv2DOptions& options() const { return options_; }
  uint64_t workspace_floats(int batch, int threads) const override;
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  ConvDims dims(int batch) const;
  DepthwiseConv2DOptions options_;
  Window2D window_;
};

struct SeparableConv2DOptions {
  int64_t filters = 0;
  int64_t kernel_h = 3, kernel_w = 3;
  int64_t stride_h = 1, stride_w = 1;
  Padding padding = Padding::kValid;
  int64_t depth_multiplier = 1;
  bool use_bias = true;
  Activation activation = Activation::kLinear;
};

// SeparableConv2D: a depthwise convolution (strides, padding) then a 1x1 pointwise convolution
// (bias, activation). Parameters: depthwise_kernel (KH, KW, C, DM), pointwise_kernel
// (1, 1, C*DM, filters), bias. The depthwise result is recomputed in backward, not saved.
class SeparableConv2D final : public Layer {
 public:
  SeparableConv2D(std::string name, const SeparableConv2DOptions& options)
      : Layer(std::move(name)), options_(options) {}
  const char* class_name() const override { return "SeparableConv2D"; }
  bool backward_reads_output() const override { return options_.activation != Activation::kLinear; }
  int64_t macs_per_sample() const override;
  const SeparableConv2DOptions& options() const { return options_; }
  uint64_t workspace_floats(int batch, int threads) const override;
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  ConvDims depthwise_dims(int batch) const;
  ConvDims pointwise_dims(int batch) const;
  uint64_t intermediate_floats(int batch) const;
  SeparableConv2DOptions options_;
  Window2D window_;
};

// Inverted dropout: in training, zero each element with probability `rate` and scale the rest
// by 1/(1-rate); identity in inference. The mask is saved for backward.
class Dropout final : public Layer {
 public:
  Dropout(std::string name, float rate, bool has_seed = false, uint64_t seed = 0)
      : Layer(std::move(name)), rate_(rate), has_seed_(has_seed), seed_(seed) {}
  const char* class_name() const override { return "Dropout"; }
  bool backward_reads_input(int) const override { return false; }
  bool backward_reads_output() const override { return false; }
  float rate() const { return rate_; }
  bool has_seed() const { return has_seed_; }
  uint64_t seed() const { return seed_; }
  size_t saved_floats(int batch) const override { return static_cast<size_t>(batch) * output_shape_.numel(); }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  float rate_;
  bool has_seed_;
  uint64_t seed_;
  uint64_t calls_ = 0;  // a seeded layer draws a fresh mask per call, reproducibly
  bool last_training_ = false;
};

// Concatenate along the channel (last) axis.
class Concatenate final : public Layer {
 public:
  explicit Concatenate(std::string name) : Layer(std::move(name)) {}
  const char* class_name() const override { return "Concatenate"; }
  bool backward_reads_input(int) const override { return false; }
  bool backward_reads_output() const override { return false; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
};

class ZeroPadding2D final : public Layer {
 public:
  ZeroPadding2D(std::string name, int64_t top, int64_t bottom, int64_t left, int64_t right)
      : Layer(std::move(name)), top_(top), bottom_(bottom), left_(left), right_(right) {}
  const char* class_name() const override { return "ZeroPadding2D"; }
  bool backward_reads_input(int) const override { return false; }
  bool backward_reads_output() const override { return false; }
  int64_t top() const { return top_; }
  int64_t bottom() const { return bottom_; }
  int64_t left() const { return left_; }
  int64_t right() const { return right_; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  int64_t top_, bottom_, left_, right_;
};

// Keras ReLU (max_value, negative_slope, threshold) and LeakyReLU (negative_slope / alpha):
//   f(x) = max_value            for x >= max_value
//          x                    for threshold <= x < max_value
//          negative_slope * (x - threshold) otherwise
struct ReLUOptions {
  float max_value = -1.0f;  // < 0: no upper bound
  float negative_slope = 0.0f;
  float threshold = 0.0f;
};

class ReLULayer final : public Layer {
 public:
  ReLULayer(std::string name, const ReLUOptions& options, const char* class_name = "ReLU")
      : Layer(std::move(name)), options_(options), class_name_(class_name) {}
  const char* class_name() const override { return class_name_; }
  bool backward_reads_output() const override { return false; }
  const ReLUOptions& options() const { return options_; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;

 private:
  ReLUOptions options_;
  const char* class_name_;
};

}  // namespace nn
