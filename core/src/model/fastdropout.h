#pragma once
// Dropout with a counter-based mask generator. LibTorch's CPU dropout draws one Bernoulli sample
// per element from a serial generator, which cost ~12% of a DistilBERT forward pass on 2 cores;
// here each element's keep/drop bit is a hash of (seed, index), computed in parallel. The seed is
// one draw from torch's default CPU generator, so torch::manual_seed and a saved generator state
// still make runs reproducible and resumable.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace sentilab {

// x * mask / (1 - p), mask ~ Bernoulli(1 - p) elementwise; autograd differentiates through the
// product. p in [0, 1).
torch::Tensor hashDropout(const torch::Tensor &x, double p);

class FastDropoutImpl : public torch::nn::Module
{
public:
    explicit FastDropoutImpl(double p = 0.5) : m_p(p) {}
    // Identity in eval mode or when p == 0.
    torch::Tensor forward(const torch::Tensor &x)
    {
        return is_training() && m_p > 0 ? hashDropout(x, m_p) : x;
    }
    double p() const { return m_p; }

private:
    double m_p;
};
TORCH_MODULE(FastDropout);

} // namespace sentilab
