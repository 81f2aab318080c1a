// Layer base: shared build bookkeeping and parameter declaration.
#include "layers/layer.h"

#include "core/checked.h"

namespace nn {

// Every tensor a layer declares must have a countable size, so that later size arithmetic
// (plans, arenas, element indices) cannot overflow in either build.
Status Layer::check_tensor(const std::string& what, const Shape& shape) const {
  uint64_t n = 0;
  if (!shape.checked_numel(&n) || n > kMaxTensorElements) {
    return invalid_argument(who(), ": ", what, " would have shape ", shape.str(), ", ",
                            shape.checked_numel(&n) ? cat(n, " elements") : std::string("too many elements to count"),
                            ": a tensor may have at most ", kMaxTensorElements, " elements");
  }
  return Status::ok();
}

Status Layer::build(const std::vector<Shape>& inputs, Shape* output) {
  params_.clear();
  NN_RETURN_IF_ERROR(do_build(inputs, output));
  for (const Param& p : params_) NN_RETURN_IF_ERROR(check_tensor("its " + p.name, p.shape));
  NN_RETURN_IF_ERROR(check_tensor("its output (per sample)", *output));
  input_shapes_ = inputs;
  output_shape_ = *output;
  return Status::ok();
}

int64_t Layer::count_params(bool trainable) const {
  int64_t n = 0;
  for (const Param& p : params_)
    if (p.trainable == trainable) n += p.shape.numel();
  return n;
}

Status Layer::expect_inputs(const std::vector<Shape>& inputs, size_t count, int rank) const {
  if (inputs.size() != count) {
    return invalid_argument(who(), " takes ", count, " input(s) but was given ", inputs.size());
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (rank > 0 && inputs[i].rank != rank) {
      return shape_mismatch(who(), " expects input of rank ", rank, " (",
                            rank == 3 ? "height, width, channels" : "features", ", batch excluded) but got shape ",
                            inputs[i].str());
    }
  }
  return Status::ok();
}

void Layer::set_trainable(bool trainable) {
  trainable_ = trainable;
  for (Param& p : params_) p.trainable = p.learned && trainable_;
}

void Layer::add_param(std::string name, Shape shape, Init init, bool learned, int64_t fan_in, int64_t fan_out) {
  Param p;
  p.name = std::move(name);
  p.shape = shape;
  p.init = init;
  p.learned = learned;
  p.trainable = learned && trainable_;
  p.fan_in = fan_in;
  p.fan_out = fan_out;
  params_.push_back(std::move(p));
}

}  // namespace nn
