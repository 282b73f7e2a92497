#include <sentilab/attentioncheck.h>

#include <random>
#include <sstream>

#include <torch/utils.h>

#include "attentionreference.h"

namespace sentilab {

torch::nn::MultiheadAttention makeReferenceAttention(MultiHeadSelfAttentionImpl &ours)
{
    const auto &o = ours.options();
    torch::nn::MultiheadAttention ref(
        torch::nn::MultiheadAttentionOptions(o.embedDim, o.numHeads).bias(o.bias).dropout(0.0));
    const auto dtype = ours.q_lin->weight.scalar_type();
    ref->to(dtype);
    torch::NoGradGuard noGrad;
    ref->in_proj_weight.copy_(
        torch::cat({ours.q_lin->weight, ours.k_lin->weight, ours.v_lin->weight}, 0));
    ref->out_proj->weight.copy_(ours.out_lin->weight);
    if (o.bias) {
        ref->in_proj_bias.copy_(torch::cat({ours.q_lin->bias, ours.k_lin->bias, ours.v_lin->bias}));
        ref->out_proj->bias.copy_(ours.out_lin->bias);
    }
    return ref;
}

std::string AttentionCheckCase::shape() const
{
    std::ostringstream s;
    s << "B=" << batch << " L=" << length << " E=" << dim << " H=" << heads;
    return s.str();
}

namespace {

double maxAbsDiff(const torch::Tensor &a, const torch::Tensor &b)
{
    return (a - b).abs().max().item<double>();
}

void runCase(AttentionCheckCase &c, uint64_t seed)
{
    torch::manual_seed(seed);
    MultiHeadSelfAttentionOptions options;
    options.embedDim = c.dim;
    options.numHeads = c.heads;
    options.bias = c.bias;
    MultiHeadSelfAttention ours(options);
    const auto dtype = c.float64 ? torch::kFloat64 : torch::kFloat32;
    ours->to(dtype);
    if (c.bias) { // torch zero-initialises its biases; random ones make the check meaningful
        torch::NoGradGuard noGrad;
        for (auto *lin : {&ours->q_lin, &ours->k_lin, &ours->v_lin, &ours->out_lin})
            (*lin)->bias.uniform_(-0.5, 0.5);
    }
    ours->eval();
    torch::nn::MultiheadAttention ref = makeReferenceAttention(*ours);
    ref->eval();

    const torch::Tensor x = torch::randn({c.batch, c.length, c.dim}, dtype);
    torch::Tensor padding; // [B, L] true = padding; key 0 is always real so no row is fully masked
    if (c.keyPaddingMask) {
        const torch::Tensor lengths = torch::randint(1, c.length + 1, {c.batch, 1});
        padding = torch::arange(c.length).unsqueeze(0).ge(lengths);
    }
    torch::Tensor mask; // additive [L, L]; some entries -inf, column 0 always finite
    if (c.attentionMask) {
        mask = torch::rand({c.length, c.length}, dtype) * 4 - 2;
        const torch::Tensor blocked = torch::rand({c.length, c.length}).lt(0.2);
        blocked.select(1, 0).fill_(false);
        mask = mask.masked_fill(blocked, -std::numeric_limits<double>::infinity());
    }

    torch::NoGradGuard noGrad;
    const AttentionOutput mine = ours->forward(x, padding, mask, true);
    const torch::Tensor xs = x.transpose(0, 1); // torch's [L, B, E] layout
    const auto [refOut, refHeadWeights] = ref->forward(xs, xs, xs, padding, true, mask, false);
    const auto [refOut2, refAvgWeights] = ref->forward(xs, xs, xs, padding, true, mask, true);
    (void)refOut2;

    c.maxDiffOutput = maxAbsDiff(mine.output, refOut.transpose(0, 1));
    c.maxDiffHeadWeights = maxAbsDiff(mine.weights, refHeadWeights);
    c.maxDiffWeights = maxAbsDiff(mine.weights.mean(1), refAvgWeights);
    c.tolerance = c.float64 ? 1e-10 : 1e-5;
    c.passed = c.maxDiffOutput <= c.tolerance && c.maxDiffWeights <= c.tolerance &&
               c.maxDiffHeadWeights <= c.tolerance;
}

} // namespace

std::vector<AttentionCheckCase> runAttentionChecks(int cases, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    const auto uniform = [&](int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    // Corners first: {batch, length, dim, heads, bias, padding, mask, float64}.
    const std::vector<AttentionCheckCase> pinned = [] {
        std::vector<AttentionCheckCase> v;
        const auto add = [&](int64_t b, int64_t l, int64_t e, int64_t h, bool bias, bool pad,
                             bool mask, bool f64) {
            AttentionCheckCase c;
            c.batch = b, c.length = l, c.dim = e, c.heads = h, c.bias = bias;
            c.keyPaddingMask = pad, c.attentionMask = mask, c.float64 = f64;
            v.push_back(c);
        };
        add(2, 16, 768, 12, true, true, false, false);
        add(1, 1, 768, 12, true, false, false, false);
        add(4, 128, 768, 12, true, true, true, false);
        add(16, 12, 768, 12, false, true, false, false);
        add(3, 9, 24, 1, true, false, true, false);
        add(2, 33, 96, 12, true, true, true, true);
        add(1, 128, 768, 12, false, false, true, true);
        add(16, 1, 8, 8, true, true, false, true);
        return v;
    }();

    std::vector<AttentionCheckCase> results;
    for (int i = 0; i < cases; ++i) {
        AttentionCheckCase c;
        if (i < int(pinned.size())) {
            c = pinned[i];
        } else {
            c.heads = uniform(1, 12);
            c.dim = c.heads * uniform(1, 64);
            if (uniform(0, 5) == 0)
                c.dim = 768, c.heads = 12;
            c.length = uniform(1, 128);
            c.batch = uniform(1, 16);
            c.bias = uniform(0, 1);
            c.keyPaddingMask = uniform(0, 1);
            c.attentionMask = uniform(0, 2) == 0;
            c.float64 = i % 4 == 3;
        }
        c.index = i + 1;
        runCase(c, seed + uint64_t(i));
        results.push_back(c);
    }
    return results;
}

} // namespace sentilab
