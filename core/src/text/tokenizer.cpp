#include <sentilab/tokenizer.h>

#include "unicodetext.h"

#include <sentilab/error.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

namespace sentilab {
namespace {

uint64_t hashBytes(const char *data, std::size_t size)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (size * 0xFF51AFD7ED558CCDull);
    while (size >= 8) {
        uint64_t chunk;
        std::memcpy(&chunk, data, 8);
        h = (h ^ chunk) * 0xC4CEB9FE1A85EC53ull;
        h ^= h >> 29;
        data += 8;
        size -= 8;
    }
    if (size > 0) {
        uint64_t chunk = 0;
        std::memcpy(&chunk, data, size);
        h = (h ^ chunk) * 0xC4CEB9FE1A85EC53ull;
    }
    h ^= h >> 32;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 29;
    return h;
}

// Open-addressing hash map from byte strings to token ids; it owns copies of its keys so that
// lookups need no allocation and compare against one contiguous arena.
class VocabTable
{
public:
    void build(const std::vector<std::pair<std::string_view, int32_t>> &entries)
    {
        std::size_t capacity = 16;
        while (capacity < entries.size() * 2)
            capacity *= 2;
        m_slots.assign(capacity, Slot());
        m_mask = capacity - 1;
        m_arena.clear();
        m_maxKeySize = 0;
        for (const auto &[key, id] : entries)
            insert(key, id);
    }

    // Id of `key`, -1 when absent.
    int32_t find(const char *data, std::size_t size) const
    {
        if (size > m_maxKeySize)
            return -1;
        const uint64_t h = hashBytes(data, size);
        const auto tag = static_cast<uint32_t>(h >> 32);
        for (std::size_t i = h & m_mask;; i = (i + 1) & m_mask) {
            const Slot &slot = m_slots[i];
            if (slot.id < 0)
                return -1;
            if (slot.tag == tag && slot.size == size &&
                std::memcmp(m_arena.data() + slot.offset, data, size) == 0) {
                return slot.id;
            }
        }
    }

    std::size_t maxKeySize() const { return m_maxKeySize; }

private:
    struct Slot
    {
        uint32_t tag = 0;
        int32_t id = -1; // -1 = empty
        uint32_t offset = 0;
        uint32_t size = 0;
    };

    // A repeated key takes the later id, as Python's dict in the reference tokenizers.
    void insert(std::string_view key, int32_t id)
    {
        const uint64_t h = hashBytes(key.data(), key.size());
        const auto tag = static_cast<uint32_t>(h >> 32);
        for (std::size_t i = h & m_mask;; i = (i + 1) & m_mask) {
            Slot &slot = m_slots[i];
            if (slot.id < 0) {
                slot = {tag, id, static_cast<uint32_t>(m_arena.size()),
                        static_cast<uint32_t>(key.size())};
                m_arena.append(key);
                m_maxKeySize = std::max(m_maxKeySize, key.size());
                return;
            }
            if (slot.tag == tag && slot.size == key.size() &&
                m_arena.compare(slot.offset, slot.size, key) == 0) {
                slot.id = id;
                return;
            }
        }
    }

    std::vector<Slot> m_slots;
    std::size_t m_mask = 0;
    std::string m_arena;
    std::size_t m_maxKeySize = 0;
};

enum class AsciiClass : uint8_t { WordCharacter, Separator, Punctuation, Removed };

struct Model
{
    TokenizerOptions options;
    std::size_t maxWordChars = 0;
    std::string vocabPath;
    std::vector<std::string> tokens;
    VocabTable wordStarts;    // tokens that begin a word
    VocabTable continuations; // "##x" tokens, keyed by "x"
    int32_t padId = -1;
    int32_t unkId = -1;
    int32_t clsId = -1;
    int32_t sepId = -1;
    std::array<AsciiClass, 128> asciiClass{};
    std::array<char, 128> asciiFolded{};
    std::array<int32_t, 128> asciiPunctuationId{};

    int32_t tokenToId(std::string_view token) const
    {
        if (token.size() > 2 && token.compare(0, 2, "##") == 0)
            return continuations.find(token.data() + 2, token.size() - 2);
        return wordStarts.find(token.data(), token.size());
    }
};

bool isContinuationByte(char c)
{
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// One tokenization pass: BasicTokenizer and WordPiece fused into a single scan that appends ids,
// reusing its word buffer across the texts it is given. Not thread-safe; make one per call.
class EncodePass
{
public:
    explicit EncodePass(const Model &model) : m(model) {}

    // Appends the word-piece ids of `text` to `out`, at most `maxIds` of them. After the last
    // one it only validates the UTF-8 of the rest, so truncation never hides invalid input.
    void run(std::string_view text, std::vector<int64_t> &out, std::size_t maxIds)
    {
        m_text = text;
        m_out = &out;
        m_remaining = maxIds;
        m_pendingCount = 0;
        clearWord();
        const std::size_t size = text.size();
        std::size_t pos = 0;
        while (pos < size && m_remaining > 0) {
            const auto byte = static_cast<unsigned char>(text[pos]);
            if (byte >= 0x80) {
                const std::size_t start = pos;
                const char32_t cp = unicode::decodeUtf8(text, pos);
                handleNonAscii(cp, start, pos);
                continue;
            }
            switch (m.asciiClass[byte]) {
            case AsciiClass::WordCharacter:
                if (m_pendingCount > 0)
                    flushPending();
                if (++m_wordChars <= m.maxWordChars)
                    m_word.push_back(m.asciiFolded[byte]);
                break;
            case AsciiClass::Separator:
                flushWord();
                break;
            case AsciiClass::Punctuation:
                flushWord();
                emit(m.asciiPunctuationId[byte]);
                break;
            case AsciiClass::Removed:
                break;
            }
            ++pos;
        }
        if (m_remaining > 0)
            flushWord();
        else
            unicode::validateUtf8(text, pos);
    }

private:
    struct Pending
    {
        char32_t cp;
        int combiningClass;
    };

    void clearWord()
    {
        m_word.clear();
        m_wordChars = 0;
        m_wordAscii = true;
    }

    void handleNonAscii(char32_t cp, std::size_t start, std::size_t end)
    {
        if (unicode::isRemovedByCleaning(cp))
            return;
        if (unicode::isWordSeparator(cp)) {
            flushWord();
        } else if (unicode::isCjkIdeograph(cp)) {
            flushWord();
            appendNormalized(cp);
            flushWord();
        } else {
            appendNormalized(cp);
        }
    }

    // Lower-case, NFD and drop Mn (when lower-casing), then split off punctuation. NFD orders
    // combining marks by combining class; only marks that survive the Mn removal are kept and
    // sorted (in m_pending) until the next starter.
    void appendNormalized(char32_t cp)
    {
        if (!m.options.lowerCase) {
            emitCharacter(cp);
            return;
        }
        // Per character, as Hugging Face's tokenizers do: Σ is always σ (Python's str.lower()
        // would give ς at the end of a word, which changes the ids).
        const char32_t lowered = unicode::toLower(cp);
        char32_t parts[unicode::kMaxDecomposition];
        const int count = unicode::decompose(lowered, parts);
        for (int i = 0; i < count; ++i) {
            const char32_t part = parts[i];
            const int combiningClass = unicode::combiningClass(part);
            if (combiningClass == 0) {
                if (m_pendingCount > 0)
                    flushPending();
                if (!unicode::isNonspacingMark(part))
                    emitCharacter(part);
            } else if (!unicode::isNonspacingMark(part)) {
                if (m_pendingCount == static_cast<int>(m_pending.size()))
                    flushPending();
                m_pending[m_pendingCount++] = {part, combiningClass};
            }
        }
    }

    void flushPending()
    {
        const int count = m_pendingCount;
        m_pendingCount = 0;
        std::stable_sort(
            m_pending.begin(), m_pending.begin() + count,
            [](const Pending &a, const Pending &b) { return a.combiningClass < b.combiningClass; });
        for (int i = 0; i < count; ++i)
            emitCharacter(m_pending[i].cp);
    }

    // A normalized character: punctuation is a word of its own, anything else extends the word.
    void emitCharacter(char32_t cp)
    {
        if (cp < 0x80 ? m.asciiClass[cp] == AsciiClass::Punctuation : unicode::isPunctuation(cp)) {
            flushWord();
            if (cp < 0x80) {
                emit(m.asciiPunctuationId[cp]);
            } else {
                char utf8[4];
                const int size = unicode::encodeUtf8(cp, utf8);
                const int32_t id = m.wordStarts.find(utf8, static_cast<std::size_t>(size));
                emit(id >= 0 ? id : m.unkId);
            }
            return;
        }
        if (++m_wordChars > m.maxWordChars)
            return; // the word becomes [UNK]; only its length matters from here on
        if (cp < 0x80) {
            m_word.push_back(static_cast<char>(cp));
        } else {
            m_wordAscii = false;
            unicode::appendUtf8(m_word, cp);
        }
    }

    void flushWord()
    {
        if (m_pendingCount > 0)
            flushPending();
        if (m_wordChars == 0)
            return;
        wordPiece();
        clearWord();
    }

    // Greedy longest-match-first WordPiece of m_word; a word with an unmatched rest is one [UNK].
    void wordPiece()
    {
        if (m_wordChars > m.maxWordChars) {
            emit(m.unkId);
            return;
        }
        const char *word = m_word.data();
        const std::size_t size = m_word.size();
        const int32_t wholeId = m.wordStarts.find(word, size);
        if (wholeId >= 0) {
            emit(wholeId);
            return;
        }
        const std::size_t outMark = m_out->size();
        const std::size_t remainingMark = m_remaining;
        std::size_t start = 0;
        while (start < size) {
            const VocabTable &table = start == 0 ? m.wordStarts : m.continuations;
            std::size_t end = std::min(size, start + table.maxKeySize());
            if (start == 0 && end == size)
                --end; // the whole word was tried above
            int32_t id = -1;
            while (end > start) {
                if (!m_wordAscii) {
                    while (end > start && end < size && isContinuationByte(word[end]))
                        --end;
                    if (end == start)
                        break;
                }
                id = table.find(word + start, end - start);
                if (id >= 0)
                    break;
                --end;
            }
            if (id < 0) {
                m_out->resize(outMark);
                m_remaining = remainingMark;
                emit(m.unkId);
                return;
            }
            // Pieces past a truncation limit are dropped by emit(), but the loop goes on: a
            // failure later in the word still turns the whole word into [UNK].
            emit(id);
            start = end;
        }
    }

    void emit(int32_t id)
    {
        if (m_remaining == 0)
            return;
        m_out->push_back(id);
        --m_remaining;
    }

    const Model &m;
    std::string_view m_text;
    std::vector<int64_t> *m_out = nullptr;
    std::size_t m_remaining = 0;
    std::string m_word; // normalized UTF-8 of the current word (up to maxWordChars characters)
    std::size_t m_wordChars = 0;
    bool m_wordAscii = true;
    std::array<Pending, 32> m_pending; // entries [0, m_pendingCount) are set
    int m_pendingCount = 0;
};

std::size_t pieceLimit(int maxLength)
{
    if (maxLength == 0)
        return std::numeric_limits<std::size_t>::max();
    if (maxLength < 2) {
        throw Error("Tokenizer: maxLength must be 0 (no truncation) or at least 2 (room for "
                    "[CLS] and [SEP]), got " +
                    std::to_string(maxLength));
    }
    return static_cast<std::size_t>(maxLength) - 2;
}

std::string readVocabFile(const std::string &path)
{
    std::error_code ec;
    const std::filesystem::path fsPath(path);
    if (!std::filesystem::exists(fsPath, ec)) {
        throw Error("vocabulary file not found: '" + path +
                    "' (expected a BERT vocab.txt with one token per line, such as "
                    "models/distilbert-base-uncased/vocab.txt)");
    }
    if (std::filesystem::is_directory(fsPath, ec))
        throw Error("vocabulary path '" + path + "' is a directory, not a vocab.txt file");
    std::ifstream in(fsPath, std::ios::binary);
    if (!in)
        throw Error("cannot open vocabulary file '" + path + "': " + std::strerror(errno));
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw Error("cannot read vocabulary file '" + path + "'");
    return content;
}

} // namespace

struct Tokenizer::Impl
{
    Model model;
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer &&) noexcept = default;
Tokenizer &Tokenizer::operator=(Tokenizer &&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::fromVocabFile(const std::string &path, TokenizerOptions options)
{
    if (options.maxInputCharsPerWord < 1) {
        throw Error("TokenizerOptions::maxInputCharsPerWord must be at least 1, got " +
                    std::to_string(options.maxInputCharsPerWord));
    }
    auto impl = std::make_unique<Impl>();
    Model &m = impl->model;
    m.options = options;
    m.maxWordChars = static_cast<std::size_t>(options.maxInputCharsPerWord);
    m.vocabPath = path;

    // One token per line, the line index is the id; "\r\n" line ends are accepted.
    const std::string content = readVocabFile(path);
    std::size_t lineStart = 0;
    while (lineStart < content.size()) {
        std::size_t lineEnd = content.find('\n', lineStart);
        const std::size_t next = lineEnd == std::string::npos ? content.size() : lineEnd + 1;
        if (lineEnd == std::string::npos)
            lineEnd = content.size();
        if (lineEnd > lineStart && content[lineEnd - 1] == '\r')
            --lineEnd;
        std::string token = content.substr(lineStart, lineEnd - lineStart);
        try {
            unicode::validateUtf8(token);
        } catch (const Error &e) {
            throw Error("vocabulary file '" + path + "' line " +
                        std::to_string(m.tokens.size() + 1) + ": " + e.what());
        }
        m.tokens.push_back(std::move(token));
        lineStart = next;
    }
    if (m.tokens.empty())
        throw Error("vocabulary file '" + path + "' is empty; expected one token per line");
    if (m.tokens.size() > static_cast<std::size_t>(std::numeric_limits<int32_t>::max()))
        throw Error("vocabulary file '" + path + "' has too many lines");

    std::vector<std::pair<std::string_view, int32_t>> starts;
    std::vector<std::pair<std::string_view, int32_t>> continuations;
    starts.reserve(m.tokens.size());
    for (std::size_t i = 0; i < m.tokens.size(); ++i) {
        const std::string_view token = m.tokens[i];
        if (token.size() > 2 && token.compare(0, 2, "##") == 0)
            continuations.emplace_back(token.substr(2), static_cast<int32_t>(i));
        else
            starts.emplace_back(token, static_cast<int32_t>(i));
    }
    m.wordStarts.build(starts);
    m.continuations.build(continuations);

    const auto special = [&](std::string_view name) {
        const int32_t id = m.tokenToId(name);
        if (id < 0) {
            throw Error("vocabulary file '" + path + "' (" + std::to_string(m.tokens.size()) +
                        " lines) has no " + std::string(name) +
                        " line; a BERT vocab.txt lists [PAD], [UNK], [CLS] and [SEP]");
        }
        return id;
    };
    m.padId = special("[PAD]");
    m.unkId = special("[UNK]");
    m.clsId = special("[CLS]");
    m.sepId = special("[SEP]");

    for (char32_t c = 0; c < 128; ++c) {
        const auto index = static_cast<std::size_t>(c);
        m.asciiFolded[index] = static_cast<char>(options.lowerCase ? unicode::toLower(c) : c);
        m.asciiPunctuationId[index] = -1;
        if (unicode::isRemovedByCleaning(c)) {
            m.asciiClass[index] = AsciiClass::Removed;
        } else if (unicode::isWordSeparator(c)) {
            m.asciiClass[index] = AsciiClass::Separator;
        } else if (unicode::isPunctuation(c)) {
            m.asciiClass[index] = AsciiClass::Punctuation;
            const char text = static_cast<char>(c);
            const int32_t id = m.wordStarts.find(&text, 1);
            m.asciiPunctuationId[index] = id >= 0 ? id : m.unkId;
        } else {
            m.asciiClass[index] = AsciiClass::WordCharacter;
        }
    }
    return Tokenizer(std::move(impl));
}

std::vector<std::string> Tokenizer::tokenize(std::string_view text) const
{
    std::vector<int64_t> ids;
    EncodePass(m_impl->model).run(text, ids, std::numeric_limits<std::size_t>::max());
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const int64_t id : ids)
        tokens.push_back(m_impl->model.tokens[static_cast<std::size_t>(id)]);
    return tokens;
}

std::vector<int64_t> Tokenizer::encode(std::string_view text, int maxLength) const
{
    const Model &m = m_impl->model;
    const std::size_t limit = pieceLimit(maxLength);
    std::vector<int64_t> ids;
    // Typical text has about one word piece per 4-5 bytes.
    ids.reserve(std::min(text.size() / 4 + 4, limit) + 2);
    ids.push_back(m.clsId);
    EncodePass(m).run(text, ids, limit);
    ids.push_back(m.sepId);
    return ids;
}

BatchEncoding Tokenizer::encodeBatch(const std::vector<std::string> &texts, int maxLength) const
{
    const Model &m = m_impl->model;
    const std::size_t limit = pieceLimit(maxLength);
    std::vector<int64_t> flat;
    std::vector<std::size_t> rowEnds;
    rowEnds.reserve(texts.size());
    EncodePass pass(m);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        flat.push_back(m.clsId);
        try {
            pass.run(texts[i], flat, limit);
        } catch (const Error &e) {
            throw Error("text " + std::to_string(i) + " of the batch: " + e.what());
        }
        flat.push_back(m.sepId);
        rowEnds.push_back(flat.size());
    }

    BatchEncoding batch;
    batch.batch = static_cast<int64_t>(texts.size());
    std::size_t length = 0;
    std::size_t rowStart = 0;
    for (const std::size_t rowEnd : rowEnds) {
        length = std::max(length, rowEnd - rowStart);
        rowStart = rowEnd;
    }
    batch.length = static_cast<int64_t>(length);
    batch.ids.assign(texts.size() * length, m.padId);
    batch.attentionMask.assign(texts.size() * length, 0);
    rowStart = 0;
    for (std::size_t row = 0; row < rowEnds.size(); ++row) {
        const std::size_t rowLength = rowEnds[row] - rowStart;
        std::copy(flat.begin() + static_cast<std::ptrdiff_t>(rowStart),
                  flat.begin() + static_cast<std::ptrdiff_t>(rowEnds[row]),
                  batch.ids.begin() + static_cast<std::ptrdiff_t>(row * length));
        std::fill_n(batch.attentionMask.begin() + static_cast<std::ptrdiff_t>(row * length),
                    rowLength, 1);
        rowStart = rowEnds[row];
    }
    return batch;
}

int64_t Tokenizer::tokenToId(std::string_view token) const
{
    return m_impl->model.tokenToId(token);
}

const std::string &Tokenizer::idToToken(int64_t id) const
{
    const auto &tokens = m_impl->model.tokens;
    if (id < 0 || static_cast<uint64_t>(id) >= tokens.size()) {
        throw Error("token id " + std::to_string(id) + " is out of range: the vocabulary '" +
                    m_impl->model.vocabPath + "' has ids 0 to " +
                    std::to_string(tokens.size() - 1));
    }
    return tokens[static_cast<std::size_t>(id)];
}

int64_t Tokenizer::vocabSize() const
{
    return static_cast<int64_t>(m_impl->model.tokens.size());
}

int64_t Tokenizer::padId() const
{
    return m_impl->model.padId;
}

int64_t Tokenizer::unkId() const
{
    return m_impl->model.unkId;
}

int64_t Tokenizer::clsId() const
{
    return m_impl->model.clsId;
}

int64_t Tokenizer::sepId() const
{
    return m_impl->model.sepId;
}

const std::string &Tokenizer::vocabPath() const
{
    return m_impl->model.vocabPath;
}

} // namespace sentilab
