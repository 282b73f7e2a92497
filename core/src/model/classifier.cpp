#include <sentilab/classifier.h>

#include <filesystem>

#include <torch/utils.h>

#include <sentilab/error.h>

#include "classifierimpl.h"

namespace fs = std::filesystem;

namespace sentilab {

Classifier::Classifier(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Classifier::Classifier(Classifier &&) noexcept = default;
Classifier &Classifier::operator=(Classifier &&) noexcept = default;
Classifier::~Classifier() = default;

Classifier Classifier::load(const std::string &modelDir)
{
    auto impl = std::make_unique<Impl>();
    impl->dir = modelDir;
    try {
        impl->model = loadClassifierFolder(modelDir, &impl->report);
    } catch (const c10::Error &e) {
        throw Error(modelDir + ": cannot load the model: " + e.what_without_backtrace());
    }
    impl->summary = impl->report.summary();
    // A Classifier is never trained, so its weights only change through torch (load, copy_),
    // which the packed copies notice.
    impl->model->setPackedInference(true);
    const fs::path vocab = fs::path(modelDir) / "vocab.txt";
    if (fs::is_regular_file(vocab)) {
        impl->vocabPath = vocab.string();
        impl->tokenizer = Tokenizer::fromVocabFile(impl->vocabPath);
        if (impl->tokenizer->vocabSize() > impl->model->config().vocabSize)
            throw Error(impl->vocabPath + " has " + std::to_string(impl->tokenizer->vocabSize()) +
                        " tokens but config.json's vocab_size is " +
                        std::to_string(impl->model->config().vocabSize) +
                        "; the vocabulary does not belong to this model");
    }
    return Classifier(std::move(impl));
}

ForwardOutput Classifier::forward(const std::vector<std::vector<int64_t>> &inputIds,
                                  const std::vector<std::vector<int64_t>> &attentionMask) const
{
    if (inputIds.empty() || inputIds.front().empty())
        throw Error("forward: input_ids is empty");
    const int64_t batch = int64_t(inputIds.size());
    const int64_t length = int64_t(inputIds.front().size());
    if (!attentionMask.empty() && int64_t(attentionMask.size()) != batch)
        throw Error("forward: attention_mask has " + std::to_string(attentionMask.size()) +
                    " rows but input_ids has " + std::to_string(batch));
    const int64_t vocab = m_impl->model->config().vocabSize;
    const int64_t maxLength = m_impl->model->config().maxPositionEmbeddings;
    if (length > maxLength)
        throw Error("forward: rows have " + std::to_string(length) +
                    " ids; this model takes at most " + std::to_string(maxLength) +
                    " (max_position_embeddings)");
    torch::Tensor ids = torch::empty({batch, length}, torch::kLong);
    torch::Tensor mask = torch::ones({batch, length}, torch::kLong);
    auto idsAcc = ids.accessor<int64_t, 2>();
    auto maskAcc = mask.accessor<int64_t, 2>();
    for (int64_t b = 0; b < batch; ++b) {
        if (int64_t(inputIds[b].size()) != length)
            throw Error("forward: row " + std::to_string(b) + " of input_ids has " +
                        std::to_string(inputIds[b].size()) + " ids, row 0 has " +
                        std::to_string(length) + "; pad the rows to one length");
        if (!attentionMask.empty() && int64_t(attentionMask[b].size()) != length)
            throw Error("forward: row " + std::to_string(b) +
                        " of attention_mask has the wrong length");
        for (int64_t t = 0; t < length; ++t) {
            const int64_t id = inputIds[b][t];
            if (id < 0 || id >= vocab)
                throw Error("forward: input_ids[" + std::to_string(b) + "][" + std::to_string(t) +
                            "] = " + std::to_string(id) + " is outside the vocabulary (0.." +
                            std::to_string(vocab - 1) + ")");
            idsAcc[b][t] = id;
            if (!attentionMask.empty()) {
                const int64_t m = attentionMask[b][t];
                if (m != 0 && m != 1)
                    throw Error("forward: attention_mask[" + std::to_string(b) + "][" +
                                std::to_string(t) + "] = " + std::to_string(m) +
                                "; the mask holds 1 (real token) or 0 (padding)");
                maskAcc[b][t] = m;
            }
        }
    }

    torch::InferenceMode inference;
    ClassifierOutput out;
    try {
        out = m_impl->model->forward(ids, mask);
    } catch (const c10::Error &e) {
        throw Error(std::string("forward failed: ") + e.what_without_backtrace());
    }
    ForwardOutput result;
    result.batch = batch;
    result.length = length;
    result.dim = out.lastHiddenState.size(2);
    result.numLabels = out.logits.size(1);
    const torch::Tensor hidden = out.lastHiddenState.contiguous();
    result.lastHiddenState.assign(hidden.data_ptr<float>(),
                                  hidden.data_ptr<float>() + hidden.numel());
    const torch::Tensor logits = out.logits.contiguous();
    result.logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    return result;
}

std::vector<Prediction> Classifier::predict(const std::vector<std::string> &texts) const
{
    if (!m_impl->tokenizer)
        throw Error(m_impl->dir + ": no vocab.txt beside the model; predictions need the "
                                  "tokenizer's vocabulary");
    if (texts.empty())
        return {};
    const Tokenizer &tokenizer = *m_impl->tokenizer;
    const BatchEncoding enc =
        tokenizer.encodeBatch(texts, int(m_impl->model->config().maxPositionEmbeddings));
    torch::InferenceMode inference;
    const torch::Tensor ids = torch::from_blob(const_cast<int64_t *>(enc.ids.data()),
                                               {enc.batch, enc.length}, torch::kLong);
    const torch::Tensor mask = torch::from_blob(const_cast<int64_t *>(enc.attentionMask.data()),
                                                {enc.batch, enc.length}, torch::kLong);
    torch::Tensor probs;
    try {
        probs = torch::softmax(m_impl->model->logits(ids, mask), -1).contiguous();
    } catch (const c10::Error &e) {
        throw Error(std::string("prediction failed: ") + e.what_without_backtrace());
    }
    const auto &labels = m_impl->model->config().labels;
    std::vector<Prediction> predictions(texts.size());
    for (int64_t b = 0; b < enc.batch; ++b) {
        Prediction &p = predictions[b];
        const float *row = probs[b].data_ptr<float>();
        p.probabilities.assign(row, row + probs.size(1));
        p.label = std::max_element(p.probabilities.begin(), p.probabilities.end()) -
                  p.probabilities.begin();
        p.labelName = labels[p.label];
        for (int64_t t = 0; t < enc.length && enc.attentionMask[b * enc.length + t]; ++t)
            p.tokens.push_back(tokenizer.idToToken(enc.ids[b * enc.length + t]));
        const int64_t maxLength = m_impl->model->config().maxPositionEmbeddings;
        p.inputTokens = int64_t(p.tokens.size()) < maxLength
                            ? int64_t(p.tokens.size())
                            : int64_t(tokenizer.encode(texts[size_t(b)]).size()); // cut: count all
    }
    return predictions;
}

Classifier::Representations Classifier::represent(const std::vector<std::string> &texts) const
{
    if (!m_impl->tokenizer)
        throw Error(m_impl->dir + ": no vocab.txt beside the model; representations need the "
                                  "tokenizer's vocabulary");
    Representations r;
    r.dim = m_impl->model->config().dim;
    if (texts.empty())
        return r;
    const BatchEncoding enc =
        m_impl->tokenizer->encodeBatch(texts, int(m_impl->model->config().maxPositionEmbeddings));
    torch::InferenceMode inference;
    const torch::Tensor ids = torch::from_blob(const_cast<int64_t *>(enc.ids.data()),
                                               {enc.batch, enc.length}, torch::kLong);
    const torch::Tensor mask = torch::from_blob(const_cast<int64_t *>(enc.attentionMask.data()),
                                                {enc.batch, enc.length}, torch::kLong);
    try {
        DistilBertForSequenceClassificationImpl &model = *m_impl->model;
        const torch::Tensor cls = model.distilbert->forward(ids, mask, true).select(1, 0);
        const torch::Tensor logits = model.head(cls);
        const torch::Tensor vectors = cls.contiguous();
        r.vectors.assign(vectors.data_ptr<float>(), vectors.data_ptr<float>() + vectors.numel());
        const torch::Tensor labels = logits.argmax(1).contiguous();
        r.labels.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
    } catch (const c10::Error &e) {
        throw Error(std::string("representing the sentences failed: ") +
                    e.what_without_backtrace());
    }
    return r;
}

void Classifier::save(const std::string &dir) const
{
    saveClassifierFolder(dir, *m_impl->model, m_impl->vocabPath);
}

const DistilBertConfig &Classifier::config() const
{
    return m_impl->model->config();
}
const std::string &Classifier::loadSummary() const
{
    return m_impl->summary;
}

bool Classifier::headWasInitialisedFresh() const
{
    for (const auto &name : m_impl->report.missing) {
        if (name.rfind("classifier.", 0) == 0 || name.rfind("pre_classifier.", 0) == 0)
            return true;
    }
    return false;
}

} // namespace sentilab
