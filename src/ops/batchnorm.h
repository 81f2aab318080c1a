// Batch normalization over the channel (last) axis of rows x C data (Ioffe & Szegedy 2015,
// arXiv:1502.03167), forward and backward, Keras/TF.js semantics: normalize with the batch's
// mean and biased variance in training and update the moving averages as
// moving = momentum * moving + (1 - momentum) * batch (TF.js 4.22 also uses the biased variance);
// normalize with the moving averages in inference. gamma/beta may be null (scale/center off).
// Per-channel sums use fixed row chunks reduced in order, so results do not depend on threads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nn {

class ThreadPool;

struct BatchNormArgs {
  size_t rows = 0, channels = 0;
  float epsilon = 1e-3f;
  float momentum = 0.99f;
  const float* gamma = nullptr;
  const float* beta = nullptr;
};

uint64_t batchnorm_workspace_floats(size_t rows, size_t channels);

// Training: also writes the batch mean and 1/sqrt(var + eps) (saved for backward) and updates
// moving_mean / moving_variance.
void batchnorm_forward_training(ThreadPool* pool, const BatchNormArgs& a, const float* x, float* y, float* mean,
                                float* inv_std, float* moving_mean, float* moving_variance, float* workspace);
// Inference: writes the moving mean and 1/sqrt(moving var + eps) to mean/inv_std for backward.
void batchnorm_forward_inference(ThreadPool* pool, const BatchNormArgs& a, const float* x, float* y,
                                 const float* moving_mean, const float* moving_variance, float* mean, float* inv_std);

// Adds into grad_x, grad_gamma, grad_beta (each may be null). mean/inv_std are the batch
// statistics in training, or the moving mean and 1/sqrt(moving var + eps) in inference. In
// inference with both parameter gradients null (a frozen layer) it is a per-channel scale of
// grad_y and x is not read (may be null).
void batchnorm_backward(ThreadPool* pool, const BatchNormArgs& a, bool training, const float* x, const float* grad_y,
                        const float* mean, const float* inv_std, float* grad_x, float* grad_gamma, float* grad_beta,
                        float* workspace);

}  // namespace nn
