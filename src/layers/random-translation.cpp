// RandomTranslation (Keras): per image, a shift of dy = uniform(height range) * h and
// dx = uniform(width range) * w pixels (positive: down and right); output pixel (x, y) reads
// the input at (x - dx, y - dy). Keras 3's matrix (random_translation.py).
#include "layers/augmentation.h"

namespace nn {

namespace {

Status check_translation_factor(const std::string& who, const char* key, const FactorRange& f) {
  if (!(f.lo >= -1.0f && f.hi <= 1.0f && f.lo <= f.hi)) {
    return invalid_argument(who, ": ", key, " [", f.lo, ", ", f.hi,
                            "] is out of range: translation factors are fractions of the image size in [-1, 1]");
  }
  return Status::ok();
}

}  // namespace

Status RandomTranslation::validate() const {
  NN_RETURN_IF_ERROR(check_translation_factor(who(), "height_factor", options_.height_factor));
  return check_translation_factor(who(), "width_factor", options_.width_factor);
}

void RandomTranslation::draw_map(Rng& rng, int64_t h, int64_t w, float* map) const {
  // Height first, then width: Keras's order.
  const float dy = rng.uniform(options_.height_factor.lo, options_.height_factor.hi) * static_cast<float>(h);
  const float dx = rng.uniform(options_.width_factor.lo, options_.width_factor.hi) * static_cast<float>(w);
  map[0] = 1.0f;
  map[1] = 0.0f;
  map[2] = -dx;
  map[3] = 0.0f;
  map[4] = 1.0f;
  map[5] = -dy;
}

}  // namespace nn
