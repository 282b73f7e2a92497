#pragma once
// Safe echoes of untrusted text in error messages. Torch-free and Qt-free.
#include <cstddef>
#include <string>
#include <string_view>

namespace sentilab {

// At most `maxBytes` bytes of `text` (cut at a UTF-8 character boundary) fit for a terminal or a
// log line: control characters, DEL and bytes that are not valid UTF-8 are written as \n, \t, \r
// or \xNN, so a NUL or an escape sequence never reaches the reader. A cut text ends in
// "... (N bytes in all)".
std::string excerpt(std::string_view text, std::size_t maxBytes = 200);

// The text before the first line break (LibTorch appends a C++ backtrace after it).
std::string firstLine(std::string_view text);

// The deepest nesting of JSON arrays/objects in `text`, not counting brackets inside strings, and
// the byte offset where the deepest level opens. Stops scanning once `limit` is passed.
struct JsonDepth
{
    int depth = 0;
    std::size_t offset = 0;
};
JsonDepth jsonNestingDepth(std::string_view text, int limit);

// Nesting accepted in any JSON file SentiLab reads (config.json, dataset rows, hub listings,
// trainer state): far above what a real file uses, far below what would exhaust a stack.
constexpr int kMaxJsonDepth = 64;

} // namespace sentilab
