#pragma once
// Torch-free facade of the training engine: one call trains (or resumes) a run described by an
// ExperimentConfig, records everything in the SQLite run store and reports progress through plain
// callbacks. No Qt: the UI wraps this in a worker object on its own QThread.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <sentilab/experimentconfig.h>
#include <sentilab/runstore.h>

namespace sentilab {

struct StepInfo
{
    int64_t runId = 0;
    int64_t step = 0; // optimizer steps done (1-based after the first step)
    int64_t totalSteps = 0;
    int64_t epoch = 0;           // 0-based epoch of this step
    double epochProgress = 0;    // fractional epochs done, e.g. 1.25
    double loss = 0;             // training loss of this step's batch
    double lr = 0;               // learning rate used for this step
    double gradNorm = 0;         // global gradient L2 norm before clipping
    double samplesPerSecond = 0; // over the steps of this session (resume restarts the clock)
    double tokensPerSecond = 0;  // real (non-pad) tokens
    double elapsedSeconds = 0;   // of this session
    double wallMs = 0;     // the run's wall time at this step over all its sessions, as the store
                           // records it with the step's metrics
    double etaSeconds = 0; // remaining training steps at the current speed (evals excluded)
};

struct EvalInfo
{
    int64_t runId = 0;
    std::string split; // "validation" or "test"
    int64_t step = 0;
    double epoch = 0;
    double accuracy = 0, f1 = 0, loss = 0;
    std::array<int64_t, 4> confusion{}; // tn, fp, fn, tp
    bool isBest = false; // validation accuracy improved: the best checkpoint was updated
    double seconds = 0;  // time the evaluation took
    double wallMs = 0;   // the run's wall time when it ended, as the store records it
};

// Called on the training thread. Keep them short; never throw from them.
struct TrainingCallbacks
{
    std::function<void(int64_t runId)> onStarted; // the run exists in the store
    std::function<void(const StepInfo &)> onStep;
    std::function<void(const EvalInfo &)> onEval;
    std::function<void(const std::string &level, const std::string &message)> onLog;
    const std::atomic<bool> *cancel =
        nullptr; // set to true to stop within one step (run: cancelled)
};

struct TrainingRequest
{
    ExperimentConfig config;
    std::string dbPath;         // the run store; empty = RunStore::defaultPath()
    std::string checkpointRoot; // folder for checkpoints; empty = "<db folder>/checkpoints"
    int64_t resumeRunId =
        0;               // > 0: continue this interrupted/cancelled run from its last checkpoint
    std::string runName; // empty = "<config.name>-<id>"
    int threads = -1;    // >= 0 overrides config.train.threads (0 = all cores), also on resume
    std::string device;  // non-empty overrides config.train.device, also on resume (device.h)
    int64_t studyId = 0; // > 0: a new run is tagged as cell studyCell of this study (study.h)
    int64_t studyCell = 0;
};

struct TrainingResult
{
    int64_t runId = 0;
    RunStatus status = RunStatus::Failed;
    std::string error;           // why it failed (also stored in the run)
    double bestValAccuracy = -1; // -1 = never evaluated
    double testAccuracy = -1;
    double testF1 = -1;
};

// Trains to the end, on the calling thread. Setup errors (bad data, missing weights) before the run
// exists throw sentilab::Error; once the run exists every failure (NaN loss, full disk, LibTorch
// errors) ends it as `failed` with the reason, returned in the result and stored in the run.
TrainingResult runTraining(const TrainingRequest &request, const TrainingCallbacks &callbacks = {});

// Folder where a run's checkpoints live: "<checkpointRoot>/run-<id>" made absolute and canonical;
// "best" and "last" below it are Hugging Face model folders, and "sentilab-run.json" names the run
// and its database (the proof deleteRunWithCheckpoints asks for).
std::string runCheckpointDir(const std::string &checkpointRoot, int64_t runId);
// "<folder of the database>/checkpoints", absolute.
std::string defaultCheckpointRoot(const std::string &dbPath);
// `path` made absolute (against the working directory) and canonical as far as it exists.
std::string absolutePath(const std::string &path);
// Writes the run folder's sentilab-run.json (creating the folder). Throws sentilab::Error.
void writeRunFolderMarker(const std::string &runDir, int64_t runId, const std::string &dbPath);
// A checkpoint path as stored, made absolute: stores from before absolute paths hold paths
// relative to the database's folder.
std::string checkpointPathOnDisk(const RunStore &store, const std::string &storedPath);

} // namespace sentilab

namespace sentilab {

// Evaluates a run's best checkpoint on `split` ("validation" or "test") of the run's own data
// config, and records the evaluation and per-example predictions in the store. Throws
// sentilab::Error when the run has no checkpoint or the data is missing.
EvalInfo evaluateRun(const std::string &dbPath, int64_t runId, const std::string &split);

// The folder of a run's best checkpoint (else its last one); throws sentilab::Error naming the run
// when it has none yet.
std::string bestCheckpointDir(const RunStore &store, int64_t runId);

// Deletes the run from the store, then removes its checkpoint folder, but only a folder that is
// provably the run's own: named run-<id>, not a symbolic link, holding a sentilab-run.json that
// names this run and this database. Anything else (an edited path, a folder of another store, a
// store from before markers) is left alone. Returns one line per folder: what was removed, what
// was left and why.
std::vector<std::string> deleteRunWithCheckpoints(RunStore &store, int64_t runId);

} // namespace sentilab
