#pragma once
// Attention's two per-head matrix products, computed straight from and into the [B, L, E]
// projections: one single-threaded BLAS call per (batch, head) matrix, the matrices spread over
// LibTorch's intra-op threads. LibTorch's CPU matmul on the [B, H, L, D] views copies q, k and v
// to contiguous tensors and then multiplies the B x H matrices one after the other, each call
// synchronising OpenBLAS's threads for a product of a few tens of thousands of multiply-adds.
#include <torch/types.h>

namespace sentilab {

// Whether the products below apply: float32 CPU tensors, q [B, Lq, E] and k [B, L, E], E a
// multiple of `heads`, and each per-head product (Lq x L x E/heads multiply-adds) small enough
// that OpenBLAS computes it on the calling thread (at most 2^18), the BLAS being found at run
// time. Otherwise callers use torch::matmul.
bool headProductsApply(const torch::Tensor &q, const torch::Tensor &k, int64_t heads);

// scores[b, h] = q[b, :, head h] x k[b, :, head h]^T: [B, H, Lq, L]. Differentiable in q and k.
torch::Tensor headScores(const torch::Tensor &q, const torch::Tensor &k, int64_t heads);

// context[b, :, head h] = probs[b, h] x v[b, :, head h]: [B, Lq, E], the heads already merged.
// Differentiable in probs and v.
torch::Tensor headContext(const torch::Tensor &probs, const torch::Tensor &v, int64_t heads);

} // namespace sentilab
