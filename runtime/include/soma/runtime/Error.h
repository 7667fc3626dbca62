// The one exception type of the Soma runtime library.
//
// The runtime reports user-facing problems (a delay shorter than one step, a malformed
// connection file, an unwritable output path) by throwing RuntimeError with a complete,
// human-readable message; callers (somac run, the C API) catch it and print what() as is.
// Programming errors inside the runtime are not reported this way.
#pragma once

#include <stdexcept>
#include <string>

namespace soma::runtime {

class RuntimeError : public std::runtime_error {
public:
  explicit RuntimeError(const std::string &message) : std::runtime_error(message) {}
};

} // namespace soma::runtime
