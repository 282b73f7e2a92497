// Reading SST-2 split files (JSONL, TSV, CSV) and locating them. Batch planning is in batching.cpp.
#include <sentilab/dataset.h>

#include <sentilab/cachedsnapshot.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include <sentilab/boundedjson.h>
#include <sentilab/error.h>
#include <sentilab/textexcerpt.h>

namespace fs = std::filesystem;

namespace sentilab {
namespace {

enum class Format { Jsonl, Tsv, Csv };

// Offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are ill-formed), or npos.
std::size_t invalidUtf8Offset(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        uint32_t codePoint = 0;
        uint32_t smallest = 0;
        if ((c & 0xe0) == 0xc0) {
            length = 2;
            codePoint = c & 0x1f;
            smallest = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            length = 3;
            codePoint = c & 0x0f;
            smallest = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            length = 4;
            codePoint = c & 0x07;
            smallest = 0x10000;
        } else {
            return i;
        }
        if (i + length > s.size())
            return i;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(s[i + k]);
            if ((next & 0xc0) != 0x80)
                return i;
            codePoint = codePoint << 6 | (next & 0x3f);
        }
        if (codePoint < smallest || codePoint > 0x10ffff ||
            (codePoint >= 0xd800 && codePoint <= 0xdfff))
            return i;
        i += length;
    }
    return std::string_view::npos;
}

bool isBlank(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
    });
}

std::string trimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return std::string(s);
}

std::string lowered(std::string s)
{
    for (char &c : s)
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
    return s;
}

std::string fileContents(const std::string &path)
{
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw Error(path + ": is a folder, expected an SST-2 split file (e.g. train.jsonl)");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open the data file; check data.dir / SENTILAB_DATA_DIR");
    std::ostringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    if (s.compare(0, 3, "\xEF\xBB\xBF") == 0)
        s.erase(0, 3);
    return s;
}

// Physical lines without their '\n' (and a trailing '\r'), numbered from 1.
class LineReader
{
public:
    explicit LineReader(std::string_view text) : m_text(text) {}

    bool next(std::string_view &line, int64_t &number)
    {
        if (m_pos >= m_text.size())
            return false;
        std::size_t end = m_text.find('\n', m_pos);
        if (end == std::string_view::npos)
            end = m_text.size();
        line = m_text.substr(m_pos, end - m_pos);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        m_pos = end + 1;
        number = ++m_line;
        return true;
    }

private:
    std::string_view m_text;
    std::size_t m_pos = 0;
    int64_t m_line = 0;
};

// One CSV record (RFC 4180) or TSV line split into fields, with its first line number.
struct Record
{
    std::vector<std::string> fields;
    int64_t line = 0;
};

class DelimitedReader
{
public:
    DelimitedReader(std::string_view text, const std::string &path, Format format)
        : m_text(text), m_path(path), m_format(format)
    {}

    // Next non-empty record; false at the end.
    bool next(Record &record)
    {
        return m_format == Format::Tsv ? nextTsv(record) : nextCsv(record);
    }

private:
    bool nextTsv(Record &record)
    {
        while (m_pos < m_text.size()) {
            std::size_t end = m_text.find('\n', m_pos);
            if (end == std::string_view::npos)
                end = m_text.size();
            std::string_view line = m_text.substr(m_pos, end - m_pos);
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            m_pos = end + 1;
            ++m_line;
            if (isBlank(line))
                continue;
            record.line = m_line;
            record.fields.clear();
            std::size_t start = 0;
            while (true) {
                const std::size_t tab = line.find('\t', start);
                record.fields.emplace_back(line.substr(start, tab - start));
                if (tab == std::string_view::npos)
                    break;
                start = tab + 1;
            }
            return true;
        }
        return false;
    }

    bool atLineEnd(std::size_t pos) const
    {
        return pos >= m_text.size() || m_text[pos] == '\n' ||
               (m_text[pos] == '\r' && (pos + 1 == m_text.size() || m_text[pos + 1] == '\n'));
    }

    // Moves past a line end at m_pos ("\n", "\r\n" or the end of the text).
    void skipLineEnd()
    {
        if (m_pos < m_text.size() && m_text[m_pos] == '\r')
            ++m_pos;
        if (m_pos < m_text.size() && m_text[m_pos] == '\n')
            ++m_pos;
        ++m_line;
    }

    bool nextCsv(Record &record)
    {
        while (m_pos < m_text.size() && atLineEnd(m_pos))
            skipLineEnd(); // empty lines
        if (m_pos >= m_text.size())
            return false;
        record.fields.clear();
        record.line = m_line + 1;
        while (true) {
            std::string field;
            if (m_text[m_pos] == '"') {
                const int64_t quoteLine = m_line + 1;
                ++m_pos;
                while (true) {
                    if (m_pos >= m_text.size())
                        throw Error(m_path + ":" + std::to_string(quoteLine) +
                                    ": unterminated quoted field (a '\"' without its closing "
                                    "'\"'; write a quote inside a field as \"\")");
                    const char c = m_text[m_pos];
                    if (c == '"' && m_pos + 1 < m_text.size() && m_text[m_pos + 1] == '"') {
                        field += '"';
                        m_pos += 2;
                    } else if (c == '"') {
                        ++m_pos;
                        break;
                    } else {
                        if (c == '\n')
                            ++m_line;
                        field += c;
                        ++m_pos;
                    }
                }
                if (!atLineEnd(m_pos) && m_text[m_pos] != ',')
                    throw Error(m_path + ":" + std::to_string(m_line + 1) +
                                ": unexpected character after a closing quote (expected ',' or "
                                "the end of the line)");
            } else {
                while (!atLineEnd(m_pos) && m_text[m_pos] != ',')
                    field += m_text[m_pos++];
            }
            record.fields.push_back(std::move(field));
            if (m_pos < m_text.size() && m_text[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            skipLineEnd();
            return true;
        }
    }

    std::string_view m_text;
    std::string m_path;
    Format m_format;
    std::size_t m_pos = 0;
    int64_t m_line = 0; // lines fully consumed
};

[[noreturn]] void failAt(const std::string &path, int64_t line, const std::string &message)
{
    throw Error(path + ":" + std::to_string(line) + ": " + message);
}

// Checks a text's encoding and content; `what` names it in messages ("'text'", "column
// 'sentence'").
void checkText(const std::string &text, const std::string &what, const std::string &path,
               int64_t line)
{
    const std::size_t bad = invalidUtf8Offset(text);
    if (bad != std::string_view::npos)
        failAt(path, line,
               "invalid UTF-8 in " + what + " at byte " + std::to_string(bad) +
                   " of the text; the file must be UTF-8 encoded");
    if (isBlank(text))
        failAt(path, line, "empty text in " + what);
}

Format formatOf(const std::string &path, std::string_view contents)
{
    const std::string extension = lowered(fs::path(path).extension().string());
    if (extension == ".jsonl" || extension == ".json" || extension == ".ndjson")
        return Format::Jsonl;
    if (extension == ".tsv")
        return Format::Tsv;
    if (extension == ".csv")
        return Format::Csv;
    LineReader lines(contents);
    std::string_view line;
    int64_t number = 0;
    while (lines.next(line, number)) {
        if (isBlank(line))
            continue;
        if (trimmed(line).rfind('{', 0) == 0)
            return Format::Jsonl;
        return line.find('\t') != std::string_view::npos ? Format::Tsv : Format::Csv;
    }
    return Format::Jsonl;
}

void readJsonl(const std::string &path, std::string_view contents, int64_t maxExamples,
               std::vector<Example> &out)
{
    LineReader lines(contents);
    std::string_view line;
    int64_t number = 0;
    while (lines.next(line, number)) {
        if (maxExamples > 0 && int64_t(out.size()) >= maxExamples)
            return;
        if (isBlank(line))
            continue;
        const std::size_t bad = invalidUtf8Offset(line);
        if (bad != std::string_view::npos)
            failAt(path, number,
                   "invalid UTF-8 at byte " + std::to_string(bad) +
                       " of the line; the file must be UTF-8 encoded");
        const nlohmann::json row = parseJson(line, path + ":" + std::to_string(number));
        if (!row.is_object())
            failAt(path, number,
                   std::string("expected a JSON object {\"text\": ..., \"label\": 0|1}, got ") +
                       row.type_name());
        const char *textKey = row.contains("text") ? "text" : "sentence";
        const auto text = row.find(textKey);
        if (text == row.end())
            failAt(path, number, "missing key 'text' (the sentence)");
        if (!text->is_string())
            failAt(path, number,
                   std::string("'") + textKey + "' must be a string, got " + text->type_name() +
                       " " + jsonExcerpt(*text));
        const auto label = row.find("label");
        if (label == row.end())
            failAt(path, number, "missing key 'label' (0 = negative, 1 = positive)");
        if (!label->is_number_integer())
            failAt(path, number,
                   std::string("'label' must be the integer 0 or 1, got ") + label->type_name() +
                       " " + jsonExcerpt(*label));
        const bool isZero =
            label->is_number_unsigned() ? label->get<uint64_t>() == 0 : label->get<int64_t>() == 0;
        const bool isOne =
            label->is_number_unsigned() ? label->get<uint64_t>() == 1 : label->get<int64_t>() == 1;
        if (!isZero && !isOne)
            failAt(path, number, "'label' must be 0 or 1, got " + jsonExcerpt(*label));
        Example example;
        example.text = text->get<std::string>();
        example.label = isOne ? 1 : 0;
        checkText(example.text, std::string("'") + textKey + "'", path, number);
        const auto labelText = row.find("label_text");
        if (labelText != row.end()) {
            if (!labelText->is_string())
                failAt(path, number,
                       "'label_text' must be a string, got " + jsonExcerpt(*labelText));
            const std::string name = labelText->get<std::string>();
            if ((name == "negative" && example.label != 0) ||
                (name == "positive" && example.label != 1))
                failAt(path, number,
                       "'label_text' \"" + excerpt(name) + "\" disagrees with 'label' " +
                           std::to_string(example.label));
        }
        out.push_back(std::move(example));
    }
}

void readDelimited(const std::string &path, std::string_view contents, Format format,
                   int64_t maxExamples, std::vector<Example> &out)
{
    const std::string separator = format == Format::Tsv ? "tab-separated" : "comma-separated";
    DelimitedReader reader(contents, path, format);
    Record header;
    if (!reader.next(header))
        return;
    std::vector<std::string> names;
    for (const std::string &field : header.fields)
        names.push_back(lowered(trimmed(field)));
    const auto column = [&names](const std::string &name) {
        const auto it = std::find(names.begin(), names.end(), name);
        return it == names.end() ? -1 : int(it - names.begin());
    };
    std::string columnList;
    for (const std::string &name : names)
        columnList += (columnList.empty() ? "'" : ", '") + excerpt(name, 60) + "'";
    int textColumn = column("sentence");
    if (textColumn < 0)
        textColumn = column("text");
    if (textColumn < 0)
        failAt(path, header.line,
               "the header row has no 'sentence' or 'text' column (found " + columnList +
                   "); the first row must name the columns");
    const int labelColumn = column("label");
    if (labelColumn < 0)
        failAt(path, header.line,
               "the header row has no 'label' column (found " + columnList + ")");
    const std::string textName = "column '" + excerpt(names[std::size_t(textColumn)], 60) + "'";

    Record row;
    while ((maxExamples <= 0 || int64_t(out.size()) < maxExamples) && reader.next(row)) {
        if (row.fields.size() != names.size())
            failAt(path, row.line,
                   "expected " + std::to_string(names.size()) + " " + separator +
                       " columns as in the header, found " + std::to_string(row.fields.size()));
        const std::string label = trimmed(row.fields[std::size_t(labelColumn)]);
        if (label != "0" && label != "1")
            failAt(path, row.line, "'label' must be 0 or 1, got '" + excerpt(label) + "'");
        Example example;
        example.text = std::move(row.fields[std::size_t(textColumn)]);
        example.label = label == "1" ? 1 : 0;
        checkText(example.text, textName, path, row.line);
        out.push_back(std::move(example));
    }
}

} // namespace

std::vector<Example> readExamples(const std::string &path, int64_t maxExamples)
{
    if (maxExamples < 0)
        throw Error(path + ": maxExamples must be >= 0 (0 = all), got " +
                    std::to_string(maxExamples));
    const std::string contents = fileContents(path);
    const Format format = formatOf(path, contents);
    std::vector<Example> examples;
    if (format == Format::Jsonl)
        readJsonl(path, contents, maxExamples, examples);
    else
        readDelimited(path, contents, format, maxExamples, examples);
    if (examples.empty())
        throw Error(path + ": no examples in the file (is it empty?)");
    return examples;
}

std::string resolveDataFile(const DataOptions &data, const std::string &fileName)
{
    if (fileName.empty())
        throw Error("data: the split file name is empty; set data.train, data.validation and "
                    "data.test (e.g. train.jsonl)");
    const fs::path file(fileName);
    std::error_code ec;
    if (file.is_absolute()) {
        if (fs::is_regular_file(file, ec))
            return file.string();
        throw Error(file.string() + ": data file not found");
    }
    struct Place
    {
        fs::path dir;
        std::string origin;
    };
    std::vector<Place> places;
    if (!data.dir.empty())
        places.push_back({data.dir, "data.dir"});
    if (const char *env = std::getenv("SENTILAB_DATA_DIR"); env && *env)
        places.push_back({env, "SENTILAB_DATA_DIR"});
    if (const char *env = std::getenv("SENTILAB_SHARED_DIR"); env && *env)
        places.push_back({fs::path(env) / "data" / "sst2", "SENTILAB_SHARED_DIR/data/sst2"});
    if (places.empty()) {
        // Nothing configured: the SST-2 split in the Hugging Face cache (sentilab-cli download
        // dataset SetFit/sst2, or Python's datasets/huggingface_hub), the newest complete
        // snapshot with all three configured split files.
        std::vector<std::string> required;
        for (const std::string &name : {data.train, data.validation, data.test})
            if (!name.empty() && !fs::path(name).is_absolute())
                required.push_back(name);
        const SnapshotSearch found =
            findCachedSnapshot({sst2RepoId()}, RepoKind::Dataset, required);
        if (!found.dir.empty()) {
            const fs::path candidate = fs::path(found.dir) / file;
            if (fs::is_regular_file(candidate, ec))
                return candidate.string();
        }
        std::string looked;
        for (const std::string &line : found.looked)
            looked += "\n  " + line;
        throw Error("cannot locate " + fileName +
                    ": data.dir is empty, neither SENTILAB_DATA_DIR nor SENTILAB_SHARED_DIR is "
                    "set, and the Hugging Face cache has no complete " +
                    std::string(sst2RepoId()) + " snapshot. Looked at:" + looked +
                    "\nGet SST-2 (about 1.5 MB) with \"sentilab-cli download dataset " +
                    sst2RepoId() +
                    "\", or set data.dir in the experiment (or --set data.dir=<folder>) or export "
                    "SENTILAB_DATA_DIR=<folder with train.jsonl, validation.jsonl and test.jsonl>");
    }
    // The first folder that is set decides; falling through to another one would silently train
    // on different data than the experiment names.
    const Place &place = places.front();
    const fs::path candidate = place.dir / file;
    if (fs::is_regular_file(candidate, ec))
        return candidate.string();
    throw Error(candidate.string() + ": data file not found (folder from " + place.origin + " = '" +
                place.dir.string() + "'); check " + place.origin + " and the file name");
}

} // namespace sentilab
