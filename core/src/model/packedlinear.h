#pragma once
// A torch Linear evaluated through packedgemm.h for inference: its weights packed on first use
// and kept beside the module. Off unless enabled: only models that are not trained
// enable it (Classifier, the inference benchmark), because the fused optimizer writes weights
// in place without bumping their version counter, so a packed copy could not notice the change.
#include <atomic>
#include <memory>
#include <mutex>

#include <torch/nn/modules/linear.h>

#include "packedgemm.h"

namespace sentilab {

class PackedLinearCache
{
public:
    PackedLinearCache() = default;
    // A copy starts with nothing packed (a copied module has its own weights).
    PackedLinearCache(const PackedLinearCache &other) : m_enabled(other.m_enabled.load()) {}
    PackedLinearCache &operator=(const PackedLinearCache &other);

    // Enabling packs `linear`'s weights at once where the packed product can run on them (float32
    // on the CPU, a supported CPU), so that the first forward pass does not wait for it (~9 ms per
    // 768 × 3072 matrix); disabling frees the packed copy.
    void setEnabled(bool enabled, torch::nn::LinearImpl &linear);

    // linear(x) for x [..., in]. Through the packed product when enabled, gradients are off, x
    // is float32 on the CPU and the CPU has AVX2+FMA or AVX-512; otherwise the module's own
    // forward. Whatever the number of rows: measured against OpenBLAS from 1 to 2,048 rows, the
    // packed product was never slower (docs/PERFORMANCE.md, "Inference products"). Repacks when the
    // weight tensor was replaced or changed through torch (its data pointer or version counter
    // moved).
    torch::Tensor forward(torch::nn::LinearImpl &linear, const torch::Tensor &x);

private:
    static bool runsOn(const torch::Tensor &weight);
    // The packed copy of linear's current weights, made or remade when they changed.
    std::shared_ptr<const PackedMatrix> packed(torch::nn::LinearImpl &linear);

    std::mutex m_mutex; // guards the packed copy and what it was made from
    std::atomic<bool> m_enabled{false};
    std::shared_ptr<const PackedMatrix> m_packed;
    const void *m_weightData = nullptr;
    const void *m_biasData = nullptr;
    int64_t m_version = -1;
};

// x [..., in] -> [..., out] through an already packed matrix (tests compare it with
// torch::linear for each instruction set).
torch::Tensor packedLinear(const PackedMatrix &w, const torch::Tensor &x,
                           GemmIsa isa = bestGemmIsa());

} // namespace sentilab
