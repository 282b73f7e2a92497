#pragma once
// JSON from untrusted files and streams, with nesting and echo limits. Torch-free and Qt-free.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sentilab {

// Parses `text` as one JSON value. Throws sentilab::Error starting with `where` (a file, or
// "file:line") when it is not valid JSON (with the byte offset and a short excerpt there) or nests
// arrays/objects deeper than kMaxJsonDepth (a hostile file could otherwise exhaust the stack when
// the value is printed or compared).
nlohmann::json parseJson(std::string_view text, const std::string &where);

// A value for an error message: compact JSON, at most ~200 bytes, control characters escaped.
std::string jsonExcerpt(const nlohmann::json &value);

} // namespace sentilab
