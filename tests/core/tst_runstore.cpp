// RunStore: the SQLite run store. CRUD on runs, metric upserts and summaries, evaluations,
// predictions, checkpoints, CSV export, schema versioning, clear errors on foreign files, recovery
// of runs left 'running' by a killed process (mlflow#3932), and concurrent writers without
// "database is locked" (mlflow PR #6490).
#include <sentilab/error.h>
#include <sentilab/runstore.h>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <sqlite3.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "testhelpers.h"
#include <unistd.h>

using namespace sentilab;

// Note: QCOMPARE cannot take a RunStatus directly (QTest's unqualified toString() finds
// sentilab::toString by ADL, which returns std::string); compare toString() of both sides.
namespace QTest {
template <> inline char *toString(const std::string &s)
{
    return qstrdup(s.c_str());
}
} // namespace QTest

using sentilab::test::EnvGuard;

namespace {

RunInfo makeRun(const std::string &name, const std::string &kind = "finetune")
{
    RunInfo info;
    info.name = name;
    info.kind = kind;
    info.status = RunStatus::Running; // RunInfo defaults to Queued
    info.configYaml = "model: distilbert\nlr: 5e-5\n";
    info.configHash = "abc123";
    info.seed = 42;
    info.environment = "{\"torch\":\"1.13\"}";
    info.totalSteps = 100;
    return info;
}

// Reads a 4-byte big-endian field of the SQLite file header (the database must be closed).
quint32 headerField(const QString &file, qint64 offset)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly) || !f.seek(offset))
        return 0;
    const QByteArray b = f.read(4);
    if (b.size() != 4)
        return 0;
    return (quint32(uchar(b[0])) << 24) | (quint32(uchar(b[1])) << 16) |
           (quint32(uchar(b[2])) << 8) | quint32(uchar(b[3]));
}

bool setHeaderField(const QString &file, qint64 offset, quint32 value)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadWrite) || !f.seek(offset))
        return false;
    const char b[4] = {char(value >> 24), char(value >> 16), char(value >> 8), char(value)};
    return f.write(b, 4) == 4;
}

// Runs `fn`, expecting a sentilab::Error; returns its message (empty when nothing was thrown).
template <typename Fn> QString errorOf(Fn &&fn)
{
    try {
        fn();
    } catch (const Error &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestRunStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    void statusStrings();
    void createListFindRenameNoteDelete();
    void createRejectsUnknownKind();
    void unknownRunThrows();
    void statusTransitionsAndClaim();
    void paramsUpsert();
    void metricUpsertKeepsLatestValue();
    void summaryBestDirection_data();
    void summaryBestDirection();
    void summaryRecomputedWhenBestOverwritten();
    void nanValuesRoundTrip();
    void evalsMaintainAccuracies();
    void trainingSecondsFromTheTrainersClock();
    void predictionsReplaceOneStep();
    void failedWriteRollsBack();
    void checkpointsUpsert();
    void eventsInOrder();
    void deleteMetricsAfterForResume();
    void exportCsvHasEveryPoint();
    void schemaVersionIsSet();
    void comparisonNotesRoundTrip();
    void versionOneFileIsMigrated();
    void newerSchemaIsRejected();
    void garbageFileIsRejected();
    void foreignSqliteFileIsRejected();
    void readOnlyFolderIsRejected();
    void defaultPathFollowsEnvironment();
    void liveOwnerRunStaysRunning();
    void killedWriterRunBecomesInterrupted();
    void otherHostRunFollowsItsHeartbeat();
    void openExistingNeverCreatesAFile();
    void concurrentWritersInThreads();
    void largeMetricBatch();

private:
    QString dbPath() const { return m_dir->filePath(QStringLiteral("runs.db")); }
    RunStore openStore() const { return RunStore::open(dbPath().toStdString()); }

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestRunStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestRunStore::statusStrings()
{
    for (RunStatus s : {RunStatus::Queued, RunStatus::Running, RunStatus::Finished,
                        RunStatus::Failed, RunStatus::Interrupted, RunStatus::Cancelled})
        QVERIFY(runStatusFromString(toString(s)) == s);
    QCOMPARE(toString(RunStatus::Interrupted), std::string("interrupted"));
    const QString message = errorOf([] { runStatusFromString("Running"); });
    QVERIFY2(message.contains("Running"), qPrintable(message));
}

void TestRunStore::createListFindRenameNoteDelete()
{
    RunStore store = openStore();
    QCOMPARE(store.path(), dbPath().toStdString());
    QVERIFY(store.listRuns().empty());

    const int64_t a = store.createRun(makeRun("ft-1"));
    RunInfo queued = makeRun("sc-1", "scratch");
    queued.status = RunStatus::Queued;
    queued.seed = std::numeric_limits<uint64_t>::max(); // stored bit for bit
    const int64_t b = store.createRun(queued);
    RunInfo unnamed;
    unnamed.kind = "scratch";
    const int64_t c = store.createRun(unnamed); // default status: Queued
    QVERIFY(a < b && b < c);

    const std::vector<RunInfo> runs = store.listRuns();
    QCOMPARE(runs.size(), size_t(3));
    QCOMPARE(runs[0].id, c); // newest first
    QCOMPARE(runs[2].id, a);
    QCOMPARE(runs[0].name, "scratch-" + std::to_string(c));
    QCOMPARE(toString(runs[0].status), toString(RunStatus::Queued));

    const RunInfo ra = store.run(a);
    QCOMPARE(toString(ra.status), toString(RunStatus::Running));
    QCOMPARE(ra.kind, std::string("finetune"));
    QCOMPARE(ra.configYaml, std::string("model: distilbert\nlr: 5e-5\n"));
    QCOMPARE(ra.configHash, std::string("abc123"));
    QCOMPARE(ra.seed, uint64_t(42));
    QCOMPARE(ra.environment, std::string("{\"torch\":\"1.13\"}"));
    QCOMPARE(ra.totalSteps, int64_t(100));
    QVERIFY(ra.startedAt.size() == 24 && ra.startedAt.back() == 'Z'); // 2024-05-01T12:34:56.789Z
    QVERIFY(ra.endedAt.empty());
    QCOMPARE(ra.bestValAccuracy, -1.0);
    QCOMPARE(ra.testAccuracy, -1.0);
    const RunInfo rb = store.run(b);
    QCOMPARE(toString(rb.status), toString(RunStatus::Queued));
    QCOMPARE(rb.seed, std::numeric_limits<uint64_t>::max());

    QCOMPARE(store.findRun(std::to_string(b))->name, std::string("sc-1"));
    QCOMPARE(store.findRun("ft-1")->id, a);
    QVERIFY(!store.findRun("nope"));
    QVERIFY(!store.findRun("9999"));

    store.renameRun(a, "fine tuned, lr 5e-5");
    QVERIFY(!store.findRun("ft-1"));
    QCOMPARE(store.findRun("fine tuned, lr 5e-5")->id, a);
    store.setNote(a, "the good one");
    QCOMPARE(store.run(a).note, std::string("the good one"));

    store.logMetrics(a, {{"train/loss", 1, 10, 0.7}});
    store.logEval(a, {"val", 1, 0.1, 0.8, 0.8, 0.4, {1, 2, 3, 4}, 10});
    store.logPredictions(a, "val", 1, {{0, 1, 1, 0.9}});
    store.addCheckpoint(a, {"best", 1, "/tmp/ckpt", 0.8});
    store.logEvent(a, "info", "hello");
    store.setParams(a, {{"optimizer.lr", "5e-05"}});
    store.deleteRun(a);
    QVERIFY(!store.findRun(std::to_string(a)));
    QCOMPARE(store.listRuns().size(), size_t(2));
    QVERIFY(store.metrics(a).empty());
    QVERIFY(store.summaries(a).empty());
    QVERIFY(store.evals(a).empty());
    QVERIFY(store.predictions(a, "val").empty());
    QVERIFY(store.checkpoints(a).empty());
    QVERIFY(store.events(a).empty());
    QVERIFY(store.params(a).empty());
    QCOMPARE(QString::fromStdString(store.integrityCheck()), QStringLiteral("ok"));
}

void TestRunStore::createRejectsUnknownKind()
{
    RunStore store = openStore();
    const QString message = errorOf([&] { store.createRun(makeRun("x", "pretrain")); });
    QVERIFY2(message.contains("pretrain") && message.contains("finetune"), qPrintable(message));
    QVERIFY(store.listRuns().empty());
}

void TestRunStore::unknownRunThrows()
{
    RunStore store = openStore();
    const QString message = errorOf([&] { store.run(77); });
    QVERIFY2(message.contains("no run 77") && message.contains(dbPath()), qPrintable(message));
    for (const QString &m :
         {errorOf([&] {
              store.logMetrics(77, {{"train/loss", 1, 0, 1}});
          }),
          errorOf([&] { store.setStatus(77, RunStatus::Finished); }),
          errorOf([&] { store.renameRun(77, "x"); }), errorOf([&] { store.deleteRun(77); }),
          errorOf([&] { store.logEvent(77, "info", "x"); })})
        QVERIFY2(m.contains("no run 77"), qPrintable(m));
}

void TestRunStore::statusTransitionsAndClaim()
{
    RunStore store = openStore();
    RunInfo info = makeRun("q");
    info.status = RunStatus::Queued;
    const int64_t id = store.createRun(info);
    store.setStatus(id, RunStatus::Running);
    QCOMPARE(toString(store.run(id).status), toString(RunStatus::Running));
    QVERIFY(store.run(id).endedAt.empty());

    store.setStatus(id, RunStatus::Failed, "CUDA out of memory at step 12");
    RunInfo failed = store.run(id);
    QCOMPARE(toString(failed.status), toString(RunStatus::Failed));
    QCOMPARE(failed.error, std::string("CUDA out of memory at step 12"));
    QVERIFY(!failed.endedAt.empty());

    // Issue 8: a failed run is not resumable, and claimRun re-checks that inside its transaction.
    QVERIFY(errorOf([&] { store.claimRun(id); }).contains("only interrupted or cancelled"));
    store.setStatus(id, RunStatus::Interrupted, "killed");
    store.claimRun(id);
    const RunInfo resumed = store.run(id);
    QCOMPARE(toString(resumed.status), toString(RunStatus::Running));
    QVERIFY(resumed.endedAt.empty());
    QVERIFY(resumed.error.empty());

    store.setProgress(id, 40, 120);
    QCOMPARE(store.run(id).lastStep, int64_t(40));
    QCOMPARE(store.run(id).totalSteps, int64_t(120));
    store.setStatus(id, RunStatus::Finished);
    QCOMPARE(toString(store.run(id).status), toString(RunStatus::Finished));
    QVERIFY(!store.run(id).endedAt.empty());
}

void TestRunStore::paramsUpsert()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("p"));
    store.setParams(id, {{"optimizer.lr", "5e-05"}, {"data.max_length", "66"}});
    store.setParams(id, {{"optimizer.lr", "1e-04"}, {"seed", "42"}});
    const auto params = store.params(id);
    QCOMPARE(params.size(), size_t(3));
    QCOMPARE(params[0], std::make_pair(std::string("data.max_length"), std::string("66")));
    QCOMPARE(params[1], std::make_pair(std::string("optimizer.lr"), std::string("1e-04")));
    QCOMPARE(params[2], std::make_pair(std::string("seed"), std::string("42")));
}

void TestRunStore::metricUpsertKeepsLatestValue()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("m"));
    store.logMetrics(id, {{"train/loss", 5, 100, 0.9}, {"train/lr", 5, 100, 1e-5}});
    store.logMetrics(id, {{"train/loss", 5, 120, 0.8}});
    const std::vector<MetricPoint> loss = store.metrics(id, "train/loss");
    QCOMPARE(loss.size(), size_t(1));
    QCOMPARE(loss[0].step, int64_t(5));
    QCOMPARE(loss[0].value, 0.8);
    QCOMPARE(loss[0].wallMs, 120.0);
    QCOMPARE(store.metrics(id).size(), size_t(2));
    QCOMPARE(store.metrics(id)[0].key, std::string("train/loss")); // by key: loss < lr
    QCOMPARE(store.metricKeys(id), (std::vector<std::string>{"train/loss", "train/lr"}));
    QCOMPARE(store.summaries(id)[0].last, 0.8);
    QCOMPARE(store.summaries(id)[0].best, 0.8);
}

void TestRunStore::summaryBestDirection_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<double>("best");
    QTest::addColumn<qint64>("bestStep");
    // Values logged at steps 1..4: 0.6, 0.9, 0.3, 0.7.
    QTest::newRow("accuracy is maximised") << QStringLiteral("val/accuracy") << 0.9 << qint64(2);
    QTest::newRow("f1 is maximised") << QStringLiteral("val/f1") << 0.9 << qint64(2);
    QTest::newRow("loss is minimised") << QStringLiteral("train/loss") << 0.3 << qint64(3);
    QTest::newRow("lr is minimised") << QStringLiteral("train/lr") << 0.3 << qint64(3);
}

void TestRunStore::summaryBestDirection()
{
    QFETCH(QString, key);
    QFETCH(double, best);
    QFETCH(qint64, bestStep);
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("s"));
    const std::string k = key.toStdString();
    store.logMetrics(id, {{k, 1, 1, 0.6}, {k, 2, 2, 0.9}});
    store.logMetrics(id, {{k, 4, 4, 0.7}});
    store.logMetrics(id, {{k, 3, 3, 0.3}}); // out of order: "last" stays the step-4 value
    const std::vector<MetricSummary> s = store.summaries(id);
    QCOMPARE(s.size(), size_t(1));
    QCOMPARE(s[0].key, k);
    QCOMPARE(s[0].best, best);
    QCOMPARE(s[0].bestStep, int64_t(bestStep));
    QCOMPARE(s[0].last, 0.7);
    QCOMPARE(s[0].lastStep, int64_t(4));
}

void TestRunStore::summaryRecomputedWhenBestOverwritten()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("s"));
    store.logMetrics(
        id,
        {{"val/accuracy", 1, 0, 0.5}, {"val/accuracy", 2, 0, 0.9}, {"val/accuracy", 3, 0, 0.7}});
    QCOMPARE(store.summaries(id)[0].best, 0.9);
    store.logMetrics(id, {{"val/accuracy", 2, 0, 0.1}}); // the best point gets worse
    QCOMPARE(store.summaries(id)[0].best, 0.7);
    QCOMPARE(store.summaries(id)[0].bestStep, int64_t(3));
    QCOMPARE(store.summaries(id)[0].last, 0.7);
}

void TestRunStore::nanValuesRoundTrip()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("nan", "scratch"));
    const double nan = std::nan("");
    store.logMetrics(id, {{"train/loss", 1, 0, 2.0},
                          {"train/loss", 2, 0, 1.0},
                          {"train/loss", 3, 0, nan},
                          {"train/inf", 1, 0, HUGE_VAL}});
    const std::vector<MetricPoint> loss = store.metrics(id, "train/loss");
    QCOMPARE(loss.size(), size_t(3));
    QVERIFY(std::isnan(loss[2].value));
    const std::vector<MetricSummary> s = store.summaries(id);
    QCOMPARE(s[0].key, std::string("train/inf"));
    QVERIFY(std::isinf(s[0].last));
    QCOMPARE(s[1].best, 1.0);
    QCOMPARE(s[1].bestStep, int64_t(2));
    QVERIFY(std::isnan(s[1].last));
    QCOMPARE(s[1].lastStep, int64_t(3));
}

void TestRunStore::evalsMaintainAccuracies()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("e"));
    store.logEval(id, {"val", 100, 0.5, 0.80, 0.79, 0.45, {300, 100, 74, 398}, 1000});
    store.logEval(id, {"val", 200, 1.0, 0.88, 0.87, 0.30, {380, 48, 56, 388}, 2000});
    store.logEval(id, {"val", 300, 1.5, 0.86, 0.86, 0.33, {370, 58, 64, 380}, 3000});
    QCOMPARE(store.run(id).bestValAccuracy, 0.88);
    QCOMPARE(store.run(id).testAccuracy, -1.0);
    store.logEval(id, {"val", 200, 1.0, 0.70, 0.70, 0.50, {1, 2, 3, 4}, 2100}); // upsert
    QCOMPARE(store.run(id).bestValAccuracy, 0.86);
    store.logEval(id, {"test", 300, 1.5, 0.85, 0.84, 0.35, {5, 6, 7, 8}, 3500});

    const std::vector<EvalRecord> val = store.evals(id, "val");
    QCOMPARE(val.size(), size_t(3));
    QCOMPARE(val[1].step, int64_t(200));
    QCOMPARE(val[1].accuracy, 0.70);
    QCOMPARE(val[1].confusion, (std::array<int64_t, 4>{1, 2, 3, 4}));
    QCOMPARE(val[1].wallMs, 2100.0);
    QCOMPARE(val[2].epoch, 1.5);
    QCOMPARE(val[2].f1, 0.86);
    QCOMPARE(val[2].loss, 0.33);
    QCOMPARE(store.evals(id).size(), size_t(4));
    QCOMPARE(store.run(id).testAccuracy, 0.85);
}

// One definition of "training time" for the dashboard, the report and the CLI: the trainer's wall
// clock when it logged anything, else the run's timestamps, else unknown.
void TestRunStore::trainingSecondsFromTheTrainersClock()
{
    RunStore store = openStore();
    const int64_t logged = store.createRun(makeRun("logged"));
    store.logMetrics(logged, {{"train/loss", 1, 1500, 0.7}, {"train/loss", 2, 2000, 0.6}});
    store.logEval(logged, {"validation", 2, 0.1, 0.8, 0.8, 0.4, {1, 2, 3, 4}, 2500});
    QCOMPARE(store.trainingSeconds(logged), 2.5);

    const int64_t silent = store.createRun(makeRun("nothing-logged"));
    store.setStatus(silent, RunStatus::Finished);
    const double span = store.trainingSeconds(silent); // started and ended just now
    QVERIFY2(span >= 0 && span < 60, qPrintable(QString::number(span)));

    RunInfo queued = makeRun("queued");
    queued.status = RunStatus::Queued; // has not trained yet
    QCOMPARE(store.trainingSeconds(store.createRun(queued)), 0.0);
    QCOMPARE(store.trainingSeconds(9999), -1.0);
}

void TestRunStore::predictionsReplaceOneStep()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("p"));
    store.logPredictions(id, "val", 100, {{0, 1, 1, 0.9}, {1, 0, 1, 0.6}, {2, 0, 0, 0.1}});
    store.logPredictions(id, "val", 200, {{0, 1, 1, 0.95}, {1, 0, 0, 0.2}});
    store.logPredictions(id, "val", 100, {{5, 1, 0, 0.4}, {3, 0, 0, 0.3}});

    const std::vector<PredictionRow> at100 = store.predictions(id, "val", 100);
    QCOMPARE(at100.size(), size_t(2));
    QCOMPARE(at100[0].index, int64_t(3)); // by example index
    QCOMPARE(at100[1].probPositive, 0.4);
    const std::vector<PredictionRow> latest = store.predictions(id, "val");
    QCOMPARE(latest.size(), size_t(2));
    QCOMPARE(latest[0].probPositive, 0.95);
    QCOMPARE(latest[1].predicted, int64_t(0));
    QVERIFY(store.predictions(id, "test").empty());
}

void TestRunStore::failedWriteRollsBack()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("r"));
    store.logPredictions(id, "val", 1, {{0, 1, 1, 0.9}});
    // A duplicate example index fails after the old rows were deleted: nothing may change.
    const QString message = errorOf([&] {
        store.logPredictions(id, "val", 1, {{7, 1, 1, 0.5}, {7, 0, 0, 0.5}});
    });
    QVERIFY2(message.contains(dbPath()) && message.contains("predictions"), qPrintable(message));
    const std::vector<PredictionRow> rows = store.predictions(id, "val", 1);
    QCOMPARE(rows.size(), size_t(1));
    QCOMPARE(rows[0].probPositive, 0.9);
    store.logEvent(id, "info", "still usable"); // no transaction was left open
    QCOMPARE(store.events(id).size(), size_t(1));
}

void TestRunStore::checkpointsUpsert()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("c"));
    store.addCheckpoint(id, {"best", 100, "/ckpt/step-100", 0.85});
    store.addCheckpoint(id, {"last", 100, "/ckpt/step-100", 0.85});
    store.addCheckpoint(id, {"last", 200, "/ckpt/step-200", 0.84});
    const std::vector<CheckpointRecord> c = store.checkpoints(id);
    QCOMPARE(c.size(), size_t(2));
    QCOMPARE(c[0].kind, std::string("best"));
    QCOMPARE(c[0].step, int64_t(100));
    QCOMPARE(c[1].kind, std::string("last"));
    QCOMPARE(c[1].step, int64_t(200));
    QCOMPARE(c[1].path, std::string("/ckpt/step-200"));
    QCOMPARE(c[1].metric, 0.84);
}

void TestRunStore::eventsInOrder()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("ev"));
    store.logEvent(id, "info", "started");
    store.logEvent(id, "warning", "loss spike at step 40");
    store.logEvent(id, "error", "ünïcödé, \"quotes\", new\nline");
    const std::vector<EventRecord> ev = store.events(id);
    QCOMPARE(ev.size(), size_t(3));
    QCOMPARE(ev[0].message, std::string("started"));
    QCOMPARE(ev[1].level, std::string("warning"));
    QCOMPARE(ev[2].message, std::string("ünïcödé, \"quotes\", new\nline"));
    QVERIFY(!ev[0].time.empty());
}

void TestRunStore::deleteMetricsAfterForResume()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("resume"));
    std::vector<MetricPoint> points;
    for (int64_t step = 1; step <= 10; ++step) {
        points.push_back({"train/loss", step, 0, 1.0 / double(step)});
        points.push_back({"val/accuracy", step, 0, 0.5 + 0.01 * double(step)});
    }
    store.logMetrics(id, points);
    store.logEval(id, {"val", 5, 0, 0.80, 0, 0, {}, 0});
    store.logEval(id, {"val", 10, 0, 0.90, 0, 0, {}, 0});
    store.logPredictions(id, "val", 10, {{0, 1, 1, 0.9}});
    store.setProgress(id, 10, 10);

    store.deleteMetricsAfter(id, 6);
    QCOMPARE(store.metrics(id, "train/loss").size(), size_t(6));
    QCOMPARE(store.metrics(id, "train/loss").back().step, int64_t(6));
    const std::vector<MetricSummary> s = store.summaries(id);
    QCOMPARE(s.size(), size_t(2));
    QCOMPARE(s[0].lastStep, int64_t(6));
    QCOMPARE(s[0].best, 1.0 / 6.0);
    QCOMPARE(s[1].best, 0.56);
    QCOMPARE(store.evals(id).size(), size_t(1));
    QCOMPARE(store.run(id).bestValAccuracy, 0.80);
    QVERIFY(store.predictions(id, "val").empty());
    QCOMPARE(store.run(id).lastStep, int64_t(6));
}

void TestRunStore::exportCsvHasEveryPoint()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("csv"));
    std::vector<MetricPoint> points;
    for (int64_t step = 0; step < 250; ++step) {
        points.push_back({"train/loss", step, 12.5 * double(step), 0.1 + 1.0 / double(step + 1)});
        points.push_back({"weird,key \"x\"", step, 0, double(step)});
    }
    store.logMetrics(id, points);
    const QString csv = m_dir->filePath(QStringLiteral("metrics.csv"));
    store.exportMetricsCsv(id, csv.toStdString());

    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
    const QList<QByteArray> lines = f.readAll().split('\n');
    QCOMPARE(lines.size(), 1 + 500 + 1); // header, rows, empty after the final newline
    QCOMPARE(lines[0], QByteArray("run_id,key,step,wall_ms,value"));
    QVERIFY(lines.last().isEmpty());
    // First row: train/loss at step 0, value 1.1 printed exactly.
    QCOMPARE(lines[1], QByteArray(std::to_string(id).c_str()) + ",train/loss,0,0,1.1");
    QCOMPARE(lines[2].split(',').at(3), QByteArray("12.5"));
    QVERIFY(lines[251].contains("\"weird,key \"\"x\"\"\""));
    // Every value reads back exactly (shortest round-trip formatting).
    const std::vector<MetricPoint> stored = store.metrics(id, "train/loss");
    for (int i = 0; i < 250; ++i)
        QCOMPARE(lines[1 + i].split(',').at(4).toDouble(), stored[size_t(i)].value);

    const QString message = errorOf(
        [&] { store.exportMetricsCsv(id, m_dir->filePath("missing/dir/m.csv").toStdString()); });
    QVERIFY2(message.contains("missing/dir/m.csv"), qPrintable(message));
}

void TestRunStore::schemaVersionIsSet()
{
    {
        RunStore store = openStore();
        QCOMPARE(store.schemaVersion(), RunStore::kSchemaVersion);
        store.createRun(makeRun("v"));
    }
    // Closing the last connection checkpoints the WAL into the file; user_version is at offset 60.
    QCOMPARE(headerField(dbPath(), 60), quint32(RunStore::kSchemaVersion));
    RunStore again = openStore(); // reopening an up-to-date file migrates nothing
    QCOMPARE(again.listRuns().size(), size_t(1));
}

void TestRunStore::comparisonNotesRoundTrip()
{
    RunStore store = openStore();
    const int64_t a = store.createRun(makeRun("a"));
    const int64_t b = store.createRun(makeRun("b"));
    QVERIFY(!store.comparison({a, b}).has_value());
    store.saveComparison({{b, a}, "Pre-training helps.", {"great film", "awful \"plot\""}, {}});
    store.saveComparison(
        {{a, b}, "Pre-training helps a lot.", {"great film", "awful \"plot\""}, {}});
    const auto notes = store.comparison({a, b, a}); // order and repeats do not matter
    QVERIFY(notes.has_value());
    QCOMPARE(notes->discussion, std::string("Pre-training helps a lot."));
    QCOMPARE(notes->sentences.size(), size_t(2));
    QCOMPARE(notes->sentences[1], std::string("awful \"plot\""));
    QVERIFY(!notes->updatedAt.empty());
    QVERIFY(!store.comparison({a}).has_value());
}

void TestRunStore::versionOneFileIsMigrated()
{
    // A file written by schema version 1 (no comparisons table, no heartbeat column) gains both
    // on open. The file is rolled back to version 1 with SQLite itself so it matches a real one.
    openStore().createRun(makeRun("old"));
    {
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open(dbPath().toUtf8().constData(), &db), SQLITE_OK);
        const int rc =
            sqlite3_exec(db,
                         "DROP TABLE comparisons; ALTER TABLE runs DROP COLUMN heartbeat_at;"
                         " PRAGMA user_version = 1;",
                         nullptr, nullptr, nullptr);
        const QString message = QString::fromUtf8(sqlite3_errmsg(db));
        sqlite3_close(db);
        QVERIFY2(rc == SQLITE_OK, qPrintable(message));
        QCOMPARE(headerField(dbPath(), 60), quint32(1));
        RunStore store = openStore(); // migrates 1 -> current, data kept
        QCOMPARE(store.schemaVersion(), RunStore::kSchemaVersion);
        QCOMPARE(store.listRuns().size(), size_t(1));
    }
    QCOMPARE(headerField(dbPath(), 60), quint32(RunStore::kSchemaVersion));
    RunStore again = openStore();
    again.saveComparison({{1}, "works after migration", {}, {}});
    QCOMPARE(again.comparison({1})->discussion, std::string("works after migration"));
}

void TestRunStore::newerSchemaIsRejected()
{
    openStore().createRun(makeRun("v"));
    QVERIFY(setHeaderField(dbPath(), 60, RunStore::kSchemaVersion + 1));
    const QString message = errorOf([&] { openStore(); });
    QVERIFY2(message.contains(dbPath()) && message.contains("newer"), qPrintable(message));
}

void TestRunStore::garbageFileIsRejected()
{
    QFile f(dbPath());
    QVERIFY(f.open(QIODevice::WriteOnly));
    QByteArray garbage;
    for (int i = 0; i < 4096; ++i)
        garbage.append(char((i * 7919 + 13) % 251));
    f.write("this is not a database\n" + garbage);
    f.close();
    const QString message = errorOf([&] { openStore(); });
    QVERIFY2(message.contains(dbPath()), qPrintable(message));
    QVERIFY2(message.contains("not a database"), qPrintable(message));
}

void TestRunStore::foreignSqliteFileIsRejected()
{
    openStore().createRun(makeRun("v"));
    QVERIFY(setHeaderField(dbPath(), 68, 0x12345678)); // PRAGMA application_id of another app
    const QString message = errorOf([&] { openStore(); });
    QVERIFY2(message.contains(dbPath()) && message.contains("not a SentiLab run store"),
             qPrintable(message));
}

void TestRunStore::readOnlyFolderIsRejected()
{
    if (geteuid() == 0)
        QSKIP("running as root: file permissions are not enforced");
    const QString dir = m_dir->filePath(QStringLiteral("ro"));
    QVERIFY(QDir().mkpath(dir));
    QVERIFY(QFile::setPermissions(dir, QFile::ReadOwner | QFile::ExeOwner));
    const QString file = dir + QStringLiteral("/runs.db");
    const QString message = errorOf([&] { RunStore::open(file.toStdString()); });
    QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QVERIFY2(message.contains(file), qPrintable(message));
}

void TestRunStore::defaultPathFollowsEnvironment()
{
    EnvGuard db("SENTILAB_DB"), xdg("XDG_DATA_HOME"), home("HOME");
    const QString root = m_dir->path();

    qputenv("SENTILAB_DB", (root + "/explicit/store.db").toUtf8());
    QCOMPARE(QString::fromStdString(RunStore::defaultPath()), root + "/explicit/store.db");
    QVERIFY(QDir(root + "/explicit").exists());

    qunsetenv("SENTILAB_DB");
    qputenv("XDG_DATA_HOME", (root + "/xdg").toUtf8());
    QCOMPARE(QString::fromStdString(RunStore::defaultPath()), root + "/xdg/sentilab/sentilab.db");
    QVERIFY(QDir(root + "/xdg/sentilab").exists());

    qunsetenv("XDG_DATA_HOME");
    qputenv("HOME", (root + "/home").toUtf8());
    QCOMPARE(QString::fromStdString(RunStore::defaultPath()),
             root + "/home/.local/share/sentilab/sentilab.db");
    QVERIFY(QDir(root + "/home/.local/share/sentilab").exists());
}

void TestRunStore::liveOwnerRunStaysRunning()
{
    RunStore writer = openStore();
    const int64_t id = writer.createRun(makeRun("live"));
    RunStore reader = openStore(); // recovery runs here and must see this process alive
    QCOMPARE(toString(reader.run(id).status), toString(RunStatus::Running));
    QVERIFY(reader.events(id).empty());
}

void TestRunStore::otherHostRunFollowsItsHeartbeat()
{
    // Shared home folders: a run owned by a process on another machine cannot be checked by pid.
    // A fresh heartbeat keeps it running; one older than the lease makes it interrupted.
    int64_t fresh = 0;
    int64_t stale = 0;
    {
        RunStore store = openStore();
        fresh = store.createRun(makeRun("fresh"));
        stale = store.createRun(makeRun("stale"));
    }
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    sqlite3 *db = nullptr;
    QCOMPARE(sqlite3_open(dbPath().toUtf8().constData(), &db), SQLITE_OK);
    const QByteArray sql =
        "UPDATE runs SET owner_host = 'lab-node-7', owner_pid = 4242, heartbeat_at = " +
        QByteArray::number(now - 10) + " WHERE id = " + QByteArray::number(qint64(fresh)) +
        "; UPDATE runs SET owner_host = 'lab-node-7', owner_pid = 4242, heartbeat_at = " +
        QByteArray::number(now - RunStore::kLeaseSeconds - 60) +
        " WHERE id = " + QByteArray::number(qint64(stale)) + ";";
    const int rc = sqlite3_exec(db, sql.constData(), nullptr, nullptr, nullptr);
    const QString message = QString::fromUtf8(sqlite3_errmsg(db));
    sqlite3_close(db);
    QVERIFY2(rc == SQLITE_OK, qPrintable(message));

    RunStore store = openStore();
    QCOMPARE(toString(store.run(fresh).status), std::string("running"));
    QCOMPARE(toString(store.run(stale).status), std::string("interrupted"));
    // The live one cannot be claimed from here; the interrupted one can.
    QVERIFY(!errorOf([&] { store.claimRun(fresh); }).isEmpty());
    store.claimRun(stale);
    QCOMPARE(toString(store.run(stale).status), std::string("running"));
}

void TestRunStore::openExistingNeverCreatesAFile()
{
    // A mistyped path in `runs list`, `predict` or the app's Open must not leave a new database.
    const QString missing = m_dir->filePath("typo.db");
    const QString message = errorOf([&] { RunStore::openExisting(missing.toStdString()); });
    QVERIFY2(message.contains(missing), qPrintable(message));
    QVERIFY(!QFile::exists(missing));
    QVERIFY(!QFile::exists(missing + "-wal"));
    openStore().createRun(makeRun("x"));
    QCOMPARE(RunStore::openExisting(dbPath().toStdString()).listRuns().size(), size_t(1));
}

void TestRunStore::killedWriterRunBecomesInterrupted()
{
    openStore(); // create the schema first, so that the child only appends
    QProcess child;
    child.setProcessChannelMode(QProcess::SeparateChannels);
    child.start(QStringLiteral(SENTILAB_RUNSTORE_WRITER_PATH), {dbPath()});
    QVERIFY2(child.waitForStarted(), qPrintable(child.errorString()));

    // Wait until the child has committed a good number of batches, then kill it mid-logging.
    QByteArray out;
    QElapsedTimer timer;
    timer.start();
    auto lastCommitted = [&out] {
        const int at = out.lastIndexOf("committed ");
        if (at < 0)
            return qint64(-1);
        const int end = out.indexOf('\n', at);
        return end < 0 ? qint64(-1) : out.mid(at + 10, end - at - 10).toLongLong();
    };
    while (lastCommitted() < 500 && timer.elapsed() < 60000 && child.state() == QProcess::Running) {
        child.waitForReadyRead(1000);
        out += child.readAllStandardOutput();
    }
    QVERIFY2(child.state() == QProcess::Running, child.readAllStandardError().constData());
    QVERIFY2(lastCommitted() >= 500, out.right(200).constData());
    child.kill(); // SIGKILL
    QVERIFY(child.waitForFinished(10000));
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);
    out += child.readAllStandardOutput();
    const qint64 committed = lastCommitted();
    QVERIFY(out.startsWith("run "));
    const int64_t runId = out.mid(4, out.indexOf('\n') - 4).toLongLong();

    RunStore store = openStore();
    QCOMPARE(QString::fromStdString(store.integrityCheck()), QStringLiteral("ok"));
    const RunInfo run = store.run(runId);
    QCOMPARE(toString(run.status), toString(RunStatus::Interrupted));
    QVERIFY(!run.endedAt.empty());
    QVERIFY2(run.error.find("process") != std::string::npos, run.error.c_str());
    QVERIFY(run.lastStep >= committed - 9);
    QCOMPARE(store.events(runId).size(), size_t(1));
    QCOMPARE(store.events(runId)[0].level, std::string("warning"));
    for (const std::string key : {"train/loss", "train/lr", "train/accuracy"}) {
        const std::vector<MetricPoint> points = store.metrics(runId, key);
        QVERIFY2(qint64(points.size()) >= committed + 1, key.c_str());
        QCOMPARE(points.size() % 10, size_t(0)); // whole batches only
        for (size_t i = 0; i < points.size(); ++i)
            QCOMPARE(points[i].step, int64_t(i));
    }
    const std::vector<MetricSummary> s = store.summaries(runId);
    QCOMPARE(s.size(), size_t(3));
    QCOMPARE(s[1].key, std::string("train/loss"));
    QCOMPARE(s[1].lastStep, int64_t(store.metrics(runId, "train/loss").size() - 1));

    // Resume: this process claims the run and logs on.
    store.claimRun(runId);
    QCOMPARE(toString(store.run(runId).status), toString(RunStatus::Running));
    store.deleteMetricsAfter(runId, 99);
    QCOMPARE(store.metrics(runId, "train/loss").size(), size_t(100));
}

void TestRunStore::concurrentWritersInThreads()
{
    openStore();
    constexpr int kSteps = 300;
    std::string errors[3];
    std::atomic<bool> writing{true};
    int64_t runIds[2] = {0, 0};
    auto writer = [&](int index) {
        try {
            RunStore store = openStore();
            const int64_t id = store.createRun(makeRun("thread-" + std::to_string(index)));
            runIds[index] = id;
            for (int64_t step = 0; step < kSteps; ++step) {
                store.logMetrics(id, {{"train/loss", step, double(step), 1.0 / double(step + 1)},
                                      {"train/lr", step, double(step), 1e-4}});
                store.setProgress(id, step, kSteps);
                if (step % 25 == 0) {
                    store.logEvent(id, "info", "step " + std::to_string(step));
                    store.logEval(id, {"val", step, 0, 0.5, 0.5, 0.7, {}, double(step)});
                }
            }
            store.setStatus(id, RunStatus::Finished);
        } catch (const std::exception &e) {
            errors[index] = e.what();
        }
    };
    auto reader = [&] {
        try {
            RunStore store = openStore();
            while (writing) {
                for (const RunInfo &r : store.listRuns()) {
                    store.metrics(r.id, "train/loss");
                    store.summaries(r.id);
                }
            }
        } catch (const std::exception &e) {
            errors[2] = e.what();
        }
    };
    std::thread r(reader);
    std::thread a(writer, 0), b(writer, 1);
    a.join();
    b.join();
    writing = false;
    r.join();
    for (const std::string &e : errors)
        QVERIFY2(e.empty(), e.c_str());

    RunStore store = openStore();
    for (int64_t id : runIds) {
        QCOMPARE(toString(store.run(id).status), toString(RunStatus::Finished));
        QCOMPARE(store.metrics(id).size(), size_t(2 * kSteps));
        QCOMPARE(store.events(id).size(), size_t(kSteps / 25));
        QCOMPARE(store.run(id).lastStep, int64_t(kSteps - 1));
    }
    QCOMPARE(QString::fromStdString(store.integrityCheck()), QStringLiteral("ok"));
}

void TestRunStore::largeMetricBatch()
{
    RunStore store = openStore();
    const int64_t id = store.createRun(makeRun("big"));
    std::vector<MetricPoint> points;
    points.reserve(10000);
    for (int64_t step = 0; step < 2500; ++step) {
        for (const char *key : {"train/loss", "train/lr", "train/grad_norm", "train/accuracy"})
            points.push_back({key, step, double(step) * 3.5, std::sin(double(step))});
    }
    store.logMetrics(id, points);
    QCOMPARE(store.metrics(id).size(), size_t(10000));
    QCOMPARE(store.summaries(id).size(), size_t(4));
}

QTEST_GUILESS_MAIN(TestRunStore)
#include "tst_runstore.moc"
