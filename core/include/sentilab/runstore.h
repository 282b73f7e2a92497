#pragma once
// The SQLite run store: every run, its configuration, metrics, evaluations, predictions,
// checkpoints and log, in one database file. Torch-free and Qt-free.
//
// Threads: one RunStore object per thread. Each object owns its own SQLite connection; WAL mode
// lets any number of readers (other threads, other processes) run beside the one writer, and
// writers from other connections wait up to 5 s (busy_timeout) for the write lock instead of
// failing with "database is locked". Within a process, the writes for a run come from the thread
// that owns that run's RunStore. A RunStore may be moved to another thread, never shared; a
// moved-from RunStore may only be assigned to or destroyed.
//
// Durability: every write call is one transaction (BEGIN IMMEDIATE ... COMMIT), so a call either
// lands completely or not at all, also when the process is killed. Committed data survives a
// process crash; synchronous=NORMAL means the last commits may be lost on power loss.
//
// Failure: every error throws sentilab::Error naming the database file, the operation and, when it
// helps, what to do (disk full, read-only, corrupt, not a database, newer schema, unknown run).
// A failed write is rolled back; the store stays usable afterwards.
//
// Floating-point values: NaN is stored as SQL NULL and read back as NaN (a diverged loss is data);
// infinities round-trip as they are.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sentilab {

enum class RunStatus { Queued, Running, Finished, Failed, Interrupted, Cancelled };

// "queued", "running", "finished", "failed", "interrupted", "cancelled".
std::string toString(RunStatus status);
// Inverse of toString (exact, lower case); throws sentilab::Error naming the bad text.
RunStatus runStatusFromString(const std::string &text);
// Finished, Failed, Interrupted and Cancelled: the run has an end time.
bool isTerminal(RunStatus status);
// True for metric keys containing "accuracy" or "f1" (best = max), false otherwise (best = min).
bool metricHigherIsBetter(const std::string &key);

struct RunInfo
{
    int64_t id = 0;   // assigned by createRun
    std::string name; // free text; createRun names an unnamed run "<kind>-<id>"
    std::string kind; // "finetune" | "scratch"
    RunStatus status = RunStatus::Queued;
    std::string configYaml;         // the experiment definition as run
    std::string configHash;         // hash of the canonical config (computed by the caller)
    uint64_t seed = 0;              // stored bit for bit (as a signed 64-bit SQL integer)
    std::string environment;        // versions, threads, device: free text/JSON from the caller
    std::string startedAt, endedAt; // ISO-8601 UTC ("2024-05-01T12:34:56.789Z"), empty if not
    std::string error;              // why the run failed or was interrupted, empty otherwise
    std::string note;               // the user's note
    int64_t totalSteps = 0;         // optimizer steps planned
    int64_t lastStep = 0;           // last optimizer step reported by setProgress
    double bestValAccuracy = -1;    // max accuracy over "val" evals; -1 = none yet
    double testAccuracy = -1;       // accuracy of the latest "test" eval; -1 = none yet
};

struct MetricPoint
{
    std::string key;   // e.g. "train/loss", "train/lr", "val/accuracy"
    int64_t step = 0;  // optimizer step
    double wallMs = 0; // wall-clock milliseconds since the run started (the caller's clock)
    double value = 0;
};

struct MetricSummary
{
    std::string key;
    double last = 0;      // value at the highest step
    double best = 0;      // max for "accuracy"/"f1" keys, min otherwise; NaN when all are NaN
    int64_t bestStep = 0; // step of the best value (earliest on ties); -1 when all are NaN
    int64_t lastStep = 0; // the highest step logged for this key
};

struct EvalRecord
{
    std::string split;                  // "val" (or "validation"), "test", "train", ...
    int64_t step = 0;                   // optimizer step the evaluation ran after
    double epoch = 0;                   // fractional epoch
    double accuracy = 0;                // in [0, 1]
    double f1 = 0;                      // positive class, in [0, 1]
    double loss = 0;                    // mean cross-entropy
    std::array<int64_t, 4> confusion{}; // tn, fp, fn, tp
    double wallMs = 0;                  // as MetricPoint::wallMs
};

struct PredictionRow
{
    int64_t index = 0;       // example index in the split
    int64_t label = 0;       // gold label (0 negative, 1 positive)
    int64_t predicted = 0;   // predicted label
    double probPositive = 0; // softmax probability of the positive class
};

struct CheckpointRecord
{
    std::string kind; // "best" | "last"
    int64_t step = 0;
    std::string path;  // checkpoint folder or file, as the trainer wrote it
    double metric = 0; // the metric that made it "best" (val accuracy), or the last one seen
};

// What the user wrote about a comparison of runs: the discussion for the report and the
// sentences shown in the inference pane. Keyed by the set of run ids (order does not matter).
struct ComparisonNotes
{
    std::vector<int64_t> runIds;
    std::string discussion;
    std::vector<std::string> sentences;
    std::string updatedAt; // ISO-8601 UTC, set by saveComparison
};

struct EventRecord
{
    std::string time;  // ISO-8601 UTC, as RunInfo::startedAt
    std::string level; // "info" | "warning" | "error" by convention (not enforced)
    std::string message;
};

// A data-efficiency study (sentilab/study.h): its plan is frozen when it is created, so a resumed
// study trains exactly the cells it started with.
struct StudyRecord
{
    int64_t id = 0;             // assigned by createStudy
    std::string name;           // the study file's name
    std::string configYaml;     // StudyConfig::toYaml() as planned
    std::string sourcePath;     // the study file it was read from
    int64_t trainSplitSize = 0; // examples in the training split the subsets were drawn from
    bool cancelled = false;     // the user stopped it; cleared when it is resumed
    std::string createdAt;      // ISO-8601 UTC
};

// One cell of a study: one ordinary run of one kind on one training subset with one seed.
struct StudyCell
{
    int64_t index = 0;      // 0-based position in the plan (cheapest first)
    std::string kind;       // "finetune" | "scratch"
    int64_t trainSize = 0;  // labelled training sentences
    uint64_t seed = 0;      // train.seed of the run
    int64_t steps = 0;      // optimizer steps the step-budget rule gives it
    std::string configYaml; // the run's full experiment (ExperimentConfig::toYaml)
    int64_t runId = 0;      // the run training it; 0 = not started (or its run was deleted)
};

class RunStore
{
public:
    // The schema version this build writes to PRAGMA user_version.
    static constexpr int kSchemaVersion = 5;
    // A running run owned by a process on another machine whose heartbeat is older than this is
    // taken as dead (interrupted) by open(). Clocks of the machines must agree to within a minute.
    static constexpr int kLeaseSeconds = 180;

    // Opens the database file, creating it (but not its folder) when missing: WAL, busy_timeout
    // 5000 ms, foreign keys on, schema created or migrated to kSchemaVersion. Then every run left
    // 'running' whose owner process (pid + start token on this machine) is gone becomes
    // 'interrupted', and so does one owned by another machine whose heartbeat is older than
    // kLeaseSeconds; runs owned by a live process are left alone.
    // Throws sentilab::Error naming the file: not a database, not a SentiLab database, read-only
    // file or folder, newer schema version than this build knows, corrupt, locked for > 5 s.
    static RunStore open(const std::string &path);
    // $SENTILAB_DB, else $XDG_DATA_HOME/sentilab/sentilab.db, else
    // ~/.local/share/sentilab/sentilab.db. Creates the containing folder; throws sentilab::Error
    // when it cannot.
    static std::string defaultPath();
    // As open(), for commands that only read or add to an existing store (runs list, predict,
    // eval, opening a file in the app): a missing file is an error, nothing is created.
    static RunStore openExisting(const std::string &path);

    RunStore(RunStore &&) noexcept;
    RunStore &operator=(RunStore &&) noexcept;
    ~RunStore();

    const std::string &path() const;
    int schemaVersion() const; // PRAGMA user_version as stored in the file
    // PRAGMA integrity_check plus foreign_key_check: "ok" when sound, else the problems found.
    std::string integrityCheck() const;

    // ---- writes: each call is one transaction; unknown run ids throw "no run N in <db>" ----

    // Inserts a run and returns its id. Status is Running unless info.status is Queued (note that
    // RunInfo's default status is Queued: a trainer sets info.status = RunStatus::Running);
    // startedAt is now; the owner is this process. Throws when info.kind is not "finetune" or
    // "scratch".
    int64_t createRun(const RunInfo &info);
    // Sets the status and error text. Terminal states set endedAt to now. Running makes this
    // process the owner and clears endedAt (and sets startedAt when the run was Queued).
    void setStatus(int64_t runId, RunStatus status, const std::string &error = {});
    // Resume: this process becomes the owner, status Running, endedAt and error cleared. Checked
    // inside the write transaction: throws unless the run is interrupted or cancelled (or already
    // owned by this process), e.g. when another process claimed it first.
    void claimRun(int64_t runId);
    // Marks a running run of this process alive now (see kLeaseSeconds). The trainer calls it at
    // least every minute; createRun, claimRun and setStatus(Running) do it too.
    void heartbeat(int64_t runId);
    void setProgress(int64_t runId, int64_t lastStep, int64_t totalSteps);
    // Flattened config keys ("optimizer.lr" -> "5e-05"): adds or replaces these keys, keeps others.
    void setParams(int64_t runId, const std::vector<std::pair<std::string, std::string>> &params);
    // Upserts on (run, key, step), the latest value wins, and updates the per-key summary; all in
    // one transaction. A 10k-point batch takes well under a second.
    void logMetrics(int64_t runId, const std::vector<MetricPoint> &points);
    // Upserts on (run, split, step); maintains runs.best_val_accuracy (split "val"/"validation")
    // and runs.test_accuracy (latest "test" step).
    void logEval(int64_t runId, const EvalRecord &eval);
    // Replaces every row of (run, split, step) with `rows`; other steps are kept. Example indices
    // must be unique within `rows`.
    void logPredictions(int64_t runId, const std::string &split, int64_t step,
                        const std::vector<PredictionRow> &rows);
    // Upserts on (run, kind).
    void addCheckpoint(int64_t runId, const CheckpointRecord &ckpt);
    void logEvent(int64_t runId, const std::string &level, const std::string &message);
    void renameRun(int64_t runId, const std::string &name);
    void setNote(int64_t runId, const std::string &note);
    // Removes the run and, by cascade, its params, metrics, summaries, evals, predictions,
    // checkpoints and events. Checkpoint files on disk are not touched.
    void deleteRun(int64_t runId);
    // Resume from a checkpoint at `step`: drops metrics, evals and predictions with a larger step,
    // recomputes the summaries and accuracies, and lowers lastStep to `step` when it was above.
    void deleteMetricsAfter(int64_t runId, int64_t step);

    // ---- reads: committed data only; lists for an unknown run id are empty ----

    std::vector<RunInfo> listRuns() const; // newest first
    // A decimal run id, else an exact name (the newest run of that name); nullopt when none.
    std::optional<RunInfo> findRun(const std::string &idOrName) const;
    RunInfo run(int64_t runId) const; // throws sentilab::Error "no run N in <db>"
    std::vector<std::pair<std::string, std::string>> params(int64_t runId) const; // by key
    // Ordered by key, then step. An empty key means every key.
    std::vector<MetricPoint> metrics(int64_t runId, const std::string &key = {}) const;
    std::vector<std::string> metricKeys(int64_t runId) const;                          // sorted
    std::vector<MetricSummary> summaries(int64_t runId) const;                         // by key
    std::vector<EvalRecord> evals(int64_t runId, const std::string &split = {}) const; // by step
    // How long the run has trained, in seconds: the trainer's own wall clock (the largest wall_ms
    // of its metrics and evaluations; time between a kill and its resume is not counted), else,
    // for a run with nothing logged yet, ended_at (or now, while it has not ended) - started_at;
    // 0 while it is queued. -1 for an unknown run or unreadable timestamps. What every view shows
    // as "training time".
    double trainingSeconds(int64_t runId) const;
    // Ordered by example index. step -1 = the latest step logged for that split.
    std::vector<PredictionRow> predictions(int64_t runId, const std::string &split,
                                           int64_t step = -1) const;
    std::vector<CheckpointRecord> checkpoints(int64_t runId) const; // by kind
    std::vector<EventRecord> events(int64_t runId) const;           // oldest first

    // Writes every metric point of the run as CSV: a header "run_id,key,step,wall_ms,value", then
    // one line per point ordered by key and step; numbers in C locale, shortest round-trip form,
    // NaN as "nan". Throws sentilab::Error naming csvPath on write errors.
    void exportMetricsCsv(int64_t runId, const std::string &csvPath) const;

    // Upserts the notes of the comparison of notes.runIds (at least one id).
    void saveComparison(const ComparisonNotes &notes);
    // The cached embedding map (JSON text) of a run's checkpoint, replaced when saved again;
    // deleted with the run.
    void saveEmbeddingMap(int64_t runId, const std::string &checkpoint, int64_t step,
                          const std::string &json);
    std::optional<std::string> embeddingMap(int64_t runId, const std::string &checkpoint,
                                            int64_t step) const;
    // The notes saved for exactly this set of runs, if any.
    std::optional<ComparisonNotes> comparison(std::vector<int64_t> runIds) const;

    // ---- studies (schema v5): the study, its cells, and which run trains each cell ----

    // Inserts the study and its cells (runId ignored) in one transaction; returns the study id.
    int64_t createStudy(const StudyRecord &study, const std::vector<StudyCell> &cells);
    std::vector<StudyRecord> listStudies() const;             // newest first
    StudyRecord study(int64_t studyId) const;                 // throws "no study N in <db>"
    std::vector<StudyCell> studyCells(int64_t studyId) const; // by index; throws for no study
    // Tags `runId` as the run of the cell (the trainer does it right after creating the run).
    void setStudyCellRun(int64_t studyId, int64_t cellIndex, int64_t runId);
    void setStudyCancelled(int64_t studyId, bool cancelled);
    // The study and cell a run trains, if it is part of one.
    std::optional<std::pair<int64_t, int64_t>> studyCellOfRun(int64_t runId) const;
    // Removes the study; its runs stay (untagged).
    void deleteStudy(int64_t studyId);

private:
    struct Impl;
    explicit RunStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace sentilab
