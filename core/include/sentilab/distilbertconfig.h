#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sentilab {

// Hugging Face DistilBertConfig (config.json). Field defaults are distilbert-base-uncased's.
struct DistilBertConfig
{
    int64_t vocabSize = 30522;           // vocab_size
    int64_t maxPositionEmbeddings = 512; // max_position_embeddings: longest input in tokens
    int64_t dim = 768;                   // dim: model width
    int64_t nLayers = 6;                 // n_layers
    int64_t nHeads = 12;                 // n_heads; dim must be divisible by it
    int64_t hiddenDim = 3072;            // hidden_dim: FFN inner width
    double dropout = 0.1;                // dropout: embeddings, FFN output (0 disables)
    double attentionDropout = 0.1;       // attention_dropout: on attention probabilities
    double seqClassifDropout = 0.2;      // seq_classif_dropout: before the classifier layer
    double initializerRange = 0.02;      // initializer_range: std of N(0, s) initialisation
    std::string activation = "gelu";     // activation: "gelu" (exact erf) or "relu"
    int64_t padTokenId = 0;              // pad_token_id: zero row of the word embeddings
    bool sinusoidalPosEmbds = false;     // sinusoidal_pos_embds: only false is supported
    std::vector<std::string> labels = {"negative", "positive"}; // id2label, index = class id
    nlohmann::json extra = nlohmann::json::object(); // every other key, kept verbatim for saving

    int64_t numLabels() const { return int64_t(labels.size()); }

    // Parses a Hugging Face config.json. Throws sentilab::Error naming the file and key when a
    // known key has the wrong type or an invalid value (e.g. dim not divisible by n_heads).
    static DistilBertConfig fromFile(const std::string &path);
    static DistilBertConfig fromJson(const nlohmann::json &json, const std::string &where);
    // config.json for DistilBertForSequenceClassification, loadable by Python transformers.
    nlohmann::json toJson() const;
};

} // namespace sentilab
