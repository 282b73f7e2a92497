#pragma once
// Why a classifier decides: token attributions (Integrated Gradients, gradient × input,
// leave-one-word-out occlusion), per-head attention and attention rollout for one sentence.
// Computed by Classifier::explain (classifier.h); plain data here, no torch.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace sentilab {

enum class AttributionMethod {
    IntegratedGradients, // "ig"
    GradientTimesInput,  // "grad-input"
    Occlusion,           // "occlusion"
};
// The CLI and JSON name of a method, and back; parse throws sentilab::Error naming the choices.
std::string attributionMethodName(AttributionMethod method);
AttributionMethod parseAttributionMethod(const std::string &name);

struct ExplainOptions
{
    AttributionMethod method = AttributionMethod::IntegratedGradients;
    int steps = 32;           // Integrated Gradients: interpolation points (1..1024)
    int batchSize = 32;       // Integrated Gradients: points per forward/backward pass
    bool attention = true;    // compute per-head attention and rollout
    bool attributions = true; // compute the method's scores (false: verdict and attention only,
                              // tokenScores and wordScores left empty)
    // Polled between passes; returning true abandons the work (explain returns no result).
    std::function<bool()> cancelled;
};

// Every attribution explains the same number, the predicted class c's log-odds
//     F(x) = z_c - log(sum_{j != c} exp z_j)        (z = logits; with two classes z_c - z_other)
// which, unlike a probability, does not saturate for confident predictions. A positive score
// pushed the model towards its verdict, a negative one away from it.
struct Explanation
{
    std::vector<std::string> tokens; // WordPiece tokens, [CLS]/[SEP] included
    std::vector<int> wordOf;         // per token: index into `words`, -1 for [CLS]/[SEP]
    std::vector<std::string> words;  // the words the tokens form ("##" pieces joined)
    int64_t inputTokens = 0;         // tokens before truncation (> tokens.size() when cut)

    int64_t label = 0; // predicted class id
    std::string labelName;
    std::vector<float> probabilities;

    AttributionMethod method = AttributionMethod::IntegratedGradients;
    int steps = 0; // Integrated Gradients' interpolation points; 0 for the other methods
    // Integrated Gradients and gradient × input: one score per token ([CLS]/[SEP] included),
    // summed over the embedding dimensions. Occlusion: each token carries its word's score and
    // [CLS]/[SEP] carry 0.
    std::vector<float> tokenScores;
    // Per word: the sum of its tokens' scores; occlusion: F(x) - F(x without the word).
    std::vector<float> wordScores;
    double target = 0; // F(x)
    // Integrated Gradients only (NaN otherwise): F at the baseline (every token but [CLS] and
    // [SEP] replaced by the [PAD] embedding) and the completeness residual
    // sum(tokenScores) - (F(x) - F(baseline)), which shrinks as `steps` grows.
    double baselineTarget = 0;
    double residual = 0;

    // Attention (empty when not asked for): probabilities [layers][heads][query][key] over the
    // tokens, and the rollout (Abnar & Zuidema 2020) of [CLS] over the tokens: the product over
    // layers of (head-mean attention + identity) / 2, row 0.
    int64_t layers = 0, heads = 0;
    std::vector<float> attention;
    std::vector<float> rollout;

    double milliseconds = 0; // wall time of the whole explanation

    int64_t length() const { return int64_t(tokens.size()); }
    float attentionAt(int64_t layer, int64_t head, int64_t query, int64_t key) const
    {
        const int64_t n = length();
        return attention[size_t(((layer * heads + head) * n + query) * n + key)];
    }
};

// The explanation as JSON: every field above, snake_case; the attention only when
// `withAttention` (it has layers × heads × length² numbers).
nlohmann::json toJson(const Explanation &explanation, bool withAttention);

} // namespace sentilab
