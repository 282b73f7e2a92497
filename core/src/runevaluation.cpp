#include <sentilab/training.h>

#include <chrono>
#include <filesystem>

#include <sentilab/error.h>

#include "evaluation.h"
#include "hfcheckpoint.h"

namespace fs = std::filesystem;

namespace sentilab {

std::string bestCheckpointDir(const RunStore &store, int64_t runId)
{
    std::string fallback;
    for (const CheckpointRecord &c : store.checkpoints(runId)) {
        if (!fs::exists(fs::path(c.path) / "config.json"))
            continue;
        if (c.kind == "best")
            return c.path;
        fallback = c.path;
    }
    if (fallback.empty())
        throw Error("run " + std::to_string(runId) + " has no checkpoint on disk yet; train it "
                    "until its first evaluation (or check that its checkpoint folder still exists)");
    return fallback;
}

void deleteRunWithCheckpoints(RunStore &store, int64_t runId)
{
    std::vector<fs::path> folders;
    for (const CheckpointRecord &c : store.checkpoints(runId))
        folders.push_back(fs::path(c.path).parent_path()); // <root>/run-<id>
    store.deleteRun(runId);
    std::error_code ec;
    for (const fs::path &folder : folders)
        fs::remove_all(folder, ec); // best effort: the records are gone either way
}

EvalInfo evaluateRun(const std::string &dbPath, int64_t runId, const std::string &split)
{
    if (split != "validation" && split != "test")
        throw Error("unknown split '" + split + "' (allowed: validation, test)");
    RunStore store = RunStore::open(dbPath);
    const RunInfo info = store.run(runId);
    const ExperimentConfig config = ExperimentConfig::fromYaml(info.configYaml, "run " + std::to_string(runId));
    const std::string dir = bestCheckpointDir(store, runId);
    const std::string vocab = (fs::path(dir) / "vocab.txt").string();
    const Tokenizer tokenizer = Tokenizer::fromVocabFile(vocab);
    const std::string file = resolveDataFile(config.data, split == "test" ? config.data.test
                                                                          : config.data.validation);
    const EncodedSplit data = encodeSplit(tokenizer, readExamples(file, config.data.maxEvalExamples),
                                          config.model.maxLength);
    LoadReport report;
    DistilBertForSequenceClassification model = loadClassifierFolder(dir, &report);

    const auto start = std::chrono::steady_clock::now();
    const EvalResult r = evaluate(*model, data, 64, tokenizer.padId());
    EvalInfo e;
    e.runId = runId;
    e.split = split;
    e.step = info.lastStep;
    for (const CheckpointRecord &c : store.checkpoints(runId))
        if (c.path == dir)
            e.step = c.step;
    e.accuracy = r.accuracy;
    e.f1 = r.f1;
    e.loss = r.loss;
    e.confusion = r.confusion;
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    store.logEval(runId, {split, e.step, 0.0, r.accuracy, r.f1, r.loss, r.confusion, 0.0});
    std::vector<PredictionRow> rows;
    for (int64_t i = 0; i < data.size(); ++i)
        rows.push_back({i, data.labels[size_t(i)], r.predicted[size_t(i)], r.probPositive[size_t(i)]});
    store.logPredictions(runId, split, e.step, rows);
    return e;
}

} // namespace sentilab
