#pragma once
// What every loaded state dict must satisfy, for the checkpoint fuzz targets.
#include "safetensors.h"

#include <cstdint>

namespace sentilab::fuzz {

// Traps unless every tensor is a named, defined, contiguous float32 CPU tensor whose elements
// can all be read. The reads happen here, in instrumented code, so that AddressSanitizer reports
// a tensor whose data is not really its own memory.
inline void checkTensors(const TensorMap &tensors)
{
    for (const auto &[name, tensor] : tensors) {
        if (name.empty() || !tensor.defined() || tensor.scalar_type() != torch::kFloat32 ||
            !tensor.is_contiguous() || !tensor.device().is_cpu())
            __builtin_trap();
        const float *values = tensor.data_ptr<float>();
        float sum = 0;
        for (int64_t i = 0; i < tensor.numel(); ++i)
            sum += values[i];
        volatile float sink = sum;
        (void)sink;
    }
}

} // namespace sentilab::fuzz
