#pragma once
// Multi-head self-attention written from tensor primitives (linear maps, matmul, masking, softmax,
// reshapes). It deliberately uses no attention-specific function of LibTorch; its equality with
// torch::nn::MultiheadAttention is checked by attentioncheck.cpp.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "fastdropout.h"
#include "packedlinear.h"

namespace sentilab {

struct MultiHeadSelfAttentionOptions
{
    int64_t embedDim = 768; // model width E; must be divisible by numHeads
    int64_t numHeads = 12;  // H; head width is E / H
    bool bias = true;       // bias on the q/k/v/out projections
    double dropout = 0.0;   // dropout on the attention probabilities (training mode only)
};

struct AttentionOutput
{
    torch::Tensor output;  // [B, L, E]
    torch::Tensor weights; // [B, H, L(q), L] attention probabilities, only when requested;
                           // undefined otherwise
};

// Parameter names follow Hugging Face DistilBERT: q_lin, k_lin, v_lin, out_lin (weight [E, E]).
class MultiHeadSelfAttentionImpl : public torch::nn::Module
{
public:
    explicit MultiHeadSelfAttentionImpl(const MultiHeadSelfAttentionOptions &options);

    // x: [B, L, E] (batch first).
    // keyPaddingMask: optional bool [B, L], true = this key is padding and receives no attention.
    //   Masked scores are set to the dtype's lowest value (as Hugging Face does), so a row whose
    //   keys are all masked gets uniform weights instead of NaN.
    // attnMask: optional additive float mask broadcastable to [B, H, L, L] ([L, L] or [B*H, L, L]
    //   as torch::nn::MultiheadAttention accepts, or [B, 1|H, L, L]); -inf entries block.
    // needWeights: also return the per-head probabilities (after the mask, before dropout).
    // firstQueryOnly: only position 0 ([CLS]) queries (every position is still a key and value);
    //   output [B, 1, E], weights [B, H, 1, L]. What a classifier's last layer needs; attnMask
    //   must then be undefined.
    AttentionOutput forward(const torch::Tensor &x, const torch::Tensor &keyPaddingMask = {},
                            const torch::Tensor &attnMask = {}, bool needWeights = false,
                            bool firstQueryOnly = false);

    const MultiHeadSelfAttentionOptions &options() const { return m_options; }
    // Inference through packed weights for short inputs (see packedlinear.h); off by default.
    void setPackedInference(bool enabled);

    torch::nn::Linear q_lin{nullptr}, k_lin{nullptr}, v_lin{nullptr}, out_lin{nullptr};

private:
    MultiHeadSelfAttentionOptions m_options;
    FastDropout m_dropout{nullptr};
    PackedLinearCache m_packedQ, m_packedK, m_packedV, m_packedOut;
};
TORCH_MODULE(MultiHeadSelfAttention);

} // namespace sentilab
