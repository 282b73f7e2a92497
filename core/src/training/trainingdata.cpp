#include "trainingdata.h"

#include <algorithm>

namespace sentilab {

EncodedSplit encodeSplit(const Tokenizer &tokenizer, const std::vector<Example> &examples,
                         int maxLength)
{
    EncodedSplit split;
    split.ids.reserve(examples.size());
    for (const Example &e : examples) {
        split.ids.push_back(tokenizer.encode(e.text, maxLength));
        split.labels.push_back(e.label);
        split.lengths.push_back(int64_t(split.ids.back().size()));
        split.realTokens += split.lengths.back();
    }
    return split;
}

BatchTensors makeBatch(const EncodedSplit &split, const std::vector<int64_t> &indices,
                       int64_t padId)
{
    int64_t length = 0;
    for (const int64_t i : indices)
        length = std::max(length, split.lengths[i]);
    const int64_t batch = int64_t(indices.size());
    BatchTensors t;
    t.ids = torch::full({batch, length}, padId, torch::kLong);
    t.mask = torch::zeros({batch, length}, torch::kLong);
    t.labels = torch::empty({batch}, torch::kLong);
    int64_t *ids = t.ids.data_ptr<int64_t>();
    int64_t *mask = t.mask.data_ptr<int64_t>();
    int64_t *labels = t.labels.data_ptr<int64_t>();
    for (int64_t b = 0; b < batch; ++b) {
        const auto &row = split.ids[indices[b]];
        std::copy(row.begin(), row.end(), ids + b * length);
        std::fill(mask + b * length, mask + b * length + int64_t(row.size()), 1);
        labels[b] = split.labels[indices[b]];
        t.realTokens += int64_t(row.size());
    }
    return t;
}

} // namespace sentilab
