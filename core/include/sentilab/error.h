#pragma once
#include <stdexcept>
#include <string>

namespace sentilab {

// The one exception type that leaves core. Its message is meant for the user as is: it says what
// failed, where (file, line, key or tensor name) and, when there is one, what to do about it.
// LibTorch's c10::Error is caught inside core and rethrown as this; nothing else escapes.
class Error : public std::runtime_error
{
public:
    explicit Error(const std::string &message) : std::runtime_error(message) {}
};

} // namespace sentilab
