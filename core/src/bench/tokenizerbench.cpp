#include <sentilab/bench.h>

#include <sentilab/error.h>
#include <sentilab/tokenizer.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

namespace sentilab {
namespace {

struct BenchText
{
    std::string text;
    std::size_t line = 0; // 1-based line in the data file
};

std::vector<std::string> splitTabs(const std::string &line)
{
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
        const std::size_t tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
        if (tab == std::string::npos)
            return fields;
        start = tab + 1;
    }
}

// Texts of an SST-2 style file: JSON lines with a string "text" member, or a TSV whose header
// row names a "sentence" or "text" column. Blank lines are skipped.
std::vector<BenchText> readBenchTexts(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error("cannot open benchmark data file '" + path + "': " + std::strerror(errno) +
                    " (expected SST-2 JSON lines such as data/sst2/train.jsonl)");
    }
    enum class Format { Unknown, JsonLines, Tsv };
    Format format = Format::Unknown;
    std::size_t textColumn = 0;
    std::vector<BenchText> texts;
    std::string line;
    std::size_t lineNumber = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (lineNumber == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0)
            line.erase(0, 3);
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        const std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string::npos)
            continue;
        const std::string where = "'" + path + "' line " + std::to_string(lineNumber);
        if (format == Format::Unknown) {
            if (line[first] == '{') {
                format = Format::JsonLines;
            } else {
                format = Format::Tsv;
                const std::vector<std::string> header = splitTabs(line);
                std::size_t column = 0;
                while (column < header.size() && header[column] != "sentence" &&
                       header[column] != "text") {
                    ++column;
                }
                if (column == header.size()) {
                    throw Error(where +
                                ": expected JSON lines with a \"text\" member, or a TSV header "
                                "with a 'sentence' or 'text' column");
                }
                textColumn = column;
                continue;
            }
        }
        if (format == Format::JsonLines) {
            nlohmann::json row;
            try {
                row = nlohmann::json::parse(line);
            } catch (const nlohmann::json::exception &e) {
                throw Error(where + ": invalid JSON: " + e.what());
            }
            const auto text = row.is_object() ? row.find("text") : row.end();
            if (!row.is_object() || text == row.end() || !text->is_string())
                throw Error(where + ": expected a JSON object with a string \"text\" member");
            texts.push_back({text->get<std::string>(), lineNumber});
        } else {
            std::vector<std::string> fields = splitTabs(line);
            if (fields.size() <= textColumn) {
                throw Error(where + ": " + std::to_string(fields.size()) +
                            " tab-separated field(s), but the text is in column " +
                            std::to_string(textColumn + 1));
            }
            texts.push_back({std::move(fields[textColumn]), lineNumber});
        }
    }
    if (in.bad())
        throw Error("cannot read benchmark data file '" + path + "'");
    if (texts.empty())
        throw Error("benchmark data file '" + path + "' contains no texts");
    return texts;
}

} // namespace

TokenizerBenchResult benchTokenizer(const std::string &vocabPath, const std::string &dataPath,
                                    double minSeconds)
{
    const Tokenizer tokenizer = Tokenizer::fromVocabFile(vocabPath);
    const std::vector<BenchText> texts = readBenchTexts(dataPath);

    // The warm-up pass also surfaces bad text with its line before anything is timed.
    for (const BenchText &text : texts) {
        try {
            tokenizer.encode(text.text);
        } catch (const Error &e) {
            throw Error("'" + dataPath + "' line " + std::to_string(text.line) + ": " + e.what());
        }
    }

    using Clock = std::chrono::steady_clock;
    TokenizerBenchResult result;
    const Clock::time_point start = Clock::now();
    do {
        for (const BenchText &text : texts)
            result.tokens += static_cast<int64_t>(tokenizer.encode(text.text).size());
        result.sentences += static_cast<int64_t>(texts.size());
        result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    } while (result.seconds < minSeconds);
    result.sentencesPerSecond = static_cast<double>(result.sentences) / result.seconds;
    result.tokensPerSecond = static_cast<double>(result.tokens) / result.seconds;
    return result;
}

} // namespace sentilab
