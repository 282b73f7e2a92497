// Classifier::explain: attributions, attention and rollout for one sentence (explanation.h).
#include <sentilab/explanation.h>

#include <chrono>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>
#include <torch/autograd.h>
#include <torch/utils.h>

#include <sentilab/classifier.h>
#include <sentilab/error.h>

#include "classifierimpl.h"
#include "explainmodel.h"

namespace sentilab {

namespace {

constexpr int kMaxSteps = 1024;

// F(x) per row of logits [B, C] for class c (see explanation.h).
torch::Tensor logOdds(const torch::Tensor &logits, int64_t c)
{
    const int64_t classes = logits.size(1);
    if (classes < 2)
        return logits.select(1, 0);
    const torch::Tensor others =
        torch::cat({logits.narrow(1, 0, c), logits.narrow(1, c + 1, classes - c - 1)}, 1);
    return logits.select(1, c) - torch::logsumexp(others, 1);
}

bool cancelled(const ExplainOptions &options)
{
    return options.cancelled && options.cancelled();
}

std::vector<float> toVector(const torch::Tensor &t)
{
    const torch::Tensor c = t.detach().to(torch::kFloat).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Words from tokens: the first and last token ([CLS], [SEP]) belong to none; with WordPiece
// names a "##" piece continues the word before it.
void groupWords(Explanation &e, bool wordPieces)
{
    const size_t n = e.tokens.size();
    e.wordOf.assign(n, -1);
    for (size_t t = 1; t + 1 < n; ++t) {
        const std::string &token = e.tokens[t];
        const bool continues =
            wordPieces && t > 1 && token.size() > 2 && token.compare(0, 2, "##") == 0;
        if (continues) {
            e.words.back() += token.substr(2);
        } else {
            e.words.push_back(token);
        }
        e.wordOf[t] = int(e.words.size()) - 1;
    }
}

torch::Tensor ones(int64_t rows, int64_t length)
{
    return torch::ones({rows, length}, torch::kLong);
}

// Integrated Gradients along the straight line from `baseline` to `input` ([1, L, D]), midpoint
// rule over options.steps points, options.batchSize points per pass. Empty when cancelled.
torch::Tensor integratedGradients(DistilBertForSequenceClassificationImpl &model,
                                  const torch::Tensor &input, const torch::Tensor &baseline,
                                  int64_t target, const ExplainOptions &options)
{
    const int64_t length = input.size(1);
    const torch::Tensor difference = input - baseline;
    torch::Tensor gradientSum = torch::zeros_like(input[0]);
    for (int start = 0; start < options.steps; start += options.batchSize) {
        if (cancelled(options))
            return {};
        const int count = std::min(options.batchSize, options.steps - start);
        const torch::Tensor alphas = (torch::arange(count, torch::kFloat) + (start + 0.5))
                                         .div_(options.steps)
                                         .view({count, 1, 1});
        const torch::Tensor points = (baseline + alphas * difference).requires_grad_(true);
        const torch::Tensor f =
            logOdds(model.logitsFromWordEmbeddings(points, ones(count, length)), target).sum();
        gradientSum += torch::autograd::grad({f}, {points})[0].sum(0);
    }
    return (difference[0] * gradientSum / double(options.steps)).sum(-1);
}

torch::Tensor gradientTimesInput(DistilBertForSequenceClassificationImpl &model,
                                 const torch::Tensor &input, int64_t target)
{
    const torch::Tensor x = input.clone().requires_grad_(true);
    const torch::Tensor f =
        logOdds(model.logitsFromWordEmbeddings(x, ones(1, x.size(1))), target).sum();
    return (x * torch::autograd::grad({f}, {x})[0]).sum(-1)[0];
}

// F(x) - F(x without word w) for every word, 32 shortened sentences per pass. Empty when
// cancelled.
std::vector<float> occlusion(DistilBertForSequenceClassificationImpl &model,
                             const std::vector<int64_t> &ids, const Explanation &e, int64_t padId)
{
    const int64_t words = int64_t(e.words.size());
    const int64_t length = int64_t(ids.size());
    std::vector<float> scores;
    scores.reserve(size_t(words));
    constexpr int64_t kBatch = 32;
    for (int64_t first = 0; first < words; first += kBatch) {
        const int64_t count = std::min(kBatch, words - first);
        torch::Tensor batch = torch::full({count, length}, padId, torch::kLong);
        torch::Tensor mask = torch::zeros({count, length}, torch::kLong);
        auto idsAcc = batch.accessor<int64_t, 2>();
        auto maskAcc = mask.accessor<int64_t, 2>();
        for (int64_t row = 0; row < count; ++row) {
            int64_t out = 0;
            for (int64_t t = 0; t < length; ++t) {
                if (e.wordOf[size_t(t)] == int(first + row))
                    continue;
                idsAcc[row][out] = ids[size_t(t)];
                maskAcc[row][out++] = 1;
            }
        }
        torch::InferenceMode inference;
        const torch::Tensor f = logOdds(model.logits(batch, mask), e.label);
        for (int64_t row = 0; row < count; ++row)
            scores.push_back(float(e.target - f[row].item<double>()));
    }
    return scores;
}

// Attention rollout of position 0 from per-layer weights [1, H, L, L].
torch::Tensor rollout(const std::vector<torch::Tensor> &weights, int64_t length)
{
    const torch::Tensor identity = torch::eye(length, torch::kFloat);
    torch::Tensor product = identity;
    for (const torch::Tensor &w : weights) {
        torch::Tensor a = 0.5 * w[0].mean(0) + 0.5 * identity;
        a = a / a.sum(-1, true);
        product = torch::matmul(a, product);
    }
    return product[0];
}

// Fills e's scores with options.method; false when cancelled.
bool attribute(DistilBertForSequenceClassificationImpl &model, const std::vector<int64_t> &ids,
               const torch::Tensor &input, Explanation &e, const ExplainOptions &options)
{
    const int64_t length = int64_t(ids.size());
    if (options.method == AttributionMethod::Occlusion) {
        e.wordScores = occlusion(model, ids, e, model.config().padTokenId);
        if (cancelled(options))
            return false;
        e.tokenScores.assign(size_t(length), 0.0f);
        for (int64_t t = 0; t < length; ++t) {
            if (e.wordOf[size_t(t)] >= 0)
                e.tokenScores[size_t(t)] = e.wordScores[size_t(e.wordOf[size_t(t)])];
        }
    } else {
        torch::Tensor scores;
        if (options.method == AttributionMethod::IntegratedGradients) {
            // Baseline: [PAD]'s embedding everywhere except [CLS] and [SEP].
            torch::Tensor baseline = input.clone();
            if (length > 2)
                baseline[0]
                    .narrow(0, 1, length - 2)
                    .copy_(model.distilbert->embeddings->word_embeddings
                               ->weight[model.config().padTokenId]
                               .detach());
            scores = integratedGradients(model, input, baseline, e.label, options);
            if (!scores.defined())
                return false;
            e.steps = options.steps;
            torch::NoGradGuard noGrad;
            e.baselineTarget =
                logOdds(model.logitsFromWordEmbeddings(baseline, ones(1, length)), e.label)
                    .item<double>();
            e.residual = scores.sum().item<double>() - (e.target - e.baselineTarget);
        } else {
            scores = gradientTimesInput(model, input, e.label);
        }
        e.tokenScores = toVector(scores);
        e.wordScores.assign(e.words.size(), 0.0f);
        for (int64_t t = 0; t < length; ++t) {
            if (e.wordOf[size_t(t)] >= 0)
                e.wordScores[size_t(e.wordOf[size_t(t)])] += e.tokenScores[size_t(t)];
        }
    }
    return true;
}

nlohmann::json numberOrNull(double value)
{
    return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

} // namespace

std::optional<Explanation> explainWithModel(DistilBertForSequenceClassificationImpl &model,
                                            const std::vector<int64_t> &ids, Explanation e,
                                            bool wordPieces, const ExplainOptions &options)
{
    const auto started = std::chrono::steady_clock::now();
    if (options.steps < 1 || options.steps > kMaxSteps)
        throw Error("explain: steps must be between 1 and " + std::to_string(kMaxSteps) + ", not " +
                    std::to_string(options.steps));
    if (options.batchSize < 1)
        throw Error("explain: the batch size must be at least 1");
    const int64_t length = int64_t(ids.size());
    groupWords(e, wordPieces);

    torch::AutoGradMode gradients(true);
    const torch::Tensor idTensor =
        torch::from_blob(const_cast<int64_t *>(ids.data()), {1, length}, torch::kLong).clone();
    torch::Tensor input;
    std::vector<torch::Tensor> weights;
    torch::Tensor logits;
    {
        torch::NoGradGuard noGrad;
        input = model.distilbert->embeddings->word_embeddings(idTensor);
        logits = model.logitsFromWordEmbeddings(input, ones(1, length),
                                                options.attention ? &weights : nullptr);
    }
    const torch::Tensor probabilities = torch::softmax(logits, -1)[0];
    e.probabilities = toVector(probabilities);
    e.label = probabilities.argmax().item<int64_t>();
    const auto &labels = model.config().labels;
    e.labelName = e.label < int64_t(labels.size()) ? labels[size_t(e.label)]
                                                   : "LABEL_" + std::to_string(e.label);
    e.target = logOdds(logits, e.label).item<double>();
    if (options.attention) {
        e.layers = int64_t(weights.size());
        e.heads = weights.front().size(1);
        e.attention = toVector(torch::cat(weights, 0));
        e.rollout = toVector(rollout(weights, length));
    }
    if (cancelled(options))
        return std::nullopt;

    e.method = options.method;
    e.baselineTarget = e.residual = std::numeric_limits<double>::quiet_NaN();
    if (options.attributions && !attribute(model, ids, input, e, options))
        return std::nullopt;
    e.milliseconds =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    return e;
}

std::string attributionMethodName(AttributionMethod method)
{
    switch (method) {
    case AttributionMethod::IntegratedGradients:
        return "ig";
    case AttributionMethod::GradientTimesInput:
        return "grad-input";
    case AttributionMethod::Occlusion:
        return "occlusion";
    }
    return "ig";
}

AttributionMethod parseAttributionMethod(const std::string &name)
{
    for (AttributionMethod m :
         {AttributionMethod::IntegratedGradients, AttributionMethod::GradientTimesInput,
          AttributionMethod::Occlusion})
        if (attributionMethodName(m) == name)
            return m;
    throw Error("unknown attribution method '" + name.substr(0, 40) +
                "': choose ig, grad-input or occlusion");
}

std::optional<Explanation> Classifier::explainIds(const std::vector<int64_t> &ids,
                                                  const ExplainOptions &options) const
{
    const DistilBertConfig &config = m_impl->model->config();
    if (ids.size() < 2)
        throw Error("explain: give at least [CLS] and [SEP] (" + std::to_string(ids.size()) +
                    " ids given)");
    if (int64_t(ids.size()) > config.maxPositionEmbeddings)
        throw Error("explain: " + std::to_string(ids.size()) + " ids; this model takes at most " +
                    std::to_string(config.maxPositionEmbeddings) + " (max_position_embeddings)");
    Explanation e;
    for (size_t t = 0; t < ids.size(); ++t) {
        if (ids[t] < 0 || ids[t] >= config.vocabSize)
            throw Error("explain: id " + std::to_string(ids[t]) + " at position " +
                        std::to_string(t) + " is outside the vocabulary (0.." +
                        std::to_string(config.vocabSize - 1) + ")");
        e.tokens.push_back(m_impl->tokenizer ? m_impl->tokenizer->idToToken(ids[t])
                                             : "#" + std::to_string(ids[t]));
    }
    e.inputTokens = int64_t(ids.size());
    try {
        return explainWithModel(*m_impl->model, ids, std::move(e), m_impl->tokenizer.has_value(),
                                options);
    } catch (const c10::Error &err) {
        throw Error(std::string("explain failed: ") + err.what_without_backtrace());
    }
}

std::optional<Explanation> Classifier::explain(const std::string &text,
                                               const ExplainOptions &options) const
{
    if (!m_impl->tokenizer)
        throw Error(m_impl->dir + ": no vocab.txt beside the model; explanations need the "
                                  "tokenizer's vocabulary");
    const int maxLength = int(m_impl->model->config().maxPositionEmbeddings);
    const std::vector<int64_t> ids = m_impl->tokenizer->encode(text, maxLength);
    std::optional<Explanation> e = explainIds(ids, options);
    if (e && int64_t(ids.size()) >= maxLength)
        e->inputTokens = int64_t(m_impl->tokenizer->encode(text).size());
    return e;
}

nlohmann::json toJson(const Explanation &e, bool withAttention)
{
    nlohmann::json j = {
        {"tokens", e.tokens},
        {"word_of", e.wordOf},
        {"words", e.words},
        {"input_tokens", e.inputTokens},
        {"label", e.label},
        {"label_name", e.labelName},
        {"probabilities", e.probabilities},
        {"method", attributionMethodName(e.method)},
        {"steps", e.steps},
        {"target", e.target},
        {"baseline_target", numberOrNull(e.baselineTarget)},
        {"residual", numberOrNull(e.residual)},
        {"token_scores", e.tokenScores},
        {"word_scores", e.wordScores},
        {"layers", e.layers},
        {"heads", e.heads},
        {"rollout", e.rollout},
        {"milliseconds", e.milliseconds},
    };
    if (withAttention)
        j["attention"] = e.attention;
    return j;
}

} // namespace sentilab
