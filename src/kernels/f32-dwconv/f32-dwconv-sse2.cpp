// Depthwise kernels for x86 SSE2 (the x86-64 baseline), the native counterpart of the wasm
// SIMD128 set: 4 channels per vector, mul + add. Test: nn_tests_native -tc='*dwconv*'.
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
#include "kernels/f32-dwconv/f32-dwconv.h"
#include "kernels/f32-dwconv/f32-dwconv-tile.h"

namespace nn {
NN_DEFINE_DWCONV_UKERNELS(sse2, Sse2)
}  // namespace nn
#endif
