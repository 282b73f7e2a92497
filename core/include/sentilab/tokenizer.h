#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sentilab {

struct TokenizerOptions
{
    bool lowerCase = true;          // lower-case and strip accents (NFD, drop Mn) as BERT uncased
    int maxInputCharsPerWord = 100; // longer words (in code points) become [UNK], as Hugging Face
};

// Token ids of a batch, padded to the longest row; row-major [batch][length].
struct BatchEncoding
{
    int64_t batch = 0;
    int64_t length = 0;
    std::vector<int64_t> ids;           // padded with the [PAD] id
    std::vector<int64_t> attentionMask; // 1 = token, 0 = padding
};

// BERT uncased WordPiece tokenizer, equal to Hugging Face's BertTokenizer(Fast): cleaning, CJK
// spacing, lower-case, NFD accent stripping, punctuation split, greedy longest-match WordPiece.
// Immutable after construction; all const methods are safe to call from several threads.
// Text must be valid UTF-8: invalid input throws sentilab::Error naming the byte offset.
// Character data is Unicode 14.0 (as Python 3.11, which made the golden tokenizations); special
// token strings in the text, such as "[MASK]", are ordinary text here (Google's reference
// behaviour), whereas Hugging Face would keep them whole.
class Tokenizer
{
public:
    // Reads vocab.txt (one token per line, line index = id). Throws sentilab::Error naming the
    // file (and line) when it is missing, empty or lacks [PAD]/[UNK]/[CLS]/[SEP].
    static Tokenizer fromVocabFile(const std::string &path, TokenizerOptions options = {});

    Tokenizer(Tokenizer &&) noexcept;
    Tokenizer &operator=(Tokenizer &&) noexcept;
    ~Tokenizer();

    // WordPiece strings of `text`, without [CLS]/[SEP].
    std::vector<std::string> tokenize(std::string_view text) const;
    // [CLS] ids... [SEP]; when maxLength > 0 the word pieces are truncated so that the result has
    // at most maxLength ids. maxLength 1 or negative throws sentilab::Error.
    std::vector<int64_t> encode(std::string_view text, int maxLength = 0) const;
    // encode() for each text, padded to the longest row.
    BatchEncoding encodeBatch(const std::vector<std::string> &texts, int maxLength = 0) const;

    int64_t tokenToId(std::string_view token) const; // -1 when absent
    const std::string &idToToken(int64_t id) const;  // throws sentilab::Error when out of range
    int64_t vocabSize() const;
    int64_t padId() const;
    int64_t unkId() const;
    int64_t clsId() const;
    int64_t sepId() const;
    const std::string &vocabPath() const;

private:
    struct Impl;
    explicit Tokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace sentilab
