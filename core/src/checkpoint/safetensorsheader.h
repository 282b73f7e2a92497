#pragma once
// Parser and validator of a safetensors header. Torch-free (only nlohmann/json) so that the
// libFuzzer target in tests/fuzz can build it alone.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sentilab {

struct SafetensorsEntry
{
    std::string name;
    std::string dtype;          // as written: "F32", "F16", "BF16", ...
    std::vector<int64_t> shape; // empty = scalar
    uint64_t begin = 0;         // byte offsets relative to the start of the data section
    uint64_t end = 0;
};

struct SafetensorsHeader
{
    std::vector<SafetensorsEntry> tensors; // in header order
    std::map<std::string, std::string> metadata;
};

// Bytes per element of a dtype name, 0 when the name is unknown.
int safetensorsDtypeSize(std::string_view dtype);

// Parses the JSON header of a safetensors file whose data section is `dataSize` bytes long.
// Validates: JSON object, "__metadata__" a string->string object, every tensor has a known dtype,
// non-negative shape, data_offsets [begin, end] with begin <= end <= dataSize and
// end - begin == numel * dtype size, no two tensors overlap. Throws sentilab::Error naming
// `fileName`, the tensor and what is wrong.
SafetensorsHeader parseSafetensorsHeader(std::string_view json, uint64_t dataSize,
                                         const std::string &fileName);

// Full file image -> header: checks the 8-byte little-endian length prefix against the file
// size (and a sane upper bound) before parsing. `dataOffset` receives 8 + header length.
SafetensorsHeader parseSafetensorsFile(const uint8_t *data, uint64_t size,
                                       const std::string &fileName, uint64_t *dataOffset);

} // namespace sentilab
