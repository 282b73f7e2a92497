// Reading and writing study files (StudyConfig in sentilab/study.h), with the text rules of the
// experiment parser (configtext.h): the same numbers, empty-file, second-document and misspelt-key
// handling, and "<file>:<line>: <key>: <what>" errors.
#include <sentilab/study.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <sentilab/error.h>

#include "configtext.h"

namespace fs = std::filesystem;

namespace sentilab {
namespace {

constexpr std::size_t kMaxCells = 1000;

const std::vector<std::string> &studyKeys()
{
    static const std::vector<std::string> keys = {
        "name",  "description", "finetune",  "scratch",       "kinds", "sizes",
        "seeds", "data_seed",   "min_steps", "evals_per_run", "set"};
    return keys;
}

class StudyReader
{
public:
    StudyReader(std::string sourceName, std::string baseDir)
        : m_source(std::move(sourceName)), m_baseDir(std::move(baseDir))
    {}

    StudyConfig read(const std::string &text)
    {
        if (const int line = configtext::secondDocumentLine(text); line > 0)
            throw Error(m_source + ":" + std::to_string(line) +
                        ": more than one YAML document; a study file holds exactly one");
        YAML::Node root;
        try {
            root = YAML::Load(text);
        } catch (const YAML::DeepRecursion &e) {
            fail(e.mark, "invalid YAML: nested more than " + std::to_string(e.depth()) +
                             " levels deep; a study file is two levels deep");
        } catch (const YAML::Exception &e) {
            fail(e.mark, "invalid YAML: " + e.msg);
        }
        if (!root.IsMap())
            fail(root.Mark(), "expected a mapping of keys at the top level (" + keyList() +
                                  "), e.g. 'name: data-efficiency'");
        StudyConfig c;
        std::map<std::string, YAML::Node> given;
        for (auto it = root.begin(); it != root.end(); ++it) {
            const YAML::Node key = it->first;
            if (!key.IsScalar())
                fail(key.Mark(), "keys must be plain names");
            const std::string name = key.Scalar();
            const auto &keys = studyKeys();
            if (std::find(keys.begin(), keys.end(), name) == keys.end())
                fail(key.Mark(), "unknown key '" + name + "' (allowed: " + keyList() + ")" +
                                     configtext::didYouMean(name, keys));
            if (given.count(name))
                fail(key.Mark(), "duplicate key '" + name + "'");
            given[name] = it->second;
        }
        for (const char *required : {"name", "sizes", "seeds"})
            if (!given.count(required))
                fail(root.Mark(),
                     std::string("missing key '") + required + "' (" + example(required) + ")");
        c.name = scalar(given, "name", "a name of 1 to 64 characters from A-Z a-z 0-9 . _ -");
        if (!configtext::isPlainName(c.name))
            fail(given["name"].Mark(), "name: expected 1 to 64 characters from A-Z a-z 0-9 . _ - "
                                       "(it prefixes run names), got '" +
                                           c.name + "'");
        if (given.count("description"))
            c.description = scalar(given, "description", "free text");
        if (given.count("kinds")) {
            c.kinds.clear();
            for (const YAML::Node &n : sequence(given, "kinds", "a list of finetune and scratch")) {
                const std::string kind = itemScalar(n, "kinds", "finetune or scratch");
                if (kind != "finetune" && kind != "scratch")
                    fail(n.Mark(), "kinds: expected finetune or scratch, got '" + kind + "'");
                if (std::find(c.kinds.begin(), c.kinds.end(), kind) != c.kinds.end())
                    fail(n.Mark(), "kinds: '" + kind + "' is listed twice");
                c.kinds.push_back(kind);
            }
        }
        for (const std::string &kind : c.kinds) {
            if (!given.count(kind))
                fail(root.Mark(), "missing key '" + kind + "': the experiment file of the " + kind +
                                      " side (e.g. '" + kind + ": ../" + kind +
                                      ".yaml'), or leave " + kind + " out of 'kinds'");
            std::string path = scalar(given, kind, "the path of an experiment file");
            if (!path.empty() && !m_baseDir.empty() && fs::path(path).is_relative())
                path = (fs::path(m_baseDir) / path).lexically_normal().string();
            (kind == "finetune" ? c.finetune : c.scratch) = path;
        }
        for (const YAML::Node &n : sequence(given, "sizes", "a list of sizes like [1%, 5%, 346]"))
            c.sizes.push_back(size(n));
        for (const YAML::Node &n : sequence(given, "seeds", "a list of seeds like [1, 2, 3]")) {
            uint64_t seed = 0;
            if (!configtext::parseUnsigned(itemScalar(n, "seeds", "an integer >= 0"), seed))
                fail(n.Mark(), "seeds: expected an integer >= 0, got '" + n.Scalar() + "'");
            if (std::find(c.seeds.begin(), c.seeds.end(), seed) != c.seeds.end())
                fail(n.Mark(), "seeds: " + n.Scalar() + " is listed twice");
            c.seeds.push_back(seed);
        }
        // Each cell is a full training run; a grid of millions (1000 sizes x 1000 seeds) would
        // only exhaust memory while planning.
        const std::size_t cells = c.sizes.size() * c.seeds.size() * c.kinds.size();
        if (cells > kMaxCells)
            fail(given["seeds"].Mark(),
                 "sizes x seeds x kinds is " + std::to_string(cells) + " runs; a study holds at " +
                     "most " + std::to_string(kMaxCells) + " (split it into several studies)");
        if (given.count("data_seed") &&
            !configtext::parseUnsigned(scalar(given, "data_seed", "an integer >= 0"), c.dataSeed))
            fail(given["data_seed"].Mark(),
                 "data_seed: expected an integer >= 0, got '" + given["data_seed"].Scalar() + "'");
        c.minSteps = integer(given, "min_steps", 1, 100000, c.minSteps);
        c.evalsPerRun = integer(given, "evals_per_run", 1, 1000, c.evalsPerRun);
        if (given.count("set"))
            for (const YAML::Node &n : sequence(
                     given, "set", "a list of key=value overrides like [train.threads=0]", true))
                c.overrides.push_back(itemScalar(n, "set", "a key=value override"));
        c.sourcePath = m_source;
        return c;
    }

private:
    [[noreturn]] void fail(const YAML::Mark &mark, const std::string &message) const
    {
        throw Error(m_source + (mark.is_null() ? "" : ":" + std::to_string(mark.line + 1)) + ": " +
                    message);
    }
    static std::string keyList()
    {
        std::string s;
        for (const std::string &k : studyKeys())
            s += (s.empty() ? "" : ", ") + k;
        return s;
    }
    static std::string example(const std::string &key)
    {
        if (key == "sizes")
            return "e.g. 'sizes: [1%, 5%, 10%]'";
        if (key == "seeds")
            return "e.g. 'seeds: [1, 2, 3]'";
        return "e.g. 'name: data-efficiency'";
    }
    std::string scalar(std::map<std::string, YAML::Node> &given, const std::string &key,
                       const std::string &expect) const
    {
        const YAML::Node &n = given[key];
        if (!n.IsScalar())
            fail(n.Mark(), key + ": expected " + expect + ", got " +
                               (n.IsNull()  ? "nothing"
                                : n.IsMap() ? "a mapping"
                                            : "a sequence"));
        return n.Scalar();
    }
    std::string itemScalar(const YAML::Node &n, const std::string &key,
                           const std::string &expect) const
    {
        if (!n.IsScalar())
            fail(n.Mark(), key + ": each item must be " + expect);
        return n.Scalar();
    }
    std::vector<YAML::Node> sequence(std::map<std::string, YAML::Node> &given,
                                     const std::string &key, const std::string &expect,
                                     bool allowEmpty = false) const
    {
        const YAML::Node &n = given[key];
        if (!n.IsSequence() || (n.size() == 0 && !allowEmpty))
            fail(n.Mark(), key + ": expected " + expect);
        if (n.size() > 1000)
            fail(n.Mark(), key + ": " + std::to_string(n.size()) + " items; at most 1000");
        return std::vector<YAML::Node>(n.begin(), n.end());
    }
    int64_t integer(std::map<std::string, YAML::Node> &given, const std::string &key, int64_t lo,
                    int64_t hi, int64_t fallback) const
    {
        if (!given.count(key))
            return fallback;
        const std::string expect =
            "an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
        int64_t value = 0;
        if (!configtext::parseInt(scalar(given, key, expect), value) || value < lo || value > hi)
            fail(given[key].Mark(),
                 key + ": expected " + expect + ", got '" + given[key].Scalar() + "'");
        return value;
    }
    StudySize size(const YAML::Node &n) const
    {
        StudySize s;
        s.text = itemScalar(n, "sizes", "a percentage (5%), a fraction (0.05) or a count (346)");
        const std::string &t = s.text;
        double value = 0;
        const bool percent = !t.empty() && t.back() == '%';
        const bool integral = t.find_first_of(".eE%") == std::string::npos;
        int64_t count = 0;
        if (percent && configtext::parseDouble(t.substr(0, t.size() - 1), value) && value > 0 &&
            value <= 100)
            s.fraction = value / 100.0;
        else if (!percent && integral && configtext::parseInt(t, count) && count >= 2)
            s.count = count;
        else if (!percent && !integral && configtext::parseDouble(t, value) && value > 0 &&
                 value <= 1)
            s.fraction = value;
        else
            fail(n.Mark(), "sizes: expected a percentage in (0%, 100%], a fraction in (0, 1] or a "
                           "count >= 2, got '" +
                               t + "'");
        return s;
    }

    std::string m_source;
    std::string m_baseDir;
};

std::string quotedList(const std::vector<std::string> &items)
{
    std::string s = "[";
    for (std::size_t i = 0; i < items.size(); ++i)
        s += (i ? ", " : "") + configtext::quoted(items[i]);
    return s + "]";
}

} // namespace

int64_t StudySize::resolve(int64_t splitSize) const
{
    if (count > 0)
        return count;
    return std::max<int64_t>(2, int64_t(std::llround(fraction * double(splitSize))));
}

StudyConfig StudyConfig::fromFile(const std::string &path)
{
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw Error(path + ": is a folder, not a study file; give one of its .yaml files (the "
                           "examples are in experiments/studies/)");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open the study file (is the path right? the examples are in "
                           "experiments/studies/)");
    std::ostringstream text;
    text << in.rdbuf();
    if (!configtext::hasYamlContent(text.str()))
        throw Error(path + ": the study file is empty (or holds only comments); see "
                           "experiments/studies/*.yaml");
    fs::path base = fs::absolute(fs::path(path), ec).parent_path();
    StudyConfig c = fromYaml(text.str(), path, base.lexically_normal().string());
    for (const std::string &kind : c.kinds)
        c.experiment(kind); // every experiment file must load with the study's overrides
    return c;
}

StudyConfig StudyConfig::fromYaml(const std::string &yamlText, const std::string &sourceName,
                                  const std::string &baseDir)
{
    return StudyReader(sourceName, baseDir).read(yamlText);
}

std::string StudyConfig::toYaml() const
{
    std::vector<std::string> sizeTexts;
    for (const StudySize &s : sizes)
        sizeTexts.push_back(s.text);
    std::string seedText = "[";
    for (std::size_t i = 0; i < seeds.size(); ++i)
        seedText += (i ? ", " : "") + std::to_string(seeds[i]);
    seedText += "]";
    std::string out;
    out += "name: " + configtext::quoted(name) + "\n";
    out += "description: " + configtext::quoted(description) + "\n";
    out += "finetune: " + configtext::quoted(finetune) + "\n";
    out += "scratch: " + configtext::quoted(scratch) + "\n";
    out += "kinds: " + quotedList(kinds) + "\n";
    out += "sizes: " + quotedList(sizeTexts) + "\n";
    out += "seeds: " + seedText + "\n";
    out += "data_seed: " + std::to_string(dataSeed) + "\n";
    out += "min_steps: " + std::to_string(minSteps) + "\n";
    out += "evals_per_run: " + std::to_string(evalsPerRun) + "\n";
    out += "set: " + quotedList(overrides) + "\n";
    return out;
}

ExperimentConfig StudyConfig::experiment(const std::string &kind) const
{
    const std::string &path = kind == "finetune" ? finetune : scratch;
    if (path.empty())
        throw Error(sourcePath + ": " + kind + ": no experiment file given for the " + kind +
                    " side");
    ExperimentConfig e;
    try {
        e = ExperimentConfig::fromFile(path, overrides);
    } catch (const Error &error) {
        throw Error(sourcePath + ": " + kind + ": " + error.what());
    }
    if (e.kind != kind)
        throw Error(sourcePath + ": " + kind + ": " + path + " is a " + e.kind +
                    " experiment; the " + kind + " key needs a " + kind + " one");
    if (e.data.subsetSize > 0)
        throw Error(sourcePath + ": " + kind + ": " + path +
                    " sets data.subset_size; a study chooses the subsets itself, remove it");
    return e;
}

} // namespace sentilab
