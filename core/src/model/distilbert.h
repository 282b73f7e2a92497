#pragma once
// DistilBERT in LibTorch with Hugging Face's module tree, so that named_parameters() are exactly
// the keys of a Hugging Face DistilBertForSequenceClassification state dict.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include <sentilab/distilbertconfig.h>

#include "fastdropout.h"
#include "multiheadattention.h"
#include "packedlinear.h"

namespace sentilab {

// Hugging Face hard-codes this epsilon for every DistilBERT LayerNorm (it is not in config.json).
inline constexpr double kDistilBertLayerNormEps = 1e-12;

class EmbeddingsImpl : public torch::nn::Module
{
public:
    explicit EmbeddingsImpl(const DistilBertConfig &config);
    // inputIds [B, L] int64 -> [B, L, dim]; positions are 0..L-1 for every row.
    torch::Tensor forward(const torch::Tensor &inputIds);
    // forward() from word embeddings [B, L, dim] already looked up (or interpolated, as
    // Integrated Gradients does): adds the positions, then LayerNorm and dropout.
    torch::Tensor fromWordEmbeddings(const torch::Tensor &wordEmbeddings);

    torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr};
    torch::nn::LayerNorm LayerNorm{nullptr};
    FastDropout dropout{nullptr};
};
TORCH_MODULE(Embeddings);

class FfnImpl : public torch::nn::Module
{
public:
    explicit FfnImpl(const DistilBertConfig &config);
    torch::Tensor forward(const torch::Tensor &x);

    void setPackedInference(bool enabled); // see packedlinear.h

    torch::nn::Linear lin1{nullptr}, lin2{nullptr};
    FastDropout dropout{nullptr};

private:
    bool m_gelu = true;
    PackedLinearCache m_packed1, m_packed2;
};
TORCH_MODULE(Ffn);

// Post-LN block: sa_layer_norm(attn(x) + x), then output_layer_norm(ffn(h) + h).
class TransformerBlockImpl : public torch::nn::Module
{
public:
    explicit TransformerBlockImpl(const DistilBertConfig &config);
    // keyPaddingMask: bool [B, L], true = padding. When `weights` is given it receives the
    // attention probabilities [B, H, L, L]. firstOnly: compute only position 0's output
    // ([B, 1, dim]); the other positions still serve as keys and values.
    torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &keyPaddingMask,
                          torch::Tensor *weights = nullptr, bool firstOnly = false);

    MultiHeadSelfAttention attention{nullptr};
    torch::nn::LayerNorm sa_layer_norm{nullptr}, output_layer_norm{nullptr};
    Ffn ffn{nullptr};
};
TORCH_MODULE(TransformerBlock);

// HF's `Transformer`: the stack of blocks, named transformer.layer.N.*.
class TransformerImpl : public torch::nn::Module
{
public:
    explicit TransformerImpl(const DistilBertConfig &config);
    // firstOnlyInLastLayer: the last block computes only position 0 (see TransformerBlock).
    // weights: when given, receives each layer's attention probabilities [B, H, L(q), L].
    torch::Tensor forward(torch::Tensor x, const torch::Tensor &keyPaddingMask,
                          bool firstOnlyInLastLayer = false,
                          std::vector<torch::Tensor> *weights = nullptr);

    torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(Transformer);

class DistilBertModelImpl : public torch::nn::Module
{
public:
    explicit DistilBertModelImpl(const DistilBertConfig &config);
    // inputIds [B, L] int64, attentionMask [B, L] (1 = token, 0 = padding; undefined = all tokens)
    // -> last hidden state [B, L, dim]. Throws sentilab::Error when L exceeds the positions.
    // firstOnlyInLastLayer: return only [CLS]'s last hidden state [B, 1, dim], skipping the last
    // layer's work for the other positions (their outputs feed nothing a classifier reads).
    torch::Tensor forward(const torch::Tensor &inputIds, const torch::Tensor &attentionMask = {},
                          bool firstOnlyInLastLayer = false);
    // forward() from word embeddings [B, L, dim] (see Embeddings::fromWordEmbeddings); what the
    // explanations differentiate. weights: as Transformer::forward.
    torch::Tensor fromWordEmbeddings(const torch::Tensor &wordEmbeddings,
                                     const torch::Tensor &attentionMask,
                                     bool firstOnlyInLastLayer = false,
                                     std::vector<torch::Tensor> *weights = nullptr);

    Embeddings embeddings{nullptr};
    Transformer transformer{nullptr};

private:
    int64_t m_maxPositions = 0;
};
TORCH_MODULE(DistilBertModel);

struct ClassifierOutput
{
    torch::Tensor lastHiddenState; // [B, L, dim]
    torch::Tensor logits;          // [B, numLabels]
};

class DistilBertForSequenceClassificationImpl : public torch::nn::Module
{
public:
    explicit DistilBertForSequenceClassificationImpl(const DistilBertConfig &config);
    ClassifierOutput forward(const torch::Tensor &inputIds,
                             const torch::Tensor &attentionMask = {});
    // forward(...).logits without the last hidden state: equal results, with the last layer
    // computed for [CLS] only (~1/7 fewer FLOPs at SST-2 lengths). What training, evaluation and
    // prediction run.
    torch::Tensor logits(const torch::Tensor &inputIds, const torch::Tensor &attentionMask = {});
    // logits() from word embeddings [B, L, dim]; weights as Transformer::forward (every layer
    // then computes all positions, so that the last layer's weights are complete).
    torch::Tensor logitsFromWordEmbeddings(const torch::Tensor &wordEmbeddings,
                                           const torch::Tensor &attentionMask,
                                           std::vector<torch::Tensor> *weights = nullptr);

    // The classification head on [CLS]'s last hidden state [B, dim] -> logits [B, numLabels]:
    // pre_classifier, ReLU, dropout, classifier.
    torch::Tensor head(const torch::Tensor &pooled);

    // Hugging Face's _init_weights on every module: Linear/Embedding weights ~ N(0, range),
    // biases 0, padding row 0, LayerNorm 1/0. Uses torch's global generator (seed it first).
    void initWeights();
    // initWeights() restricted to the classification head (pre_classifier, classifier).
    void initHead();

    // Inference through weights packed once (packedlinear.h), for models that are
    // not trained afterwards: the packed copies (as large as the matrices, ~170 MB at full size)
    // are made at once (~160 ms at full size, single-threaded). Off by default; off frees them.
    void setPackedInference(bool enabled);
    bool packedInference() const { return m_packedInference; }

    const DistilBertConfig &config() const { return m_config; }

    DistilBertModel distilbert{nullptr};
    torch::nn::Linear pre_classifier{nullptr}, classifier{nullptr};
    FastDropout dropout{nullptr};

private:
    DistilBertConfig m_config;
    PackedLinearCache m_packedPre, m_packedClassifier;
    bool m_packedInference = false;
};
TORCH_MODULE(DistilBertForSequenceClassification);

} // namespace sentilab
