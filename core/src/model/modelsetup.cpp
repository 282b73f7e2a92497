#include "modelsetup.h"

#include <filesystem>

#include <sentilab/error.h>

#include "hfcheckpoint.h"

namespace fs = std::filesystem;

namespace sentilab {
namespace {

void applyOverrides(const ModelOptions &m, DistilBertConfig &c)
{
    if (m.dim > 0)
        c.dim = m.dim;
    if (m.nLayers > 0)
        c.nLayers = m.nLayers;
    if (m.nHeads > 0)
        c.nHeads = m.nHeads;
    if (m.hiddenDim > 0)
        c.hiddenDim = m.hiddenDim;
    if (m.dropout >= 0)
        c.dropout = m.dropout;
    if (m.attentionDropout >= 0)
        c.attentionDropout = m.attentionDropout;
    if (m.seqClassifDropout >= 0)
        c.seqClassifDropout = m.seqClassifDropout;
    if (c.dim % c.nHeads != 0)
        throw Error("model: dim " + std::to_string(c.dim) + " is not divisible by n_heads " +
                    std::to_string(c.nHeads));
    if (c.labels.size() != 2)
        c.labels = {"negative", "positive"}; // SST-2 is binary whatever the source config says
}

} // namespace

ModelSetup resolveModelSetup(const ModelOptions &m)
{
    ModelSetup s;
    std::string configPath = m.configJson;
    if (m.init == "pretrained") {
        s.pretrainedDir = resolvePretrainedDir(m);
        if (configPath.empty())
            configPath = (fs::path(s.pretrainedDir) / "config.json").string();
    } else if (configPath.empty()) {
        // Architecture and vocabulary only: a scratch run never needs the 268 MB weights.
        configPath = (fs::path(resolveArchitectureDir(m)) / "config.json").string();
    }
    s.config = DistilBertConfig::fromFile(configPath);
    applyOverrides(m, s.config);
    s.vocabPath =
        m.vocab.empty() ? (fs::path(configPath).parent_path() / "vocab.txt").string() : m.vocab;
    if (!fs::is_regular_file(s.vocabPath))
        throw Error(s.vocabPath +
                    ": vocabulary not found; set model.vocab to the model's vocab.txt");
    return s;
}

DistilBertForSequenceClassification buildModel(const ModelSetup &setup, uint64_t seed,
                                               LoadReport *report)
{
    torch::manual_seed(seed);
    DistilBertForSequenceClassification model(setup.config);
    model->initWeights();
    if (!setup.pretrainedDir.empty()) {
        const std::string weights = findWeightsFile(setup.pretrainedDir);
        LoadReport r = applyStateDict(*model, loadStateDict(weights), weights, {"distilbert."});
        if (report)
            *report = std::move(r);
    }
    return model;
}

} // namespace sentilab
