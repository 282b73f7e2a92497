#include <sentilab/experimentconfig.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <type_traits>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <sentilab/error.h>

#include "configtext.h"

namespace fs = std::filesystem;

namespace sentilab {
namespace {

// Where a value came from, for error messages and relative-path resolution.
struct Source
{
    std::string where;   // "experiments/x.yaml:7" or "--set train.lr=abc"
    std::string baseDir; // non-empty: relative paths are resolved against it (values from a file)
};

// One value as written, before conversion.
struct RawValue
{
    std::string text;
    bool isNull = false;   // YAML null: `key:`, `~`, `null`
    std::string nonScalar; // "a mapping" / "a sequence" when the node was not a scalar
    Source source;
};

[[noreturn]] void failAt(const Source &source, const std::string &message)
{
    throw Error(source.where + ": " + message);
}

std::string describe(const RawValue &value)
{
    if (!value.nonScalar.empty())
        return value.nonScalar;
    if (value.isNull)
        return "nothing (null)";
    return "'" + value.text + "'";
}

// ---- number formatting and parsing (locale-independent, identical on every platform) ----------

std::string formatDouble(double value)
{
    std::array<char, 64> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return std::string(buffer.data(), result.ptr);
}

std::string_view withoutPlus(std::string_view text)
{
    if (text.size() > 1 && text.front() == '+' && text[1] != '-')
        text.remove_prefix(1);
    return text;
}

bool parseDouble(std::string_view text, double &out)
{
    text = withoutPlus(text);
    if (text.empty())
        return false;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
    return result.ec == std::errc() && result.ptr == text.data() + text.size() &&
           std::isfinite(out);
}

bool parseInt(std::string_view text, int64_t &out)
{
    text = withoutPlus(text);
    if (text.empty())
        return false;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

bool parseUnsigned(std::string_view text, uint64_t &out)
{
    text = withoutPlus(text);
    if (text.empty() || text.front() == '-')
        return false;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

std::string trimmed(std::string_view text)
{
    const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return std::string(text);
}

// A YAML double-quoted scalar: backslash escapes for '\\', '"', control characters and the
// Unicode line separators; everything else, UTF-8 included, is written as is.
std::string quoted(const std::string &text)
{
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\\' || c == '"') {
            out += '\\';
            out += char(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else if (c == 0xc2 && i + 1 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) == 0x85) {
            out += "\\u0085"; // NEL
            ++i;
        } else if (c == 0xe2 && i + 2 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(text[i + 2]) == 0xa8 ||
                    static_cast<unsigned char>(text[i + 2]) == 0xa9)) {
            out += static_cast<unsigned char>(text[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += char(c);
        }
    }
    return out + "\"";
}

// ---- the field table: the one description of every key, its type, range and serialisation ----

struct Field
{
    std::string path;   // "train.lr", or "name" for top-level keys
    std::string expect; // what a valid value looks like, for messages: "a number in (0, 1]"
    bool quoted = false;
    std::function<std::string(const ExperimentConfig &)> text;        // serialised, unquoted
    std::function<void(ExperimentConfig &, const RawValue &)> assign; // converts or throws

    std::string section() const
    {
        const auto dot = path.find('.');
        return dot == std::string::npos ? std::string() : path.substr(0, dot);
    }
    std::string key() const { return path.substr(path.find('.') + 1); }

    [[noreturn]] void reject(const RawValue &value) const
    {
        failAt(value.source, path + ": expected " + expect + ", got " + describe(value));
    }
    void requireScalar(const RawValue &value, bool allowNull) const
    {
        if (!value.nonScalar.empty() || (value.isNull && !allowNull))
            reject(value);
    }
};

template <typename Ref> Field stringField(std::string path, Ref ref, bool isPath = false)
{
    Field f;
    f.path = std::move(path);
    f.expect = isPath ? "a path" : "a string";
    f.quoted = true;
    f.text = [ref](const ExperimentConfig &c) { return ref(c); };
    f.assign = [f, ref, isPath](ExperimentConfig &c, const RawValue &v) {
        f.requireScalar(v, true);
        std::string value = v.isNull ? std::string() : v.text;
        if (isPath && !value.empty() && !v.source.baseDir.empty() && fs::path(value).is_relative())
            value = (fs::path(v.source.baseDir) / value).lexically_normal().string();
        ref(c) = value;
    };
    return f;
}

template <typename Ref> Field enumField(std::string path, Ref ref, std::vector<std::string> allowed)
{
    Field f;
    f.path = std::move(path);
    f.expect = "one of";
    for (std::size_t i = 0; i < allowed.size(); ++i)
        f.expect += (i ? ", " : " ") + allowed[i];
    f.quoted = true;
    f.text = [ref](const ExperimentConfig &c) { return ref(c); };
    f.assign = [f, ref, allowed](ExperimentConfig &c, const RawValue &v) {
        f.requireScalar(v, false);
        if (std::find(allowed.begin(), allowed.end(), v.text) == allowed.end())
            f.reject(v);
        ref(c) = v.text;
    };
    return f;
}

template <typename Ref>
Field intField(std::string path, Ref ref, int64_t lo, int64_t hi, const std::string &note = {})
{
    Field f;
    f.path = std::move(path);
    f.expect = hi == std::numeric_limits<int64_t>::max()
                   ? "an integer >= " + std::to_string(lo)
                   : "an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
    f.expect += note;
    f.text = [ref](const ExperimentConfig &c) { return std::to_string(ref(c)); };
    f.assign = [f, ref, lo, hi](ExperimentConfig &c, const RawValue &v) {
        f.requireScalar(v, false);
        int64_t value = 0;
        if (!parseInt(v.text, value) || value < lo || value > hi)
            f.reject(v);
        ref(c) = static_cast<std::remove_reference_t<decltype(ref(c))>>(value);
    };
    return f;
}

template <typename Ref> Field unsignedField(std::string path, Ref ref)
{
    Field f;
    f.path = std::move(path);
    f.expect = "an integer in 0.." + std::to_string(std::numeric_limits<uint64_t>::max());
    f.text = [ref](const ExperimentConfig &c) { return std::to_string(ref(c)); };
    f.assign = [f, ref](ExperimentConfig &c, const RawValue &v) {
        f.requireScalar(v, false);
        uint64_t value = 0;
        if (!parseUnsigned(v.text, value))
            f.reject(v);
        ref(c) = value;
    };
    return f;
}

struct Interval
{
    double lo = 0;
    double hi = std::numeric_limits<double>::infinity();
    bool loOpen = false;
    bool hiOpen = false;
    bool minusOneKeeps = false; // -1 is also accepted: "keep config.json's value"

    bool contains(double x) const
    {
        if (minusOneKeeps && x == -1)
            return true;
        const bool aboveLo = loOpen ? x > lo : x >= lo;
        const bool belowHi = hiOpen ? x < hi : x <= hi;
        return aboveLo && belowHi;
    }
    std::string text() const
    {
        std::string s;
        if (std::isinf(hi))
            s = std::string(loOpen ? "> " : ">= ") + formatDouble(lo);
        else
            s = std::string("in ") + (loOpen ? "(" : "[") + formatDouble(lo) + ", " +
                formatDouble(hi) + (hiOpen ? ")" : "]");
        if (minusOneKeeps)
            s += " or -1 (keep config.json's value)";
        return s;
    }
};

template <typename Ref> Field doubleField(std::string path, Ref ref, Interval interval)
{
    Field f;
    f.path = std::move(path);
    f.expect = "a number " + interval.text();
    f.text = [ref](const ExperimentConfig &c) { return formatDouble(ref(c)); };
    f.assign = [f, ref, interval](ExperimentConfig &c, const RawValue &v) {
        f.requireScalar(v, false);
        double value = 0;
        if (!parseDouble(v.text, value) || !interval.contains(value))
            f.reject(v);
        ref(c) = value;
    };
    return f;
}

template <typename Ref> Field boolField(std::string path, Ref ref)
{
    Field f;
    f.path = std::move(path);
    f.expect = "true or false";
    f.text = [ref](const ExperimentConfig &c) { return ref(c) ? "true" : "false"; };
    f.assign = [f, ref](ExperimentConfig &c, const RawValue &v) {
        f.requireScalar(v, false);
        if (v.text == "true" || v.text == "True" || v.text == "TRUE")
            ref(c) = true;
        else if (v.text == "false" || v.text == "False" || v.text == "FALSE")
            ref(c) = false;
        else
            f.reject(v);
    };
    return f;
}

// Accessors usable on const and non-const configs.
#define SENTILAB_FIELD(member)                                                                     \
    [](auto &c) -> auto &                                                                          \
    {                                                                                              \
        return c.member;                                                                           \
    }

const std::vector<Field> &fields()
{
    constexpr int64_t kBig = std::numeric_limits<int64_t>::max();
    const Interval probability{0, 1, false, true};
    const Interval dropout{0, 1, false, true, true};
    static const std::vector<Field> table = {
        stringField("name", SENTILAB_FIELD(name)),
        enumField("kind", SENTILAB_FIELD(kind), {"finetune", "scratch"}),
        stringField("description", SENTILAB_FIELD(description)),

        enumField("model.init", SENTILAB_FIELD(model.init), {"pretrained", "scratch"}),
        stringField("model.pretrained_dir", SENTILAB_FIELD(model.pretrainedDir), true),
        stringField("model.config_json", SENTILAB_FIELD(model.configJson), true),
        stringField("model.vocab", SENTILAB_FIELD(model.vocab), true),
        intField("model.max_length", SENTILAB_FIELD(model.maxLength), 8, 512),
        intField("model.dim", SENTILAB_FIELD(model.dim), 0, 65536, " (0 = config.json's)"),
        intField("model.n_layers", SENTILAB_FIELD(model.nLayers), 0, 256, " (0 = config.json's)"),
        intField("model.n_heads", SENTILAB_FIELD(model.nHeads), 0, 1024, " (0 = config.json's)"),
        intField("model.hidden_dim", SENTILAB_FIELD(model.hiddenDim), 0, 262144,
                 " (0 = config.json's)"),
        doubleField("model.dropout", SENTILAB_FIELD(model.dropout), dropout),
        doubleField("model.attention_dropout", SENTILAB_FIELD(model.attentionDropout), dropout),
        doubleField("model.seq_classif_dropout", SENTILAB_FIELD(model.seqClassifDropout), dropout),

        stringField("data.dir", SENTILAB_FIELD(data.dir), true),
        stringField("data.train", SENTILAB_FIELD(data.train)),
        stringField("data.validation", SENTILAB_FIELD(data.validation)),
        stringField("data.test", SENTILAB_FIELD(data.test)),
        intField("data.max_train_examples", SENTILAB_FIELD(data.maxTrainExamples), 0, kBig,
                 " (0 = all)"),
        intField("data.max_eval_examples", SENTILAB_FIELD(data.maxEvalExamples), 0, kBig,
                 " (0 = all)"),
        intField("data.subset_size", SENTILAB_FIELD(data.subsetSize), 0, kBig,
                 " (0 = the whole training split)"),
        unsignedField("data.subset_seed", SENTILAB_FIELD(data.subsetSeed)),

        doubleField("train.lr", SENTILAB_FIELD(train.lr), Interval{0, 1, true, false}),
        intField("train.batch_size", SENTILAB_FIELD(train.batchSize), 1, 4096),
        intField("train.epochs", SENTILAB_FIELD(train.epochs), 1, 1000),
        doubleField("train.warmup_ratio", SENTILAB_FIELD(train.warmupRatio), probability),
        doubleField("train.weight_decay", SENTILAB_FIELD(train.weightDecay), probability),
        doubleField("train.adam_beta1", SENTILAB_FIELD(train.adamBeta1), probability),
        doubleField("train.adam_beta2", SENTILAB_FIELD(train.adamBeta2), probability),
        doubleField("train.adam_eps", SENTILAB_FIELD(train.adamEps), Interval{0, 1, true, true}),
        doubleField("train.grad_clip", SENTILAB_FIELD(train.gradClip), Interval{}),
        intField("train.eval_every", SENTILAB_FIELD(train.evalEvery), 0, kBig,
                 " (0 = at epoch ends only)"),
        boolField("train.eval_at_epoch_end", SENTILAB_FIELD(train.evalAtEpochEnd)),
        intField("train.log_every", SENTILAB_FIELD(train.logEvery), 1, kBig),
        unsignedField("train.seed", SENTILAB_FIELD(train.seed)),
        intField("train.threads", SENTILAB_FIELD(train.threads), 0, 1024, " (0 = all cores)"),
        boolField("train.bucket_by_length", SENTILAB_FIELD(train.bucketByLength)),
        // deviceChoices()'s values, spelled out: this parser builds without LibTorch (fuzzer).
        enumField("train.device", SENTILAB_FIELD(train.device), {"auto", "cpu", "cuda"}),
        enumField("train.precision", SENTILAB_FIELD(train.precision), {"fp32", "bf16"}),
    };
    return table;
}

#undef SENTILAB_FIELD

const std::vector<std::string> &sectionNames()
{
    static const std::vector<std::string> names = {"model", "data", "train"};
    return names;
}

bool isSection(const std::string &name)
{
    const auto &names = sectionNames();
    return std::find(names.begin(), names.end(), name) != names.end();
}

const Field *findField(const std::string &path)
{
    for (const Field &f : fields())
        if (f.path == path)
            return &f;
    return nullptr;
}

// Keys allowed in `section` ("" = top level, which also lists the sections).
std::vector<std::string> allowedKeys(const std::string &section)
{
    std::vector<std::string> keys;
    for (const Field &f : fields())
        if (f.section() == section)
            keys.push_back(section.empty() ? f.path : f.key());
    if (section.empty())
        keys.insert(keys.end(), sectionNames().begin(), sectionNames().end());
    return keys;
}

std::string joined(const std::vector<std::string> &items)
{
    std::string s;
    for (const std::string &item : items)
        s += (s.empty() ? "" : ", ") + item;
    return s;
}

std::size_t editDistance(const std::string &a, const std::string &b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

[[noreturn]] void unknownKey(const Source &source, const std::string &section,
                             const std::string &key)
{
    const std::vector<std::string> keys = allowedKeys(section);
    std::string message = "unknown key '" + (section.empty() ? key : section + "." + key) +
                          "' (allowed: " + joined(keys) + ")";
    std::string hint = configtext::didYouMean(key, keys);
    if (!hint.empty() && !section.empty())
        hint = "; did you mean '" + section + "." + hint.substr(hint.find('\'') + 1);
    failAt(source, message + hint);
}

// ---- reading the YAML tree into raw values -----------------------------------------------------

using RawValues = std::map<std::string, RawValue>;

// True when the text holds anything but blank lines, comments and document markers.
bool hasYamlContent(const std::string &text)
{
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        const std::size_t first = line.find_first_not_of(" \t\r\f\v");
        if (first == std::string::npos || line[first] == '#')
            continue;
        const std::string trimmed =
            line.substr(first, line.find_last_not_of(" \t\r\f\v") - first + 1);
        if (trimmed == "---" || trimmed == "..." || trimmed.rfind("%YAML", 0) == 0)
            continue;
        return true;
    }
    return false;
}

// The 1-based line of a "---" marker that starts a second document (one after content), else 0.
int secondDocumentLine(const std::string &text)
{
    std::istringstream lines(text);
    std::string line;
    bool content = false;
    for (int number = 1; std::getline(lines, line); ++number) {
        const bool marker = line.rfind("---", 0) == 0 && (line.size() == 3 || line[3] == ' ' ||
                                                          line[3] == '\t' || line[3] == '\r');
        if (marker && content)
            return number;
        const std::size_t first = line.find_first_not_of(" \t\r");
        if (!marker && first != std::string::npos && line[first] != '#' && line[first] != '%')
            content = true;
    }
    return 0;
}

class YamlReader
{
public:
    YamlReader(std::string sourceName, std::string baseDir)
        : m_sourceName(std::move(sourceName)), m_baseDir(std::move(baseDir))
    {}

    RawValues read(const std::string &text)
    {
        // yaml-cpp 0.7's LoadAll() never returns for some malformed inputs (a lone "," was found
        // by fuzzing), so the document is read with Load() and a second document is found by its
        // "---" marker instead.
        if (const int line = secondDocumentLine(text); line > 0)
            failAt(Source{m_sourceName + ":" + std::to_string(line), m_baseDir},
                   "more than one YAML document; an experiment file holds exactly one");
        YAML::Node document;
        try {
            document = YAML::Load(text);
        } catch (const YAML::DeepRecursion &e) {
            // yaml-cpp's own message for this case is the unhelpful "bad file".
            failAt(sourceAt(e.mark), "invalid YAML: nested more than " + std::to_string(e.depth()) +
                                         " levels deep; an experiment file is two levels deep");
        } catch (const YAML::Exception &e) {
            failAt(sourceAt(e.mark), "invalid YAML: " + e.msg);
        }
        // yaml-cpp reads some malformed text (a lone ",") as an empty document: not "all defaults".
        if (document.IsNull() && hasYamlContent(text))
            failAt(
                sourceAt(document.Mark()),
                "expected a mapping of keys at the top level (e.g. 'kind: scratch'), got no value");
        readMapping(document, std::string());
        return std::move(m_values);
    }

private:
    Source sourceAt(const YAML::Mark &mark) const
    {
        Source s{m_sourceName, m_baseDir};
        if (!mark.is_null())
            s.where += ":" + std::to_string(mark.line + 1);
        return s;
    }

    static std::string kindOf(const YAML::Node &node)
    {
        if (node.IsMap())
            return "a mapping";
        if (node.IsSequence())
            return "a sequence";
        return {};
    }

    void readMapping(const YAML::Node &node, const std::string &section)
    {
        if (node.IsNull())
            return; // an empty document or `train:` with nothing below: all defaults
        if (!node.IsMap()) {
            const std::string what = section.empty() ? "the top level" : "'" + section + "'";
            failAt(sourceAt(node.Mark()),
                   "expected a mapping of keys at " + what + " (" + joined(allowedKeys(section)) +
                       "), got " + (node.IsSequence() ? "a sequence" : "'" + node.Scalar() + "'"));
        }
        for (auto it = node.begin(); it != node.end(); ++it) {
            // Copies: the iterator hands out a temporary pair (Node is a cheap handle).
            const YAML::Node keyNode = it->first;
            const YAML::Node valueNode = it->second;
            const Source keySource = sourceAt(keyNode.Mark());
            if (!keyNode.IsScalar())
                failAt(keySource, "keys must be plain names, got " + kindOf(keyNode));
            const std::string key = keyNode.Scalar();
            const std::string path = section.empty() ? key : section + "." + key;
            const auto seen = m_keyWhere.find(path);
            if (seen != m_keyWhere.end())
                failAt(keySource,
                       "duplicate key '" + path + "' (first set at " + seen->second + ")");
            m_keyWhere[path] = keySource.where;

            if (section.empty() && isSection(key)) {
                readMapping(valueNode, key);
                continue;
            }
            if (!findField(path))
                unknownKey(keySource, section, key);
            RawValue value;
            // An empty value's mark points past the key, often to the next line.
            value.source = valueNode.IsNull() || valueNode.Mark().is_null()
                               ? keySource
                               : sourceAt(valueNode.Mark());
            value.isNull = valueNode.IsNull();
            value.nonScalar = kindOf(valueNode);
            if (valueNode.IsScalar())
                value.text = valueNode.Scalar();
            m_values[path] = value;
        }
    }

    std::string m_sourceName;
    std::string m_baseDir;
    RawValues m_values;
    std::map<std::string, std::string> m_keyWhere;
};

void applyOverride(const std::string &override, RawValues &values)
{
    const Source source{"--set " + override, std::string()};
    const auto eq = override.find('=');
    if (eq == std::string::npos)
        failAt(source, "expected key=value or section.key=value, e.g. train.lr=3e-5");
    const std::string path = trimmed(std::string_view(override).substr(0, eq));
    if (isSection(path))
        failAt(source, "'" + path + "' is a section; set one of its keys (" + path +
                           ".<key>=value" + ", keys: " + joined(allowedKeys(path)) + ")");
    if (!findField(path)) {
        const auto dot = path.find('.');
        if (dot == std::string::npos)
            unknownKey(source, std::string(), path);
        const std::string section = path.substr(0, dot);
        if (!isSection(section))
            unknownKey(source, std::string(), section);
        unknownKey(source, section, path.substr(dot + 1));
    }
    RawValue value;
    value.text = trimmed(std::string_view(override).substr(eq + 1));
    value.source = source;
    values[path] = value;
}

// Cross-field rules, after every value is converted. `given` holds the values that were written.
void validate(ExperimentConfig &c, const RawValues &given)
{
    const auto sourceOf = [&given](const std::string &path) {
        const auto it = given.find(path);
        return it == given.end() ? Source{"(default)", {}} : it->second.source;
    };
    const bool kindGiven = given.count("kind") > 0;
    const bool initGiven = given.count("model.init") > 0;
    if (kindGiven && !initGiven)
        c.model.init = c.kind == "scratch" ? "scratch" : "pretrained";
    else if (initGiven && !kindGiven)
        c.kind = c.model.init == "scratch" ? "scratch" : "finetune";
    const bool agree = (c.kind == "scratch") == (c.model.init == "scratch");
    if (!agree)
        failAt(sourceOf("kind"), "kind: '" + c.kind + "' does not agree with model.init '" +
                                     c.model.init + "' (" + sourceOf("model.init").where +
                                     "); use kind: finetune with model.init: pretrained, or "
                                     "kind: scratch with model.init: scratch");

    if (c.name.empty())
        c.name = c.kind;
    if (!configtext::isPlainName(c.name))
        failAt(sourceOf("name"), "name: expected 1 to 64 characters from A-Z a-z 0-9 . _ - (it "
                                 "prefixes run names and folders), got '" +
                                     c.name + "'");

    if (c.model.init == "pretrained") {
        for (const char *key :
             {"model.dim", "model.n_layers", "model.n_heads", "model.hidden_dim"}) {
            if (findField(key)->text(c) != "0")
                failAt(sourceOf(key), std::string(key) +
                                          ": architecture overrides need "
                                          "model.init: scratch (the pre-trained weights fix the "
                                          "shape); remove it or set it to 0");
        }
    }
    if (c.model.dim > 0 && c.model.nHeads > 0 && c.model.dim % c.model.nHeads != 0)
        failAt(sourceOf("model.dim"), "model.dim: " + std::to_string(c.model.dim) +
                                          " is not divisible by model.n_heads " +
                                          std::to_string(c.model.nHeads));
    if (c.train.precision == "bf16" && c.train.device == "cpu")
        failAt(sourceOf("train.precision"),
               "train.precision: bf16 runs on a CUDA GPU only, and train.device is cpu; use "
               "train.precision: fp32, or train.device: cuda (or auto) on a CUDA machine");
    for (const char *key : {"data.train", "data.validation", "data.test"}) {
        if (findField(key)->text(c).empty())
            failAt(sourceOf(key), std::string(key) + ": expected a file name, got an empty string");
    }
}

ExperimentConfig parse(const std::string &yamlText, const std::string &sourceName,
                       const std::string &baseDir, const std::vector<std::string> &overrides)
{
    RawValues values = YamlReader(sourceName, baseDir).read(yamlText);
    for (const std::string &override : overrides)
        applyOverride(override, values);
    ExperimentConfig config;
    for (const Field &field : fields()) {
        const auto it = values.find(field.path);
        if (it != values.end())
            field.assign(config, it->second);
    }
    validate(config, values);
    config.sourcePath = sourceName;
    return config;
}

} // namespace

// ---- the shared text rules (configtext.h) ------------------------------------------------------

namespace configtext {
bool parseDouble(std::string_view text, double &out)
{
    return sentilab::parseDouble(text, out);
}
bool parseInt(std::string_view text, int64_t &out)
{
    return sentilab::parseInt(text, out);
}
bool parseUnsigned(std::string_view text, uint64_t &out)
{
    return sentilab::parseUnsigned(text, out);
}
bool hasYamlContent(const std::string &text)
{
    return sentilab::hasYamlContent(text);
}
int secondDocumentLine(const std::string &text)
{
    return sentilab::secondDocumentLine(text);
}
std::string quoted(const std::string &text)
{
    return sentilab::quoted(text);
}
std::string didYouMean(const std::string &key, const std::vector<std::string> &candidates)
{
    std::string best;
    std::size_t bestDistance = 3;
    for (const std::string &candidate : candidates) {
        const std::size_t d = editDistance(key, candidate);
        if (d < bestDistance) {
            bestDistance = d;
            best = candidate;
        }
    }
    return best.empty() ? std::string() : "; did you mean '" + best + "'?";
}
bool isPlainName(const std::string &name)
{
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '.' || ch == '_' || ch == '-';
    });
}
} // namespace configtext

// ---- ExperimentConfig --------------------------------------------------------------------------

ExperimentConfig ExperimentConfig::fromFile(const std::string &path,
                                            const std::vector<std::string> &overrides)
{
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw Error(path + ": is a folder, not an experiment file; give one of its .yaml files "
                           "(the examples are in experiments/*.yaml)");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open the experiment file (is the path right? the examples "
                           "are in experiments/*.yaml)");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw Error(path + ": reading the experiment file failed");
    const std::string yaml = text.str();
    // An empty file (or one of comments only) would silently run every default: almost always a
    // wrong or truncated file. fromYaml("") still means "defaults plus overrides".
    if (!hasYamlContent(yaml))
        throw Error(path + ": the experiment file is empty (or holds only comments); write at "
                           "least 'kind: finetune' or 'kind: scratch' (see experiments/*.yaml)");
    fs::path base = fs::absolute(fs::path(path), ec).parent_path();
    if (ec)
        base = fs::path(path).parent_path();
    return parse(yaml, path, base.lexically_normal().string(), overrides);
}

ExperimentConfig ExperimentConfig::fromYaml(const std::string &yamlText,
                                            const std::string &sourceName,
                                            const std::vector<std::string> &overrides)
{
    return parse(yamlText, sourceName, std::string(), overrides);
}

std::string ExperimentConfig::toYaml() const
{
    std::string out;
    std::string section;
    for (const Field &field : fields()) {
        if (field.section() != section) {
            section = field.section();
            out += section + ":\n";
        }
        const std::string value = field.text(*this);
        out += (section.empty() ? field.path : "  " + field.key()) + ": " +
               (field.quoted ? quoted(value) : value) + "\n";
    }
    return out;
}

std::string ExperimentConfig::hash() const
{
    return sha256Hex(toYaml());
}

std::vector<std::pair<std::string, std::string>> ExperimentConfig::flatten() const
{
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const Field &field : fields())
        pairs.emplace_back(field.path, field.text(*this));
    return pairs;
}

bool operator==(const ExperimentConfig &a, const ExperimentConfig &b)
{
    return a.toYaml() == b.toYaml();
}

std::string formatConfigNumber(double value)
{
    return formatDouble(value);
}

} // namespace sentilab
