// Data-efficiency studies (issue 12): study files and their errors, nested stratified subsets,
// the step-budget rule, the bootstrap interval and McNemar's test against hand-computed values,
// and a real 2-size x 2-seed x 2-kind smoke study that is killed mid-cell, resumed without
// repeating a finished cell, and summarised identically by the CLI and the read model.
#include <csignal>
#include <map>
#include <set>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <sentilab/dataset.h>
#include <sentilab/error.h>
#include <sentilab/runanalysis.h>
#include <sentilab/study.h>
#include <sentilab/studyanalysis.h>
#include <sentilab/training.h>

#include "shareddata.h"
#include "testhelpers.h"

using namespace sentilab;

namespace {

const std::string kExperiments = SENTILAB_SOURCE_DIR "/experiments";

void writeFile(const QString &path, const std::string &text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text.data(), qint64(text.size()));
}

std::string studyError(const std::string &yaml, const QTemporaryDir &dir)
{
    const QString path = dir.filePath("bad.yaml");
    writeFile(path, yaml);
    return test::errorOf([&] { StudyConfig::fromFile(path.toStdString()); });
}

std::vector<int64_t> rowsOf(const RunStore &store, int64_t runId)
{
    std::vector<int64_t> rows;
    for (const auto &[key, value] : store.params(runId))
        if (key == "data.subset.rows") {
            std::stringstream in(value);
            std::string item;
            while (std::getline(in, item, ','))
                rows.push_back(std::stoll(item));
        }
    return rows;
}

QByteArray runCli(const QStringList &args, int *exitCode = nullptr)
{
    QProcess p;
    p.start(SENTILAB_CLI_PATH, args);
    p.waitForFinished(300000);
    if (exitCode)
        *exitCode = p.exitCode();
    return p.readAllStandardOutput();
}

} // namespace

class TestStudy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void studyFilesParseAndRoundTrip();
    void badStudyFilesNameFileLineAndKey();
    void subsetsAreNestedAndStratified();
    void planFollowsTheStepBudgetCheapestFirst();
    void bootstrapMatchesHandComputedValues();
    void mcnemarMatchesHandComputedValues();
    void smokeStudyRunsSurvivesKillAndSummarises();
};

void TestStudy::initTestCase()
{
    qputenv("OMP_NUM_THREADS", "1");
}

void TestStudy::studyFilesParseAndRoundTrip()
{
    for (const char *name : {"data-efficiency.yaml", "quick.yaml", "smoke.yaml"}) {
        const StudyConfig c = StudyConfig::fromFile(kExperiments + "/studies/" + name);
        QVERIFY(!c.sizes.empty() && !c.seeds.empty());
        const StudyConfig back = StudyConfig::fromYaml(c.toYaml(), "round trip");
        QCOMPARE(back.toYaml(), c.toYaml());
    }
    const StudyConfig d = StudyConfig::fromFile(kExperiments + "/studies/data-efficiency.yaml");
    QCOMPARE(d.sizes.size(), std::size_t(6));
    QCOMPARE(d.sizes[0].fraction, 0.01);
    QCOMPARE(d.sizes[0].resolve(6920), int64_t(69));
    QCOMPARE(d.sizes[5].resolve(6920), int64_t(6920));
    QCOMPARE(d.kinds, (std::vector<std::string>{"finetune", "scratch"}));
    QVERIFY(QString::fromStdString(d.scratch).endsWith("experiments/scratch.yaml"));
    // Counts and fractions as written.
    const StudyConfig c = StudyConfig::fromYaml("name: x\nscratch: s.yaml\nkinds: [scratch]\n"
                                                "sizes: [0.5, 346, 25%]\nseeds: [7]\n",
                                                "inline");
    QCOMPARE(c.sizes[0].resolve(1000), int64_t(500));
    QCOMPARE(c.sizes[1].resolve(1000), int64_t(346));
    QCOMPARE(c.sizes[2].resolve(1000), int64_t(250));
}

void TestStudy::badStudyFilesNameFileLineAndKey()
{
    QTemporaryDir dir;
    const std::string scratch = "scratch: " + kExperiments + "/smoke.yaml\nkinds: [scratch]\n";
    struct Case
    {
        std::string yaml, expected;
    };
    const std::vector<Case> cases = {
        {"name: a\n" + scratch + "sizes: [1%]\nseeds: [1]\nmin_step: 5\n",
         "bad.yaml:6: unknown key 'min_step'"},
        {"name: a\n" + scratch + "sizes: [1%]\nseeds: [1]\nmin_step: 5\n",
         "did you mean 'min_steps'"},
        {"name: a\n" + scratch + "sizes: [150%]\nseeds: [1]\n", "bad.yaml:4: sizes: expected a"},
        {"name: a\n" + scratch + "sizes: [1]\nseeds: [1]\n", "count >= 2, got '1'"},
        {"name: a\n" + scratch + "sizes: [5%]\nseeds: [1, 1]\n", "seeds: 1 is listed twice"},
        {"name: a\n" + scratch + "sizes: 5%\nseeds: [1]\n", "bad.yaml:4: sizes: expected a list"},
        {scratch + "sizes: [5%]\nseeds: [1]\n", "missing key 'name'"},
        {"name: a b\n" + scratch + "sizes: [5%]\nseeds: [1]\n", "bad.yaml:1: name: expected 1 to"},
        {"name: a\nsizes: [5%]\nseeds: [1]\n", "missing key 'finetune'"},
        {"name: a\nscratch: nowhere.yaml\nkinds: [scratch]\nsizes: [5%]\nseeds: [1]\n",
         "nowhere.yaml: cannot open the experiment file"},
        {"name: a\nscratch: " + kExperiments +
             "/finetune.yaml\nkinds: [scratch]\nsizes: "
             "[5%]\nseeds: [1]\n",
         "is a finetune experiment; the scratch key needs a scratch one"},
        {"name: a\n" + scratch + "sizes: [5%]\nseeds: [1]\nset: [train.lrr=1]\n",
         "unknown key 'train.lrr'"},
        {"name: a\n" + scratch + "sizes: [5%]\nseeds: [1]\nevals_per_run: 0\n",
         "evals_per_run: expected an integer in 1..1000, got '0'"},
        {"name: a\n" + scratch + "sizes: [" +
             [] {
                 std::string many;
                 for (int i = 2; i < 602; ++i)
                     many += (i > 2 ? ", " : "") + std::to_string(i);
                 return many;
             }() +
             "]\nseeds: [1, 2]\n",
         "is 1200 runs; a study holds at most 1000"},
        {"name: [a\n", "bad.yaml:"},
        {"name: a\n---\nname: b\n", "more than one YAML document"},
        {"# only a comment\n", "the study file is empty"},
        {"- a\n- b\n", "expected a mapping of keys at the top level"},
    };
    for (const Case &c : cases) {
        const std::string error = studyError(c.yaml, dir);
        QVERIFY2(error.find(c.expected) != std::string::npos,
                 qPrintable(QString::fromStdString("expected '" + c.expected + "' in: " + error)));
    }
    // A size larger than the split is caught when planning, naming the size.
    writeFile(dir.filePath("big.yaml"), "name: a\n" + scratch + "sizes: [300]\nseeds: [1]\n");
    const std::string error = test::errorOf(
        [&] { planStudy(StudyConfig::fromFile(dir.filePath("big.yaml").toStdString())); });
    QVERIFY2(error.find("sizes: 300 is more than the 256 examples") != std::string::npos,
             error.c_str());
}

void TestStudy::subsetsAreNestedAndStratified()
{
    SENTILAB_REQUIRE_SHARED(train, "data/sst2/train.jsonl");
    std::vector<int64_t> labels;
    for (const Example &e : readExamples(train.toStdString()))
        labels.push_back(e.label);
    QCOMPARE(labels.size(), std::size_t(6920));
    const auto positives = std::count(labels.begin(), labels.end(), 1);
    std::vector<int64_t> previous;
    for (const int64_t n : {2, 3, 69, 346, 692, 1384, 3460, 6920}) {
        const std::vector<int64_t> s = stratifiedSubset(labels, n, 2024);
        QCOMPARE(int64_t(s.size()), n);
        QVERIFY(std::is_sorted(s.begin(), s.end()));
        QVERIFY(std::adjacent_find(s.begin(), s.end()) == s.end());
        QVERIFY(std::includes(s.begin(), s.end(), previous.begin(), previous.end()));
        int64_t pos = 0;
        for (const int64_t i : s)
            pos += labels[std::size_t(i)];
        const double expected = double(n) * double(positives) / 6920.0;
        QVERIFY2(
            std::abs(double(pos) - expected) <= 1.0 && pos >= 1 && pos < n,
            qPrintable(
                QString("n %1: %2 positives, expected about %3").arg(n).arg(pos).arg(expected)));
        previous = s;
    }
    QCOMPARE(stratifiedSubset(labels, 346, 2024), stratifiedSubset(labels, 346, 2024));
    QVERIFY(stratifiedSubset(labels, 346, 2024) != stratifiedSubset(labels, 346, 2025));
    const std::string error = test::errorOf([&] { stratifiedSubset(labels, 6921, 1); });
    QVERIFY2(error.find("has 6920") != std::string::npos, error.c_str());
}

void TestStudy::planFollowsTheStepBudgetCheapestFirst()
{
    SENTILAB_REQUIRE_SHARED(train, "data/sst2/train.jsonl");
    StudyConfig c = StudyConfig::fromFile(kExperiments + "/studies/quick.yaml");
    c.kinds = {"scratch"}; // the fine-tune side needs the hub weights only to train, not to plan
    const StudyPlan plan = planStudy(c);
    QCOMPARE(plan.trainSplitSize, int64_t(6920));
    QCOMPARE(plan.cells.size(), std::size_t(10));
    std::map<int64_t, int64_t> stepsOfSize;
    for (std::size_t i = 0; i < plan.cells.size(); ++i) {
        const StudyCell &cell = plan.cells[i];
        QCOMPARE(cell.index, int64_t(i));
        if (i > 0)
            QVERIFY(plan.cells[i - 1].steps <= cell.steps);
        const ExperimentConfig e = ExperimentConfig::fromYaml(cell.configYaml, "cell");
        QCOMPARE(e.data.subsetSize, cell.trainSize);
        QCOMPARE(e.data.subsetSeed, uint64_t(2024));
        QCOMPARE(e.train.seed, cell.seed);
        QVERIFY(!e.train.evalAtEpochEnd);
        const int64_t perEpoch = (cell.trainSize + 31) / 32;
        QCOMPARE(cell.steps, perEpoch * e.train.epochs);
        QVERIFY(cell.steps >= 100);   // min_steps
        QVERIFY(e.train.epochs >= 4); // never fewer than scratch.yaml's
        QVERIFY((e.train.epochs - 1) * perEpoch < 100 || e.train.epochs == 4); // the smallest
        QCOMPARE(e.train.evalEvery, std::max<int64_t>(1, cell.steps / 3));
        stepsOfSize[cell.trainSize] = cell.steps;
    }
    // 1 % = 69 sentences = 3 steps per epoch: 34 epochs; 20 % = 1,384: scratch's own 4 epochs.
    QCOMPARE(stepsOfSize[69], int64_t(102));
    QCOMPARE(stepsOfSize[1384], int64_t(176));
}

void TestStudy::bootstrapMatchesHandComputedValues()
{
    // Hand-computed: {0.1, 0.3} has the four resample means 0.1, 0.2, 0.2, 0.3; the 2.5 % and
    // 97.5 % type-7 quantiles are 0.1 + 0.075 * 0.1 and 0.2 + 0.925 * 0.1.
    BootstrapInterval b = bootstrapMeanInterval({0.1, 0.3});
    QVERIFY(b.exact);
    QCOMPARE(b.resamples, int64_t(4));
    QVERIFY(std::abs(b.low - 0.1075) < 1e-12 && std::abs(b.high - 0.2925) < 1e-12);
    // 27 and 256 resamples (enumerated with itertools.product and the same quantile rule).
    b = bootstrapMeanInterval({0.01, 0.02, 0.04});
    QCOMPARE(b.resamples, int64_t(27));
    QVERIFY(std::abs(b.low - 0.0121666666666667) < 1e-12);
    QVERIFY(std::abs(b.high - 0.0356666666666667) < 1e-12);
    b = bootstrapMeanInterval({-0.02, 0.05, 0.03, 0.04});
    QVERIFY(std::abs(b.low - -0.005) < 1e-12 && std::abs(b.high - 0.045) < 1e-12);
    // Eight values: random resamples, reproducible, around the mean.
    const std::vector<double> eight = {1, 2, 3, 4, 5, 6, 7, 8};
    b = bootstrapMeanInterval(eight);
    QVERIFY(!b.exact);
    QCOMPARE(b.resamples, int64_t(20000));
    QCOMPARE(bootstrapMeanInterval(eight).low, b.low);
    QVERIFY(b.low > 2.5 && b.low < 4.5 && b.high > 4.5 && b.high < 6.5);
    QVERIFY(std::isnan(bootstrapMeanInterval({}).low));
    const BootstrapInterval one = bootstrapMeanInterval({0.25});
    QCOMPARE(one.low, 0.25);
    QCOMPARE(one.high, 0.25);
}

void TestStudy::mcnemarMatchesHandComputedValues()
{
    // p = min(1, 2 * sum_{i <= min(b, c)} C(b + c, i) / 2^(b + c)), computed with math.comb.
    QCOMPARE(mcnemarExactP(0, 0), 1.0);
    QCOMPARE(mcnemarExactP(1, 0), 1.0);
    QVERIFY(std::abs(mcnemarExactP(5, 0) - 0.0625) < 1e-12);
    QVERIFY(std::abs(mcnemarExactP(10, 2) - 0.03857421875) < 1e-12);
    QVERIFY(std::abs(mcnemarExactP(2, 10) - 0.03857421875) < 1e-12);
    QCOMPARE(mcnemarExactP(3, 3), 1.0);
    QVERIFY(std::abs(mcnemarExactP(40, 20) - 0.01348929373119186) < 1e-10);
    QVERIFY(std::abs(mcnemarExactP(400, 350) - 0.07350777405843545) < 1e-9);
}

void TestStudy::smokeStudyRunsSurvivesKillAndSummarises()
{
    SENTILAB_REQUIRE_SHARED(train, "data/sst2/train.jsonl");
    QTemporaryDir dir;
    const std::string db = dir.filePath("runs.db").toStdString();
    // The fine-tune side needs a pre-trained model of the smoke architecture: a smoke run's best
    // checkpoint (a Hugging Face folder with vocab.txt) stands in for the hub weights.
    TrainingRequest pre;
    pre.config = ExperimentConfig::fromFile(kExperiments + "/smoke.yaml", {"train.threads=1"});
    pre.dbPath = db;
    const TrainingResult pretrained = runTraining(pre);
    QCOMPARE(toString(pretrained.status), std::string("finished"));
    const std::string modelDir = bestCheckpointDir(RunStore::open(db), pretrained.runId);
    writeFile(dir.filePath("ft.yaml"),
              "name: smoke-ft\nkind: finetune\nmodel: {init: pretrained, pretrained_dir: \"" +
                  modelDir +
                  "\", max_length: 64}\ndata: {max_train_examples: 256, max_eval_examples: 64}\n"
                  "train: {lr: 1.0e-3, batch_size: 16, epochs: 2, warmup_ratio: 0.1}\n");
    writeFile(dir.filePath("study.yaml"),
              "name: smoke-both\nfinetune: ft.yaml\nscratch: " + kExperiments +
                  "/smoke.yaml\nsizes: [32, 64]\nseeds: [1, 2]\ndata_seed: 7\nmin_steps: 24\n"
                  "evals_per_run: 2\nset: [train.threads=1]\n");

    // The CLI trains it and is killed with SIGKILL once a cell has finished and another runs.
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(SENTILAB_CLI_PATH, {"--threads", "1", "--db", QString::fromStdString(db), "study",
                                    "run", dir.filePath("study.yaml")});
    QVERIFY(child.waitForStarted());
    QElapsedTimer timer;
    timer.start();
    bool ready = false;
    while (!ready && timer.elapsed() < 180000 && child.state() == QProcess::Running) {
        QTest::qWait(20);
        const RunStore store = RunStore::open(db);
        const auto studies = store.listStudies();
        if (studies.empty())
            continue;
        int finished = 0, running = 0;
        for (const StudyCell &c : store.studyCells(studies[0].id)) {
            if (c.runId == 0)
                continue;
            const RunInfo r = store.run(c.runId);
            finished += r.status == RunStatus::Finished;
            running += r.status == RunStatus::Running && r.lastStep >= 2;
        }
        ready = finished >= 1 && running == 1;
    }
    QVERIFY2(ready && child.state() == QProcess::Running,
             "the study ended before it could be killed mid-cell");
    ::kill(pid_t(child.processId()), SIGKILL);
    child.waitForFinished();

    int64_t studyId = 0;
    std::map<int64_t, int64_t> finishedBefore; // cell -> run
    {
        const RunStore store = RunStore::open(db); // the killed cell's run becomes interrupted
        studyId = store.listStudies().at(0).id;
        const StudyProgress p = studyProgress(store, studyId);
        QCOMPARE(p.status, std::string("stopped"));
        QCOMPARE(p.cells, int64_t(8));
        QVERIFY(p.etaSeconds > 0); // measured on the cells trained so far
        for (const StudyCell &c : store.studyCells(studyId))
            if (c.runId && store.run(c.runId).status == RunStatus::Finished)
                finishedBefore[c.index] = c.runId;
        QVERIFY(!finishedBefore.empty());
    }

    const StudyProgress done = runStudy(db, {}, studyId, 1);
    QCOMPARE(done.status, std::string("finished"));
    QCOMPARE(done.cellsFinished, int64_t(8));
    const RunStore store = RunStore::open(db);
    QCOMPARE(store.listRuns().size(), std::size_t(9)); // 8 cells + the stand-in pre-training
    std::map<std::pair<int64_t, uint64_t>, std::vector<int64_t>> rowsBySizeSeed;
    std::map<int64_t, std::vector<int64_t>> rowsBySize;
    for (const StudyCell &c : store.studyCells(studyId)) {
        QVERIFY(c.runId > 0);
        QCOMPARE(toString(store.run(c.runId).status), std::string("finished"));
        QCOMPARE(store.studyCellOfRun(c.runId)->second, c.index);
        if (finishedBefore.count(c.index))
            QCOMPARE(c.runId, finishedBefore[c.index]); // not repeated
        // Subsets from the stored example ids: the same for both kinds and every seed, nested.
        const std::vector<int64_t> rows = rowsOf(store, c.runId);
        QCOMPARE(int64_t(rows.size()), c.trainSize);
        if (rowsBySize.count(c.trainSize))
            QCOMPARE(rows, rowsBySize[c.trainSize]);
        rowsBySize[c.trainSize] = rows;
    }
    QVERIFY(std::includes(rowsBySize[64].begin(), rowsBySize[64].end(), rowsBySize[32].begin(),
                          rowsBySize[32].end()));

    // Runs that differ only in their seed group together (the charts' bands): per size and kind.
    std::vector<int64_t> allRuns;
    for (const StudyCell &c : store.studyCells(studyId))
        allRuns.push_back(c.runId);
    allRuns.push_back(pretrained.runId);
    const auto groups = seedGroups(store, allRuns);
    QCOMPARE(groups.size(), std::size_t(4)); // 2 sizes x 2 kinds, each of the 2 seeds
    for (const auto &g : groups)
        QCOMPARE(g.size(), std::size_t(2));

    // The summary: every group has both seeds; the CLI's JSON is the read model's.
    const StudySummary s = summarizeStudy(store, studyId);
    QCOMPARE(s.sizes, (std::vector<int64_t>{32, 64}));
    QCOMPARE(s.groups.size(), std::size_t(4));
    for (const StudyGroup &g : s.groups) {
        QCOMPARE(g.n(), int64_t(2));
        QVERIFY(g.min <= g.mean && g.mean <= g.max && g.sd >= 0);
    }
    QCOMPARE(s.differences.size(), std::size_t(2));
    for (const StudyDifference &d : s.differences) {
        QCOMPARE(d.pairs.size(), std::size_t(2));
        QVERIFY(d.interval.exact && d.interval.low <= d.mean && d.mean <= d.interval.high);
        for (const StudyPair &p : d.pairs)
            QVERIFY(p.onlyFinetune >= 0 && p.mcnemarP > 0 && p.mcnemarP <= 1);
    }
    QVERIFY(!s.readoutText.empty() && !s.stabilityText.empty());
    int code = -1;
    const QByteArray out = runCli(
        {"--db", QString::fromStdString(db), "study", "show", QString::number(studyId), "--json"},
        &code);
    QCOMPARE(code, 0);
    nlohmann::json fromCli = nlohmann::json::parse(out.toStdString());
    nlohmann::json fromCore = toJson(s);
    // Progress' speed estimate reads the clock-free store, so the whole document must agree.
    QCOMPARE(QString::fromStdString(fromCli.dump()), QString::fromStdString(fromCore.dump()));
    const QByteArray status =
        runCli({"--db", QString::fromStdString(db), "study", "status"}, &code);
    QVERIFY2(code == 0 && status.contains("smoke-both") && status.contains("finished") &&
                 status.contains("8/8"),
             status.constData());
}

QTEST_GUILESS_MAIN(TestStudy)
#include "tst_study.moc"
