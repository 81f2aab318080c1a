// RandomRotation (Keras): an angle uniform in [lo, hi] * 2 pi per image, positive counter-
// clockwise, about the image center. The matrix is Keras 3's (random_rotation.py), computed in
// double so that quarter turns land exactly on pixel centers.
#include <cmath>

#include "layers/augmentation.h"

namespace nn {

Status RandomRotation::validate() const {
  const FactorRange& f = options_.factor;
  if (!(f.lo >= -1.0f && f.hi <= 1.0f && f.lo <= f.hi)) {
    return invalid_argument(who(), ": factor [", f.lo, ", ", f.hi,
                            "] is out of range: a rotation factor is a fraction of a full turn in [-1, 1]");
  }
  return Status::ok();
}

void RandomRotation::draw_map(Rng& rng, int64_t h, int64_t w, float* map) const {
  const double turn = rng.uniform(options_.factor.lo, options_.factor.hi);
  const double angle = turn * 6.283185307179586;
  const double c = std::cos(angle), s = std::sin(angle);
  const double wm1 = static_cast<double>(w - 1), hm1 = static_cast<double>(h - 1);
  map[0] = static_cast<float>(c);
  map[1] = static_cast<float>(-s);
  map[2] = static_cast<float>((wm1 - (c * wm1 - s * hm1)) / 2.0);
  map[3] = static_cast<float>(s);
  map[4] = static_cast<float>(c);
  map[5] = static_cast<float>((hm1 - (s * wm1 + c * hm1)) / 2.0);
}

}  // namespace nn
