#include <sentilab/training.h>

#include <chrono>
#include <filesystem>

#include <sentilab/error.h>
#include <sentilab/runtime.h>
#include <sentilab/textexcerpt.h>

#include "evaluation.h"
#include "hfcheckpoint.h"

namespace fs = std::filesystem;

namespace sentilab {

namespace {

EvalInfo evaluateRunUnguarded(const std::string &dbPath, int64_t runId, const std::string &split)
{
    if (split != "validation" && split != "test")
        throw Error("unknown split '" + split + "' (allowed: validation, test)");
    RunStore store = RunStore::openExisting(dbPath);
    const RunInfo info = store.run(runId);
    const ExperimentConfig config =
        ExperimentConfig::fromYaml(info.configYaml, "run " + std::to_string(runId));
    const std::string dir = bestCheckpointDir(store, runId);
    const std::string vocab = (fs::path(dir) / "vocab.txt").string();
    const Tokenizer tokenizer = Tokenizer::fromVocabFile(vocab);
    const std::string file =
        resolveDataFile(config.data, split == "test" ? config.data.test : config.data.validation);
    const EncodedSplit data = encodeSplit(
        tokenizer, readExamples(file, config.data.maxEvalExamples), config.model.maxLength);
    LoadReport report;
    DistilBertForSequenceClassification model = loadClassifierFolder(dir, &report);

    const auto start = std::chrono::steady_clock::now();
    const EvalResult r = evaluate(*model, data, 64, tokenizer.padId());
    EvalInfo e;
    e.runId = runId;
    e.split = split;
    e.step = info.lastStep;
    for (const CheckpointRecord &c : store.checkpoints(runId))
        if (checkpointPathOnDisk(store, c.path) == dir)
            e.step = c.step;
    // Keep what the trainer recorded for this evaluation (its epoch and wall time): re-evaluating
    // replaces the numbers, not the history.
    double epoch = 0, wallMs = 0;
    for (const EvalRecord &earlier : store.evals(runId, split))
        if (earlier.step == e.step)
            epoch = earlier.epoch, wallMs = earlier.wallMs;
    e.epoch = epoch;
    e.wallMs = wallMs;
    e.accuracy = r.accuracy;
    e.f1 = r.f1;
    e.loss = r.loss;
    e.confusion = r.confusion;
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    store.logEval(runId, {split, e.step, epoch, r.accuracy, r.f1, r.loss, r.confusion, wallMs});
    std::vector<PredictionRow> rows;
    for (int64_t i = 0; i < data.size(); ++i)
        rows.push_back(
            {i, data.labels[size_t(i)], r.predicted[size_t(i)], r.probPositive[size_t(i)]});
    store.logPredictions(runId, split, e.step, rows);
    return e;
}

} // namespace

EvalInfo evaluateRun(const std::string &dbPath, int64_t runId, const std::string &split)
{
    const ReleaseFreedMemoryOnExit release; // after the model and its tensors are gone
    try {
        return evaluateRunUnguarded(dbPath, runId, split);
    } catch (const c10::Error &e) {
        throw Error("evaluating run " + std::to_string(runId) +
                    " failed: " + excerpt(e.what_without_backtrace(), 400));
    }
}

} // namespace sentilab
