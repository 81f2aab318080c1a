// Depthwise kernels for wasm SIMD128 (-msimd128, no relaxed SIMD: mul then add), 4 channels
// per vector. Test: the wasm nn_tests, -tc='*dwconv*'.
#if defined(__wasm_simd128__)
#include "kernels/f32-dwconv/f32-dwconv.h"
#include "kernels/f32-dwconv/f32-dwconv-tile.h"

namespace nn {
NN_DEFINE_DWCONV_UKERNELS(wasmsimd, WasmSimd)
}  // namespace nn
#endif
