#pragma once
// The read model: what a run was and how runs compare, computed once from the run store for every
// view (the desktop dashboard and charts, the PDF report, `sentilab-cli compare` and `runs show`).
// A view formats these values; it never re-derives them, so no two views can disagree.
//
// Torch-free and Qt-free. Returns values, not text. Reads committed data only (one RunStore per
// thread, as always); a run that is still training gives its state so far.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <sentilab/runstore.h>

namespace sentilab {

// True for the validation split under either of its names ("val", "validation").
bool isValidationSplit(const std::string &split);

// The network a run trained, as built (after the experiment's overrides of config.json).
struct ModelArchitecture
{
    int64_t vocabSize = 0, maxPositions = 0, dim = 0, layers = 0, heads = 0, hiddenDim = 0;
    int64_t labels = 0;
    double dropout = -1, attentionDropout = -1, classifierDropout = -1;
    int64_t parameters = 0; // trainable parameters of DistilBertForSequenceClassification
    // The initial weights: the pre-trained folder the run loaded, "random initialisation", or ""
    // when the run did not record it.
    std::string weights;
    // Where the numbers come from: "run" (recorded by the trainer), "checkpoint" (the config.json
    // of the run's checkpoint, for runs recorded before the trainer did), "" = unknown.
    std::string source;
    bool known() const { return !source.empty(); }
};

// Parameters of DistilBertForSequenceClassification with this architecture (embeddings, layers,
// pre-classifier and classifier): 66,955,010 for distilbert-base-uncased with two labels.
int64_t parameterCount(const ModelArchitecture &a);

struct SplitSizes
{
    int64_t train = -1, validation = -1, test = -1; // examples after max_*_examples; -1 = unknown
};

struct RunSummary
{
    RunInfo info;
    // The flattened experiment configuration ("train.lr" -> "5e-05"), ordered as the config
    // parser writes it; the model overrides left at "use config.json's" (model.dim 0,
    // model.dropout -1, ...) carry the values the run was built with when the architecture is
    // known. For a config this build cannot parse: the stored params.
    std::vector<std::pair<std::string, std::string>> config;
    std::vector<MetricPoint> trainLoss;       // "train/loss" by step (wall time from the trainer)
    std::vector<MetricPoint> learningRate;    // "train/lr" by step
    std::vector<EvalRecord> validation;       // by step
    std::optional<EvalRecord> bestValidation; // highest accuracy, earliest on ties
    std::optional<EvalRecord> lastValidation;
    std::optional<EvalRecord> test; // the latest test evaluation (the best checkpoint's)
    SplitSizes examples;
    double trainingSeconds = -1; // RunStore::trainingSeconds
    ModelArchitecture architecture;
    std::string checkpointDir;     // best (else last) checkpoint folder on disk; empty if none
    std::string checkpointProblem; // why checkpointDir is empty

    // The config value for `key`, or `fallback` when the run has none.
    std::string param(const std::string &key, const std::string &fallback = {}) const;
};

// Throws sentilab::Error "no run N in <db>" for an unknown run.
RunSummary summarizeRun(const RunStore &store, int64_t runId);

// One point of the validation-accuracy difference curve A − B.
struct DifferencePoint
{
    int64_t step = 0;
    double points = 0;         // (accuracy A − accuracy B) × 100
    bool interpolated = false; // one of the runs did not evaluate at this step
};

// A test sentence on which the compared runs predict different labels.
struct Disagreement
{
    int64_t index = 0; // example index in the test split
    int64_t label = 0; // gold label
    PredictionRow a, b;
    std::string text; // the sentence; empty when the test file cannot be read (see textError)
};

struct Comparison
{
    std::vector<RunSummary> runs; // in the order asked for
    // The compared pair, indices into runs (-1 when fewer than two runs): per kind the first run
    // with a validation evaluation, else the first run of that kind; a = fine-tune, b = scratch
    // when both kinds are present (kindsDiffer), else the first two runs.
    int a = -1, b = -1;
    bool kindsDiffer = false;
    // Every validation step of either run inside the step range both cover, by step; the other
    // run's accuracy linearly interpolated between its evaluations. Empty until both evaluated.
    std::vector<DifferencePoint> difference;
    // What differs between A and B besides the initialisation, so a reader knows whether the
    // comparison is fair: "model" (architecture), "data" (training examples, max length) and
    // "recipe" (optimiser, schedule, batch, epochs, dropout) entries, each with the values.
    struct Difference
    {
        std::string aspect; // "model" | "data" | "recipe"
        std::string key;    // e.g. "model.dim", "data.examples.train", "train.lr"
        std::string a, b;   // the two values
    };
    std::vector<Difference> differences;
    // The first validation evaluation of A that reached B's best accuracy; nullopt if none.
    std::optional<EvalRecord> aMatchedBestOfB;
    // Test predictions joined by example index (0 when either run has none yet).
    int64_t testJoined = 0;
    int64_t aRightOnDisagreements = 0, bRightOnDisagreements = 0;
    // McNemar's exact test on those counts (studyanalysis.h mcnemarExactP); 1 when they are 0.
    double mcnemarP = 1;
    std::vector<Disagreement> disagreements; // by example index
    std::string textError;                   // why sentences are missing, empty otherwise

    bool hasPair() const { return a >= 0 && b >= 0; }
};

// Throws sentilab::Error for an unknown run id. Duplicate ids are compared as given.
Comparison compareRuns(const RunStore &store, const std::vector<int64_t> &runIds);

// How long a training step of this kind and batch size took here: the newest finished run of
// `kind` with train.batch_size == `batchSize` (and, when `dim` > 0, that model width), its
// training time divided by its steps. nullopt when no such run exists.
struct StepTime
{
    double secondsPerStep = 0;
    int64_t runId = 0; // the run it was measured on
};
std::optional<StepTime> measuredStepTime(const RunStore &store, const std::string &kind,
                                         int64_t batchSize, int64_t dim = 0);

// The runs among `runIds` whose experiments differ only in train.seed, in groups of two or more,
// each in the order given (e.g. one cell size of a study, or repeated runs of one file). The
// training charts draw each group's spread as a band.
std::vector<std::vector<int64_t>> seedGroups(const RunStore &store,
                                             const std::vector<int64_t> &runIds);

// Machine-readable forms (`sentilab-cli compare --json`, `runs show --json`): numbers as numbers,
// NaN and absent values as null, accuracies as fractions in [0, 1].
nlohmann::json toJson(const RunSummary &summary);
nlohmann::json toJson(const Comparison &comparison);

} // namespace sentilab
