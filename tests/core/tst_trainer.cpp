// The training engine end to end on the smoke experiment (issue: training engine): a real SQLite
// file, real checkpoints, resume equality, kill -9 recovery, NaN handling, predictions from two
// runs. Uses only the torch-free facade.
#include <atomic>
#include <csignal>
#include <filesystem>
#include <map>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <sentilab/classifier.h>
#include <sentilab/device.h>
#include <sentilab/error.h>
#include <sentilab/training.h>

#include "shareddata.h"
#include "testhelpers.h"

using namespace sentilab;

namespace {

const std::string kSmoke = SENTILAB_SOURCE_DIR "/experiments/smoke.yaml";

TrainingRequest smokeRequest(const QTemporaryDir &dir,
                             const std::vector<std::string> &overrides = {})
{
    TrainingRequest r;
    r.config = ExperimentConfig::fromFile(kSmoke, overrides);
    r.config.train.threads = 1; // the same thread count in every run keeps results bit-identical
    r.dbPath = dir.filePath("runs.db").toStdString();
    return r;
}

std::vector<double> values(const RunStore &store, int64_t run, const std::string &key)
{
    std::vector<double> v;
    for (const MetricPoint &p : store.metrics(run, key))
        v.push_back(p.value);
    return v;
}

void compareRuns(const RunStore &store, int64_t a, int64_t b)
{
    for (const std::string key :
         {"train/loss", "train/lr", "train/grad_norm", "val/accuracy", "val/loss"}) {
        const auto va = values(store, a, key);
        const auto vb = values(store, b, key);
        QCOMPARE(va.size(), vb.size());
        for (size_t i = 0; i < va.size(); ++i)
            QVERIFY2(
                std::abs(va[i] - vb[i]) <= 1e-6,
                qPrintable(
                    QString("%1[%2]: %3 vs %4").arg(key.c_str()).arg(i).arg(va[i]).arg(vb[i])));
    }
    const auto ta = store.evals(a, "test");
    const auto tb = store.evals(b, "test");
    QCOMPARE(ta.size(), size_t(1));
    QCOMPARE(tb.size(), size_t(1));
    QCOMPARE(ta[0].accuracy, tb[0].accuracy);
}

} // namespace

class TestTrainer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void smokeRunRecordsEverything();
    void resumeAfterCancelEqualsUninterrupted();
    void killedProcessBecomesInterruptedAndResumes();
    void nanLossFailsTheRunWithReason();
    void resumeBeforeFirstCheckpointEqualsUninterrupted();
    void resumeRefusesChangedData();
    void checkpointFolderDeletedMidRunFailsTheRun();
    void setupErrorsCreateNoRun();
    void predictionsFromTwoRuns();
};

void TestTrainer::initTestCase()
{
    SENTILAB_REQUIRE_SHARED(data, "data/sst2/train.jsonl");
    qputenv("SENTILAB_SHARED_DIR",
            QFileInfo(sentilab::test::sharedDir()).absoluteFilePath().toUtf8());
}

void TestTrainer::smokeRunRecordsEverything()
{
    QTemporaryDir dir;
    std::vector<int64_t> steps;
    std::vector<double> stepWallMs;
    std::vector<EvalInfo> evalInfos;
    TrainingCallbacks cb;
    cb.onStep = [&](const StepInfo &s) {
        steps.push_back(s.step);
        stepWallMs.push_back(s.wallMs);
    };
    cb.onEval = [&](const EvalInfo &e) { evalInfos.push_back(e); };
    const TrainingResult r = runTraining(smokeRequest(dir), cb);
    const int evals = int(evalInfos.size());
    QCOMPARE(toString(r.status), std::string("finished"));
    QCOMPARE(int(steps.size()), 32); // 256 examples / batch 16 x 2 epochs
    QCOMPARE(evals, 5);              // every 8 steps (4) + test
    QVERIFY(r.testAccuracy >= 0 && r.testAccuracy <= 1);

    const RunStore store = RunStore::open(dir.filePath("runs.db").toStdString());
    const RunInfo info = store.run(r.runId);
    QCOMPARE(info.kind, std::string("scratch"));
    QCOMPARE(info.lastStep, int64_t(32));
    QVERIFY(!info.configYaml.empty() && !info.configHash.empty() && !info.environment.empty());
    QCOMPARE(int(store.metrics(r.runId, "train/loss").size()), 32);
    QCOMPARE(int(store.evals(r.runId, "validation").size()), 4);
    // The live callbacks carry the wall time the store records (no view has to estimate it).
    const std::vector<MetricPoint> loss = store.metrics(r.runId, "train/loss");
    for (size_t i = 0; i < loss.size(); ++i)
        QCOMPARE(stepWallMs[i], loss[i].wallMs);
    const std::vector<EvalRecord> validation = store.evals(r.runId, "validation");
    for (size_t i = 0; i < validation.size(); ++i) {
        QCOMPARE(evalInfos[i].wallMs, validation[i].wallMs);
        QVERIFY(evalInfos[i].wallMs >= stepWallMs[size_t(evalInfos[i].step - 1)]);
    }
    QCOMPARE(evalInfos.back().split, std::string("test"));
    QCOMPARE(evalInfos.back().wallMs, store.evals(r.runId, "test").front().wallMs);
    QCOMPARE(int(store.predictions(r.runId, "test").size()), 64);
    const auto checkpoints = store.checkpoints(r.runId);
    QCOMPARE(int(checkpoints.size()), 2);
    for (const CheckpointRecord &c : checkpoints)
        for (const char *file :
             {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"})
            QVERIFY2(std::filesystem::exists(std::filesystem::path(c.path) / file),
                     (c.path + file).c_str());
    QVERIFY(std::filesystem::exists(std::filesystem::path(bestCheckpointDir(store, r.runId)) /
                                    "model.safetensors"));
    QCOMPARE(store.integrityCheck(), std::string("ok"));
    std::map<std::string, std::string> params;
    for (const auto &kv : store.params(r.runId))
        params.insert(kv);
    QCOMPARE(params["data.examples.train"], std::string("256"));
    QCOMPARE(params["data.examples.validation"], std::string("64"));
    QCOMPARE(params["data.examples.test"], std::string("64"));
    // Where it trained: train.device auto resolves to the CPU on a build without CUDA.
    QCOMPARE(params["train.resolved.device"], cudaAvailable() ? std::string("cuda") : "cpu");
    QVERIFY(std::filesystem::path(params["data.resolved.train.path"]).is_absolute());
    QCOMPARE(params["data.resolved.train.sha256"].size(), size_t(64));
}

void TestTrainer::resumeAfterCancelEqualsUninterrupted()
{
    QTemporaryDir dir;
    const TrainingResult full = runTraining(smokeRequest(dir));
    QCOMPARE(toString(full.status), std::string("finished"));

    std::atomic<bool> cancel{false};
    TrainingCallbacks cb;
    cb.cancel = &cancel;
    cb.onStep = [&](const StepInfo &s) { cancel = s.step >= 13; }; // last checkpoint: step 8
    const TrainingResult stopped = runTraining(smokeRequest(dir), cb);
    QCOMPARE(toString(stopped.status), std::string("cancelled"));

    TrainingRequest resume = smokeRequest(dir);
    resume.resumeRunId = stopped.runId;
    const TrainingResult resumed = runTraining(resume);
    QCOMPARE(toString(resumed.status), std::string("finished"));
    QCOMPARE(resumed.runId, stopped.runId);
    compareRuns(RunStore::open(resume.dbPath), full.runId, stopped.runId);
}

void TestTrainer::killedProcessBecomesInterruptedAndResumes()
{
    QTemporaryDir dir;
    const std::string db = dir.filePath("runs.db").toStdString();
    // A longer smoke run so that the kill lands mid-training.
    const std::vector<std::string> longer = {"train.epochs=6"};
    const TrainingResult full = runTraining(smokeRequest(dir, longer));

    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(SENTILAB_CLI_PATH, {"--threads", "1", "--db", QString::fromStdString(db), "train",
                                    QString::fromStdString(kSmoke), "--set", "train.epochs=6",
                                    "--set", "train.threads=1"});
    QVERIFY(child.waitForStarted());
    int64_t runId = 0;
    QElapsedTimer timer;
    timer.start();
    bool checkpointed = false;
    while (!checkpointed && timer.elapsed() < 120000 && child.state() == QProcess::Running) {
        QTest::qWait(20);
        const RunStore store = RunStore::open(db);
        for (const RunInfo &run : store.listRuns()) {
            if (run.id != full.runId) {
                runId = run.id;
                for (const CheckpointRecord &c : store.checkpoints(run.id))
                    checkpointed |= c.kind == "last" && c.step >= 16;
            }
        }
    }
    QVERIFY2(child.state() == QProcess::Running, "the child finished before it could be killed");
    ::kill(pid_t(child.processId()), SIGKILL);
    child.waitForFinished();

    {
        const RunStore store = RunStore::open(db); // recovery happens on open
        const RunInfo info = store.run(runId);
        QCOMPARE(toString(info.status), std::string("interrupted"));
        QVERIFY(!store.metrics(runId, "train/loss").empty()); // committed metrics survived
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }
    TrainingRequest resume;
    resume.dbPath = db;
    resume.resumeRunId = runId;
    const TrainingResult resumed = runTraining(resume);
    QCOMPARE(toString(resumed.status), std::string("finished"));
    compareRuns(RunStore::open(db), full.runId, runId);
}

void TestTrainer::nanLossFailsTheRunWithReason()
{
    // A "pre-trained" folder whose classifier bias is +-3e38: the weights are finite, so they load,
    // but the first loss overflows to infinity and the run must end as failed with the reason,
    // not train on garbage. The same folder with a NaN in the bias is refused before any run
    // exists, naming the tensor.
    SENTILAB_REQUIRE_SHARED(tiny, "golden/model/tiny-seqcls");
    QTemporaryDir dir;
    const QString model = dir.filePath("model");
    Classifier::load(tiny.toStdString()).save(model.toStdString());
    {
        QFile vocab(model + "/vocab.txt");
        QVERIFY(vocab.open(QIODevice::WriteOnly));
        vocab.write("[PAD]\n[CLS]\n[SEP]\n[UNK]\n");
        for (int i = 4; i < 1000; ++i)
            vocab.write(QByteArray("w") + QByteArray::number(i) + "\n");
    }
    // Overwrites the two floats of classifier.bias in place, found through the header.
    auto writeBias = [&](float first, float second) {
        QFile weights(model + "/model.safetensors");
        QVERIFY(weights.open(QIODevice::ReadWrite));
        const QByteArray bytes = weights.readAll();
        quint64 headerLength = 0;
        memcpy(&headerLength, bytes.constData(), 8);
        const QByteArray header = bytes.mid(8, int(headerLength));
        const int at = header.indexOf("\"classifier.bias\"");
        QVERIFY(at >= 0);
        const int offsets = header.indexOf("data_offsets\":[", at) + 15;
        const qint64 begin =
            header.mid(offsets, header.indexOf(',', offsets) - offsets).toLongLong();
        const float bias[2] = {first, second};
        QVERIFY(weights.seek(qint64(8 + headerLength) + begin));
        QCOMPARE(weights.write(reinterpret_cast<const char *>(bias), 8), qint64(8));
    };
    TrainingRequest r = smokeRequest(dir);
    r.config = ExperimentConfig::fromYaml(
        "kind: finetune\nmodel: {init: pretrained, pretrained_dir: \"" + model.toStdString() +
            "\"}\n"
            "data: {max_train_examples: 32, max_eval_examples: 16}\n"
            "train: {batch_size: 8, epochs: 1, threads: 1}\n",
        "nan-test");

    writeBias(std::numeric_limits<float>::quiet_NaN(), 0.0f);
    const QString refused =
        QString::fromStdString(sentilab::test::errorOf([&] { runTraining(r); }));
    QVERIFY2(refused.contains("classifier.bias") && refused.contains("NaN"), qPrintable(refused));
    QVERIFY(RunStore::open(r.dbPath).listRuns().empty());

    writeBias(3e38f, -3e38f);
    const TrainingResult result = runTraining(r);
    QCOMPARE(toString(result.status), std::string("failed"));
    QVERIFY2(QString::fromStdString(result.error).contains("training loss became"),
             result.error.c_str());
    const RunStore store = RunStore::open(r.dbPath);
    QCOMPARE(store.run(result.runId).error, result.error);
    QCOMPARE(toString(store.run(result.runId).status), std::string("failed"));
}

void TestTrainer::resumeBeforeFirstCheckpointEqualsUninterrupted()
{
    // Stopped at step 3, before the first checkpoint (step 8): there is no trainer state to resume
    // from, so the run starts again from step 0 and must still equal the uninterrupted run.
    QTemporaryDir dir;
    const TrainingResult full = runTraining(smokeRequest(dir));
    std::atomic<bool> cancel{false};
    TrainingCallbacks cb;
    cb.cancel = &cancel;
    cb.onStep = [&](const StepInfo &s) { cancel = s.step >= 3; };
    const TrainingResult stopped = runTraining(smokeRequest(dir), cb);
    QCOMPARE(toString(stopped.status), std::string("cancelled"));
    QVERIFY(RunStore::open(smokeRequest(dir).dbPath).checkpoints(stopped.runId).empty());

    TrainingRequest resume = smokeRequest(dir);
    resume.resumeRunId = stopped.runId;
    const TrainingResult resumed = runTraining(resume);
    QCOMPARE(toString(resumed.status), std::string("finished"));
    compareRuns(RunStore::open(resume.dbPath), full.runId, stopped.runId);
}

void TestTrainer::resumeRefusesChangedData()
{
    // The resumed run must read the data the run started with: a split file edited in between is
    // named, with both hashes, and the run stays resumable once the file is restored.
    QTemporaryDir dir;
    const QString data = dir.filePath("data");
    QVERIFY(QDir().mkpath(data));
    for (const char *split : {"train.jsonl", "validation.jsonl", "test.jsonl"})
        QVERIFY(QFile::copy(sentilab::test::sharedFile(QString("data/sst2/") + split),
                            data + "/" + split));
    const std::vector<std::string> overrides = {"data.dir=" + data.toStdString()};
    std::atomic<bool> cancel{false};
    TrainingCallbacks cb;
    cb.cancel = &cancel;
    cb.onStep = [&](const StepInfo &s) { cancel = s.step >= 10; };
    const TrainingResult stopped = runTraining(smokeRequest(dir, overrides), cb);
    QCOMPARE(toString(stopped.status), std::string("cancelled"));

    QFile train(data + "/train.jsonl");
    QVERIFY(train.open(QIODevice::Append));
    train.write("{\"text\": \"an extra row\", \"label\": 1}\n");
    train.close();
    TrainingRequest resume = smokeRequest(dir, overrides);
    resume.resumeRunId = stopped.runId;
    const std::string refused = sentilab::test::errorOf([&] { runTraining(resume); });
    QVERIFY2(refused.find("train") != std::string::npos &&
                 refused.find("sha256") != std::string::npos &&
                 refused.find(data.toStdString()) != std::string::npos,
             refused.c_str());
    QCOMPARE(toString(RunStore::open(resume.dbPath).run(stopped.runId).status),
             std::string("cancelled"));
}

void TestTrainer::checkpointFolderDeletedMidRunFailsTheRun()
{
    // The run's folder removed after the step-8 checkpoint: the next save must not recreate a
    // folder without its marker (which `runs delete` would then refuse) but fail, saying why.
    QTemporaryDir dir;
    TrainingCallbacks cb;
    std::string removed;
    cb.onStep = [&](const StepInfo &s) {
        if (s.step != 10)
            return;
        const RunStore store = RunStore::open(smokeRequest(dir).dbPath);
        removed =
            std::filesystem::path(store.checkpoints(s.runId).front().path).parent_path().string();
        std::filesystem::remove_all(removed);
    };
    const TrainingResult r = runTraining(smokeRequest(dir), cb);
    QVERIFY(!removed.empty());
    QCOMPARE(toString(r.status), std::string("failed"));
    QVERIFY2(r.error.find("disappeared") != std::string::npos &&
                 r.error.find(removed) != std::string::npos,
             r.error.c_str());
    const RunStore store = RunStore::open(smokeRequest(dir).dbPath);
    QCOMPARE(store.run(r.runId).error, r.error);
    QCOMPARE(store.integrityCheck(), std::string("ok"));
    QVERIFY(!std::filesystem::exists(removed));
}

void TestTrainer::setupErrorsCreateNoRun()
{
    QTemporaryDir dir;
    TrainingRequest r = smokeRequest(dir, {"data.dir=" + dir.filePath("nowhere").toStdString()});
    try {
        runTraining(r);
        QFAIL("a missing data folder must throw");
    } catch (const Error &e) {
        QVERIFY2(QString(e.what()).contains("nowhere"), e.what());
    }
    QVERIFY(RunStore::open(r.dbPath).listRuns().empty());

    TrainingRequest resume = smokeRequest(dir);
    resume.resumeRunId = 99;
    QVERIFY_THROWS_EXCEPTION(Error, runTraining(resume));

    // train.device: cuda where this LibTorch has none (Debian's) fails before a run exists.
    if (!cudaAvailable()) {
        TrainingRequest cuda = smokeRequest(dir);
        cuda.device = "cuda";
        const std::string error = sentilab::test::errorOf([&] { runTraining(cuda); });
        QVERIFY2(error.find("train.device") != std::string::npos, error.c_str());
        QVERIFY(RunStore::open(cuda.dbPath).listRuns().empty());
    }
}

void TestTrainer::predictionsFromTwoRuns()
{
    QTemporaryDir dir;
    const TrainingResult a = runTraining(smokeRequest(dir));
    const TrainingResult b = runTraining(smokeRequest(dir, {"train.seed=7"}));
    const RunStore store = RunStore::open(dir.filePath("runs.db").toStdString());
    const std::vector<std::string> texts = {"a gorgeous , witty , seductive movie .",
                                            "dull and lifeless"};
    std::vector<std::vector<Prediction>> all;
    for (const int64_t run : {a.runId, b.runId})
        all.push_back(Classifier::load(bestCheckpointDir(store, run)).predict(texts));
    for (const auto &predictions : all) {
        QCOMPARE(int(predictions.size()), 2);
        for (const Prediction &p : predictions) {
            QVERIFY(std::abs(p.probabilities[0] + p.probabilities[1] - 1.0f) < 1e-5f);
            QCOMPARE(p.tokens.front(), std::string("[CLS]"));
        }
    }
    // Different seeds give different models.
    QVERIFY(all[0][0].probabilities[1] != all[1][0].probabilities[1]);
}

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
