// The layer catalog: every layer the engine implements, with Keras names and options.
// Each class lives in its own .cpp beside this header.
#pragma once

#include "kernels/kernels.h"
#include "layers/layer.h"
#include "ops/activation.h"
#include "ops/window.h"

namespace nn {

// Keras InputLayer: the graph writes the batch into its output; nothing to compute.
class InputLayer final : public Layer {
 public:
  InputLayer(std::string name, Shape shape) : Layer(std::move(name)), shape_(shape) {}
  const char* class_name() const override { return "InputLayer"; }
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
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;
 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
 private:
  float scale_, offset_;
};

struct Conv2DOptions {
  int64_t    filters    = 0;
  int64_t    kernel_h   = 3, kernel_w = 3;
  int64_t    stride_h   = 1, stride_w = 1;
  Padding    padding    = Padding::kValid;
  bool       use_bias   = true;
  Activation activation = Activation::kLinear;
};

class Conv2D final : public Layer {
 public:
  Conv2D(std::string name, const Conv2DOptions& options) : Layer(std::move(name)), options_(options) {}
  const char* class_name() const override { return "Conv2D"; }
  size_t workspace_floats(int batch, int threads) const override;
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;
  const Conv2DOptions& options() const { return options_; }
 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
 private:
  ConvDims dims(int batch) const;
  Conv2DOptions options_;
  int64_t pad_top_ = 0, pad_left_ = 0;
};

struct DenseOptions {
  int64_t    units      = 0;
  bool       use_bias   = true;
  Activation activation = Activation::kLinear;
};

// Applies to the last axis; any leading axes are treated as more rows, as in Keras.
class Dense final : public Layer {
 public:
  Dense(std::string name, const DenseOptions& options) : Layer(std::move(name)), options_(options) {}
  const char* class_name() const override { return "Dense"; }
  size_t workspace_floats(int batch, int threads) const override;
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
  int64_t pool_h   = 2, pool_w = 2;
  int64_t stride_h = 0, stride_w = 0;   // 0 = the pool size, Keras's default
  Padding padding  = Padding::kValid;
};

enum class PoolKind { kMax, kAverage };

// MaxPooling2D and AveragePooling2D.
class Pooling2D final : public Layer {
 public:
  Pooling2D(std::string name, PoolKind kind, const Pool2DOptions& options)
      : Layer(std::move(name)), kind_(kind), options_(options) {}
  const char* class_name() const override { return kind_ == PoolKind::kMax ? "MaxPooling2D" : "AveragePooling2D"; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;
 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
 private:
  ConvDims dims(int batch) const;
  PoolKind kind_;
  Pool2DOptions options_;
  int64_t pad_top_ = 0, pad_left_ = 0;
};

class GlobalAveragePooling2D final : public Layer {
 public:
  explicit GlobalAveragePooling2D(std::string name) : Layer(std::move(name)) {}
  const char* class_name() const override { return "GlobalAveragePooling2D"; }
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
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;
 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
};

// Keras Activation layer; softmax normalizes the last axis.
class ActivationLayer final : public Layer {
 public:
  ActivationLayer(std::string name, Activation activation) : Layer(std::move(name)), activation_(activation) {}
  const char* class_name() const override { return "Activation"; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;
 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
 private:
  Activation activation_;
};

// Elementwise sum of two or more inputs of one shape (residual connections).
class Add final : public Layer {
 public:
  explicit Add(std::string name) : Layer(std::move(name)) {}
  const char* class_name() const override { return "Add"; }
  void forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) override;
  void backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out, const float* grad_out,
                const std::vector<float*>& grad_in) override;
 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override;
};

}  // namespace nn
