// The read model (sentilab/runanalysis.h) on hand-made runs whose right answers are known: the
// pairing rule, the difference curve (exact and interpolated steps), the first step at which A
// matched B's best, test disagreements with their sentences, split sizes, the resolved
// architecture and the JSON form `sentilab-cli compare --json` prints.
#include <sentilab/error.h>
#include <sentilab/experimentconfig.h>
#include <sentilab/runanalysis.h>
#include <sentilab/runstore.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <map>

using namespace sentilab;

namespace {

EvalRecord eval(const std::string &split, int64_t step, double accuracy, double wallMs = 0)
{
    EvalRecord e;
    e.split = split;
    e.step = step;
    e.epoch = double(step) / 10.0;
    e.accuracy = accuracy;
    e.f1 = accuracy - 0.01;
    e.loss = 1 - accuracy;
    e.confusion = {40, 10, 8, 42}; // 100 examples
    e.wallMs = wallMs;
    return e;
}

} // namespace

class TestRunAnalysis : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void parameterCountOfDistilBert();
    void pairPrefersEvaluatedRunsOfEachKind();
    void pairWithoutBothKindsTakesTheFirstTwo();
    void differenceCurveInterpolatesBetweenEvaluations();
    void firstMatchOfTheOthersBest();
    void disagreementsCarryTheirSentences();
    void summaryResolvesTheArchitectureAndSplitSizes();
    void differencesBesidesTheInitialisation();
    void jsonHasTheSameNumbers();
    void stepTimeFromTheNewestMatchingRun();
    void unknownRunIsAnError();

private:
    int64_t addRun(const std::string &kind, const std::string &name,
                   const std::vector<std::string> &overrides = {});

    QTemporaryDir m_dir;
    std::optional<RunStore> m_store;
};

void TestRunAnalysis::init()
{
    m_store.reset();
    QFile::remove(m_dir.filePath("runs.db"));
    m_store.emplace(RunStore::open(m_dir.filePath("runs.db").toStdString()));
    QFile test(m_dir.filePath("test.jsonl"));
    QVERIFY(test.open(QIODevice::WriteOnly));
    for (int i = 0; i < 6; ++i)
        test.write(QStringLiteral("{\"text\": \"sentence number %1\", \"label\": %2}\n")
                       .arg(i)
                       .arg(i % 2)
                       .toUtf8());
}

int64_t TestRunAnalysis::addRun(const std::string &kind, const std::string &name,
                                const std::vector<std::string> &extra)
{
    std::vector<std::string> overrides = {
        "kind=" + kind,
        std::string("model.init=") + (kind == "finetune" ? "pretrained" : "scratch"),
        "data.dir=" + m_dir.path().toStdString(), "data.test=test.jsonl"};
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    const ExperimentConfig config = ExperimentConfig::fromYaml("", "test", overrides);
    RunInfo info;
    info.name = name;
    info.kind = kind;
    info.status = RunStatus::Running;
    info.configYaml = config.toYaml();
    const int64_t id = m_store->createRun(info);
    m_store->setParams(id, config.flatten());
    return id;
}

void TestRunAnalysis::parameterCountOfDistilBert()
{
    ModelArchitecture a;
    a.vocabSize = 30522;
    a.maxPositions = 512;
    a.dim = 768;
    a.layers = 6;
    a.heads = 12;
    a.hiddenDim = 3072;
    a.labels = 2;
    // DistilBertForSequenceClassification.num_parameters() in transformers.
    QCOMPARE(parameterCount(a), int64_t(66955010));
}

void TestRunAnalysis::pairPrefersEvaluatedRunsOfEachKind()
{
    const int64_t scratchBare = addRun("scratch", "scratch-bare");
    const int64_t finetuneBare = addRun("finetune", "finetune-bare");
    const int64_t scratch = addRun("scratch", "scratch");
    const int64_t finetune = addRun("finetune", "finetune");
    m_store->logEval(scratch, eval("val", 10, 0.7));
    m_store->logEval(finetune, eval("validation", 10, 0.9));
    const Comparison c = compareRuns(*m_store, {scratchBare, finetuneBare, scratch, finetune});
    QVERIFY(c.hasPair());
    QVERIFY(c.kindsDiffer);
    QCOMPARE(c.runs[size_t(c.a)].info.id, finetune);
    QCOMPARE(c.runs[size_t(c.b)].info.id, scratch);

    // Without evaluations anywhere: the first run of each kind.
    const Comparison bare = compareRuns(*m_store, {scratchBare, finetuneBare});
    QCOMPARE(bare.runs[size_t(bare.a)].info.id, finetuneBare);
    QCOMPARE(bare.runs[size_t(bare.b)].info.id, scratchBare);
}

void TestRunAnalysis::pairWithoutBothKindsTakesTheFirstTwo()
{
    const int64_t x = addRun("scratch", "x"), y = addRun("scratch", "y");
    const Comparison c = compareRuns(*m_store, {y, x});
    QVERIFY(!c.kindsDiffer);
    QCOMPARE(c.runs[size_t(c.a)].info.id, y);
    QCOMPARE(c.runs[size_t(c.b)].info.id, x);
    QVERIFY(!compareRuns(*m_store, {x}).hasPair());
}

void TestRunAnalysis::differenceCurveInterpolatesBetweenEvaluations()
{
    const int64_t a = addRun("finetune", "a"), b = addRun("scratch", "b");
    for (const auto &[step, acc] :
         std::vector<std::pair<int64_t, double>>{{10, 0.80}, {20, 0.90}, {30, 0.92}})
        m_store->logEval(a, eval("val", step, acc));
    // B evaluates every 15 steps, from 5: steps 5 and 35 lie outside A's range.
    for (const auto &[step, acc] :
         std::vector<std::pair<int64_t, double>>{{5, 0.50}, {15, 0.60}, {30, 0.70}, {35, 0.75}})
        m_store->logEval(b, eval("val", step, acc));
    const Comparison c = compareRuns(*m_store, {a, b});
    // Steps of either run inside [10, 30]: 10, 15, 20, 30.
    QCOMPARE(c.difference.size(), size_t(4));
    const struct
    {
        int64_t step;
        double points;
        bool interpolated;
    } expected[] = {
        {10, (0.80 - 0.55) * 100, true},             // B halfway between 0.50 and 0.60
        {15, (0.85 - 0.60) * 100, true},             // A halfway between 0.80 and 0.90
        {20, (0.90 - (0.60 + 0.1 / 3)) * 100, true}, // B a third of the way to 0.70
        {30, (0.92 - 0.70) * 100, false},
    };
    for (size_t i = 0; i < 4; ++i) {
        QCOMPARE(c.difference[i].step, expected[i].step);
        QVERIFY2(std::abs(c.difference[i].points - expected[i].points) < 1e-9,
                 qPrintable(QString::number(c.difference[i].points)));
        QCOMPARE(c.difference[i].interpolated, expected[i].interpolated);
    }
}

void TestRunAnalysis::firstMatchOfTheOthersBest()
{
    const int64_t a = addRun("finetune", "a"), b = addRun("scratch", "b");
    m_store->logEval(a, eval("val", 10, 0.70));
    m_store->logEval(a, eval("val", 20, 0.81));
    m_store->logEval(a, eval("val", 30, 0.90));
    m_store->logEval(b, eval("val", 40, 0.80)); // B's best
    m_store->logEval(b, eval("val", 80, 0.78));
    const Comparison c = compareRuns(*m_store, {b, a});
    QVERIFY(c.aMatchedBestOfB.has_value());
    QCOMPARE(c.aMatchedBestOfB->step, int64_t(20));
    QCOMPARE(c.runs[size_t(c.b)].bestValidation->step, int64_t(40));
    QCOMPARE(c.runs[size_t(c.b)].lastValidation->step, int64_t(80));
}

void TestRunAnalysis::disagreementsCarryTheirSentences()
{
    const int64_t a = addRun("finetune", "a"), b = addRun("scratch", "b");
    std::vector<PredictionRow> pa, pb;
    for (int64_t i = 0; i < 6; ++i) {
        pa.push_back({i, i % 2, i % 2, i % 2 ? 0.9 : 0.1});       // always right
        pb.push_back({i, i % 2, i < 3 ? 1 - i % 2 : i % 2, 0.5}); // wrong on 0, 1, 2
    }
    m_store->logPredictions(a, "test", 50, pa);
    m_store->logPredictions(b, "test", 50, pb);
    const Comparison c = compareRuns(*m_store, {a, b});
    QCOMPARE(c.testJoined, int64_t(6));
    QCOMPARE(c.disagreements.size(), size_t(3));
    QCOMPARE(c.aRightOnDisagreements, int64_t(3));
    QCOMPARE(c.bRightOnDisagreements, int64_t(0));
    // McNemar exact: 3 vs 0 discordant pairs, p = 2 * (1/2)^3 = 0.25.
    QCOMPARE(c.mcnemarP, 0.25);
    for (int64_t i = 0; i < 3; ++i) {
        QCOMPARE(c.disagreements[size_t(i)].index, i);
        QCOMPARE(c.disagreements[size_t(i)].text, "sentence number " + std::to_string(i));
    }
    QVERIFY2(c.textError.empty(), c.textError.c_str());

    // The test file gone: the disagreements stay, the reason is given.
    QVERIFY(QFile::remove(m_dir.filePath("test.jsonl")));
    const Comparison missing = compareRuns(*m_store, {a, b});
    QCOMPARE(missing.disagreements.size(), size_t(3));
    QVERIFY(missing.disagreements[0].text.empty());
    QVERIFY2(missing.textError.find("test.jsonl") != std::string::npos, missing.textError.c_str());
}

void TestRunAnalysis::summaryResolvesTheArchitectureAndSplitSizes()
{
    const int64_t a = addRun("finetune", "a");
    // Before the trainer records anything: unknown, and the config says "use config.json's".
    RunSummary bare = summarizeRun(*m_store, a);
    QVERIFY(!bare.architecture.known());
    QCOMPARE(bare.param("model.dim"), std::string("0"));
    QCOMPARE(bare.examples.train, int64_t(-1));
    QCOMPARE(bare.checkpointProblem, std::string("no checkpoint yet"));

    m_store->setParams(a, {{"model.resolved.vocab_size", "30522"},
                           {"model.resolved.max_position_embeddings", "512"},
                           {"model.resolved.dim", "768"},
                           {"model.resolved.n_layers", "6"},
                           {"model.resolved.n_heads", "12"},
                           {"model.resolved.hidden_dim", "3072"},
                           {"model.resolved.num_labels", "2"},
                           {"model.resolved.dropout", "0.1"},
                           {"model.resolved.attention_dropout", "0.1"},
                           {"model.resolved.seq_classif_dropout", "0.2"},
                           {"data.examples.train", "6920"},
                           {"data.examples.validation", "872"}});
    m_store->logEval(a, eval("test", 100, 0.9)); // counts 100 examples
    const RunSummary r = summarizeRun(*m_store, a);
    QCOMPARE(r.architecture.source, std::string("run"));
    QCOMPARE(r.architecture.parameters, int64_t(66955010));
    QCOMPARE(r.param("model.dim"), std::string("768"));
    QCOMPARE(r.param("model.dropout"), std::string("0.1"));
    QCOMPARE(r.param("model.seq_classif_dropout"), std::string("0.2"));
    QCOMPARE(r.examples.train, int64_t(6920));
    QCOMPARE(r.examples.validation, int64_t(872));
    QCOMPARE(r.examples.test, int64_t(100)); // not recorded: what the evaluation counted
}

void TestRunAnalysis::differencesBesidesTheInitialisation()
{
    // Same recipe and data, different initialisation and seed: a fair comparison.
    const int64_t a = addRun("finetune", "a", {"train.seed=1"});
    const int64_t b = addRun("scratch", "b", {"train.seed=2"});
    QVERIFY(compareRuns(*m_store, {a, b}).differences.empty());

    // Another learning rate and a smaller model: both named, with their values.
    const int64_t c = addRun("scratch", "c", {"train.lr=1e-3", "model.dim=32", "model.n_heads=4"});
    m_store->setParams(a, {{"model.resolved.dim", "768"}, {"model.resolved.n_heads", "12"}});
    m_store->setParams(c, {{"model.resolved.dim", "32"}, {"model.resolved.n_heads", "4"}});
    const Comparison cmp = compareRuns(*m_store, {a, c});
    std::map<std::string, Comparison::Difference> found;
    for (const Comparison::Difference &d : cmp.differences)
        found[d.key] = d;
    QVERIFY(found.count("train.lr"));
    QCOMPARE(found["train.lr"].aspect, std::string("recipe"));
    QCOMPARE(found["train.lr"].b, std::string("0.001"));
    QVERIFY(found.count("model.dim"));
    QCOMPARE(found["model.dim"].a, std::string("768"));
    QCOMPARE(found["model.dim"].b, std::string("32"));
    QVERIFY(found.count("model.n_heads"));
    QVERIFY(!found.count("train.seed") && !found.count("model.init") && !found.count("kind"));
}

void TestRunAnalysis::jsonHasTheSameNumbers()
{
    const int64_t a = addRun("finetune", "a"), b = addRun("scratch", "b");
    m_store->logEval(a, eval("val", 10, 0.75, 1500));
    m_store->logEval(b, eval("val", 10, 0.5, 3000));
    m_store->logEval(a, eval("test", 10, 0.8125));
    const Comparison c = compareRuns(*m_store, {b, a});
    const nlohmann::json j = toJson(c);
    QCOMPARE(j["pair"]["a"].get<int64_t>(), a);
    QCOMPARE(j["pair"]["b"].get<int64_t>(), b);
    QCOMPARE(j["runs"][0]["id"].get<int64_t>(), b);
    QCOMPARE(j["runs"][1]["test"]["accuracy"].get<double>(), 0.8125);
    QVERIFY(j["runs"][0]["test"].is_null());
    QCOMPARE(j["runs"][0]["training_seconds"].get<double>(), 3.0);
    QCOMPARE(j["difference"].size(), size_t(1));
    QCOMPARE(j["difference"][0]["points"].get<double>(), 25.0);
    QCOMPARE(j["runs"][1]["config"]["kind"].get<std::string>(), std::string("finetune"));
    QVERIFY(j["test_disagreements"]["sentences"].empty());
}

void TestRunAnalysis::stepTimeFromTheNewestMatchingRun()
{
    QVERIFY(!measuredStepTime(*m_store, "scratch", 32).has_value());
    const auto finished = [&](const std::string &kind, int64_t batch, int64_t steps,
                              double wallMs) {
        const int64_t id = addRun(kind, kind, {"train.batch_size=" + std::to_string(batch)});
        m_store->setProgress(id, steps, steps);
        m_store->logMetrics(id, {{"train/loss", steps, wallMs, 0.5}});
        m_store->setStatus(id, RunStatus::Finished);
        return id;
    };
    finished("scratch", 32, 100, 50000);                      // 0.5 s per step
    const int64_t newer = finished("scratch", 32, 10, 20000); // 2 s per step, newest
    finished("scratch", 16, 10, 1000);                        // another batch size
    const int64_t running = addRun("scratch", "running", {"train.batch_size=32"});
    m_store->setProgress(running, 5, 10); // not finished: not a measurement
    const std::optional<StepTime> t = measuredStepTime(*m_store, "scratch", 32);
    QVERIFY(t.has_value());
    QCOMPARE(t->runId, newer);
    QCOMPARE(t->secondsPerStep, 2.0);
    QCOMPARE(measuredStepTime(*m_store, "scratch", 16)->secondsPerStep, 0.1);
    QVERIFY(!measuredStepTime(*m_store, "finetune", 32).has_value());
}

void TestRunAnalysis::unknownRunIsAnError()
{
    QVERIFY_THROWS_EXCEPTION(Error, summarizeRun(*m_store, 99));
    QVERIFY_THROWS_EXCEPTION(Error, compareRuns(*m_store, {99}));
}

QTEST_GUILESS_MAIN(TestRunAnalysis)
#include "tst_runanalysis.moc"
