#include <sentilab/distilbertconfig.h>

#include <fstream>
#include <map>
#include <set>

#include <sentilab/error.h>

namespace sentilab {
namespace {

template<typename T>
void readKey(const nlohmann::json &json, const char *key, T &out, const std::string &where)
{
    const auto it = json.find(key);
    if (it == json.end() || it->is_null())
        return;
    try {
        out = it->get<T>();
    } catch (const nlohmann::json::exception &) {
        throw Error(where + ": key '" + key + "' has the wrong type (" + it->type_name()
                    + "): " + it->dump());
    }
}

void requirePositive(int64_t value, const char *key, const std::string &where)
{
    if (value <= 0)
        throw Error(where + ": key '" + key + "' must be a positive integer, got "
                    + std::to_string(value));
}

void requireProbability(double value, const char *key, const std::string &where)
{
    if (!(value >= 0.0 && value < 1.0))
        throw Error(where + ": key '" + key + "' must be in [0, 1), got " + std::to_string(value));
}

const std::set<std::string> &modelledKeys()
{
    static const std::set<std::string> keys = {
        "vocab_size", "max_position_embeddings", "dim", "n_layers", "n_heads", "hidden_dim",
        "dropout", "attention_dropout", "seq_classif_dropout", "initializer_range", "activation",
        "pad_token_id", "sinusoidal_pos_embds", "id2label", "label2id", "num_labels",
        "architectures", "model_type"};
    return keys;
}

} // namespace

DistilBertConfig DistilBertConfig::fromFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open the model configuration (config.json); point the model "
                           "directory at a Hugging Face DistilBERT folder");
    nlohmann::json json;
    try {
        in >> json;
    } catch (const nlohmann::json::parse_error &e) {
        throw Error(path + ": not valid JSON (" + e.what() + ")");
    }
    return fromJson(json, path);
}

DistilBertConfig DistilBertConfig::fromJson(const nlohmann::json &json, const std::string &where)
{
    if (!json.is_object())
        throw Error(where + ": expected a JSON object");
    DistilBertConfig c;
    if (json.contains("model_type") && json["model_type"] != "distilbert")
        throw Error(where + ": model_type is " + json["model_type"].dump()
                    + "; only \"distilbert\" checkpoints are supported");
    readKey(json, "vocab_size", c.vocabSize, where);
    readKey(json, "max_position_embeddings", c.maxPositionEmbeddings, where);
    readKey(json, "dim", c.dim, where);
    readKey(json, "n_layers", c.nLayers, where);
    readKey(json, "n_heads", c.nHeads, where);
    readKey(json, "hidden_dim", c.hiddenDim, where);
    readKey(json, "dropout", c.dropout, where);
    readKey(json, "attention_dropout", c.attentionDropout, where);
    readKey(json, "seq_classif_dropout", c.seqClassifDropout, where);
    readKey(json, "initializer_range", c.initializerRange, where);
    readKey(json, "activation", c.activation, where);
    readKey(json, "pad_token_id", c.padTokenId, where);
    readKey(json, "sinusoidal_pos_embds", c.sinusoidalPosEmbds, where);

    for (auto [value, key] : {std::pair{c.vocabSize, "vocab_size"},
                              {c.maxPositionEmbeddings, "max_position_embeddings"},
                              {c.dim, "dim"}, {c.nLayers, "n_layers"}, {c.nHeads, "n_heads"},
                              {c.hiddenDim, "hidden_dim"}})
        requirePositive(value, key, where);
    if (c.dim % c.nHeads != 0)
        throw Error(where + ": dim " + std::to_string(c.dim) + " is not divisible by n_heads "
                    + std::to_string(c.nHeads));
    requireProbability(c.dropout, "dropout", where);
    requireProbability(c.attentionDropout, "attention_dropout", where);
    requireProbability(c.seqClassifDropout, "seq_classif_dropout", where);
    if (!(c.initializerRange > 0))
        throw Error(where + ": initializer_range must be positive");
    if (c.activation != "gelu" && c.activation != "relu")
        throw Error(where + ": activation '" + c.activation + "' is not supported (gelu, relu)");
    if (c.sinusoidalPosEmbds)
        throw Error(where + ": sinusoidal_pos_embds=true is not supported (learned positions only)");
    if (c.padTokenId < 0 || c.padTokenId >= c.vocabSize)
        throw Error(where + ": pad_token_id " + std::to_string(c.padTokenId) + " is outside the "
                    "vocabulary");

    // id2label {"0": "negative", ...} decides the classes; num_labels alone gives LABEL_i names.
    if (json.contains("id2label")) {
        const auto &map = json["id2label"];
        if (!map.is_object() || map.empty())
            throw Error(where + ": id2label must be a non-empty object {\"0\": \"name\", ...}");
        std::map<int, std::string> byId;
        for (auto it = map.begin(); it != map.end(); ++it) {
            size_t used = 0;
            int id = -1;
            try {
                id = std::stoi(it.key(), &used);
            } catch (const std::exception &) {
            }
            if (used != it.key().size() || id < 0 || id >= int(map.size()) || !it->is_string())
                throw Error(where + ": id2label entry \"" + it.key() + "\" must map an id 0.."
                            + std::to_string(map.size() - 1) + " to a string");
            byId[id] = it->get<std::string>();
        }
        c.labels.clear();
        for (const auto &entry : byId)
            c.labels.push_back(entry.second);
    } else if (json.contains("num_labels")) {
        int64_t n = 0;
        readKey(json, "num_labels", n, where);
        requirePositive(n, "num_labels", where);
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
