#pragma once
// The read model of a data-efficiency study (sentilab/study.h) and its statistics: the points of
// the curve, per-size mean / sd / min / max over seeds, the paired fine-tune − scratch difference
// with a bootstrap confidence interval, McNemar's exact test per pair of runs, and the readout
// ("how many labels is pre-training worth"). The "Pre-training value" tab, the PDF report and
// `sentilab-cli study show --json` all read this; none recomputes it. Torch-free and Qt-free.
//
// Unlike runanalysis.h this also composes the readout sentences: they are the study's answer,
// and the tab, the report and the CLI must state it in the same words.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <sentilab/runstore.h>
#include <sentilab/study.h>

namespace sentilab {

enum class StudyMetric { TestAccuracy, ValidationAccuracy, TestF1 };
// "test_accuracy", "validation_accuracy", "test_f1" and back (throws for anything else).
std::string toString(StudyMetric metric);
StudyMetric studyMetricFromString(const std::string &text);

// ---- statistics on plain numbers ----

// Percentile bootstrap of the mean: every resample of n values drawn with replacement. When
// n^n <= 200,000 (n <= 6) all n^n resamples are enumerated, each equally likely, so the result is
// exact and reproducible by hand; above that, 20,000 resamples from mt19937_64 with a fixed
// seed. The bounds are the (1 − level)/2 and (1 + level)/2 quantiles of the resample means,
// linearly interpolated between order statistics (h = (N − 1) p, as R's type 7). NaN bounds for an
// empty input.
struct BootstrapInterval
{
    double low = 0, high = 0;
    int64_t resamples = 0;
    bool exact = false; // all resamples enumerated
};
BootstrapInterval bootstrapMeanInterval(const std::vector<double> &values, double level = 0.95);

// McNemar's exact test for two classifiers on the same examples: `onlyA` examples only A got
// right, `onlyB` only B. Two-sided: p = min(1, 2 · P(X <= min(onlyA, onlyB))) for
// X ~ Binomial(onlyA + onlyB, 1/2); 1 when both are 0.
double mcnemarExactP(int64_t onlyA, int64_t onlyB);

// ---- the study ----

struct StudyPoint
{
    int64_t runId = 0;
    int64_t cell = 0;
    uint64_t seed = 0;
    double value = 0; // the metric, a fraction in [0, 1]
};

// One kind at one size: the finished runs' values.
struct StudyGroup
{
    std::string kind;
    int64_t trainSize = 0;
    std::vector<StudyPoint> points;                    // by seed order of the study
    double mean = NAN, sd = NAN, min = NAN, max = NAN; // sd: sample sd (n − 1), NaN when n < 2
    int64_t n() const { return int64_t(points.size()); }
};

// Fine-tune − scratch at one size, on the seeds both kinds have finished.
struct StudyPair
{
    uint64_t seed = 0;
    int64_t finetuneRun = 0, scratchRun = 0;
    double difference = 0; // finetune value − scratch value
    // McNemar on the two runs' test predictions (-1 / NaN when either has none).
    int64_t onlyFinetune = -1, onlyScratch = -1;
    double mcnemarP = NAN;
};
struct StudyDifference
{
    int64_t trainSize = 0;
    std::vector<StudyPair> pairs;
    double mean = NAN;
    BootstrapInterval interval; // of the mean difference, level 0.95
    bool significant = false;   // the interval excludes 0
};

// How many labelled sentences scratch needs to reach fine-tuning's mean at one size.
struct StudyReadout
{
    int64_t trainSize = 0;
    double finetuneMean = NAN;
    // Interpolated linearly in log(size) between the studied sizes on the scratch mean curve;
    // NaN when scratch never reaches it within the largest size studied.
    double scratchNeeds = NAN;
    bool reachedAtSmallest = false; // scratch already reaches it at the smallest size studied
    double worth() const { return scratchNeeds / double(trainSize); } // the label multiplier
};

struct StudySummary
{
    StudyRecord study;
    StudyConfig config;
    StudyMetric metric = StudyMetric::TestAccuracy;
    StudyProgress progress;
    std::vector<int64_t> sizes;     // ascending
    std::vector<StudyGroup> groups; // by kind (finetune, scratch), then size; empty groups kept
    std::vector<StudyDifference> differences; // by size, where both kinds have a finished pair
    std::vector<StudyReadout> readouts;       // by size, where fine-tuning has a value
    std::string readoutText;   // the headline in words, at the smallest size fine-tuning has
    std::string stabilityText; // which kind varies more from seed to seed

    const StudyGroup *group(const std::string &kind, int64_t trainSize) const;
};

// Throws sentilab::Error for an unknown study.
StudySummary summarizeStudy(const RunStore &store, int64_t studyId,
                            StudyMetric metric = StudyMetric::TestAccuracy);

// `sentilab-cli study show --json`: numbers as numbers, NaN as null, fractions in [0, 1].
nlohmann::json toJson(const StudySummary &summary);

// "5,000" style counts and "4.2×" multipliers, as the readout writes them.
std::string formatCount(double count);

} // namespace sentilab
