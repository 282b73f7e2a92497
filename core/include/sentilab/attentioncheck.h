#pragma once
// Randomised comparison of our multi-head self-attention with torch::nn::MultiheadAttention.
#include <cstdint>
#include <string>
#include <vector>

namespace sentilab {

struct AttentionCheckCase
{
    int index = 0;
    int64_t batch = 0, length = 0, dim = 0, heads = 0;
    bool bias = true;
    bool keyPaddingMask = false; // some keys of some rows are padding
    bool attentionMask = false;  // an additive float [L, L] mask is applied
    bool float64 = false;
    double maxDiffOutput = 0;      // max |ours - torch| over the attention output
    double maxDiffWeights = 0;     // max |ours - torch| over the head-averaged weights
    double maxDiffHeadWeights = 0; // max |ours - torch| over per-head weights
    double tolerance = 0;          // 1e-5 (float32) or 1e-10 (float64)
    bool passed = false;
    std::string shape() const; // e.g. "B=4 L=17 E=768 H=12"
};

// Runs `cases` randomised cases from `seed`. The first cases pin the corners (E=768 with 12 heads,
// L=1, L=128, B=16, one head, float64), the rest are drawn at random; every fourth case is float64.
std::vector<AttentionCheckCase> runAttentionChecks(int cases = 60, uint64_t seed = 20240611);

} // namespace sentilab
