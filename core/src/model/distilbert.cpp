#include "distilbert.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>
#include <torch/utils.h>

#include <sentilab/error.h>

namespace sentilab {

namespace {

torch::nn::LayerNorm makeLayerNorm(int64_t dim)
{
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(kDistilBertLayerNormEps));
}

void initModule(torch::nn::Module &module, double range, int64_t padTokenId)
{
    torch::NoGradGuard noGrad;
    if (auto *linear = module.as<torch::nn::Linear>()) {
        linear->weight.normal_(0.0, range);
        if (linear->bias.defined())
            linear->bias.zero_();
    } else if (auto *embedding = module.as<torch::nn::Embedding>()) {
        embedding->weight.normal_(0.0, range);
        if (embedding->options.padding_idx())
            embedding->weight[*embedding->options.padding_idx()].zero_();
    } else if (auto *norm = module.as<torch::nn::LayerNorm>()) {
        norm->weight.fill_(1.0);
        norm->bias.zero_();
    }
}

} // namespace

EmbeddingsImpl::EmbeddingsImpl(const DistilBertConfig &config)
{
    word_embeddings = register_module(
        "word_embeddings",
        torch::nn::Embedding(torch::nn::EmbeddingOptions(config.vocabSize, config.dim)
                                 .padding_idx(config.padTokenId)));
    position_embeddings =
        register_module("position_embeddings", torch::nn::Embedding(torch::nn::EmbeddingOptions(
                                                   config.maxPositionEmbeddings, config.dim)));
    LayerNorm = register_module("LayerNorm", makeLayerNorm(config.dim));
    dropout = register_module("dropout", FastDropout(config.dropout));
}

torch::Tensor EmbeddingsImpl::forward(const torch::Tensor &inputIds)
{
    const int64_t length = inputIds.size(1);
    const torch::Tensor positions = torch::arange(length, inputIds.options().dtype(torch::kLong));
    // [B, L, E] + [L, E] broadcasts the positions over the batch.
    torch::Tensor x = word_embeddings(inputIds) + position_embeddings(positions);
    return dropout(LayerNorm(x));
}

torch::Tensor EmbeddingsImpl::fromWordEmbeddings(const torch::Tensor &wordEmbeddings)
{
    const int64_t length = wordEmbeddings.size(1);
    const torch::Tensor positions =
        torch::arange(length, wordEmbeddings.options().dtype(torch::kLong));
    return dropout(LayerNorm(wordEmbeddings + position_embeddings(positions)));
}

FfnImpl::FfnImpl(const DistilBertConfig &config) : m_gelu(config.activation == "gelu")
{
    lin1 = register_module("lin1", torch::nn::Linear(config.dim, config.hiddenDim));
    lin2 = register_module("lin2", torch::nn::Linear(config.hiddenDim, config.dim));
    dropout = register_module("dropout", FastDropout(config.dropout));
}

torch::Tensor FfnImpl::forward(const torch::Tensor &x)
{
    torch::Tensor h = m_packed1.forward(*lin1, x);
    h = m_gelu ? torch::gelu(h) : torch::relu(h); // torch::gelu defaults to the exact erf form
    return dropout(m_packed2.forward(*lin2, h));
}

void FfnImpl::setPackedInference(bool enabled)
{
    m_packed1.setEnabled(enabled, *lin1);
    m_packed2.setEnabled(enabled, *lin2);
}

TransformerBlockImpl::TransformerBlockImpl(const DistilBertConfig &config)
{
    MultiHeadSelfAttentionOptions options;
    options.embedDim = config.dim;
    options.numHeads = config.nHeads;
    options.bias = true;
    options.dropout = config.attentionDropout;
    attention = register_module("attention", MultiHeadSelfAttention(options));
    sa_layer_norm = register_module("sa_layer_norm", makeLayerNorm(config.dim));
    ffn = register_module("ffn", Ffn(config));
    output_layer_norm = register_module("output_layer_norm", makeLayerNorm(config.dim));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor &x,
                                            const torch::Tensor &keyPaddingMask,
                                            torch::Tensor *weights, bool firstOnly)
{
    AttentionOutput attn = attention->forward(x, keyPaddingMask, {}, weights != nullptr, firstOnly);
    if (weights)
        *weights = attn.weights;
    const torch::Tensor h = sa_layer_norm(attn.output + (firstOnly ? x.narrow(1, 0, 1) : x));
    return output_layer_norm(ffn(h) + h);
}

TransformerImpl::TransformerImpl(const DistilBertConfig &config)
{
    layer = register_module("layer", torch::nn::ModuleList());
    for (int64_t i = 0; i < config.nLayers; ++i)
        layer->push_back(TransformerBlock(config));
}

torch::Tensor TransformerImpl::forward(torch::Tensor x, const torch::Tensor &keyPaddingMask,
                                       bool firstOnlyInLastLayer,
                                       std::vector<torch::Tensor> *weights)
{
    if (weights)
        weights->assign(layer->size(), torch::Tensor());
    for (size_t i = 0; i < layer->size(); ++i)
        x = layer[i]->as<TransformerBlockImpl>()->forward(
            x, keyPaddingMask, weights ? &(*weights)[i] : nullptr,
            firstOnlyInLastLayer && i + 1 == layer->size());
    return x;
}

DistilBertModelImpl::DistilBertModelImpl(const DistilBertConfig &config)
    : m_maxPositions(config.maxPositionEmbeddings)
{
    embeddings = register_module("embeddings", Embeddings(config));
    transformer = register_module("transformer", Transformer(config));
}

torch::Tensor DistilBertModelImpl::forward(const torch::Tensor &inputIds,
                                           const torch::Tensor &attentionMask,
                                           bool firstOnlyInLastLayer)
{
    if (inputIds.dim() != 2)
        throw Error("input_ids must be a [batch, length] matrix");
    if (inputIds.size(1) > m_maxPositions)
        throw Error("input of " + std::to_string(inputIds.size(1)) +
                    " tokens is longer than the "
                    "model's max_position_embeddings (" +
                    std::to_string(m_maxPositions) + ")");
    torch::Tensor keyPaddingMask;
    if (attentionMask.defined())
        keyPaddingMask = attentionMask.eq(0);
    return transformer(embeddings(inputIds), keyPaddingMask, firstOnlyInLastLayer);
}

torch::Tensor DistilBertModelImpl::fromWordEmbeddings(const torch::Tensor &wordEmbeddings,
                                                      const torch::Tensor &attentionMask,
                                                      bool firstOnlyInLastLayer,
                                                      std::vector<torch::Tensor> *weights)
{
    if (wordEmbeddings.dim() != 3)
        throw Error("word embeddings must be a [batch, length, dim] tensor");
    if (wordEmbeddings.size(1) > m_maxPositions)
        throw Error("input of " + std::to_string(wordEmbeddings.size(1)) +
                    " tokens is longer than the model's max_position_embeddings (" +
                    std::to_string(m_maxPositions) + ")");
    torch::Tensor keyPaddingMask;
    if (attentionMask.defined())
        keyPaddingMask = attentionMask.eq(0);
    return transformer->forward(embeddings->fromWordEmbeddings(wordEmbeddings), keyPaddingMask,
                                firstOnlyInLastLayer, weights);
}

DistilBertForSequenceClassificationImpl::DistilBertForSequenceClassificationImpl(
    const DistilBertConfig &config)
    : m_config(config)
{
    distilbert = register_module("distilbert", DistilBertModel(config));
    pre_classifier = register_module("pre_classifier", torch::nn::Linear(config.dim, config.dim));
    classifier = register_module("classifier", torch::nn::Linear(config.dim, config.numLabels()));
    dropout = register_module("dropout", FastDropout(config.seqClassifDropout));
}

ClassifierOutput
DistilBertForSequenceClassificationImpl::forward(const torch::Tensor &inputIds,
                                                 const torch::Tensor &attentionMask)
{
    ClassifierOutput out;
    out.lastHiddenState = distilbert(inputIds, attentionMask);
    out.logits = head(out.lastHiddenState.select(1, 0)); // [CLS]
    return out;
}

torch::Tensor DistilBertForSequenceClassificationImpl::logits(const torch::Tensor &inputIds,
                                                              const torch::Tensor &attentionMask)
{
    return head(distilbert->forward(inputIds, attentionMask, true).select(1, 0));
}

torch::Tensor DistilBertForSequenceClassificationImpl::logitsFromWordEmbeddings(
    const torch::Tensor &wordEmbeddings, const torch::Tensor &attentionMask,
    std::vector<torch::Tensor> *weights)
{
    return head(
        distilbert->fromWordEmbeddings(wordEmbeddings, attentionMask, weights == nullptr, weights)
            .select(1, 0));
}

torch::Tensor DistilBertForSequenceClassificationImpl::head(const torch::Tensor &pooled)
{
    const torch::Tensor hidden = torch::relu(m_packedPre.forward(*pre_classifier, pooled));
    return m_packedClassifier.forward(*classifier, dropout(hidden));
}

void DistilBertForSequenceClassificationImpl::setPackedInference(bool enabled)
{
    for (const auto &block : *distilbert->transformer->layer) {
        auto *b = block->as<TransformerBlockImpl>();
        b->attention->setPackedInference(enabled);
        b->ffn->setPackedInference(enabled);
    }
    m_packedPre.setEnabled(enabled, *pre_classifier);
    m_packedClassifier.setEnabled(enabled, *classifier);
    m_packedInference = enabled;
}

void DistilBertForSequenceClassificationImpl::initWeights()
{
    apply([this](torch::nn::Module &m) {
        initModule(m, m_config.initializerRange, m_config.padTokenId);
    });
}

void DistilBertForSequenceClassificationImpl::initHead()
{
    initModule(*pre_classifier, m_config.initializerRange, m_config.padTokenId);
    initModule(*classifier, m_config.initializerRange, m_config.padTokenId);
}

} // namespace sentilab
