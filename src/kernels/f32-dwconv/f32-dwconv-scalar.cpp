// Depthwise kernels with one float per "vector" (loops in f32-dwconv-tile.h): the portable
// fallback, and the first set the tests compare with the reference. Test: -tc='*dwconv*'.
#include "kernels/f32-dwconv/f32-dwconv.h"
#include "kernels/f32-dwconv/f32-dwconv-tile.h"

namespace nn {
NN_DEFINE_DWCONV_UKERNELS(scalar, Scalar)
}  // namespace nn
