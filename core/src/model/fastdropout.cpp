#include "fastdropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>

#include <sentilab/error.h>

namespace sentilab {
namespace {

// SplitMix64 finaliser: a bijective mix with good avalanche, enough for dropout masks.
inline uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t drawSeed()
{
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    return generator.get<at::CPUGeneratorImpl>()->random64();
}

} // namespace

torch::Tensor hashDropout(const torch::Tensor &x, double p)
{
    if (!(p >= 0.0 && p < 1.0))
        throw Error("dropout probability must be in [0, 1), got " + std::to_string(p));
    if (!x.is_cpu()) // the mask loop below writes host memory; a GPU has its own fast dropout
        return torch::dropout(x, p, true);
    const uint64_t seed = drawSeed();
    // Keep when the top 32 bits of the hash are >= p * 2^32.
    const uint64_t threshold = uint64_t(p * 4294967296.0);
    torch::Tensor mask = torch::empty(x.sizes(), x.options().requires_grad(false));
    const int64_t n = mask.numel();
    const double scale = 1.0 / (1.0 - p);
    AT_DISPATCH_FLOATING_TYPES(mask.scalar_type(), "hashDropout", [&] {
        scalar_t *out = mask.data_ptr<scalar_t>();
        const scalar_t keep = scalar_t(scale);
        at::parallel_for(0, n, 16384, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i)
                out[i] = (mix(seed + uint64_t(i) * 0x9e3779b97f4a7c15ULL) >> 32) >= threshold
                             ? keep
                             : scalar_t(0);
        });
    });
    return x * mask;
}

} // namespace sentilab
