// Status: how the engine reports a user error (bad config, bad shape, bad file) without
// aborting the process or the wasm instance. Messages name the object, the bad value and
// the rule, e.g. "Conv2D 'conv3': filters is 0: filters must be positive".
// Internal invariants (bugs, not user errors) use NN_ASSERT instead.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>

namespace nn {

// The codes and their names come from status-codes.inc (the one list, shared with JS).
enum class StatusCode {
#define NN_STATUS_CODE(enumerator, name, meaning) enumerator,
#include "core/status-codes.inc"
#undef NN_STATUS_CODE
};

// "invalid_argument", ...: the name JS sees as ConvnetError.code.
const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Joins its arguments with operator<< into one string: cat("got ", n, " filters").
template <typename... Args>
std::string cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

template <typename... Args>
Status invalid_argument(const Args&... args) {
  return Status(StatusCode::kInvalidArgument, cat(args...));
}
template <typename... Args>
Status shape_mismatch(const Args&... args) {
  return Status(StatusCode::kShapeMismatch, cat(args...));
}
template <typename... Args>
Status unsupported(const Args&... args) {
  return Status(StatusCode::kUnsupported, cat(args...));
}
template <typename... Args>
Status parse_error(const Args&... args) {
  return Status(StatusCode::kParseError, cat(args...));
}
template <typename... Args>
Status failed_precondition(const Args&... args) {
  return Status(StatusCode::kFailedPrecondition, cat(args...));
}
template <typename... Args>
Status numeric_error(const Args&... args) {
  return Status(StatusCode::kNumericError, cat(args...));
}
template <typename... Args>
Status out_of_memory(const Args&... args) {
  return Status(StatusCode::kOutOfMemory, cat(args...));
}

}  // namespace nn

#define NN_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::nn::Status nn_status_ = (expr);           \
    if (!nn_status_.is_ok()) return nn_status_; \
  } while (0)

// A broken internal invariant is a bug in the engine, not a user error: report and abort.
#define NN_ASSERT(cond)                                                                 \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: NN_ASSERT(%s) failed\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
