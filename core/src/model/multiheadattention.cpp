#include "multiheadattention.h"

#include <cmath>
#include <limits>

#include <torch/nn/functional/linear.h>

#include <sentilab/error.h>

#include "headproducts.h"

namespace sentilab {

MultiHeadSelfAttentionImpl::MultiHeadSelfAttentionImpl(const MultiHeadSelfAttentionOptions &options)
    : m_options(options)
{
    if (options.numHeads <= 0 || options.embedDim <= 0 || options.embedDim % options.numHeads != 0)
        throw Error("attention: embed dim " + std::to_string(options.embedDim) +
                    " is not divisible by the number of heads " + std::to_string(options.numHeads));
    const auto linear = [&](const char *name) {
        return register_module(
            name,
            torch::nn::Linear(
                torch::nn::LinearOptions(options.embedDim, options.embedDim).bias(options.bias)));
    };
    q_lin = linear("q_lin");
    k_lin = linear("k_lin");
    v_lin = linear("v_lin");
    out_lin = linear("out_lin");
    m_dropout = register_module("dropout", FastDropout(options.dropout));
}

void MultiHeadSelfAttentionImpl::setPackedInference(bool enabled)
{
    m_packedQ.setEnabled(enabled, *q_lin);
    m_packedK.setEnabled(enabled, *k_lin);
    m_packedV.setEnabled(enabled, *v_lin);
    m_packedOut.setEnabled(enabled, *out_lin);
}

AttentionOutput MultiHeadSelfAttentionImpl::forward(const torch::Tensor &x,
                                                    const torch::Tensor &keyPaddingMask,
                                                    const torch::Tensor &attnMask, bool needWeights,
                                                    bool firstQueryOnly)
{
    if (firstQueryOnly && attnMask.defined())
        throw Error("attention: firstQueryOnly takes no attnMask");
    const int64_t batch = x.size(0);
    const int64_t length = x.size(1);
    const int64_t queries = firstQueryOnly ? 1 : length;
    const int64_t heads = m_options.numHeads;
    const int64_t headDim = m_options.embedDim / heads;

    // [B, L, E] -> [B, H, L, D]
    const auto splitHeads = [&](const torch::Tensor &t) {
        return t.view({batch, t.size(1), heads, headDim}).transpose(1, 2);
    };
    // Scaling q before the product (not the scores after) is what Hugging Face does; it is the
    // cheaper of the two ([L, D] instead of [L, L] multiplications per head).
    const torch::Tensor q = m_packedQ.forward(*q_lin, firstQueryOnly ? x.narrow(1, 0, 1) : x) *
                            (1.0 / std::sqrt(double(headDim)));
    const torch::Tensor k = m_packedK.forward(*k_lin, x);
    const torch::Tensor v = m_packedV.forward(*v_lin, x);
    // The per-head products straight on the [B, L, E] projections where they apply (short
    // sequences on the CPU: SST-2's, explanations'), else matmul on [B, H, L, D] views; both
    // compute the same products (tst_attention, the golden model tests).
    const bool direct = headProductsApply(q, k, heads);

    torch::Tensor scores = direct ? headScores(q, k, heads)
                                  : torch::matmul(splitHeads(q), splitHeads(k).transpose(-2, -1));
    // scores: [B, H, queries, L]
    if (attnMask.defined()) {
        torch::Tensor mask = attnMask.to(scores.scalar_type());
        if (mask.dim() == 3) // torch's [B*H, L, L] layout
            mask = mask.view({batch, heads, length, length});
        scores = scores + mask;
    }
    if (keyPaddingMask.defined()) {
        const torch::Tensor blocked = keyPaddingMask.to(torch::kBool).view({batch, 1, 1, length});
        const double lowest = scores.scalar_type() == torch::kDouble
                                  ? std::numeric_limits<double>::lowest()
                                  : double(std::numeric_limits<float>::lowest());
        scores = scores.masked_fill(blocked, lowest);
    }
    const torch::Tensor probs = torch::softmax(scores, -1);
    const torch::Tensor merged = // [B, queries, E]
        direct ? headContext(m_dropout(probs), v, heads)
               : torch::matmul(m_dropout(probs), splitHeads(v))
                     .transpose(1, 2)
                     .reshape({batch, queries, m_options.embedDim});

    AttentionOutput result;
    result.output = m_packedOut.forward(*out_lin, merged);
    if (needWeights)
        result.weights = probs;
    return result;
}

} // namespace sentilab
