// Names for status codes, used in error messages and by the JS bindings.
#include "core/status.h"

namespace nn {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:                 return "ok";
    case StatusCode::kInvalidArgument:    return "invalid argument";
    case StatusCode::kShapeMismatch:      return "shape mismatch";
    case StatusCode::kUnsupported:        return "unsupported";
    case StatusCode::kParseError:         return "parse error";
    case StatusCode::kOutOfMemory:        return "out of memory";
    case StatusCode::kNumericError:       return "numeric error";
    case StatusCode::kFailedPrecondition: return "failed precondition";
  }
  return "unknown";
}

}  // namespace nn
