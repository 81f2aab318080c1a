// The depthwise kernel sets of f32-dwconv.inc as configs; the first listed is the fastest.
// The ISA is a compile-time fact here (SSE2 is x86-64's baseline, SIMD128 the wasm build's),
// so no CPU check is needed.
#include "kernels/f32-dwconv/f32-dwconv.h"

#include <cstring>

namespace nn {
namespace {

const DwconvConfig kConfigs[] = {
#define NN_DWCONV_ISA(isa_enum, isa)                                 \
  DwconvConfig{nn_f32_dwconv_ukernel_3x3__##isa,                     \
               nn_f32_dwconv_ukernel_generic__##isa,                 \
               nn_f32_dwconv_backward_filter_ukernel_3x3__##isa,     \
               nn_f32_dwconv_backward_filter_ukernel_generic__##isa, \
               nn_f32_dwconv_scatter_ukernel_generic__##isa,         \
               Isa::isa_enum,                                        \
               #isa},
#include "kernels/f32-dwconv/f32-dwconv.inc"
#undef NN_DWCONV_ISA
};

}  // namespace

const DwconvConfig& dwconv_config() { return kConfigs[0]; }

const DwconvConfig* dwconv_configs(size_t* n) {
  *n = sizeof(kConfigs) / sizeof(kConfigs[0]);
  return kConfigs;
}

}  // namespace nn
