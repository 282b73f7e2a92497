#pragma once
// Torch-free facade over our DistilBertForSequenceClassification, for ui/ and app/.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sentilab/distilbertconfig.h>
#include <sentilab/explanation.h>

namespace sentilab {

struct ForwardOutput
{
    int64_t batch = 0, length = 0, dim = 0, numLabels = 0;
    std::vector<float> lastHiddenState; // row-major [batch][length][dim], padded positions included
    std::vector<float> logits;          // row-major [batch][numLabels]
};

struct Prediction
{
    int64_t label = 0;                // argmax class id
    std::string labelName;            // from config.json id2label
    std::vector<float> probabilities; // softmax over the classes
    std::vector<std::string> tokens;  // WordPiece tokens, [CLS]/[SEP] included
    // Tokens of the whole text ([CLS]/[SEP] included) before truncation to the model's
    // max_position_embeddings: larger than tokens.size() when the text was cut.
    int64_t inputTokens = 0;
};

// A loaded model. Loading is slow (reads the checkpoint); forward/predict are safe to call from one
// thread at a time (use one Classifier per thread for parallel inference). Errors throw
// sentilab::Error with a message naming the file or input at fault.
class Classifier
{
public:
    // Loads a Hugging Face folder: config.json, model.safetensors or pytorch_model.bin, and (for
    // predict) vocab.txt. A masked-LM checkpoint gets a freshly initialised head (see
    // loadReport()).
    static Classifier load(const std::string &modelDir);

    Classifier(Classifier &&) noexcept;
    Classifier &operator=(Classifier &&) noexcept;
    ~Classifier();

    // Eval-mode forward pass. `inputIds` and `attentionMask` are [batch][length] with equal row
    // lengths; an empty mask means "all tokens".
    ForwardOutput forward(const std::vector<std::vector<int64_t>> &inputIds,
                          const std::vector<std::vector<int64_t>> &attentionMask = {}) const;
    // Tokenises (max_position_embeddings tokens at most) and classifies each text.
    std::vector<Prediction> predict(const std::vector<std::string> &texts) const;
    // Why the model classifies `text` as it does (see explanation.h); tokenises as predict().
    // Returns nothing when options.cancelled() said stop. Needs vocab.txt like predict().
    std::optional<Explanation> explain(const std::string &text,
                                       const ExplainOptions &options = {}) const;
    // explain() for token ids ([CLS] ... [SEP], at most max_position_embeddings); tokens are
    // named from vocab.txt when there is one, else "#id", and each non-special token is a word.
    std::optional<Explanation> explainIds(const std::vector<int64_t> &ids,
                                          const ExplainOptions &options = {}) const;

    // The [CLS] vector each text leaves the encoder with (what the classifier head reads),
    // row-major [texts][dim], and the predicted class of each; tokenised as predict().
    struct Representations
    {
        int64_t dim = 0;
        std::vector<float> vectors;
        std::vector<int64_t> labels;
    };
    Representations represent(const std::vector<std::string> &texts) const;

    // Writes a Hugging Face folder (config.json, model.safetensors, vocab.txt,
    // tokenizer_config.json).
    void save(const std::string &dir) const;

    const DistilBertConfig &config() const;
    const std::string &loadSummary() const; // what was loaded, newly initialised, ignored
    bool headWasInitialisedFresh() const;   // true when the checkpoint had no classifier head

private:
    struct Impl;
    explicit Classifier(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace sentilab
