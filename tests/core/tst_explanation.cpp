// Classifier::explain on the tiny golden checkpoint (../shared/golden/model/tiny-seqcls): every
// number is checked against an independent computation — gradients against central finite
// differences of a float64 copy of the model, Integrated Gradients against completeness,
// occlusion against plain forward passes, rollout against a loop over the returned attention.
// Torch headers come before Qt's (this suite compiles with QT_NO_KEYWORDS as well).
#include <torch/utils.h>

#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <sentilab/classifier.h>
#include <sentilab/embeddingmap.h>
#include <sentilab/error.h>
#include <sentilab/explanation.h>
#include <sentilab/runstore.h>

#include "hfcheckpoint.h"
#include "shareddata.h"
#include "smokerun.h"

using namespace sentilab;

namespace {

// [CLS] 6 ordinary tokens [SEP] (ids 1 and 2 are the golden vocabulary's CLS and SEP).
const std::vector<int64_t> kIds{1, 17, 523, 88, 901, 45, 230, 2};

// F(x) of explanation.h from a logits row.
double logOdds(const std::vector<float> &logits, int64_t c)
{
    double others = 0;
    for (size_t j = 0; j < logits.size(); ++j)
        if (int64_t(j) != c)
            others += std::exp(double(logits[j]));
    return double(logits[size_t(c)]) - std::log(others);
}

} // namespace

class TestExplanation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void integratedGradientsAreComplete();
    void gradientsEqualFiniteDifferences();
    void occlusionEqualsForwardPasses();
    void attentionRowsAndRollout();
    void cancelledReturnsNothing();
    void badRequestsAreRejected();
    void embeddingMapIsCachedAndHonest();
};

void TestExplanation::integratedGradientsAreComplete()
{
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    const Classifier model = Classifier::load(dir.toStdString());
    // Completeness holds exactly for the integral; the midpoint rule's error falls as steps^-2.
    // Tolerance: 2% of |F(x) - F(baseline)| at 32 steps (the default), 0.2% at 256.
    double previous = std::numeric_limits<double>::infinity();
    for (int steps : {4, 32, 256}) {
        ExplainOptions options;
        options.steps = steps;
        options.batchSize = 7; // several passes, one of them partial
        const Explanation e = *model.explainIds(kIds, options);
        QCOMPARE(e.steps, steps);
        const double gap = e.target - e.baselineTarget;
        const double sum = std::accumulate(e.tokenScores.begin(), e.tokenScores.end(), 0.0);
        QVERIFY(std::abs(sum - gap - e.residual) < 1e-5);
        qInfo("steps %d: F(x) %.5f, F(baseline) %.5f, residual %.2e", steps, e.target,
              e.baselineTarget, e.residual);
        QVERIFY2(std::abs(e.residual) < previous || std::abs(e.residual) < 1e-6,
                 "the residual does not shrink as the steps grow");
        previous = std::abs(e.residual);
        if (steps == 32)
            QVERIFY2(std::abs(e.residual) <= 0.02 * std::abs(gap),
                     qPrintable(QString::number(e.residual)));
        if (steps == 256)
            QVERIFY2(std::abs(e.residual) <= 0.002 * std::abs(gap),
                     qPrintable(QString::number(e.residual)));
    }
}

void TestExplanation::gradientsEqualFiniteDifferences()
{
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    const Classifier model = Classifier::load(dir.toStdString());
    ExplainOptions options;
    options.method = AttributionMethod::GradientTimesInput;
    const Explanation e = *model.explainIds(kIds, options);
    QCOMPARE(e.tokenScores.size(), kIds.size());
    QCOMPARE(e.steps, 0);
    QVERIFY(std::isnan(e.residual));

    // Independent: token t's gradient × input is d/de F(x with row t scaled by 1 + e) at e = 0,
    // taken by central differences on a float64 copy of the model.
    DistilBertForSequenceClassification reference = loadClassifierFolder(dir.toStdString());
    reference->to(torch::kDouble);
    torch::NoGradGuard noGrad;
    const torch::Tensor ids = torch::tensor(kIds, torch::kLong).view({1, -1});
    const torch::Tensor mask = torch::ones_like(ids);
    const torch::Tensor x = reference->distilbert->embeddings->word_embeddings(ids);
    const auto f = [&](const torch::Tensor &input) {
        const torch::Tensor logits = reference->logitsFromWordEmbeddings(input, mask)[0];
        const double zc = logits[e.label].item<double>();
        double others = 0;
        for (int64_t j = 0; j < logits.size(0); ++j)
            if (j != e.label)
                others += std::exp(logits[j].item<double>());
        return zc - std::log(others);
    };
    constexpr double kEps = 1e-5;
    // float32 gradients against float64 differences: 1e-4 absolute plus 1e-3 relative.
    for (int64_t t = 0; t < int64_t(kIds.size()); ++t) {
        torch::Tensor up = x.clone(), down = x.clone();
        up[0][t] *= 1 + kEps;
        down[0][t] *= 1 - kEps;
        const double fd = (f(up) - f(down)) / (2 * kEps);
        const double ours = e.tokenScores[size_t(t)];
        QVERIFY2(std::abs(fd - ours) <= 1e-4 + 1e-3 * std::abs(fd),
                 qPrintable(
                     QString("token %1: ours %2, finite differences %3").arg(t).arg(ours).arg(fd)));
    }
}

void TestExplanation::occlusionEqualsForwardPasses()
{
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    const Classifier model = Classifier::load(dir.toStdString());
    ExplainOptions options;
    options.method = AttributionMethod::Occlusion;
    const Explanation e = *model.explainIds(kIds, options);
    // Without vocab.txt every ordinary token is a word of its own.
    QCOMPARE(e.words.size(), kIds.size() - 2);
    QCOMPARE(e.wordOf.front(), -1);
    QCOMPARE(e.wordOf.back(), -1);
    const ForwardOutput full = model.forward({kIds});
    QVERIFY(std::abs(logOdds(full.logits, e.label) - e.target) < 1e-5);
    for (size_t w = 0; w < e.words.size(); ++w) {
        std::vector<int64_t> shorter = kIds;
        shorter.erase(shorter.begin() + std::ptrdiff_t(w + 1));
        const double expected = e.target - logOdds(model.forward({shorter}).logits, e.label);
        QVERIFY2(
            std::abs(e.wordScores[w] - expected) < 1e-4,
            qPrintable(QString("word %1: %2 vs %3").arg(w).arg(e.wordScores[w]).arg(expected)));
        QCOMPARE(e.tokenScores[w + 1], e.wordScores[w]);
    }
    QCOMPARE(e.tokenScores.front(), 0.0f);
}

void TestExplanation::attentionRowsAndRollout()
{
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    const Classifier model = Classifier::load(dir.toStdString());
    const Explanation e = *model.explainIds(kIds);
    const int64_t n = e.length();
    QCOMPARE(e.layers, int64_t(model.config().nLayers));
    QCOMPARE(e.heads, int64_t(model.config().nHeads));
    QCOMPARE(int64_t(e.attention.size()), e.layers * e.heads * n * n);
    for (int64_t l = 0; l < e.layers; ++l)
        for (int64_t h = 0; h < e.heads; ++h)
            for (int64_t q = 0; q < n; ++q) {
                double row = 0;
                for (int64_t k = 0; k < n; ++k)
                    row += e.attentionAt(l, h, q, k);
                QVERIFY(std::abs(row - 1) < 1e-5);
            }
    // Rollout by hand: R = A_L ... A_1 with A = (mean over heads + I) / 2.
    std::vector<double> product(size_t(n * n), 0.0);
    for (int64_t i = 0; i < n; ++i)
        product[size_t(i * n + i)] = 1;
    for (int64_t l = 0; l < e.layers; ++l) {
        std::vector<double> a(size_t(n * n)), next(size_t(n * n), 0.0);
        for (int64_t q = 0; q < n; ++q)
            for (int64_t k = 0; k < n; ++k) {
                double mean = 0;
                for (int64_t h = 0; h < e.heads; ++h)
                    mean += e.attentionAt(l, h, q, k);
                a[size_t(q * n + k)] = 0.5 * mean / double(e.heads) + (q == k ? 0.5 : 0.0);
            }
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j)
                for (int64_t m = 0; m < n; ++m)
                    next[size_t(i * n + j)] += a[size_t(i * n + m)] * product[size_t(m * n + j)];
        product = next;
    }
    QCOMPARE(int64_t(e.rollout.size()), n);
    double total = 0;
    for (int64_t k = 0; k < n; ++k) {
        QVERIFY(std::abs(e.rollout[size_t(k)] - product[size_t(k)]) < 1e-5);
        total += e.rollout[size_t(k)];
    }
    QVERIFY(std::abs(total - 1) < 1e-5);

    const nlohmann::json j = toJson(e, true);
    QCOMPARE(j["method"].get<std::string>(), std::string("ig"));
    QCOMPARE(j["attention"].size(), e.attention.size());
    QVERIFY(!toJson(e, false).contains("attention"));
}

void TestExplanation::cancelledReturnsNothing()
{
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    const Classifier model = Classifier::load(dir.toStdString());
    for (AttributionMethod method :
         {AttributionMethod::IntegratedGradients, AttributionMethod::GradientTimesInput,
          AttributionMethod::Occlusion}) {
        ExplainOptions options;
        options.method = method;
        options.cancelled = [] { return true; };
        QVERIFY(!model.explainIds(kIds, options).has_value());
    }
    // Cancelled after the first of four passes: polled between passes.
    ExplainOptions options;
    options.steps = 32;
    options.batchSize = 8;
    int polls = 0;
    options.cancelled = [&] { return ++polls > 2; };
    QVERIFY(!model.explainIds(kIds, options).has_value());
    QCOMPARE(polls, 3);
}

void TestExplanation::badRequestsAreRejected()
{
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    const Classifier model = Classifier::load(dir.toStdString());
    const auto rejects = [&](const std::vector<int64_t> &ids, const ExplainOptions &options,
                             const QString &needle) {
        try {
            model.explainIds(ids, options);
        } catch (const Error &e) {
            return QString(e.what()).contains(needle);
        }
        return false;
    };
    ExplainOptions options;
    QVERIFY(rejects({1}, options, "at least [CLS] and [SEP]"));
    QVERIFY(rejects({1, 5000, 2}, options, "id 5000 at position 1 is outside the vocabulary"));
    QVERIFY(rejects(std::vector<int64_t>(65, 3), options, "at most 64"));
    options.steps = 0;
    QVERIFY(rejects(kIds, options, "steps must be between 1 and 1024"));
    QVERIFY_THROWS_EXCEPTION(Error, parseAttributionMethod("shap"));
    QCOMPARE(parseAttributionMethod("grad-input"), AttributionMethod::GradientTimesInput);
    // The text entry point needs the vocabulary, which the golden folder lacks.
    try {
        model.explain("a fine film");
        QFAIL("explain without vocab.txt succeeded");
    } catch (const Error &e) {
        QVERIFY(QString(e.what()).contains("vocab.txt"));
    }
}

// A real smoke run's map: its test points' verdicts equal the run's recorded test evaluation,
// the axes are orthonormal, a sentence projects onto its own point, the silhouette equals a
// plain loop over the representations, and the second request comes from the store's cache.
void TestExplanation::embeddingMapIsCachedAndHonest()
{
    SENTILAB_REQUIRE_SHARED(train, "data/sst2/train.jsonl");
    QTemporaryDir dir;
    const QString db = dir.filePath("runs.db");
    const int64_t run = sentilab::test::trainSmoke(db, 42);
    QVERIFY(run > 0);
    const std::string dbPath = db.toStdString();

    // Cancelled: no map, nothing cached.
    QVERIFY(!embeddingMapForRun(dbPath, run, {}, [] { return true; }).has_value());
    int64_t progressCalls = 0, lastDone = 0;
    const EmbeddingMap map = *embeddingMapForRun(dbPath, run, [&](int64_t done, int64_t) {
        ++progressCalls;
        lastDone = done;
    });
    QCOMPARE(int64_t(map.points.size()), int64_t(128)); // smoke: 64 validation + 64 test rows
    QCOMPARE(lastDone, int64_t(128));
    QVERIFY(map.step > 0);

    const RunStore store = RunStore::openExisting(dbPath);
    int64_t testRight = 0, testCount = 0;
    for (const MapPoint &p : map.points)
        if (p.split == "test")
            ++testCount, testRight += p.gold == p.predicted;
    bool compared = false;
    for (const EvalRecord &e : store.evals(run, "test"))
        if (e.step == map.step) {
            QVERIFY(std::abs(e.accuracy - double(testRight) / double(testCount)) < 1e-9);
            compared = true;
        }
    QVERIFY2(compared, "no test evaluation at the map's checkpoint step");

    double n0 = 0, n1 = 0, dot = 0;
    for (int64_t d = 0; d < map.dim; ++d) {
        n0 += map.axes[size_t(d)] * map.axes[size_t(d)];
        n1 += map.axes[size_t(map.dim + d)] * map.axes[size_t(map.dim + d)];
        dot += map.axes[size_t(d)] * map.axes[size_t(map.dim + d)];
    }
    QVERIFY(std::abs(n0 - 1) < 1e-4 && std::abs(n1 - 1) < 1e-4 && std::abs(dot) < 1e-4);
    QVERIFY(map.explained[0] >= map.explained[1] && map.explained[1] > 0);

    const Classifier model = Classifier::load(bestCheckpointDir(store, run));
    std::vector<std::string> texts;
    for (const MapPoint &p : map.points)
        texts.push_back(p.text);
    const Classifier::Representations r = model.represent(texts);
    const auto [x, y] = map.project(
        std::vector<float>(r.vectors.begin(), r.vectors.begin() + std::ptrdiff_t(map.dim)));
    // Batched differently (length-sorted batches of 64 vs one batch): 1e-3 absolute.
    QVERIFY2(
        std::abs(x - map.points[0].x) < 1e-3 && std::abs(y - map.points[0].y) < 1e-3,
        qPrintable(
            QString("%1,%2 vs %3,%4").arg(x).arg(y).arg(map.points[0].x).arg(map.points[0].y)));

    // Silhouette by hand.
    const size_t n = map.points.size();
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
        double same = 0, other = 0;
        int sameCount = 0, otherCount = 0;
        for (size_t j = 0; j < n; ++j) {
            if (i == j)
                continue;
            double d2 = 0;
            for (int64_t d = 0; d < map.dim; ++d) {
                const double diff = r.vectors[i * size_t(map.dim) + size_t(d)] -
                                    r.vectors[j * size_t(map.dim) + size_t(d)];
                d2 += diff * diff;
            }
            (map.points[j].gold == map.points[i].gold ? same : other) += std::sqrt(d2);
            ++(map.points[j].gold == map.points[i].gold ? sameCount : otherCount);
        }
        const double a = same / sameCount, b = other / otherCount;
        total += (b - a) / std::max(a, b);
    }
    QVERIFY2(std::abs(total / double(n) - map.silhouette) < 1e-3,
             qPrintable(QString("%1 vs %2").arg(total / double(n)).arg(map.silhouette)));

    // Cached: no progress the second time, the same numbers.
    progressCalls = 0;
    const EmbeddingMap again =
        *embeddingMapForRun(dbPath, run, [&](int64_t, int64_t) { ++progressCalls; });
    QCOMPARE(progressCalls, int64_t(0));
    QCOMPARE(again.points.size(), map.points.size());
    QCOMPARE(again.points[5].x, map.points[5].x);
    QCOMPARE(again.silhouette, map.silhouette);
    QVERIFY(store.embeddingMap(run, map.checkpoint, map.step).has_value());
    QVERIFY_THROWS_EXCEPTION(Error, embeddingMapFromJson(nlohmann::json::object()));
}

QTEST_GUILESS_MAIN(TestExplanation)
#include "tst_explanation.moc"
