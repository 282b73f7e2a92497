#pragma once
// Data-efficiency studies: how many labelled sentences each kind of model needs. A study file
// (experiments/studies/*.yaml) names a fine-tune and a scratch experiment and a grid of training-
// set sizes x seeds; every cell of the grid is an ordinary run in the store, tagged with its study
// and cell. Torch-free and Qt-free.
//
// The rules a study follows (the same for both kinds, so only initialisation differs):
//  - Subsets: stratifiedSubset() of the training split with the study's data_seed: label
//    proportions kept, nested (a smaller size's sentences are inside every larger one), the same
//    sentences for both kinds and every seed. Validation and test are always the full splits.
//  - Step budget: a cell trains max(epochs, ceil(min_steps / steps per epoch)) epochs of its
//    experiment (at most 1000), so a 1 % subset still gets at least min_steps optimizer steps, and
//    validates evals_per_run times (eval_every = total steps / evals_per_run, at least 1, and at
//    the last step; not at every epoch end); the best validation checkpoint is tested, as in
//    every run.
//  - Order: cheapest cells first (fewest steps, then size, kind, seed), so the curve fills in
//    from the left while the large cells run.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <sentilab/experimentconfig.h>
#include <sentilab/runstore.h>
#include <sentilab/training.h>

namespace sentilab {

// One training-set size as written: a fraction of the split ("5%", 0.05) or a count (346).
struct StudySize
{
    double fraction = 0; // in (0, 1] when given as a fraction, else 0
    int64_t count = 0;   // > 0 when given as a count, else 0
    std::string text;    // as written, for messages

    // Sentences for a split of `splitSize`: round(fraction * splitSize) (at least 2), or count.
    int64_t resolve(int64_t splitSize) const;
};

struct StudyConfig
{
    std::string name;        // name: [A-Za-z0-9._-]{1,64}
    std::string description; // description: free text
    std::string finetune;    // finetune: experiment file of the pre-trained side
    std::string scratch;     // scratch: experiment file of the random-init side
    std::vector<std::string> kinds = {"finetune", "scratch"}; // kinds: which sides to train
    std::vector<StudySize> sizes;                             // sizes: at least one, distinct
    std::vector<uint64_t> seeds;                              // seeds: at least one, distinct
    uint64_t dataSeed = 1;                                    // data_seed: which sentences
    int64_t minSteps = 100;                                   // min_steps: 1..100000
    int64_t evalsPerRun = 5;                                  // evals_per_run: 1..1000
    std::vector<std::string> overrides; // set: ["train.threads=0", ...] for both experiments
    std::string sourcePath;             // the file it was read from; not serialised

    // Reads a study file; relative experiment paths are made absolute against its folder.
    // Errors name "<file>:<line>: <key>: <what>" like ExperimentConfig's, and also cover the
    // experiment files (each must load, have the kind it is named for, and accept `set`).
    static StudyConfig fromFile(const std::string &path);
    // As fromFile on text; relative experiment paths are taken against `baseDir` (empty = as is).
    static StudyConfig fromYaml(const std::string &yamlText, const std::string &sourceName,
                                const std::string &baseDir = {});
    // Every key, fixed order; fromYaml(toYaml()) gives back the same study.
    std::string toYaml() const;
    // The experiment of `kind` with the overrides applied (throws as ExperimentConfig::fromFile).
    ExperimentConfig experiment(const std::string &kind) const;
};

// The cells of a study, in run order, each with its full experiment. Reads the training split (to
// turn fractions into counts and check every size fits). Throws sentilab::Error naming the study
// file and size that does not fit, or the experiment or data that cannot be read.
struct StudyPlan
{
    StudyConfig config;
    int64_t trainSplitSize = 0;
    std::vector<StudyCell> cells;
};
// `adjust`, when given, edits each experiment first (the desktop fills in its data and model
// folders from its settings).
StudyPlan planStudy(const StudyConfig &config,
                    const std::function<void(ExperimentConfig &)> &adjust = {});

// Creates the study and its cells in the store; returns its id.
int64_t createStudy(RunStore &store, const StudyPlan &plan);

// Where a study stands. Status: "planned" (no cell started), "running" (a cell's run is running),
// "finished" (every cell's run ended finished or failed), "cancelled" (stopped by the user),
// "stopped" (interrupted: closed or killed; resume continues it).
struct StudyProgress
{
    int64_t studyId = 0;
    std::string status;
    int64_t cells = 0, cellsFinished = 0, cellsFailed = 0, cellsRunning = 0;
    int64_t steps = 0, stepsDone = 0; // optimizer steps of all cells / done so far
    // Seconds of training left at the measured speed of each kind; -1 when a kind with work left
    // has no measurement yet (no run of that kind and architecture has trained a few steps).
    double etaSeconds = -1;
    std::string etaBasis; // how the speed was measured, e.g. "scratch 2.1 s/step from 3 runs"
};
StudyProgress studyProgress(const RunStore &store, int64_t studyId);
// The same estimate for a plan not yet in the store, from the speed of earlier runs in `store`.
StudyProgress planEstimate(const RunStore &store, const StudyPlan &plan);

// The next cell to train, cheapest first, skipping `busy` cells and cells whose run is running,
// finished or failed; nullopt when there is none.
std::optional<StudyCell> nextStudyCell(const RunStore &store, int64_t studyId,
                                       const std::set<int64_t> &busy = {});
// What trains a cell: its frozen experiment, tagged with the study and cell; a cell whose run was
// interrupted or cancelled resumes that run.
TrainingRequest studyCellRequest(const RunStore &store, int64_t studyId, const StudyCell &cell,
                                 const std::string &dbPath, const std::string &checkpointRoot);

struct StudyCallbacks
{
    std::function<void(const StudyCell &, int64_t runId)> onCellStarted;
    std::function<void(const StudyCell &, const TrainingResult &)> onCellEnded;
    TrainingCallbacks training; // passed to every cell's runTraining (its cancel stops the study)
};

// Trains the study's remaining cells one after the other on the calling thread (the CLI; the
// desktop app queues cells in its job queue instead). Clears a previous cancel first. A cell that
// fails is recorded and the study goes on; a cancel ends the current cell as cancelled and marks
// the study cancelled. Returns the progress at the end. Throws sentilab::Error when a cell cannot
// start at all (missing data or weights), after which the study can be resumed.
StudyProgress runStudy(const std::string &dbPath, const std::string &checkpointRoot,
                       int64_t studyId, int threads, const StudyCallbacks &callbacks = {});

} // namespace sentilab
