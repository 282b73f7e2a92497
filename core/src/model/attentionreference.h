#pragma once
// Shared by the attention check and benchmark: a torch::nn::MultiheadAttention carrying exactly the
// weights of one of our MultiHeadSelfAttention modules.
#include <torch/nn/modules/activation.h>

#include "multiheadattention.h"

namespace sentilab {

// Builds torch's module with our q/k/v weights stacked into in_proj_weight (and biases into
// in_proj_bias) and our out_lin copied into out_proj. Same dtype as `ours`, dropout 0.
torch::nn::MultiheadAttention makeReferenceAttention(MultiHeadSelfAttentionImpl &ours);

} // namespace sentilab
