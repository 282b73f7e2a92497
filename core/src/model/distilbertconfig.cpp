#include <sentilab/distilbertconfig.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <sentilab/boundedjson.h>
#include <sentilab/error.h>
#include <sentilab/textexcerpt.h>

namespace sentilab {
namespace {

// The value of `key` when present and not null. Integers must be JSON integers (32.7 or 32.0 is
// an error, not 32) within [lo, hi]; floating-point keys take any finite number.
const nlohmann::json *findKey(const nlohmann::json &json, const char *key)
{
    const auto it = json.find(key);
    return it == json.end() || it->is_null() ? nullptr : &*it;
}

[[noreturn]] void badKey(const std::string &where, const char *key, const std::string &what,
                         const nlohmann::json &value)
{
    throw Error(where + ": key '" + key + "' " + what + ", got " + jsonExcerpt(value) +
                "; fix config.json (a Hugging Face DistilBERT configuration)");
}

void readInteger(const nlohmann::json &json, const char *key, int64_t &out, int64_t lo, int64_t hi,
                 const std::string &where)
{
    const nlohmann::json *value = findKey(json, key);
    if (!value)
        return;
    const std::string range =
        "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    if (!value->is_number_integer())
        badKey(where, key, "must be " + range, *value);
    const bool inRange =
        value->is_number_unsigned()
            ? value->get<uint64_t>() <= uint64_t(hi) && int64_t(value->get<uint64_t>()) >= lo
            : value->get<int64_t>() >= lo && value->get<int64_t>() <= hi;
    if (!inRange)
        badKey(where, key, "must be " + range, *value);
    out = value->get<int64_t>();
}

void readNumber(const nlohmann::json &json, const char *key, double &out, const std::string &where)
{
    const nlohmann::json *value = findKey(json, key);
    if (!value)
        return;
    if (!value->is_number() || !std::isfinite(value->get<double>()))
        badKey(where, key, "must be a number", *value);
    out = value->get<double>();
}

void readString(const nlohmann::json &json, const char *key, std::string &out,
                const std::string &where)
{
    if (const nlohmann::json *value = findKey(json, key)) {
        if (!value->is_string())
            badKey(where, key, "must be a string", *value);
        out = value->get<std::string>();
    }
}

void readBool(const nlohmann::json &json, const char *key, bool &out, const std::string &where)
{
    if (const nlohmann::json *value = findKey(json, key)) {
        if (!value->is_boolean())
            badKey(where, key, "must be true or false", *value);
        out = value->get<bool>();
    }
}

void requireProbability(double value, const char *key, const std::string &where)
{
    if (!(value >= 0.0 && value < 1.0))
        throw Error(where + ": key '" + key + "' must be in [0, 1), got " + std::to_string(value));
}

// Limits far above DistilBERT's (30,522 / 512 / 768 / 6 / 12 / 3,072) that keep a hostile file
// from asking for terabytes or overflowing size arithmetic.
constexpr int64_t kMaxVocab = 1'000'000, kMaxPositions = 16'384, kMaxDim = 8'192, kMaxLayers = 96,
                  kMaxHidden = 65'536;
// Parameters (float32) a configuration may describe: 4 GB of weights.
constexpr double kMaxParameters = 1.0e9;

const std::set<std::string> &modelledKeys()
{
    static const std::set<std::string> keys = {"vocab_size",
                                               "max_position_embeddings",
                                               "dim",
                                               "n_layers",
                                               "n_heads",
                                               "hidden_dim",
                                               "dropout",
                                               "attention_dropout",
                                               "seq_classif_dropout",
                                               "initializer_range",
                                               "activation",
                                               "pad_token_id",
                                               "sinusoidal_pos_embds",
                                               "id2label",
                                               "label2id",
                                               "num_labels",
                                               "architectures",
                                               "model_type"};
    return keys;
}

} // namespace

DistilBertConfig DistilBertConfig::fromFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open the model configuration (config.json); point the model "
                           "directory at a Hugging Face DistilBERT folder");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return fromJson(parseJson(text, path), path);
}

DistilBertConfig DistilBertConfig::fromJson(const nlohmann::json &json, const std::string &where)
{
    if (!json.is_object())
        throw Error(where + ": expected a JSON object");
    DistilBertConfig c;
    if (json.contains("model_type") && json["model_type"] != "distilbert")
        throw Error(where + ": model_type is " + jsonExcerpt(json["model_type"]) +
                    "; only \"distilbert\" checkpoints are supported");
    readInteger(json, "vocab_size", c.vocabSize, 1, kMaxVocab, where);
    readInteger(json, "max_position_embeddings", c.maxPositionEmbeddings, 1, kMaxPositions, where);
    readInteger(json, "dim", c.dim, 1, kMaxDim, where);
    readInteger(json, "n_layers", c.nLayers, 1, kMaxLayers, where);
    readInteger(json, "n_heads", c.nHeads, 1, kMaxDim, where);
    readInteger(json, "hidden_dim", c.hiddenDim, 1, kMaxHidden, where);
    readNumber(json, "dropout", c.dropout, where);
    readNumber(json, "attention_dropout", c.attentionDropout, where);
    readNumber(json, "seq_classif_dropout", c.seqClassifDropout, where);
    readNumber(json, "initializer_range", c.initializerRange, where);
    readString(json, "activation", c.activation, where);
    readInteger(json, "pad_token_id", c.padTokenId, 0, kMaxVocab - 1, where);
    readBool(json, "sinusoidal_pos_embds", c.sinusoidalPosEmbds, where);

    if (c.dim % c.nHeads != 0)
        throw Error(where + ": key 'dim' (" + std::to_string(c.dim) +
                    ") is not divisible by key "
                    "'n_heads' (" +
                    std::to_string(c.nHeads) + ")");
    const double d = double(c.dim);
    const double parameters = double(c.vocabSize + c.maxPositionEmbeddings) * d +
                              double(c.nLayers) * (4 * d * d + 2 * d * double(c.hiddenDim));
    if (parameters > kMaxParameters)
        throw Error(where + ": the configuration describes about " +
                    std::to_string(int64_t(parameters / 1e6)) + " million parameters (" +
                    std::to_string(int64_t(parameters * 4 / 1e9)) +
                    " GB); SentiLab accepts up to " +
                    std::to_string(int64_t(kMaxParameters / 1e6)) +
                    " million: check vocab_size, dim, "
                    "n_layers and hidden_dim");
    requireProbability(c.dropout, "dropout", where);
    requireProbability(c.attentionDropout, "attention_dropout", where);
    requireProbability(c.seqClassifDropout, "seq_classif_dropout", where);
    if (!(c.initializerRange > 0))
        throw Error(where + ": initializer_range must be positive");
    if (c.activation != "gelu" && c.activation != "relu")
        throw Error(where + ": activation '" + excerpt(c.activation, 40) +
                    "' is not supported (gelu, relu)");
    if (c.sinusoidalPosEmbds)
        throw Error(where +
                    ": sinusoidal_pos_embds=true is not supported (learned positions only)");
    if (c.padTokenId < 0 || c.padTokenId >= c.vocabSize)
        throw Error(where + ": key 'pad_token_id' (" + std::to_string(c.padTokenId) +
                    ") is outside the vocabulary (vocab_size " + std::to_string(c.vocabSize) + ")");

    // id2label {"0": "negative", ...} decides the classes; num_labels alone gives LABEL_i names.
    if (json.contains("id2label")) {
        const auto &map = json["id2label"];
        if (!map.is_object() || map.empty() || map.size() > 1000)
            throw Error(where + ": id2label must be an object {\"0\": \"name\", ...} with 1 to "
                                "1000 classes");
        std::map<int, std::string> byId;
        for (auto it = map.begin(); it != map.end(); ++it) {
            size_t used = 0;
            int id = -1;
            try {
                id = std::stoi(it.key(), &used);
            } catch (const std::exception &) {
            }
            if (used != it.key().size() || id < 0 || id >= int(map.size()) || !it->is_string())
                throw Error(where + ": id2label entry \"" + excerpt(it.key(), 40) +
                            "\" must map an id 0.." + std::to_string(map.size() - 1) +
                            " to a string");
            byId[id] = it->get<std::string>();
        }
        c.labels.clear();
        for (const auto &entry : byId)
            c.labels.push_back(entry.second);
    } else if (json.contains("num_labels")) {
        int64_t n = 0;
        readInteger(json, "num_labels", n, 1, 1000, where);
        c.labels.clear();
        for (int64_t i = 0; i < n; ++i)
            c.labels.push_back("LABEL_" + std::to_string(i));
    }

    for (auto it = json.begin(); it != json.end(); ++it) {
        if (!modelledKeys().count(it.key()))
            c.extra[it.key()] = *it;
    }
    return c;
}

nlohmann::json DistilBertConfig::toJson() const
{
    nlohmann::json j = extra;
    j["architectures"] = {"DistilBertForSequenceClassification"};
    j["model_type"] = "distilbert";
    j["vocab_size"] = vocabSize;
    j["max_position_embeddings"] = maxPositionEmbeddings;
    j["dim"] = dim;
    j["n_layers"] = nLayers;
    j["n_heads"] = nHeads;
    j["hidden_dim"] = hiddenDim;
    j["dropout"] = dropout;
    j["attention_dropout"] = attentionDropout;
    j["seq_classif_dropout"] = seqClassifDropout;
    j["initializer_range"] = initializerRange;
    j["activation"] = activation;
    j["pad_token_id"] = padTokenId;
    j["sinusoidal_pos_embds"] = sinusoidalPosEmbds;
    nlohmann::json id2label = nlohmann::json::object();
    nlohmann::json label2id = nlohmann::json::object();
    for (size_t i = 0; i < labels.size(); ++i) {
        id2label[std::to_string(i)] = labels[i];
        label2id[labels[i]] = i;
    }
    j["id2label"] = id2label;
    j["label2id"] = label2id;
    return j;
}

} // namespace sentilab
