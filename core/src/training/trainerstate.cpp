#include "trainerstate.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>
#include <torch/serialize.h>

#include <nlohmann/json.hpp>

#include <sentilab/boundedjson.h>
#include <sentilab/error.h>
#include <sentilab/textexcerpt.h>

#include "durablefiles.h"

#include "hfcheckpoint.h"

namespace fs = std::filesystem;

namespace sentilab {

void saveResumableCheckpoint(const std::string &dir,
                             const DistilBertForSequenceClassificationImpl &model,
                             const torch::optim::AdamW &optimizer, const LoopPosition &position,
                             const std::string &vocabPath)
{
    const std::string tmp = dir + ".tmp";
    std::error_code ec;
    fs::remove_all(tmp, ec);
    saveClassifierFolder(tmp, model, vocabPath);
    try {
        torch::save(optimizer, (fs::path(tmp) / "optimizer.pt").string());
        torch::Tensor rng = at::detail::getDefaultCPUGenerator().get_state();
        torch::save(rng, (fs::path(tmp) / "rng.pt").string());
    } catch (const c10::Error &e) {
        fs::remove_all(tmp, ec);
        throw Error(tmp + ": cannot write the optimizer state (" + e.what_without_backtrace() +
                    "); is the disk full?");
    }
    const nlohmann::json state = {{"step", position.step},
                                  {"epoch", position.epoch},
                                  {"batch_in_epoch", position.batchInEpoch},
                                  {"best_val_accuracy", position.bestValAccuracy},
                                  {"best_step", position.bestStep}};
    writeFileAtomically((fs::path(tmp) / "trainer_state.json").string(), state.dump(2) + "\n");
    replaceDirectory(tmp, dir);
}

LoopPosition loadResumableCheckpoint(const std::string &dir,
                                     DistilBertForSequenceClassificationImpl &model,
                                     torch::optim::AdamW &optimizer)
{
    const fs::path root(dir);
    const std::string statePath = (root / "trainer_state.json").string();
    std::ifstream in(statePath);
    if (!in)
        throw Error(statePath + ": no resumable state; the run has no complete checkpoint to "
                                "continue from (start a new run instead)");
    LoopPosition p;
    try {
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        const nlohmann::json state = parseJson(text, statePath);
        p.step = state.at("step").get<int64_t>();
        p.epoch = state.at("epoch").get<int64_t>();
        p.batchInEpoch = state.at("batch_in_epoch").get<int64_t>();
        p.bestValAccuracy = state.at("best_val_accuracy").get<double>();
        p.bestStep = state.at("best_step").get<int64_t>();
    } catch (const nlohmann::json::exception &e) {
        throw Error(statePath + ": corrupt trainer state (" + excerpt(e.what()) + ")");
    }
    const std::string weights = (root / "model.safetensors").string();
    applyStateDict(model, loadStateDict(weights), weights,
                   {"distilbert.", "pre_classifier.", "classifier."});
    try {
        // Moments onto the model's device, whichever device the run was saved from.
        torch::load(optimizer, (root / "optimizer.pt").string(),
                    model.parameters().front().device());
        torch::Tensor rng;
        torch::load(rng, (root / "rng.pt").string());
        at::Generator generator = at::detail::getDefaultCPUGenerator();
        generator.set_state(rng);
    } catch (const c10::Error &e) {
        throw Error(dir + ": corrupt optimizer or RNG state (" + e.what_without_backtrace() + ")");
    }
    return p;
}

} // namespace sentilab
