#include <sentilab/training.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>

#include <sentilab/device.h>
#include <sentilab/error.h>
#include <sentilab/runtime.h>

#include <sentilab/textexcerpt.h>

#include "durablefiles.h"
#include "evaluation.h"
#include "heartbeat.h"
#include "hfcheckpoint.h"
#include "modelsetup.h"
#include "sha256stream.h"
#include "trainerstate.h"
#include "trainingstep.h"

namespace fs = std::filesystem;

namespace sentilab {

namespace {

using Clock = std::chrono::steady_clock;

// Linear warm-up from 0 to the peak, then linear decay to 0 (Hugging Face's
// get_linear_schedule_with_warmup): the factor for the step about to be taken (0-based).
double scheduleFactor(int64_t step, int64_t warmupSteps, int64_t totalSteps)
{
    if (step < warmupSteps)
        return double(step) / double(std::max<int64_t>(1, warmupSteps));
    return std::max(0.0, double(totalSteps - step) /
                             double(std::max<int64_t>(1, totalSteps - warmupSteps)));
}

class Run
{
public:
    Run(const TrainingRequest &request, const TrainingCallbacks &callbacks)
        : m_request(request), m_callbacks(callbacks)
    {}
    TrainingResult execute();

private:
    void log(const std::string &level, const std::string &message);
    bool cancelled() const { return m_callbacks.cancel && m_callbacks.cancel->load(); }
    void setUp();
    void trainLoop();
    bool evaluateValidation(int64_t epoch, double epochProgress);
    void finalTest();
    void flushMetrics();
    void recordResolvedFacts();
    void checkDataFilesUnchanged() const;
    void fail(const std::string &what);
    void requireRunFolder() const;
    double wallMs() const;

    TrainingRequest m_request;
    const TrainingCallbacks &m_callbacks;
    ExperimentConfig m_config;
    std::optional<RunStore> m_store;
    TrainingResult m_result;
    std::string m_checkpointDir;
    std::string m_dbPath; // absolute
    struct DataFile
    {
        std::string split, path, sha256; // path absolute
    };
    std::vector<DataFile> m_dataFiles;

    ModelSetup m_setup;
    std::optional<Tokenizer> m_tokenizer;
    EncodedSplit m_train, m_validation, m_test;
    std::vector<int64_t> m_subset; // data.subset_size: the examples of the split kept, else empty
    DistilBertForSequenceClassification m_model{nullptr};
    std::optional<TrainingStep> m_step; // owns the optimizer
    LoopPosition m_position;
    int64_t m_totalSteps = 0;
    int64_t m_warmupSteps = 0;
    std::string m_device;      // train.device resolved: "cpu" or "cuda"
    std::string m_loadSummary; // what the pre-trained load did, logged once the run exists
    std::vector<MetricPoint> m_pending;
    Clock::time_point m_sessionStart = Clock::now();
    double m_wallOffsetMs = 0; // wall time of earlier sessions (resume) so curves stay monotonic
};

void Run::log(const std::string &level, const std::string &message)
{
    if (m_store && m_result.runId)
        m_store->logEvent(m_result.runId, level, message);
    if (m_callbacks.onLog)
        m_callbacks.onLog(level, message);
}

double Run::wallMs() const
{
    return m_wallOffsetMs +
           std::chrono::duration<double, std::milli>(Clock::now() - m_sessionStart).count();
}

void Run::flushMetrics()
{
    if (!m_pending.empty()) {
        m_store->logMetrics(m_result.runId, m_pending);
        m_pending.clear();
        // Readers in other processes and threads (study progress, `runs list`) see the step
        // count move between evaluations too.
        m_store->setProgress(m_result.runId, m_position.step, m_totalSteps);
    }
}

TrainingResult Run::execute()
{
    // Absolute paths: the store records where checkpoints are, and a relative path would mean
    // another folder to a command run from another working directory.
    m_dbPath = absolutePath(m_request.dbPath.empty() ? RunStore::defaultPath() : m_request.dbPath);
    m_store.emplace(RunStore::open(m_dbPath));
    const std::string root = m_request.checkpointRoot.empty()
                                 ? defaultCheckpointRoot(m_dbPath)
                                 : absolutePath(m_request.checkpointRoot);
    if (m_request.resumeRunId > 0) {
        const RunInfo info = m_store->run(m_request.resumeRunId);
        if (info.status != RunStatus::Interrupted && info.status != RunStatus::Cancelled)
            throw Error("run " + std::to_string(info.id) + " is " + toString(info.status) +
                        "; only interrupted or cancelled runs can be resumed");
        // The stored config is authoritative: a resumed run must be the same experiment.
        m_config = ExperimentConfig::fromYaml(info.configYaml, "run " + std::to_string(info.id));
        m_result.runId = info.id;
    } else {
        m_config = m_request.config;
    }
    if (m_request.threads >= 0)
        m_config.train.threads = m_request.threads;
    if (!m_request.device.empty())
        m_config.train.device = m_request.device; // e.g. a run started on a GPU resumed here
    setComputeThreads(m_config.train.threads);
    setUp(); // data and model files: errors here throw before a new run is created
    if (m_result.runId)
        checkDataFilesUnchanged();

    if (m_result.runId) {
        m_store->claimRun(m_result.runId);
    } else {
        RunInfo info;
        info.name = m_request.runName;
        info.kind = m_config.kind;
        info.status = RunStatus::Running;
        info.configYaml = m_config.toYaml();
        info.configHash = m_config.hash();
        info.seed = m_config.train.seed;
        info.environment = environmentSummary();
        m_result.runId = m_store->createRun(info);
        if (m_request.runName.empty())
            m_store->renameRun(m_result.runId,
                               m_config.name + "-" + std::to_string(m_result.runId));
        if (m_request.studyId > 0)
            m_store->setStudyCellRun(m_request.studyId, m_request.studyCell, m_result.runId);
        m_store->setParams(m_result.runId, m_config.flatten());
        recordResolvedFacts();
    }
    const Heartbeat heartbeat(m_dbPath, m_result.runId);
    m_checkpointDir = runCheckpointDir(root, m_result.runId);
    // Started first, so that every log line the listener sees names this run.
    if (m_callbacks.onStarted)
        m_callbacks.onStarted(m_result.runId);
    if (!m_loadSummary.empty())
        log("info", m_loadSummary);

    try {
        writeRunFolderMarker(m_checkpointDir, m_result.runId, m_dbPath);
        trainLoop();
        if (!cancelled())
            finalTest();
        flushMetrics();
        if (cancelled()) {
            m_store->setStatus(m_result.runId, RunStatus::Cancelled);
            log("info", "cancelled at step " + std::to_string(m_position.step));
            m_result.status = RunStatus::Cancelled;
        } else {
            m_store->setStatus(m_result.runId, RunStatus::Finished);
            m_result.status = RunStatus::Finished;
        }
    } catch (const c10::Error &e) {
        fail(e.what_without_backtrace());
    } catch (const std::exception &e) {
        // Error, filesystem_error, bad_alloc, SQLite write failures: any failure after the run
        // exists ends it as failed with the reason.
        fail(e.what());
    }
    m_result.bestValAccuracy = m_position.bestValAccuracy;
    return m_result;
}

void Run::fail(const std::string &what)
{
    m_result.status = RunStatus::Failed;
    m_result.error = excerpt(what, 2000);
    try {
        flushMetrics();
    } catch (const std::exception &) {
        m_pending.clear(); // the failure below is what matters; the store may be the problem
    }
    try {
        m_store->setStatus(m_result.runId, RunStatus::Failed, m_result.error);
        log("error", m_result.error);
    } catch (const std::exception &storeError) {
        // Keep the original reason first: it is why the run ended.
        m_result.error += "; in addition, recording the failure in the run store failed: " +
                          excerpt(storeError.what(), 500) +
                          " (the run will show as interrupted once this process exits)";
        if (m_callbacks.onLog)
            m_callbacks.onLog("error", m_result.error);
    }
}

void Run::requireRunFolder() const
{
    std::error_code ec;
    if (!fs::exists(fs::path(m_checkpointDir) / "sentilab-run.json", ec))
        throw Error(m_checkpointDir + ": the run's checkpoint folder disappeared during the run "
                                      "(deleted or moved?); the run stops here. Resume is not "
                                      "possible from this folder: start a new run");
}

void Run::recordResolvedFacts()
{
    std::vector<std::pair<std::string, std::string>> params;
    for (const DataFile &f : m_dataFiles) {
        params.emplace_back("data.resolved." + f.split + ".path", f.path);
        params.emplace_back("data.resolved." + f.split + ".sha256", f.sha256);
    }
    // The exact example counts (after max_*_examples), so readers need not infer them from steps.
    params.emplace_back("data.examples.train", std::to_string(m_train.size()));
    params.emplace_back("data.examples.validation", std::to_string(m_validation.size()));
    params.emplace_back("data.examples.test", std::to_string(m_test.size()));
    params.emplace_back("data.tokens.train", std::to_string(m_train.realTokens));
    if (!m_subset.empty()) {
        // Which examples of the split the run trained on (0-based indices in file order), so a
        // reader can check a study's subsets without re-deriving them.
        std::string rows;
        for (const int64_t index : m_subset)
            rows += (rows.empty() ? "" : ",") + std::to_string(index);
        params.emplace_back("data.subset.rows", rows);
    }
    // The architecture as built (config.json plus the experiment's overrides): a fine-tune run's
    // config says "model.dim 0" (= config.json's), readers need the real numbers.
    const DistilBertConfig &c = m_setup.config;
    for (const auto &[key, value] : std::vector<std::pair<const char *, std::string>>{
             {"vocab_size", std::to_string(c.vocabSize)},
             {"max_position_embeddings", std::to_string(c.maxPositionEmbeddings)},
             {"dim", std::to_string(c.dim)},
             {"n_layers", std::to_string(c.nLayers)},
             {"n_heads", std::to_string(c.nHeads)},
             {"hidden_dim", std::to_string(c.hiddenDim)},
             {"num_labels", std::to_string(c.numLabels())},
             {"dropout", formatConfigNumber(c.dropout)},
             {"attention_dropout", formatConfigNumber(c.attentionDropout)},
             {"seq_classif_dropout", formatConfigNumber(c.seqClassifDropout)}})
        params.emplace_back(std::string("model.resolved.") + key, value);
    params.emplace_back("train.resolved.device", m_device);
    // Where the weights came from: the pre-trained folder, or Hugging Face's random init.
    params.emplace_back("model.resolved.weights", m_setup.pretrainedDir.empty()
                                                      ? "random initialisation"
                                                      : m_setup.pretrainedDir);
    m_store->setParams(m_result.runId, params);
}

void Run::checkDataFilesUnchanged() const
{
    std::map<std::string, std::string> stored;
    for (const auto &kv : m_store->params(m_result.runId))
        stored[kv.first] = kv.second;
    for (const DataFile &f : m_dataFiles) {
        const auto hash = stored.find("data.resolved." + f.split + ".sha256");
        if (hash == stored.end())
            continue; // a run from before data files were recorded
        if (hash->second != f.sha256)
            throw Error(
                "cannot resume run " + std::to_string(m_result.runId) + ": its " + f.split +
                " data was " + stored["data.resolved." + f.split + ".path"] + " (sha256 " +
                hash->second.substr(0, 12) + "...), but the file found now, " + f.path +
                ", has sha256 " + f.sha256.substr(0, 12) +
                "...; a resumed run must read the same sentences. Restore the original "
                "file (or point data.dir / SENTILAB_DATA_DIR back at it) or start a new run");
    }
}

void Run::setUp()
{
    // First, so that train.device: cuda on a CPU-only build fails before any file is read.
    m_device = resolveDevice(m_config.train.device);
    checkPrecision(m_config.train.precision, m_device);
    m_setup = resolveModelSetup(m_config.model);
    m_tokenizer = Tokenizer::fromVocabFile(m_setup.vocabPath);
    const int maxLength = m_config.model.maxLength;
    const DataOptions &d = m_config.data;
    for (const auto &[split, name] :
         {std::pair{"train", d.train}, {"validation", d.validation}, {"test", d.test}}) {
        const std::string path = absolutePath(resolveDataFile(d, name));
        m_dataFiles.push_back({split, path, detail::sha256OfFile(path)});
    }
    std::vector<Example> train = readExamples(resolveDataFile(d, d.train), d.maxTrainExamples);
    if (d.subsetSize > 0) {
        std::vector<int64_t> labels;
        for (const Example &e : train)
            labels.push_back(e.label);
        m_subset = stratifiedSubset(labels, d.subsetSize, d.subsetSeed);
        std::vector<Example> kept;
        for (const int64_t index : m_subset)
            kept.push_back(std::move(train[std::size_t(index)]));
        train = std::move(kept);
    }
    m_train = encodeSplit(*m_tokenizer, train, maxLength);
    m_validation = encodeSplit(
        *m_tokenizer, readExamples(resolveDataFile(d, d.validation), d.maxEvalExamples), maxLength);
    m_test = encodeSplit(*m_tokenizer, readExamples(resolveDataFile(d, d.test), d.maxEvalExamples),
                         maxLength);
    if (m_train.size() == 0)
        throw Error(resolveDataFile(d, d.train) + ": no training examples");

    LoadReport report;
    m_model = buildModel(m_setup, m_config.train.seed, &report);
    if (!m_setup.pretrainedDir.empty())
        m_loadSummary = report.summary();
    // Built (and seeded) on the CPU and then moved, so the initial weights do not depend on the
    // device; the optimizer is made afterwards, its state on the parameters' device.
    if (m_device != "cpu")
        m_model->to(torch::Device(m_device));
    m_step.emplace(*m_model, m_config.train);

    const int64_t stepsPerEpoch =
        (m_train.size() + m_config.train.batchSize - 1) / m_config.train.batchSize;
    m_totalSteps = stepsPerEpoch * m_config.train.epochs;
    m_warmupSteps = int64_t(std::llround(m_config.train.warmupRatio * double(m_totalSteps)));
}

void Run::trainLoop()
{
    const TrainOptions &t = m_config.train;
    const std::string lastDir = (fs::path(m_checkpointDir) / "last").string();
    if (m_request.resumeRunId > 0) {
        if (recoverDirectory(lastDir))
            log("warning", "recovered the last checkpoint from an interrupted folder swap");
        std::error_code ec;
        if (fs::exists(fs::path(lastDir) / "trainer_state.json", ec)) {
            m_position = loadResumableCheckpoint(lastDir, *m_model, m_step->optimizer());
            m_store->deleteMetricsAfter(m_result.runId, m_position.step);
            const auto earlier = m_store->metrics(m_result.runId, "train/loss");
            m_wallOffsetMs = earlier.empty() ? 0.0 : earlier.back().wallMs;
            log("info", "resumed from step " + std::to_string(m_position.step) + " (epoch " +
                            std::to_string(m_position.epoch + 1) + ")");
        } else {
            // Stopped before its first checkpoint: the model, optimizer and generator are exactly
            // as a new run of this config starts them (setUp seeded them), so training from step
            // 0 reproduces the uninterrupted run.
            m_store->deleteMetricsAfter(m_result.runId, 0);
            log("info", "no checkpoint had been saved yet: restarting from step 0 with the same "
                        "seed (the result equals an uninterrupted run)");
        }
    }
    m_store->setProgress(m_result.runId, m_position.step, m_totalSteps);
    m_model->train();

    const int64_t padId = m_tokenizer->padId();
    const int64_t sessionStartStep = m_position.step;
    int64_t sessionSamples = 0, sessionTokens = 0;
    for (int64_t epoch = m_position.epoch; epoch < t.epochs; ++epoch) {
        const std::vector<Batch> plan =
            planEpoch(m_train.lengths, t.batchSize, t.seed, epoch, t.bucketByLength);
        const int64_t firstBatch = epoch == m_position.epoch ? m_position.batchInEpoch : 0;
        for (int64_t b = firstBatch; b < int64_t(plan.size()); ++b) {
            if (cancelled())
                return;
            const double lr = t.lr * scheduleFactor(m_position.step, m_warmupSteps, m_totalSteps);
            const BatchTensors batch = makeBatch(m_train, plan[size_t(b)].indices, padId);
            const StepResult stepResult = m_step->run(batch, lr, m_position.step + 1);
            const double lossValue = stepResult.loss;
            const double gradNorm = stepResult.gradNorm;
            ++m_position.step;
            m_position.epoch = epoch;
            m_position.batchInEpoch = b + 1;

            sessionSamples += batch.ids.size(0);
            sessionTokens += batch.realTokens;
            StepInfo info;
            info.runId = m_result.runId;
            info.step = m_position.step;
            info.totalSteps = m_totalSteps;
            info.epoch = epoch;
            info.epochProgress = double(epoch) + double(b + 1) / double(plan.size());
            info.loss = lossValue;
            info.lr = lr;
            info.gradNorm = gradNorm;
            info.elapsedSeconds =
                std::chrono::duration<double>(Clock::now() - m_sessionStart).count();
            info.samplesPerSecond = double(sessionSamples) / std::max(1e-9, info.elapsedSeconds);
            info.tokensPerSecond = double(sessionTokens) / std::max(1e-9, info.elapsedSeconds);
            const double stepsPerSecond =
                double(m_position.step - sessionStartStep) / std::max(1e-9, info.elapsedSeconds);
            info.etaSeconds =
                double(m_totalSteps - m_position.step) / std::max(1e-9, stepsPerSecond);
            info.wallMs = wallMs();
            if (m_position.step % std::max<int64_t>(1, t.logEvery) == 0 ||
                b + 1 == int64_t(plan.size())) {
                const double now = info.wallMs;
                m_pending.push_back({"train/loss", info.step, now, lossValue});
                m_pending.push_back({"train/lr", info.step, now, lr});
                m_pending.push_back({"train/grad_norm", info.step, now, gradNorm});
                m_pending.push_back({"train/epoch", info.step, now, info.epochProgress});
                m_pending.push_back({"train/samples_per_s", info.step, now, info.samplesPerSecond});
            }
            if (m_pending.size() >= 100)
                flushMetrics();
            if (m_callbacks.onStep)
                m_callbacks.onStep(info);

            const bool epochEnd = b + 1 == int64_t(plan.size());
            const bool lastStep = m_position.step == m_totalSteps;
            // Skipping an epoch end's validation leaves the position at (epoch, last batch + 1),
            // which a resume reads as "this epoch is done".
            if ((epochEnd && (t.evalAtEpochEnd || lastStep)) ||
                (t.evalEvery > 0 && m_position.step % t.evalEvery == 0)) {
                if (epochEnd) {
                    m_position.epoch = epoch + 1;
                    m_position.batchInEpoch = 0;
                }
                if (!evaluateValidation(epoch, info.epochProgress))
                    return; // cancelled during evaluation
                requireRunFolder();
                saveResumableCheckpoint(lastDir, *m_model, m_step->optimizer(), m_position,
                                        m_setup.vocabPath);
                m_store->addCheckpoint(m_result.runId, {"last", m_position.step, lastDir, 0.0});
                m_store->setProgress(m_result.runId, m_position.step, m_totalSteps);
            }
        }
    }
    flushMetrics();
}

bool Run::evaluateValidation(int64_t epoch, double epochProgress)
{
    flushMetrics();
    const auto start = Clock::now();
    const EvalResult r =
        evaluate(*m_model, m_validation, 64, m_tokenizer->padId(), m_callbacks.cancel);
    if (r.cancelled)
        return false;
    EvalInfo info;
    info.runId = m_result.runId;
    info.split = "validation";
    info.step = m_position.step;
    info.epoch = epochProgress;
    info.accuracy = r.accuracy;
    info.f1 = r.f1;
    info.loss = r.loss;
    info.confusion = r.confusion;
    info.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    info.isBest = r.accuracy > m_position.bestValAccuracy;

    const double now = wallMs();
    info.wallMs = now;
    m_store->logEval(m_result.runId, {"validation", info.step, epochProgress, r.accuracy, r.f1,
                                      r.loss, r.confusion, now});
    m_store->logMetrics(m_result.runId, {{"val/accuracy", info.step, now, r.accuracy},
                                         {"val/f1", info.step, now, r.f1},
                                         {"val/loss", info.step, now, r.loss}});
    std::vector<PredictionRow> rows;
    for (int64_t i = 0; i < m_validation.size(); ++i)
        rows.push_back(
            {i, m_validation.labels[size_t(i)], r.predicted[size_t(i)], r.probPositive[size_t(i)]});
    m_store->logPredictions(m_result.runId, "validation", info.step, rows);
    if (info.isBest) {
        m_position.bestValAccuracy = r.accuracy;
        m_position.bestStep = info.step;
        const std::string bestDir = (fs::path(m_checkpointDir) / "best").string();
        const std::string tmp = bestDir + ".tmp";
        requireRunFolder();
        std::error_code ec;
        fs::remove_all(tmp, ec);
        saveClassifierFolder(tmp, *m_model, m_setup.vocabPath);
        replaceDirectory(tmp, bestDir);
        m_store->addCheckpoint(m_result.runId, {"best", info.step, bestDir, r.accuracy});
    }
    log("info", "epoch " + std::to_string(epoch + 1) + " step " + std::to_string(info.step) +
                    ": validation accuracy " + std::to_string(r.accuracy) + ", loss " +
                    std::to_string(r.loss) + (info.isBest ? " (best so far)" : ""));
    if (m_callbacks.onEval)
        m_callbacks.onEval(info);
    return true;
}

void Run::finalTest()
{
    // Test with the best validation checkpoint, as the experiment protocol says.
    const std::string bestDir = (fs::path(m_checkpointDir) / "best").string();
    const std::string weights = (fs::path(bestDir) / "model.safetensors").string();
    std::error_code ec;
    if (!fs::exists(weights, ec))
        throw Error(weights + ": the best checkpoint is missing (was the checkpoint folder deleted "
                              "or moved during the run?); the test split was not evaluated");
    applyStateDict(*m_model, loadStateDict(weights), weights,
                   {"distilbert.", "pre_classifier.", "classifier."});
    const auto start = Clock::now();
    const EvalResult r = evaluate(*m_model, m_test, 64, m_tokenizer->padId(), m_callbacks.cancel);
    if (r.cancelled)
        return;
    const double now = wallMs();
    const int64_t step = m_position.bestStep >= 0 ? m_position.bestStep : m_position.step;
    m_store->logEval(m_result.runId, {"test", step, double(m_config.train.epochs), r.accuracy, r.f1,
                                      r.loss, r.confusion, now});
    std::vector<PredictionRow> rows;
    for (int64_t i = 0; i < m_test.size(); ++i)
        rows.push_back(
            {i, m_test.labels[size_t(i)], r.predicted[size_t(i)], r.probPositive[size_t(i)]});
    m_store->logPredictions(m_result.runId, "test", step, rows);
    m_result.testAccuracy = r.accuracy;
    m_result.testF1 = r.f1;
    log("info", "test accuracy " + std::to_string(r.accuracy) + ", F1 " + std::to_string(r.f1) +
                    " (best checkpoint, step " + std::to_string(step) + ")");
    if (m_callbacks.onEval) {
        EvalInfo info;
        info.runId = m_result.runId;
        info.split = "test";
        info.step = step;
        info.epoch = double(m_config.train.epochs);
        info.wallMs = now;
        info.accuracy = r.accuracy;
        info.f1 = r.f1;
        info.loss = r.loss;
        info.confusion = r.confusion;
        info.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        m_callbacks.onEval(info);
    }
}

} // namespace

TrainingResult runTraining(const TrainingRequest &request, const TrainingCallbacks &callbacks)
{
    const ReleaseFreedMemoryOnExit release; // after the Run and its tensors are gone
    try {
        return Run(request, callbacks).execute();
    } catch (const Error &) {
        throw;
    } catch (const c10::Error &e) {
        throw Error("training setup failed: " + excerpt(e.what_without_backtrace(), 1000));
    } catch (const std::exception &e) {
        // e.g. std::filesystem_error for a path the system refuses ("File name too long").
        throw Error("training setup failed: " + excerpt(e.what(), 1000));
    }
}

} // namespace sentilab
