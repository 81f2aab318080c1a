// Names for status codes, used in error messages and by the JS bindings.
#include "core/status.h"

namespace nn {

const char* status_code_name(StatusCode code) {
  switch (code) {
#define NN_STATUS_CODE(enumerator, name, meaning) \
  case StatusCode::enumerator:                    \
    return name;
#include "core/status-codes.inc"
#undef NN_STATUS_CODE
  }
  return "unknown";
}

}  // namespace nn
