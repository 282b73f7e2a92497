// The study read model and its statistics (sentilab/studyanalysis.h).
#include <sentilab/studyanalysis.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>

#include <sentilab/error.h>

namespace sentilab {
namespace {

constexpr int64_t kExactLimit = 200000;
constexpr int64_t kRandomResamples = 20000;
constexpr uint64_t kBootstrapSeed = 20200101;

// R's type 7 quantile of sorted values.
double quantile(const std::vector<double> &sorted, double p)
{
    const double h = double(sorted.size() - 1) * p;
    const auto lo = std::size_t(std::floor(h));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - double(lo)) * (sorted[hi] - sorted[lo]);
}

double mean(const std::vector<double> &v)
{
    return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

double metricOf(const RunStore &store, const RunInfo &run, StudyMetric metric)
{
    switch (metric) {
    case StudyMetric::ValidationAccuracy:
        return run.bestValAccuracy >= 0 ? run.bestValAccuracy : NAN;
    case StudyMetric::TestAccuracy:
        return run.testAccuracy >= 0 ? run.testAccuracy : NAN;
    case StudyMetric::TestF1: {
        const std::vector<EvalRecord> tests = store.evals(run.id, "test");
        return tests.empty() ? NAN : tests.back().f1;
    }
    }
    return NAN;
}

void fillMoments(StudyGroup &g)
{
    std::vector<double> v;
    for (const StudyPoint &p : g.points)
        v.push_back(p.value);
    if (v.empty())
        return;
    g.mean = mean(v);
    g.min = *std::min_element(v.begin(), v.end());
    g.max = *std::max_element(v.begin(), v.end());
    if (v.size() >= 2) {
        double ss = 0;
        for (const double x : v)
            ss += (x - g.mean) * (x - g.mean);
        g.sd = std::sqrt(ss / double(v.size() - 1));
    }
}

void addMcNemar(const RunStore &store, StudyPair &pair)
{
    const std::vector<PredictionRow> a = store.predictions(pair.finetuneRun, "test");
    const std::vector<PredictionRow> b = store.predictions(pair.scratchRun, "test");
    if (a.empty() || b.empty())
        return;
    pair.onlyFinetune = pair.onlyScratch = 0;
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) { // both ordered by example index
        if (a[i].index != b[j].index) {
            (a[i].index < b[j].index ? i : j)++;
            continue;
        }
        const bool ra = a[i].predicted == a[i].label, rb = b[j].predicted == b[j].label;
        pair.onlyFinetune += ra && !rb;
        pair.onlyScratch += rb && !ra;
        ++i;
        ++j;
    }
    pair.mcnemarP = mcnemarExactP(pair.onlyFinetune, pair.onlyScratch);
}

std::string percent(double fraction)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", fraction * 100.0);
    return text;
}

std::string metricWords(StudyMetric m)
{
    switch (m) {
    case StudyMetric::ValidationAccuracy:
        return "validation accuracy";
    case StudyMetric::TestF1:
        return "test F1";
    case StudyMetric::TestAccuracy:
        break;
    }
    return "test accuracy";
}

// Where the scratch mean curve first reaches `target`, interpolated in log(size).
void locateScratch(const std::vector<std::pair<int64_t, double>> &curve, StudyReadout &r)
{
    for (std::size_t j = 0; j < curve.size(); ++j) {
        if (curve[j].second < r.finetuneMean)
            continue;
        if (j == 0) {
            r.reachedAtSmallest = true;
            r.scratchNeeds = double(curve[0].first);
            return;
        }
        const double y0 = curve[j - 1].second, y1 = curve[j].second;
        const double t = y1 > y0 ? (r.finetuneMean - y0) / (y1 - y0) : 1.0;
        const double l0 = std::log(double(curve[j - 1].first)),
                     l1 = std::log(double(curve[j].first));
        r.scratchNeeds = std::exp(l0 + t * (l1 - l0));
        return;
    }
}

void writeTexts(StudySummary &s)
{
    const std::string what = metricWords(s.metric);
    const bool bothKinds = s.config.kinds.size() == 2;
    if (!bothKinds) {
        // One side only (e.g. scratch while the hub weights are out of reach): how it grows.
        const std::string &kind = s.config.kinds.front();
        const StudyGroup *first = nullptr, *last = nullptr;
        std::string spread;
        for (const int64_t n : s.sizes) {
            const StudyGroup *g = s.group(kind, n);
            if (!g || g->n() == 0)
                continue;
            if (!first)
                first = g;
            last = g;
            if (!std::isfinite(g->sd))
                continue;
            char text[96];
            std::snprintf(text, sizeof text, "%s%.1f at %s", spread.empty() ? "" : ", ",
                          100 * g->sd, formatCount(double(n)).c_str());
            spread += text;
        }
        const std::string side = kind == "finetune" ? "fine-tuning" : "scratch";
        s.readoutText =
            !first ? "No cell has finished yet."
                   : (kind == "finetune" ? "Fine-tuning" : "Scratch") + std::string(" alone: ") +
                         percent(first->mean) + " " + what + " with " +
                         formatCount(double(first->trainSize)) + " labelled sentences, " +
                         percent(last->mean) + " with " + formatCount(double(last->trainSize)) +
                         " (mean of seeds). Add the other side to see what pre-training is "
                         "worth.";
        s.stabilityText =
            spread.empty() ? std::string()
                           : "Seed spread (sd, points) of " + side + ": " + spread + " sentences.";
        return;
    }
    if (s.readouts.empty()) {
        s.readoutText =
            "No fine-tune cell has finished yet: the readout appears with the first one.";
    } else {
        const StudyReadout &r = s.readouts.front();
        const int64_t largest = s.sizes.empty() ? 0 : s.sizes.back();
        s.readoutText = "With " + formatCount(double(r.trainSize)) +
                        " labelled sentences fine-tuning reaches " + percent(r.finetuneMean) + " " +
                        what + "; ";
        if (r.reachedAtSmallest) {
            s.readoutText += "scratch already reaches that with the smallest size studied (" +
                             formatCount(r.scratchNeeds) +
                             "), so pre-training is worth at most about " + formatCount(r.worth()) +
                             "× the labels here.";
        } else if (std::isfinite(r.scratchNeeds)) {
            s.readoutText += "scratch needs about " + formatCount(r.scratchNeeds) +
                             " (interpolated) to reach that, so pre-training is worth about " +
                             formatCount(r.worth()) + "× the labels here.";
        } else {
            s.readoutText +=
                "scratch does not reach that within " + formatCount(double(largest)) +
                (largest == s.study.trainSplitSize ? " (the full training split)" : "") +
                ", so pre-training is worth more than " +
                formatCount(double(largest) / double(r.trainSize)) + "× the labels here.";
        }
    }
    int finetuneWider = 0, scratchWider = 0, compared = 0;
    double sdF = 0, sdS = 0;
    for (const int64_t n : s.sizes) {
        const StudyGroup *f = s.group("finetune", n), *c = s.group("scratch", n);
        if (!f || !c || !std::isfinite(f->sd) || !std::isfinite(c->sd))
            continue;
        ++compared;
        sdF += f->sd;
        sdS += c->sd;
        (f->sd > c->sd ? finetuneWider : scratchWider)++;
    }
    if (compared == 0) {
        s.stabilityText = "The seed spread needs at least two finished seeds of both kinds at one "
                          "size.";
        return;
    }
    char text[256];
    std::snprintf(text, sizeof text,
                  "Seed spread: fine-tuning varies more at %d of %d sizes, scratch at %d (mean sd "
                  "%.1f vs %.1f points); %s is the less stable one here.",
                  finetuneWider, compared, scratchWider, 100.0 * sdF / compared,
                  100.0 * sdS / compared, sdF > sdS ? "fine-tuning" : "scratch");
    s.stabilityText = text;
}

nlohmann::json orNull(double v)
{
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

} // namespace

std::string toString(StudyMetric metric)
{
    switch (metric) {
    case StudyMetric::ValidationAccuracy:
        return "validation_accuracy";
    case StudyMetric::TestF1:
        return "test_f1";
    case StudyMetric::TestAccuracy:
        break;
    }
    return "test_accuracy";
}

StudyMetric studyMetricFromString(const std::string &text)
{
    for (const StudyMetric m :
         {StudyMetric::TestAccuracy, StudyMetric::ValidationAccuracy, StudyMetric::TestF1})
        if (toString(m) == text)
            return m;
    throw Error("unknown study metric '" + text +
                "' (allowed: test_accuracy, validation_accuracy, test_f1)");
}

BootstrapInterval bootstrapMeanInterval(const std::vector<double> &values, double level)
{
    BootstrapInterval out;
    const auto n = int64_t(values.size());
    if (n == 0) {
        out.low = out.high = NAN;
        return out;
    }
    std::vector<double> means;
    int64_t total = 1;
    for (int64_t i = 0; i < n && total <= kExactLimit; ++i)
        total *= n;
    if (total <= kExactLimit) {
        out.exact = true;
        means.reserve(std::size_t(total));
        std::vector<int64_t> pick(std::size_t(n), 0); // an odometer over all n^n index tuples
        for (int64_t r = 0; r < total; ++r) {
            double sum = 0;
            for (const int64_t k : pick)
                sum += values[std::size_t(k)];
            means.push_back(sum / double(n));
            for (std::size_t d = 0; d < pick.size() && ++pick[d] == n; ++d)
                pick[d] = 0;
        }
    } else {
        std::mt19937_64 rng(kBootstrapSeed);
        means.reserve(kRandomResamples);
        for (int64_t r = 0; r < kRandomResamples; ++r) {
            double sum = 0;
            for (int64_t k = 0; k < n; ++k)
                sum += values[std::size_t(rng() % uint64_t(n))];
            means.push_back(sum / double(n));
        }
    }
    std::sort(means.begin(), means.end());
    out.resamples = int64_t(means.size());
    out.low = quantile(means, (1.0 - level) / 2.0);
    out.high = quantile(means, (1.0 + level) / 2.0);
    return out;
}

double mcnemarExactP(int64_t onlyA, int64_t onlyB)
{
    const int64_t n = onlyA + onlyB;
    if (n <= 0)
        return 1.0;
    const int64_t k = std::min(onlyA, onlyB);
    // log of C(n, i) / 2^n, summed in log space so large n does not underflow term by term.
    double maxLog = -INFINITY;
    std::vector<double> logs;
    for (int64_t i = 0; i <= k; ++i) {
        const double l = std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) -
                         std::lgamma(double(n - i) + 1) - double(n) * std::log(2.0);
        logs.push_back(l);
        maxLog = std::max(maxLog, l);
    }
    double sum = 0;
    for (const double l : logs)
        sum += std::exp(l - maxLog);
    return std::min(1.0, 2.0 * std::exp(maxLog) * sum);
}

const StudyGroup *StudySummary::group(const std::string &kind, int64_t trainSize) const
{
    for (const StudyGroup &g : groups)
        if (g.kind == kind && g.trainSize == trainSize)
            return &g;
    return nullptr;
}

StudySummary summarizeStudy(const RunStore &store, int64_t studyId, StudyMetric metric)
{
    StudySummary s;
    s.study = store.study(studyId);
    s.config = StudyConfig::fromYaml(s.study.configYaml, s.study.sourcePath);
    s.metric = metric;
    s.progress = studyProgress(store, studyId);
    const std::vector<StudyCell> cells = store.studyCells(studyId);
    for (const StudyCell &c : cells)
        if (std::find(s.sizes.begin(), s.sizes.end(), c.trainSize) == s.sizes.end())
            s.sizes.push_back(c.trainSize);
    std::sort(s.sizes.begin(), s.sizes.end());
    const auto seedRank = [&s](uint64_t seed) {
        return std::find(s.config.seeds.begin(), s.config.seeds.end(), seed) -
               s.config.seeds.begin();
    };
    for (const std::string &kind : s.config.kinds) {
        for (const int64_t n : s.sizes) {
            StudyGroup g;
            g.kind = kind;
            g.trainSize = n;
            for (const StudyCell &c : cells) {
                if (c.kind != kind || c.trainSize != n || c.runId == 0)
                    continue;
                const RunInfo run = store.run(c.runId);
                const double v =
                    run.status == RunStatus::Finished ? metricOf(store, run, metric) : NAN;
                if (std::isfinite(v))
                    g.points.push_back({c.runId, c.index, c.seed, v});
            }
            std::sort(g.points.begin(), g.points.end(),
                      [&seedRank](const StudyPoint &a, const StudyPoint &b) {
                          return seedRank(a.seed) < seedRank(b.seed);
                      });
            fillMoments(g);
            s.groups.push_back(std::move(g));
        }
    }
    std::vector<std::pair<int64_t, double>> scratchCurve;
    for (const int64_t n : s.sizes) {
        const StudyGroup *f = s.group("finetune", n), *c = s.group("scratch", n);
        if (c && c->n() > 0)
            scratchCurve.emplace_back(n, c->mean);
        if (!f || !c)
            continue;
        StudyDifference d;
        d.trainSize = n;
        std::vector<double> diffs;
        for (const StudyPoint &pf : f->points)
            for (const StudyPoint &pc : c->points)
                if (pf.seed == pc.seed) {
                    StudyPair pair{pf.seed, pf.runId, pc.runId, pf.value - pc.value};
                    addMcNemar(store, pair);
                    d.pairs.push_back(pair);
                    diffs.push_back(pair.difference);
                }
        if (diffs.empty())
            continue;
        d.mean = mean(diffs);
        d.interval = bootstrapMeanInterval(diffs);
        d.significant = d.interval.low > 0 || d.interval.high < 0;
        s.differences.push_back(d);
    }
    for (const int64_t n : s.sizes) {
        const StudyGroup *f = s.group("finetune", n);
        if (!f || f->n() == 0)
            continue;
        StudyReadout r;
        r.trainSize = n;
        r.finetuneMean = f->mean;
        locateScratch(scratchCurve, r);
        s.readouts.push_back(r);
    }
    writeTexts(s);
    return s;
}

nlohmann::json toJson(const StudySummary &s)
{
    nlohmann::json out;
    out["study"] = {{"id", s.study.id},
                    {"name", s.study.name},
                    {"source", s.study.sourcePath},
                    {"train_split_size", s.study.trainSplitSize},
                    {"created_at", s.study.createdAt}};
    out["metric"] = toString(s.metric);
    const StudyProgress &p = s.progress;
    out["progress"] = {
        {"status", p.status},
        {"cells", p.cells},
        {"finished", p.cellsFinished},
        {"failed", p.cellsFailed},
        {"running", p.cellsRunning},
        {"steps", p.steps},
        {"steps_done", p.stepsDone},
        {"eta_seconds", p.etaSeconds < 0 ? nlohmann::json(nullptr) : nlohmann::json(p.etaSeconds)},
        {"eta_basis", p.etaBasis}};
    out["method"] = {{"kinds", s.config.kinds},
                     {"seeds", s.config.seeds},
                     {"data_seed", s.config.dataSeed},
                     {"min_steps", s.config.minSteps},
                     {"evals_per_run", s.config.evalsPerRun},
                     {"subsets", "stratified by label, nested, fixed by data_seed"},
                     {"interval", "95% percentile bootstrap of the mean paired difference"}};
    out["sizes"] = s.sizes;
    nlohmann::json groups = nlohmann::json::array();
    for (const StudyGroup &g : s.groups) {
        nlohmann::json points = nlohmann::json::array();
        for (const StudyPoint &pt : g.points)
            points.push_back(
                {{"run", pt.runId}, {"cell", pt.cell}, {"seed", pt.seed}, {"value", pt.value}});
        groups.push_back({{"kind", g.kind},
                          {"train_size", g.trainSize},
                          {"n", g.n()},
                          {"mean", orNull(g.mean)},
                          {"sd", orNull(g.sd)},
                          {"min", orNull(g.min)},
                          {"max", orNull(g.max)},
                          {"points", points}});
    }
    out["groups"] = groups;
    nlohmann::json differences = nlohmann::json::array();
    for (const StudyDifference &d : s.differences) {
        nlohmann::json pairs = nlohmann::json::array();
        for (const StudyPair &pr : d.pairs)
            pairs.push_back({{"seed", pr.seed},
                             {"finetune_run", pr.finetuneRun},
                             {"scratch_run", pr.scratchRun},
                             {"difference", pr.difference},
                             {"only_finetune_right", pr.onlyFinetune},
                             {"only_scratch_right", pr.onlyScratch},
                             {"mcnemar_p", orNull(pr.mcnemarP)}});
        differences.push_back({{"train_size", d.trainSize},
                               {"mean", orNull(d.mean)},
                               {"ci_low", orNull(d.interval.low)},
                               {"ci_high", orNull(d.interval.high)},
                               {"resamples", d.interval.resamples},
                               {"exact", d.interval.exact},
                               {"significant", d.significant},
                               {"pairs", pairs}});
    }
    out["differences"] = differences;
    nlohmann::json readouts = nlohmann::json::array();
    for (const StudyReadout &r : s.readouts)
        readouts.push_back({{"train_size", r.trainSize},
                            {"finetune_mean", orNull(r.finetuneMean)},
                            {"scratch_needs", orNull(r.scratchNeeds)},
                            {"reached_at_smallest", r.reachedAtSmallest},
                            {"worth", orNull(r.worth())}});
    out["readouts"] = readouts;
    out["readout"] = s.readoutText;
    out["stability"] = s.stabilityText;
    return out;
}

std::string formatCount(double count)
{
    if (!std::isfinite(count))
        return "?";
    char text[64];
    if (count < 10 && std::abs(count - std::round(count)) > 0.05) {
        std::snprintf(text, sizeof text, "%.1f", count);
        return text;
    }
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(std::llround(count)));
    std::string digits = text, out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

} // namespace sentilab
