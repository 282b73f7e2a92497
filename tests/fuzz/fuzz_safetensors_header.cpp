// libFuzzer target: any input must either parse into a header whose every range lies inside the
// input, or throw sentilab::Error. Any other exception, a crash or a sanitizer report is a bug.
#include "safetensorsheader.h"

#include <sentilab/error.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    try {
        uint64_t dataOffset = 0;
        const sentilab::SafetensorsHeader header =
            sentilab::parseSafetensorsFile(data, size, "fuzz-input.safetensors", &dataOffset);
        if (dataOffset < 8 || dataOffset > size)
            __builtin_trap();
        const uint64_t dataSize = size - dataOffset;

        std::vector<std::pair<uint64_t, uint64_t>> ranges;
        uint8_t checksum = 0;
        for (const sentilab::SafetensorsEntry &entry : header.tensors) {
            const int dtypeSize = sentilab::safetensorsDtypeSize(entry.dtype);
            if (dtypeSize <= 0 || entry.begin > entry.end || entry.end > dataSize)
                __builtin_trap();
            uint64_t bytes = static_cast<uint64_t>(dtypeSize);
            for (int64_t dim : entry.shape) {
                if (dim < 0 || __builtin_mul_overflow(bytes, static_cast<uint64_t>(dim), &bytes))
                    __builtin_trap();
            }
            if (bytes != entry.end - entry.begin)
                __builtin_trap();
            // Touch every accepted byte: AddressSanitizer reports a range outside the input.
            for (uint64_t i = entry.begin; i < entry.end; ++i)
                checksum ^= data[dataOffset + i];
            if (entry.begin < entry.end)
                ranges.emplace_back(entry.begin, entry.end);
        }
        std::sort(ranges.begin(), ranges.end());
        for (size_t i = 1; i < ranges.size(); ++i) {
            if (ranges[i].first < ranges[i - 1].second)
                __builtin_trap();
        }
        volatile uint8_t sink = checksum;
        (void)sink;
    } catch (const sentilab::Error &) {
    }
    return 0;
}
