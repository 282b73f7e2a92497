#include "evaluation.h"

#include <torch/nn/functional/loss.h>
#include <torch/utils.h>

namespace sentilab {
namespace {

// The weights do not change while an evaluation runs: its products go through packed copies
// (packedlinear.h), freed afterwards unless the caller keeps them anyway (Classifier does).
class PackedForTheEvaluation
{
public:
    explicit PackedForTheEvaluation(DistilBertForSequenceClassificationImpl &model)
        : m_model(model), m_wasPacked(model.packedInference())
    {
        m_model.setPackedInference(true);
    }
    ~PackedForTheEvaluation()
    {
        if (!m_wasPacked)
            m_model.setPackedInference(false);
    }
    PackedForTheEvaluation(const PackedForTheEvaluation &) = delete;
    PackedForTheEvaluation &operator=(const PackedForTheEvaluation &) = delete;

private:
    DistilBertForSequenceClassificationImpl &m_model;
    const bool m_wasPacked;
};

} // namespace

EvalResult evaluate(DistilBertForSequenceClassificationImpl &model, const EncodedSplit &split,
                    int64_t batchSize, int64_t padId, const std::atomic<bool> *cancel)
{
    EvalResult r;
    r.predicted.assign(split.size(), 0);
    r.probPositive.assign(split.size(), 0.0);
    const bool wasTraining = model.is_training();
    model.eval();
    const PackedForTheEvaluation packed(model);
    torch::InferenceMode inference;
    double lossSum = 0;
    const torch::Device device = model.parameters().front().device();
    for (const Batch &batch : planEvaluation(split.lengths, batchSize)) {
        if (cancel && cancel->load()) {
            r.cancelled = true;
            break;
        }
        const BatchTensors t = makeBatch(split, batch.indices, padId);
        const torch::Tensor logits = model.logits(t.ids.to(device), t.mask.to(device));
        lossSum += torch::nn::functional::cross_entropy(
                       logits, t.labels.to(device),
                       torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .item<double>();
        const torch::Tensor probs =
            torch::softmax(logits, -1).select(1, 1).to(torch::kCPU).contiguous();
        const float *p = probs.data_ptr<float>();
        for (size_t b = 0; b < batch.indices.size(); ++b) {
            const int64_t i = batch.indices[b];
            r.probPositive[i] = p[b];
            // argmax of two logits; ties go to class 0 as torch.argmax does
            r.predicted[i] = p[b] > 0.5f ? 1 : 0;
            const int64_t label = split.labels[i];
            ++r.confusion[size_t(label * 2 + r.predicted[i])];
        }
    }
    if (wasTraining)
        model.train();
    const auto [tn, fp, fn, tp] = r.confusion;
    const int64_t n = tn + fp + fn + tp;
    r.accuracy = n ? double(tn + tp) / double(n) : 0.0;
    r.f1 = (2 * tp + fp + fn) ? 2.0 * double(tp) / double(2 * tp + fp + fn) : 0.0;
    r.loss = n ? lossSum / double(n) : 0.0;
    return r;
}

} // namespace sentilab
