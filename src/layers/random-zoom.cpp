// RandomZoom (Keras): per image, zoom factors zy = 1 + uniform(height range) and, if a width
// range is given, zx = 1 + uniform(width range), else zx = zy. A factor above 1 zooms out
// (the input shrinks inside the frame). Keras 3's matrix (random_zoom.py).
#include "layers/augmentation.h"

namespace nn {

namespace {

Status check_zoom_factor(const std::string& who, const char* key, const FactorRange& f) {
  if (!(f.lo >= -1.0f && f.hi <= 1.0f && f.lo <= f.hi)) {
    return invalid_argument(who, ": ", key, " [", f.lo, ", ", f.hi,
                            "] is out of range: zoom factors must lie in [-1, 1]");
  }
  return Status::ok();
}

}  // namespace

Status RandomZoom::validate() const {
  NN_RETURN_IF_ERROR(check_zoom_factor(who(), "height_factor", options_.height_factor));
  if (options_.has_width_factor) return check_zoom_factor(who(), "width_factor", options_.width_factor);
  return Status::ok();
}

void RandomZoom::draw_map(Rng& rng, int64_t h, int64_t w, float* map) const {
  // Height first, then width: Keras's order.
  const float zy = 1.0f + rng.uniform(options_.height_factor.lo, options_.height_factor.hi);
  const float zx =
      options_.has_width_factor ? 1.0f + rng.uniform(options_.width_factor.lo, options_.width_factor.hi) : zy;
  map[0] = zx;
  map[1] = 0.0f;
  map[2] = (static_cast<float>(w) - 1.0f) / 2.0f * (1.0f - zx);
  map[3] = 0.0f;
  map[4] = zy;
  map[5] = (static_cast<float>(h) - 1.0f) / 2.0f * (1.0f - zy);
}

}  // namespace nn
