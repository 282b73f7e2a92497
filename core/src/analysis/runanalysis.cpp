#include <sentilab/runanalysis.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>

#include <sentilab/dataset.h>
#include <sentilab/distilbertconfig.h>
#include <sentilab/error.h>
#include <sentilab/experimentconfig.h>
#include <sentilab/studyanalysis.h>
#include <sentilab/training.h>

namespace sentilab {
namespace fs = std::filesystem;
namespace {

int64_t toInt(const std::string &text, int64_t fallback)
{
    int64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    return r.ec == std::errc() && r.ptr == text.data() + text.size() ? v : fallback;
}

double toDouble(const std::string &text, double fallback)
{
    double v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    return r.ec == std::errc() && r.ptr == text.data() + text.size() ? v : fallback;
}

ModelArchitecture fromParams(const std::map<std::string, std::string> &params)
{
    ModelArchitecture a;
    const auto get = [&](const char *key) {
        const auto it = params.find(std::string("model.resolved.") + key);
        return it == params.end() ? std::string() : it->second;
    };
    a.dim = toInt(get("dim"), 0);
    if (a.dim <= 0)
        return {};
    a.vocabSize = toInt(get("vocab_size"), 0);
    a.maxPositions = toInt(get("max_position_embeddings"), 0);
    a.layers = toInt(get("n_layers"), 0);
    a.heads = toInt(get("n_heads"), 0);
    a.hiddenDim = toInt(get("hidden_dim"), 0);
    a.labels = toInt(get("num_labels"), 2);
    a.dropout = toDouble(get("dropout"), -1);
    a.attentionDropout = toDouble(get("attention_dropout"), -1);
    a.classifierDropout = toDouble(get("seq_classif_dropout"), -1);
    a.weights = params.count("model.resolved.weights") ? params.at("model.resolved.weights")
                                                       : std::string();
    a.source = "run";
    return a;
}

ModelArchitecture fromCheckpoint(const std::string &dir)
{
    try {
        const DistilBertConfig c =
            DistilBertConfig::fromFile((fs::path(dir) / "config.json").string());
        ModelArchitecture a;
        a.vocabSize = c.vocabSize;
        a.maxPositions = c.maxPositionEmbeddings;
        a.dim = c.dim;
        a.layers = c.nLayers;
        a.heads = c.nHeads;
        a.hiddenDim = c.hiddenDim;
        a.labels = c.numLabels();
        a.dropout = c.dropout;
        a.attentionDropout = c.attentionDropout;
        a.classifierDropout = c.seqClassifDropout;
        a.source = "checkpoint";
        return a;
    } catch (const Error &) {
        return {}; // an unreadable checkpoint config leaves the architecture unknown
    }
}

// Replaces the "use config.json's" sentinels of the model overrides with the values the run was
// built with, so that a fine-tune run does not read as "model.dim 0".
void resolveOverrides(std::vector<std::pair<std::string, std::string>> &config,
                      const ModelArchitecture &a)
{
    if (!a.known())
        return;
    const std::map<std::string, std::string> resolved = {
        {"model.dim", std::to_string(a.dim)},
        {"model.n_layers", std::to_string(a.layers)},
        {"model.n_heads", std::to_string(a.heads)},
        {"model.hidden_dim", std::to_string(a.hiddenDim)},
        {"model.dropout", formatConfigNumber(a.dropout)},
        {"model.attention_dropout", formatConfigNumber(a.attentionDropout)},
        {"model.seq_classif_dropout", formatConfigNumber(a.classifierDropout)},
    };
    for (auto &[key, value] : config) {
        const auto it = resolved.find(key);
        if (it != resolved.end() && (value == "0" || value == "-1"))
            value = it->second;
    }
}

std::map<int64_t, double> validationAccuracy(const RunSummary &r)
{
    std::map<int64_t, double> m;
    for (const EvalRecord &e : r.validation)
        m[e.step] = e.accuracy;
    return m;
}

// Linear interpolation of (step, value) points inside their range (step must be inside it).
double interpolate(const std::map<int64_t, double> &points, int64_t step, bool *exact)
{
    const auto hi = points.lower_bound(step);
    *exact = hi != points.end() && hi->first == step;
    if (*exact)
        return hi->second;
    const auto lo = std::prev(hi);
    const double t = double(step - lo->first) / double(hi->first - lo->first);
    return lo->second + t * (hi->second - lo->second);
}

std::vector<DifferencePoint> differenceCurve(const RunSummary &a, const RunSummary &b)
{
    const std::map<int64_t, double> va = validationAccuracy(a), vb = validationAccuracy(b);
    std::vector<DifferencePoint> curve;
    if (va.empty() || vb.empty())
        return curve;
    const int64_t from = std::max(va.begin()->first, vb.begin()->first);
    const int64_t to = std::min(va.rbegin()->first, vb.rbegin()->first);
    std::vector<int64_t> steps;
    for (const auto *m : {&va, &vb})
        for (const auto &entry : *m)
            if (entry.first >= from && entry.first <= to)
                steps.push_back(entry.first);
    std::sort(steps.begin(), steps.end());
    steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
    for (const int64_t step : steps) {
        bool exactA = false, exactB = false;
        const double d = interpolate(va, step, &exactA) - interpolate(vb, step, &exactB);
        curve.push_back({step, d * 100.0, !(exactA && exactB)});
    }
    return curve;
}

void choosePair(Comparison &c)
{
    int finetune = -1, scratch = -1;
    bool finetuneEvaluated = false, scratchEvaluated = false;
    for (int i = 0; i < int(c.runs.size()); ++i) {
        const RunSummary &r = c.runs[size_t(i)];
        const bool isFinetune = r.info.kind == "finetune";
        if (!isFinetune && r.info.kind != "scratch")
            continue;
        int &slot = isFinetune ? finetune : scratch;
        bool &evaluated = isFinetune ? finetuneEvaluated : scratchEvaluated;
        if (evaluated)
            continue;
        const bool hasEvals = !r.validation.empty();
        if (slot < 0 || hasEvals) {
            slot = i;
            evaluated = hasEvals;
        }
    }
    if (finetune >= 0 && scratch >= 0) {
        c.a = finetune;
        c.b = scratch;
        c.kindsDiffer = true;
    } else if (c.runs.size() >= 2) {
        c.a = 0;
        c.b = 1;
    }
}

// Settings in which a and b differ, other than the initialisation itself and bookkeeping.
std::vector<Comparison::Difference> settingDifferences(const RunSummary &a, const RunSummary &b)
{
    std::vector<Comparison::Difference> out;
    const auto add = [&](const std::string &aspect, const std::string &key, const std::string &x,
                         const std::string &y) {
        if (x != y)
            out.push_back({aspect, key, x, y});
    };
    const ModelArchitecture &ma = a.architecture, &mb = b.architecture;
    if (ma.known() && mb.known()) {
        add("model", "model.dim", std::to_string(ma.dim), std::to_string(mb.dim));
        add("model", "model.n_layers", std::to_string(ma.layers), std::to_string(mb.layers));
        add("model", "model.n_heads", std::to_string(ma.heads), std::to_string(mb.heads));
        add("model", "model.hidden_dim", std::to_string(ma.hiddenDim),
            std::to_string(mb.hiddenDim));
        add("model", "model.vocab_size", std::to_string(ma.vocabSize),
            std::to_string(mb.vocabSize));
    }
    if (a.examples.train >= 0 && b.examples.train >= 0)
        add("data", "data.examples.train", std::to_string(a.examples.train),
            std::to_string(b.examples.train));
    for (const char *key : {"data.train", "data.max_train_examples", "model.max_length"})
        add("data", key, a.param(key), b.param(key));
    for (const char *key : {"train.lr", "train.batch_size", "train.epochs", "train.warmup_ratio",
                            "train.weight_decay", "train.grad_clip", "model.dropout",
                            "model.attention_dropout", "model.seq_classif_dropout"})
        add("recipe", key, a.param(key), b.param(key));
    return out;
}

// The test sentences of run `r`'s test split, or an error text.
std::vector<std::string> testTexts(const RunSummary &r, std::string *error)
{
    try {
        const ExperimentConfig config =
            ExperimentConfig::fromYaml(r.info.configYaml, "run " + std::to_string(r.info.id));
        std::vector<std::string> texts;
        const std::string path = resolveDataFile(config.data, config.data.test);
        for (Example &e : readExamples(path, config.data.maxEvalExamples))
            texts.push_back(std::move(e.text));
        return texts;
    } catch (const std::exception &e) {
        *error = e.what();
        return {};
    }
}

void findDisagreements(const RunStore &store, Comparison &c)
{
    const RunSummary &ra = c.runs[size_t(c.a)], &rb = c.runs[size_t(c.b)];
    const std::vector<PredictionRow> pa = store.predictions(ra.info.id, "test");
    const std::vector<PredictionRow> pb = store.predictions(rb.info.id, "test");
    if (pa.empty() || pb.empty())
        return;
    size_t i = 0, j = 0;
    while (i < pa.size() && j < pb.size()) { // both ordered by example index
        if (pa[i].index != pb[j].index) {
            (pa[i].index < pb[j].index ? i : j)++;
            continue;
        }
        const PredictionRow &x = pa[i++], &y = pb[j++];
        ++c.testJoined;
        if (x.predicted == y.predicted)
            continue;
        c.aRightOnDisagreements += x.predicted == x.label;
        c.bRightOnDisagreements += y.predicted == y.label;
        c.disagreements.push_back({x.index, x.label, x, y, {}});
    }
    c.mcnemarP = mcnemarExactP(c.aRightOnDisagreements, c.bRightOnDisagreements);
    if (c.disagreements.empty())
        return;
    const std::vector<std::string> texts = testTexts(ra, &c.textError);
    for (Disagreement &d : c.disagreements)
        if (d.index >= 0 && size_t(d.index) < texts.size())
            d.text = texts[size_t(d.index)];
    if (c.textError.empty() && texts.size() < size_t(c.disagreements.back().index) + 1)
        c.textError = "the test file of run " + std::to_string(ra.info.id) +
                      " has fewer sentences than its predictions (was it changed?)";
}

nlohmann::json orNull(double v)
{
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json evalJson(const std::optional<EvalRecord> &e)
{
    if (!e)
        return nullptr;
    return {{"split", e->split},
            {"step", e->step},
            {"epoch", orNull(e->epoch)},
            {"wall_ms", orNull(e->wallMs)},
            {"accuracy", orNull(e->accuracy)},
            {"f1", orNull(e->f1)},
            {"loss", orNull(e->loss)},
            {"confusion",
             {{"tn", e->confusion[0]},
              {"fp", e->confusion[1]},
              {"fn", e->confusion[2]},
              {"tp", e->confusion[3]}}}};
}

nlohmann::json countOrNull(int64_t n)
{
    return n >= 0 ? nlohmann::json(n) : nlohmann::json(nullptr);
}

} // namespace

bool isValidationSplit(const std::string &split)
{
    return split == "val" || split == "validation";
}

int64_t parameterCount(const ModelArchitecture &a)
{
    const int64_t d = a.dim, h = a.hiddenDim;
    const int64_t embeddings = (a.vocabSize + a.maxPositions) * d + 2 * d;
    const int64_t layer = 4 * (d * d + d) + 2 * d + (d * h + h) + (h * d + d) + 2 * d;
    return embeddings + a.layers * layer + (d * d + d) + (d * a.labels + a.labels);
}

std::string RunSummary::param(const std::string &key, const std::string &fallback) const
{
    for (const auto &[k, v] : config)
        if (k == key)
            return v;
    return fallback;
}

RunSummary summarizeRun(const RunStore &store, int64_t runId)
{
    RunSummary r;
    r.info = store.run(runId);
    std::map<std::string, std::string> params;
    for (auto &[key, value] : store.params(runId))
        params[key] = value;
    try {
        r.config =
            ExperimentConfig::fromYaml(r.info.configYaml, "run " + std::to_string(runId)).flatten();
    } catch (const Error &) {
        r.config.assign(params.begin(), params.end()); // a config this build cannot parse
    }

    r.trainLoss = store.metrics(runId, "train/loss");
    r.learningRate = store.metrics(runId, "train/lr");
    for (const EvalRecord &e : store.evals(runId)) {
        if (isValidationSplit(e.split)) {
            r.validation.push_back(e);
            if (!r.bestValidation || e.accuracy > r.bestValidation->accuracy)
                r.bestValidation = e;
            r.lastValidation = e;
        } else if (e.split == "test") {
            r.test = e;
        }
    }
    r.trainingSeconds = store.trainingSeconds(runId);

    // Split sizes: recorded by the trainer; for older runs, what an evaluation counted.
    const auto count = [&](const char *key) {
        const auto it = params.find(key);
        return it == params.end() ? int64_t(-1) : toInt(it->second, -1);
    };
    const auto counted = [](const std::optional<EvalRecord> &e) {
        return e ? e->confusion[0] + e->confusion[1] + e->confusion[2] + e->confusion[3]
                 : int64_t(-1);
    };
    r.examples.train = count("data.examples.train");
    r.examples.validation = count("data.examples.validation");
    if (r.examples.validation < 0)
        r.examples.validation = counted(r.lastValidation);
    r.examples.test = count("data.examples.test");
    if (r.examples.test < 0)
        r.examples.test = counted(r.test);

    if (store.checkpoints(runId).empty()) {
        r.checkpointProblem = "no checkpoint yet";
    } else {
        try {
            r.checkpointDir = bestCheckpointDir(store, runId);
        } catch (const Error &e) {
            r.checkpointProblem = e.what();
        }
    }

    r.architecture = fromParams(params);
    if (!r.architecture.known() && !r.checkpointDir.empty())
        r.architecture = fromCheckpoint(r.checkpointDir);
    if (r.architecture.known())
        r.architecture.parameters = parameterCount(r.architecture);
    resolveOverrides(r.config, r.architecture);
    return r;
}

Comparison compareRuns(const RunStore &store, const std::vector<int64_t> &runIds)
{
    Comparison c;
    for (const int64_t id : runIds)
        c.runs.push_back(summarizeRun(store, id));
    choosePair(c);
    if (!c.hasPair())
        return c;
    const RunSummary &a = c.runs[size_t(c.a)], &b = c.runs[size_t(c.b)];
    c.difference = differenceCurve(a, b);
    c.differences = settingDifferences(a, b);
    if (b.bestValidation) {
        const double target = b.bestValidation->accuracy;
        for (const EvalRecord &e : a.validation)
            if (e.accuracy >= target) {
                c.aMatchedBestOfB = e;
                break;
            }
    }
    findDisagreements(store, c);
    return c;
}

std::optional<StepTime> measuredStepTime(const RunStore &store, const std::string &kind,
                                         int64_t batchSize, int64_t dim)
{
    for (const RunInfo &run : store.listRuns()) { // newest first
        if (run.kind != kind || run.status != RunStatus::Finished || run.lastStep <= 0)
            continue;
        std::map<std::string, std::string> params;
        for (auto &[key, value] : store.params(run.id))
            params[key] = value;
        const auto number = [&](const char *key) {
            const auto it = params.find(key);
            return it == params.end() ? int64_t(-1) : toInt(it->second, -1);
        };
        if (number("train.batch_size") != batchSize)
            continue;
        if (dim > 0 && number("model.resolved.dim") != dim && number("model.dim") != dim)
            continue;
        const double seconds = store.trainingSeconds(run.id);
        if (seconds > 0)
            return StepTime{seconds / double(run.lastStep), run.id};
    }
    return std::nullopt;
}

std::vector<std::vector<int64_t>> seedGroups(const RunStore &store,
                                             const std::vector<int64_t> &runIds)
{
    std::vector<std::pair<std::string, std::vector<int64_t>>> groups; // config without seed
    for (const int64_t id : runIds) {
        std::string key;
        try {
            ExperimentConfig c = ExperimentConfig::fromYaml(store.run(id).configYaml, "run");
            c.train.seed = 0;
            c.train.device = "auto"; // where a run trained, not what: auto and cpu runs group
            key = c.hash();
        } catch (const Error &) {
            continue; // unknown run or a config this build cannot read: no group
        }
        const auto it = std::find_if(groups.begin(), groups.end(),
                                     [&key](const auto &g) { return g.first == key; });
        if (it == groups.end())
            groups.push_back({key, {id}});
        else if (std::find(it->second.begin(), it->second.end(), id) == it->second.end())
            it->second.push_back(id);
    }
    std::vector<std::vector<int64_t>> out;
    for (auto &g : groups)
        if (g.second.size() >= 2)
            out.push_back(std::move(g.second));
    return out;
}

nlohmann::json toJson(const RunSummary &r)
{
    nlohmann::json config = nlohmann::json::object();
    for (const auto &[key, value] : r.config)
        config[key] = value;
    nlohmann::json architecture = nullptr;
    if (r.architecture.known()) {
        const ModelArchitecture &a = r.architecture;
        architecture = {{"source", a.source},
                        {"vocab_size", a.vocabSize},
                        {"max_position_embeddings", a.maxPositions},
                        {"dim", a.dim},
                        {"n_layers", a.layers},
                        {"n_heads", a.heads},
                        {"hidden_dim", a.hiddenDim},
                        {"num_labels", a.labels},
                        {"dropout", a.dropout},
                        {"attention_dropout", a.attentionDropout},
                        {"seq_classif_dropout", a.classifierDropout},
                        {"parameters", a.parameters},
                        {"weights", a.weights}};
    }
    nlohmann::json validation = nlohmann::json::array();
    for (const EvalRecord &e : r.validation)
        validation.push_back(evalJson(e));
    return {{"id", r.info.id},
            {"name", r.info.name},
            {"kind", r.info.kind},
            {"status", toString(r.info.status)},
            {"error", r.info.error},
            {"started_at", r.info.startedAt},
            {"ended_at", r.info.endedAt},
            {"seed", r.info.seed},
            {"config_hash", r.info.configHash},
            {"steps", {{"done", r.info.lastStep}, {"planned", r.info.totalSteps}}},
            {"training_seconds",
             r.trainingSeconds >= 0 ? nlohmann::json(r.trainingSeconds) : nlohmann::json(nullptr)},
            {"examples",
             {{"train", countOrNull(r.examples.train)},
              {"validation", countOrNull(r.examples.validation)},
              {"test", countOrNull(r.examples.test)}}},
            {"best_validation", evalJson(r.bestValidation)},
            {"last_validation", evalJson(r.lastValidation)},
            {"test", evalJson(r.test)},
            {"validation", validation},
            {"train_loss_points", r.trainLoss.size()},
            {"architecture", architecture},
            {"checkpoint", r.checkpointDir.empty()
                               ? nlohmann::json({{"problem", r.checkpointProblem}})
                               : nlohmann::json({{"folder", r.checkpointDir}})},
            {"config", config}};
}

nlohmann::json toJson(const Comparison &c)
{
    nlohmann::json runs = nlohmann::json::array();
    for (const RunSummary &r : c.runs)
        runs.push_back(toJson(r));
    nlohmann::json out = {{"runs", runs}};
    if (!c.hasPair()) {
        out["pair"] = nullptr;
        return out;
    }
    const RunSummary &a = c.runs[size_t(c.a)], &b = c.runs[size_t(c.b)];
    nlohmann::json difference = nlohmann::json::array();
    for (const DifferencePoint &p : c.difference)
        difference.push_back(
            {{"step", p.step}, {"points", orNull(p.points)}, {"interpolated", p.interpolated}});
    nlohmann::json disagreements = nlohmann::json::array();
    for (const Disagreement &d : c.disagreements)
        disagreements.push_back(
            {{"index", d.index},
             {"label", d.label},
             {"text", d.text},
             {"a", {{"predicted", d.a.predicted}, {"p_positive", d.a.probPositive}}},
             {"b", {{"predicted", d.b.predicted}, {"p_positive", d.b.probPositive}}}});
    out["pair"] = {{"a", a.info.id}, {"b", b.info.id}, {"kinds_differ", c.kindsDiffer}};
    out["difference"] = difference;
    out["a_matched_best_of_b"] = evalJson(c.aMatchedBestOfB);
    nlohmann::json differences = nlohmann::json::array();
    for (const Comparison::Difference &d : c.differences)
        differences.push_back({{"aspect", d.aspect}, {"key", d.key}, {"a", d.a}, {"b", d.b}});
    out["differences"] = differences;
    out["test_disagreements"] = {{"joined", c.testJoined},
                                 {"count", c.disagreements.size()},
                                 {"a_right", c.aRightOnDisagreements},
                                 {"b_right", c.bRightOnDisagreements},
                                 {"mcnemar_p", c.mcnemarP},
                                 {"text_error", c.textError},
                                 {"sentences", disagreements}};
    return out;
}

} // namespace sentilab
