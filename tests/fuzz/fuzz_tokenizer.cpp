// libFuzzer target: the WordPiece tokenizer on arbitrary bytes (UTF-8 decoding, cleaning, CJK
// spacing, lower-casing, NFD accent stripping, punctuation split, greedy longest match).
// Input: byte 0 picks the options (bit 0: cased, bit 1: 8-character word limit instead of 100)
// and maxLength (bits 2-7: 0..63); the rest is the text. The vocabulary is distilbert's
// vocab.txt under $SENTILAB_SHARED_DIR, or a small built-in one when that is absent.
// A bug: a crash, a hang, an exception other than sentilab::Error, an ASan/UBSan report, or a
// broken contract: ids outside the vocabulary, encode() disagreeing with tokenize(), truncation
// that is not a prefix or that changes whether the text is rejected, a batch row unlike encode().
#include <sentilab/error.h>
#include <sentilab/tokenizer.h>

#include "fuzztempfile.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

// Enough for every code path: specials, whole words, "##" pieces, punctuation, an accented
// letter, a CJK ideograph and a non-ASCII punctuation mark.
const char kBuiltinVocab[] = "[PAD]\n[unused0]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"
                             "!\n\"\n#\n'\n(\n)\n,\n-\n.\n:\n?\n\xc2\xbf\n"
                             "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\nq\nr\ns\nt\nu\nv\nw"
                             "\nx\ny\nz\n\xc3\xa9\n\xe4\xb8\xad\n##a\n##b\n##c\n##d\n##e\n##s\n"
                             "##ing\n##ed\n##ly\nthe\nfilm\nis\nnot\ngood\nbad\nun\n##believ\n"
                             "##able\nfun\n##ny\ncafe\n\xce\xb1\n##\xce\xb2\nThe\nA\n";

std::vector<sentilab::Tokenizer> makeTokenizers()
{
    std::string vocab;
    if (const char *shared = std::getenv("SENTILAB_SHARED_DIR"); shared && *shared) {
        vocab = std::string(shared) + "/models/distilbert-base-uncased/vocab.txt";
        std::error_code ec;
        if (!std::filesystem::is_regular_file(vocab, ec))
            vocab.clear();
    }
    if (vocab.empty()) {
        vocab = sentilab::fuzz::writeTempFile("vocab.txt",
                                              reinterpret_cast<const uint8_t *>(kBuiltinVocab),
                                              sizeof kBuiltinVocab - 1);
    }
    std::vector<sentilab::Tokenizer> tokenizers;
    for (int variant = 0; variant < 4; ++variant) {
        sentilab::TokenizerOptions options;
        options.lowerCase = (variant & 1) == 0;
        options.maxInputCharsPerWord = (variant & 2) ? 8 : 100;
        tokenizers.push_back(sentilab::Tokenizer::fromVocabFile(vocab, options));
    }
    return tokenizers;
}

const std::vector<sentilab::Tokenizer> &tokenizers()
{
    static const std::vector<sentilab::Tokenizer> all = makeTokenizers();
    return all;
}

template <typename F> std::optional<decltype(std::declval<F>()())> attempt(F f)
{
    try {
        return f();
    } catch (const sentilab::Error &) {
        return std::nullopt;
    }
}

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    tokenizers(); // load the vocabulary once, outside the timed runs
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const sentilab::Tokenizer &tokenizer = tokenizers()[data[0] & 3];
    const int maxLength = data[0] >> 2;
    const std::string text(reinterpret_cast<const char *>(data + 1), size - 1);

    const auto pieces = attempt([&] { return tokenizer.tokenize(text); });
    const auto full = attempt([&] { return tokenizer.encode(text); });
    check(pieces.has_value() == full.has_value());
    if (full) {
        check(full->size() == pieces->size() + 2);
        check(full->front() == tokenizer.clsId() && full->back() == tokenizer.sepId());
        for (size_t i = 1; i + 1 < full->size(); ++i) {
            const int64_t id = (*full)[i];
            check(id >= 0 && id < tokenizer.vocabSize());
            check(tokenizer.idToToken(id) == (*pieces)[i - 1]);
        }
    }

    // maxLength 1 is documented to throw; every other value truncates to a prefix.
    const auto truncated = attempt([&] { return tokenizer.encode(text, maxLength); });
    if (maxLength == 1) {
        check(!truncated);
        return 0;
    }
    check(truncated.has_value() == full.has_value());
    if (truncated) {
        check(maxLength == 0 ? *truncated == *full
                             : truncated->size() == std::min<size_t>(full->size(), maxLength));
        for (size_t i = 0; i + 1 < truncated->size(); ++i)
            check((*truncated)[i] == (*full)[i]);
        check(truncated->back() == tokenizer.sepId());
    }

    // A batch of the text's lines: each row is encode() of its line, then padding.
    std::vector<std::string> lines;
    for (size_t start = 0; start <= text.size() && lines.size() < 16;) {
        const size_t end = std::min(text.find('\n', start), text.size());
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    const auto batch = attempt([&] { return tokenizer.encodeBatch(lines, maxLength); });
    bool allValid = true;
    for (size_t row = 0; row < lines.size(); ++row) {
        const auto ids = attempt([&] { return tokenizer.encode(lines[row], maxLength); });
        if (!ids) {
            allValid = false;
            continue;
        }
        if (!batch)
            continue;
        check(batch->batch == int64_t(lines.size()) && batch->length >= int64_t(ids->size()) &&
              batch->ids.size() == lines.size() * size_t(batch->length) &&
              batch->attentionMask.size() == batch->ids.size());
        const size_t at = row * size_t(batch->length);
        for (size_t i = 0; i < size_t(batch->length); ++i) {
            const bool token = i < ids->size();
            check(batch->ids[at + i] == (token ? (*ids)[i] : tokenizer.padId()));
            check(batch->attentionMask[at + i] == (token ? 1 : 0));
        }
    }
    check(batch.has_value() == allValid);
    return 0;
}
