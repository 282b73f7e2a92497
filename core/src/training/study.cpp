// Planning, scheduling and progress of data-efficiency studies (sentilab/study.h).
#include <sentilab/study.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <tuple>

#include <sentilab/dataset.h>
#include <sentilab/error.h>

namespace sentilab {
namespace {

constexpr int64_t kMaxEpochs = 1000;     // train.epochs' own limit
constexpr int64_t kMinMeasuredSteps = 3; // a run's speed counts once it has this many steps

int64_t ceilDiv(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

int64_t splitSize(const ExperimentConfig &e)
{
    return int64_t(
        readExamples(resolveDataFile(e.data, e.data.train), e.data.maxTrainExamples).size());
}

// The architecture and batch shape that decide a run's time per step.
std::string shapeKey(const std::map<std::string, std::string> &params)
{
    std::string key;
    for (const char *k : {"kind", "model.resolved.dim", "model.resolved.n_layers",
                          "model.resolved.hidden_dim", "model.max_length", "train.batch_size"}) {
        const auto it = params.find(k);
        key += (it == params.end() ? "?" : it->second) + "|";
    }
    return key;
}

std::map<std::string, std::string> paramMap(const RunStore &store, int64_t runId)
{
    std::map<std::string, std::string> m;
    for (auto &[k, v] : store.params(runId))
        m[k] = v;
    return m;
}

std::string shapeOfCell(const StudyCell &cell)
{
    const ExperimentConfig e = ExperimentConfig::fromYaml(cell.configYaml, "study cell");
    // The resolved architecture is only known once a run has built the model; a cell's config
    // has 0 (= config.json's) for a stock model, which matches runs of the stock model.
    std::map<std::string, std::string> p{{"kind", e.kind},
                                         {"model.max_length", std::to_string(e.model.maxLength)},
                                         {"train.batch_size", std::to_string(e.train.batchSize)}};
    if (e.model.dim > 0)
        p["model.resolved.dim"] = std::to_string(e.model.dim);
    if (e.model.nLayers > 0)
        p["model.resolved.n_layers"] = std::to_string(e.model.nLayers);
    if (e.model.hiddenDim > 0)
        p["model.resolved.hidden_dim"] = std::to_string(e.model.hiddenDim);
    return shapeKey(p);
}

// Same shape, ignoring the architecture numbers a cell does not know yet ("?").
bool shapeMatches(const std::string &cellShape, const std::string &runShape)
{
    std::size_t a = 0, b = 0;
    while (a < cellShape.size() && b < runShape.size()) {
        const std::size_t ea = cellShape.find('|', a), eb = runShape.find('|', b);
        const std::string x = cellShape.substr(a, ea - a), y = runShape.substr(b, eb - b);
        if (x != "?" && x != y)
            return false;
        a = ea + 1;
        b = eb + 1;
    }
    return true;
}

struct Speed
{
    double seconds = 0;
    int64_t steps = 0;
    int64_t runs = 0;
    double perStep() const { return steps > 0 ? seconds / double(steps) : -1; }
};

// A cell as progress and speed read it: its shape, parsed once, and its run, read once.
struct CellState
{
    std::string shape;
    std::optional<RunInfo> run;
};

// Seconds per step (evaluations included) per cell shape: from this study's own runs first, else
// from earlier runs in the store of the same kind and shape.
std::map<std::string, Speed> measureSpeeds(const RunStore &store,
                                           const std::vector<CellState> &cells)
{
    std::map<std::string, Speed> speeds;
    std::set<int64_t> studyRuns;
    for (const CellState &c : cells) {
        if (!c.run)
            continue;
        studyRuns.insert(c.run->id);
        if (c.run->lastStep < kMinMeasuredSteps)
            continue;
        Speed &s = speeds[c.shape];
        s.seconds += std::max(0.0, store.trainingSeconds(c.run->id));
        s.steps += c.run->lastStep;
        ++s.runs;
    }
    std::set<std::string> missing;
    for (const CellState &c : cells)
        if (!speeds.count(c.shape))
            missing.insert(c.shape);
    if (missing.empty())
        return speeds;
    std::map<std::string, Speed> earlier;
    for (const RunInfo &run : store.listRuns()) {
        if (studyRuns.count(run.id) || run.lastStep < kMinMeasuredSteps)
            continue;
        const std::string runShape = shapeKey(paramMap(store, run.id));
        for (const std::string &shape : missing) {
            if (!shapeMatches(shape, runShape))
                continue;
            Speed &s = earlier[shape];
            s.seconds += std::max(0.0, store.trainingSeconds(run.id));
            s.steps += run.lastStep;
            ++s.runs;
        }
    }
    speeds.insert(earlier.begin(), earlier.end());
    return speeds;
}

StudyProgress progressOf(const RunStore &store, const std::vector<StudyCell> &cells, bool cancelled)
{
    StudyProgress p;
    p.cells = int64_t(cells.size());
    std::map<std::string, int64_t> stepsLeft; // per shape
    std::map<std::string, std::string> kindOfShape;
    std::vector<CellState> states;
    bool anyStarted = false;
    for (const StudyCell &c : cells) {
        CellState state{shapeOfCell(c), std::nullopt};
        p.steps += c.steps;
        int64_t done = 0;
        if (c.runId > 0) {
            anyStarted = true;
            state.run = store.run(c.runId);
            const RunInfo &run = *state.run;
            done = std::min(run.lastStep, c.steps);
            if (run.status == RunStatus::Finished || run.status == RunStatus::Failed) {
                done = c.steps;
                ++(run.status == RunStatus::Finished ? p.cellsFinished : p.cellsFailed);
            } else if (run.status == RunStatus::Running) {
                ++p.cellsRunning;
            }
        }
        p.stepsDone += done;
        if (done < c.steps) {
            stepsLeft[state.shape] += c.steps - done;
            kindOfShape[state.shape] = c.kind;
        }
        states.push_back(std::move(state));
    }
    if (p.cellsFinished + p.cellsFailed == p.cells)
        p.status = "finished";
    else if (p.cellsRunning > 0)
        p.status = "running";
    else if (cancelled)
        p.status = "cancelled";
    else
        p.status = anyStarted ? "stopped" : "planned";

    // Nothing left: no speed to measure (the finished study's summary is read often).
    const std::map<std::string, Speed> speeds =
        stepsLeft.empty() ? std::map<std::string, Speed>{} : measureSpeeds(store, states);
    double eta = 0;
    bool known = true;
    for (const auto &[shape, steps] : stepsLeft) {
        const auto it = speeds.find(shape);
        if (it == speeds.end() || it->second.perStep() < 0) {
            known = false;
            p.etaBasis += (p.etaBasis.empty() ? "" : "; ") + kindOfShape[shape] +
                          ": not measured yet (no run of this kind and size has trained)";
            continue;
        }
        eta += double(steps) * it->second.perStep();
        char text[96];
        std::snprintf(text, sizeof text, "%s %.2f s/step from %lld run%s",
                      kindOfShape[shape].c_str(), it->second.perStep(),
                      static_cast<long long>(it->second.runs), it->second.runs == 1 ? "" : "s");
        p.etaBasis += (p.etaBasis.empty() ? "" : "; ") + std::string(text);
    }
    p.etaSeconds = known ? eta : -1;
    return p;
}

bool resumable(RunStatus s)
{
    return s == RunStatus::Interrupted || s == RunStatus::Cancelled || s == RunStatus::Queued;
}

} // namespace

StudyPlan planStudy(const StudyConfig &config,
                    const std::function<void(ExperimentConfig &)> &adjust)
{
    StudyPlan plan;
    plan.config = config;
    std::map<std::string, ExperimentConfig> experiments;
    for (const std::string &kind : config.kinds) {
        ExperimentConfig e = config.experiment(kind);
        if (adjust)
            adjust(e);
        experiments.emplace(kind, std::move(e));
    }
    std::map<std::string, int64_t> sizes;
    for (const auto &[kind, e] : experiments) {
        sizes[kind] = splitSize(e);
        if (plan.trainSplitSize == 0)
            plan.trainSplitSize = sizes[kind];
        else if (sizes[kind] != plan.trainSplitSize)
            throw Error(config.sourcePath +
                        ": the finetune and scratch experiments read training "
                        "splits of different sizes (" +
                        std::to_string(sizes["finetune"]) + " and " +
                        std::to_string(sizes["scratch"]) +
                        " examples); a study compares the kinds on the same sentences, so give "
                        "both the same data section");
    }
    std::vector<int64_t> counts;
    for (const StudySize &s : config.sizes) {
        const int64_t n = s.resolve(plan.trainSplitSize);
        if (n > plan.trainSplitSize)
            throw Error(config.sourcePath + ": sizes: " + s.text + " is more than the " +
                        std::to_string(plan.trainSplitSize) +
                        " examples of the training split; use at most 100% (or that count)");
        if (std::find(counts.begin(), counts.end(), n) != counts.end())
            throw Error(config.sourcePath + ": sizes: " + s.text + " gives " + std::to_string(n) +
                        " sentences, as an earlier size does; list each size once");
        counts.push_back(n);
    }
    for (const auto &[kind, base] : experiments) {
        for (const int64_t n : counts) {
            for (const uint64_t seed : config.seeds) {
                ExperimentConfig e = base;
                e.data.subsetSize = n;
                e.data.subsetSeed = config.dataSeed;
                e.train.seed = seed;
                const int64_t perEpoch = ceilDiv(n, e.train.batchSize);
                e.train.epochs = std::min(
                    kMaxEpochs, std::max(e.train.epochs, ceilDiv(config.minSteps, perEpoch)));
                const int64_t steps = perEpoch * e.train.epochs;
                e.train.evalEvery = std::max<int64_t>(1, steps / config.evalsPerRun);
                e.train.evalAtEpochEnd = false; // a 1 % subset has 3-step epochs
                StudyCell cell;
                cell.kind = kind;
                cell.trainSize = n;
                cell.seed = seed;
                cell.steps = steps;
                cell.configYaml = e.toYaml();
                plan.cells.push_back(std::move(cell));
            }
        }
    }
    const auto seedRank = [&config](uint64_t seed) {
        return std::find(config.seeds.begin(), config.seeds.end(), seed) - config.seeds.begin();
    };
    std::stable_sort(plan.cells.begin(), plan.cells.end(),
                     [&seedRank](const StudyCell &a, const StudyCell &b) {
                         return std::make_tuple(a.steps, a.trainSize, seedRank(a.seed), a.kind) <
                                std::make_tuple(b.steps, b.trainSize, seedRank(b.seed), b.kind);
                     });
    for (std::size_t i = 0; i < plan.cells.size(); ++i)
        plan.cells[i].index = int64_t(i);
    return plan;
}

int64_t createStudy(RunStore &store, const StudyPlan &plan)
{
    StudyRecord r;
    r.name = plan.config.name;
    r.configYaml = plan.config.toYaml();
    r.sourcePath = plan.config.sourcePath;
    r.trainSplitSize = plan.trainSplitSize;
    return store.createStudy(r, plan.cells);
}

StudyProgress studyProgress(const RunStore &store, int64_t studyId)
{
    const StudyRecord study = store.study(studyId);
    StudyProgress p = progressOf(store, store.studyCells(studyId), study.cancelled);
    p.studyId = studyId;
    return p;
}

StudyProgress planEstimate(const RunStore &store, const StudyPlan &plan)
{
    return progressOf(store, plan.cells, false);
}

std::optional<StudyCell> nextStudyCell(const RunStore &store, int64_t studyId,
                                       const std::set<int64_t> &busy)
{
    for (const StudyCell &c : store.studyCells(studyId)) {
        if (busy.count(c.index))
            continue;
        if (c.runId == 0 || resumable(store.run(c.runId).status))
            return c;
    }
    return std::nullopt;
}

TrainingRequest studyCellRequest(const RunStore &store, int64_t studyId, const StudyCell &cell,
                                 const std::string &dbPath, const std::string &checkpointRoot)
{
    const StudyRecord study = store.study(studyId);
    TrainingRequest r;
    r.config = ExperimentConfig::fromYaml(cell.configYaml,
                                          study.name + " cell " + std::to_string(cell.index));
    r.dbPath = dbPath;
    r.checkpointRoot = checkpointRoot;
    r.studyId = studyId;
    r.studyCell = cell.index;
    r.runName = study.name + " " + cell.kind + " n=" + std::to_string(cell.trainSize) +
                " seed=" + std::to_string(cell.seed);
    if (cell.runId > 0 && resumable(store.run(cell.runId).status))
        r.resumeRunId = cell.runId;
    return r;
}

StudyProgress runStudy(const std::string &dbPath, const std::string &checkpointRoot,
                       int64_t studyId, int threads, const StudyCallbacks &callbacks)
{
    RunStore store = RunStore::open(dbPath);
    store.setStudyCancelled(studyId, false);
    const std::atomic<bool> *cancel = callbacks.training.cancel;
    std::set<int64_t> tried; // each cell once per call, whatever its run ends as
    while (!(cancel && cancel->load())) {
        const std::optional<StudyCell> cell = nextStudyCell(store, studyId, tried);
        if (!cell)
            break;
        tried.insert(cell->index);
        TrainingRequest request = studyCellRequest(store, studyId, *cell, dbPath, checkpointRoot);
        request.threads = threads;
        TrainingCallbacks cb = callbacks.training;
        cb.onStarted = [&](int64_t runId) {
            if (callbacks.training.onStarted)
                callbacks.training.onStarted(runId);
            if (callbacks.onCellStarted)
                callbacks.onCellStarted(*cell, runId);
        };
        const TrainingResult result = runTraining(request, cb);
        if (callbacks.onCellEnded)
            callbacks.onCellEnded(*cell, result);
    }
    if (cancel && cancel->load())
        store.setStudyCancelled(studyId, true);
    return studyProgress(store, studyId);
}

} // namespace sentilab
