#pragma once
// A tokenised split held in memory for training/evaluation, and batch tensors built from it.
#include <utility>
#include <vector>

#include <torch/types.h>

#include <sentilab/dataset.h>
#include <sentilab/tokenizer.h>

namespace sentilab {

struct EncodedSplit
{
    std::vector<std::vector<int64_t>> ids; // [CLS] ... [SEP], truncated to the max length
    std::vector<int64_t> labels;
    std::vector<int64_t> lengths; // ids[i].size()
    int64_t realTokens = 0;       // sum of lengths
    int64_t size() const { return int64_t(ids.size()); }
};

EncodedSplit encodeSplit(const Tokenizer &tokenizer, const std::vector<Example> &examples,
                         int maxLength);

struct BatchTensors
{
    torch::Tensor ids;    // [B, L] int64, padded to the longest row of the batch
    torch::Tensor mask;   // [B, L] int64, 1 = token
    torch::Tensor labels; // [B] int64
    int64_t realTokens = 0;
};

BatchTensors makeBatch(const EncodedSplit &split, const std::vector<int64_t> &indices,
                       int64_t padId);

} // namespace sentilab
