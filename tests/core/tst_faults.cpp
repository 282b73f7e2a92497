// Fault tests of issue 8, run against the real command-line program and real files: a kill -9
// inside the checkpoint-folder swap, full disks (RLIMIT_FSIZE) for the checkpoints and for the
// database, a read-only database folder, and `runs delete` / `predict` from another working
// directory or with a database whose checkpoint path was edited.
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sentilab/error.h>
#include <sentilab/runstore.h>
#include <sentilab/training.h>

#include "durablefiles.h"
#include "shareddata.h"

namespace fs = std::filesystem;
using namespace sentilab;

namespace {

const QString kSmoke = QStringLiteral(SENTILAB_SOURCE_DIR "/experiments/smoke.yaml");

struct CliResult
{
    int exitCode = -1; // -1: crashed or timed out
    QByteArray out;
    QByteArray err;
};

// Runs sentilab-cli with one compute thread in `cwd`; a non-zero `fileSizeLimit` applies
// RLIMIT_FSIZE to the child only, the way a full disk or `ulimit -f` would stop its writes.
CliResult runCli(const QStringList &args, const QString &cwd, rlim_t fileSizeLimit = 0,
                 const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setWorkingDirectory(cwd);
    process.setProcessEnvironment(env);
    if (fileSizeLimit > 0)
        process.setChildProcessModifier([fileSizeLimit] {
            const rlimit limit{fileSizeLimit, fileSizeLimit};
            ::setrlimit(RLIMIT_FSIZE, &limit);
        });
    process.start(QStringLiteral(SENTILAB_CLI_PATH), QStringList{"--threads", "1"} + args);
    CliResult r;
    if (!process.waitForFinished(300000)) {
        process.kill();
        process.waitForFinished();
        return r;
    }
    r.out = process.readAllStandardOutput();
    r.err = process.readAllStandardError();
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return r;
}

QStringList trainSmoke(const QString &db)
{
    return {"--db", db, "train", kSmoke, "--set", "train.threads=1"};
}

bool writeFile(const fs::path &path, const std::string &content)
{
    std::ofstream out(path, std::ios::binary);
    out << content;
    return bool(out);
}

std::string readFile(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Executes one SQL statement on the store file with SQLite itself (a hand-edited database).
QString execSql(const QString &db, const QString &sql)
{
    sqlite3 *handle = nullptr;
    if (sqlite3_open(db.toUtf8().constData(), &handle) != SQLITE_OK)
        return QStringLiteral("cannot open ") + db;
    const int rc = sqlite3_exec(handle, sql.toUtf8().constData(), nullptr, nullptr, nullptr);
    const QString message = rc == SQLITE_OK ? QString() : QString::fromUtf8(sqlite3_errmsg(handle));
    sqlite3_close(handle);
    return message;
}

} // namespace

class TestFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void killDuringFolderSwapLeavesACompleteFolder();
    void deleteFromAnotherFolderRemovesOnlyTheRunsOwn();
    void editedCheckpointPathIsNeverFollowed();
    void fullDiskForCheckpointsFailsTheRun();
    void fullDiskForTheDatabaseIsAClearError();
    void readOnlyDatabaseFolderIsAClearError();
    void overlongPathsAreAClearError();
    void twoTrainersAndAReaderShareOneDatabase();
};

void TestFaults::initTestCase()
{
    SENTILAB_REQUIRE_SHARED(data, "data/sst2/train.jsonl");
    qputenv("SENTILAB_SHARED_DIR",
            QFileInfo(sentilab::test::sharedDir()).absoluteFilePath().toUtf8());
}

void TestFaults::killDuringFolderSwapLeavesACompleteFolder()
{
    // 20 kills at random moments of a loop that swaps in a new folder generation every few
    // milliseconds (write, fsync, RENAME_EXCHANGE, remove the old one): after each kill the folder
    // must hold one complete generation, never a mix, a missing file or nothing.
    QTemporaryDir dir;
    const std::string target = dir.filePath("last").toStdString();
    QRandomGenerator random(8);
    for (int round = 0; round < 20; ++round) {
        QProcess child;
        child.start(QStringLiteral(SWAP_WRITER_PATH), {QString::fromStdString(target)});
        QVERIFY(child.waitForStarted());
        // Loading the program takes a while (it links LibTorch): kill only once it is swapping.
        QVERIFY2(child.waitForReadyRead(30000), child.readAllStandardError().constData());
        QTest::qWait(int(random.bounded(1, 60)));
        QVERIFY2(child.state() == QProcess::Running, child.readAllStandardError().constData());
        child.kill(); // SIGKILL
        QVERIFY(child.waitForFinished());
        recoverDirectory(target); // what the trainer does on resume
        QVERIFY2(fs::exists(target), "the folder is missing after a kill");
        const std::string a = readFile(fs::path(target) / "a.bin");
        const std::string b = readFile(fs::path(target) / "b.bin");
        QCOMPARE(a.size(), size_t(256 * 1024));
        QCOMPARE(b, a);
        QVERIFY(a.find_first_not_of(a[0]) == std::string::npos);
    }
}

void TestFaults::deleteFromAnotherFolderRemovesOnlyTheRunsOwn()
{
    // The README's own example uses a relative --db. Run 1 trained in folder A; `runs delete` from
    // folder B (with the right relative path to the database) once removed B/checkpoints/run-1
    // and left A's. Checkpoint paths are now absolute, and only the run's own folder goes.
    QTemporaryDir root;
    QVERIFY(QDir(root.path()).mkpath("a") && QDir(root.path()).mkpath("b/checkpoints/run-1"));
    const QString a = root.filePath("a");
    const QString b = root.filePath("b");
    const CliResult trained = runCli(trainSmoke("runs.db"), a);
    QVERIFY2(trained.exitCode == 0, trained.err.constData());
    const fs::path unrelated = fs::path(b.toStdString()) / "checkpoints/run-1/keep.txt";
    QVERIFY(writeFile(unrelated, "not SentiLab's\n"));

    const std::string db = QDir(a).filePath("runs.db").toStdString();
    {
        const RunStore store = RunStore::openExisting(db);
        const auto checkpoints = store.checkpoints(1);
        QVERIFY(!checkpoints.empty());
        for (const CheckpointRecord &c : checkpoints)
            QVERIFY2(fs::path(c.path).is_absolute() && c.path.rfind(a.toStdString(), 0) == 0,
                     c.path.c_str());
    }
    const QString relativeDb = QDir(b).relativeFilePath(QString::fromStdString(db));
    const CliResult predicted =
        runCli({"--db", relativeDb, "predict", "--run", "1", "a fine film"}, b);
    QVERIFY2(predicted.exitCode == 0, predicted.err.constData());
    QVERIFY2(predicted.out.contains("a fine film"), predicted.out.constData());

    const CliResult deleted = runCli({"--db", relativeDb, "runs", "delete", "1", "--yes"}, b);
    QVERIFY2(deleted.exitCode == 0, deleted.err.constData());
    QVERIFY2((deleted.out + deleted.err).contains("removed"),
             (deleted.out + deleted.err).constData());
    QVERIFY(!fs::exists(QDir(a).filePath("checkpoints/run-1").toStdString()));
    QVERIFY(fs::exists(unrelated));
    QVERIFY(RunStore::openExisting(db).listRuns().empty());
}

void TestFaults::editedCheckpointPathIsNeverFollowed()
{
    // A database whose checkpoint path was edited to point into another folder (here one that is
    // even named run-1): delete removes the run's rows and leaves that folder alone, saying why.
    QTemporaryDir root;
    const std::string db = root.filePath("runs.db").toStdString();
    const CliResult trained = runCli(trainSmoke(QString::fromStdString(db)), root.path());
    QVERIFY2(trained.exitCode == 0, trained.err.constData());
    const fs::path victim = fs::path(root.filePath("precious/run-1/best").toStdString());
    fs::create_directories(victim);
    QVERIFY(writeFile(victim / "thesis.tex", "years of work\n"));
    const QString edit =
        execSql(QString::fromStdString(db),
                "UPDATE checkpoints SET path = '" + QString::fromStdString(victim.string()) + "'");
    QVERIFY2(edit.isEmpty(), qPrintable(edit));

    RunStore store = RunStore::openExisting(db);
    const std::vector<std::string> notes = deleteRunWithCheckpoints(store, 1);
    QCOMPARE(notes.size(), size_t(1));
    QVERIFY2(notes[0].find("left") == 0 && notes[0].find("sentilab-run.json") != std::string::npos,
             notes[0].c_str());
    QVERIFY(fs::exists(victim / "thesis.tex"));
    QVERIFY(store.listRuns().empty());
    QCOMPARE(store.integrityCheck(), std::string("ok"));
}

void TestFaults::fullDiskForCheckpointsFailsTheRun()
{
    // 2 MB per file holds the database but not the 4 MB model.safetensors of the first checkpoint:
    // the run ends `failed` with the reason, the store stays intact, and nothing half-written is
    // left as a checkpoint.
    QTemporaryDir root;
    const QString db = root.filePath("runs.db");
    const CliResult r = runCli(trainSmoke(db), root.path(), 2 * 1024 * 1024);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("File too large") || r.err.contains("No space"), r.err.constData());
    const RunStore store = RunStore::openExisting(db.toStdString());
    QCOMPARE(store.integrityCheck(), std::string("ok"));
    const RunInfo run = store.run(1);
    QCOMPARE(toString(run.status), std::string("failed"));
    QVERIFY2(!run.error.empty(), run.error.c_str());
    QVERIFY(store.checkpoints(1).empty());
}

void TestFaults::fullDiskForTheDatabaseIsAClearError()
{
    // 24 KB per file: creating the run store itself hits the limit. The message names the
    // database; afterwards the same path opens as a healthy store.
    QTemporaryDir root;
    const QString db = root.filePath("runs.db");
    const CliResult r = runCli(trainSmoke(db), root.path(), 24 * 1024);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(db.toUtf8()), r.err.constData());
    QVERIFY2(r.err.size() < 2000, r.err.constData());
    const RunStore store = RunStore::open(db.toStdString());
    QCOMPARE(store.integrityCheck(), std::string("ok"));
    for (const RunInfo &run : store.listRuns())
        QVERIFY2(run.status != RunStatus::Running && run.status != RunStatus::Finished,
                 toString(run.status).c_str());
}

void TestFaults::readOnlyDatabaseFolderIsAClearError()
{
    if (::geteuid() == 0)
        QSKIP("SKIPPED: running as root, which ignores folder permissions");
    QTemporaryDir root;
    const QString folder = root.filePath("locked");
    QVERIFY(QDir(root.path()).mkdir("locked"));
    QVERIFY(QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
    const QString db = QDir(folder).filePath("runs.db");
    const CliResult r = runCli(trainSmoke(db), root.path());
    QFile::setPermissions(folder,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(folder.toUtf8()), r.err.constData());
    QVERIFY2(r.err.size() < 2000, r.err.constData());
    QVERIFY(!QFile::exists(db));
}

void TestFaults::overlongPathsAreAClearError()
{
    // A 5,000-character path once ended in "terminate called ... File name too long" (an uncaught
    // std::filesystem error). Every such path must give exit status 1 and one bounded message
    // (the path itself may be named, at most twice).
    QTemporaryDir root;
    const QString db = root.filePath("runs.db");
    const QString longPath = "/tmp/" + QString(5000, 'p');
    const qsizetype bound = 2 * longPath.size() + 1000;
    const QStringList overrides[] = {{"--set", "data.dir=" + longPath},
                                     {"--set", "model.vocab=" + longPath}};
    for (const QStringList &override : overrides) {
        const CliResult r = runCli(trainSmoke(db) + override, root.path());
        QVERIFY2(r.exitCode == 1, r.err.left(400).constData());
        QVERIFY2(r.err.size() < bound && !r.err.contains("terminate"), r.err.left(400).constData());
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("SENTILAB_SHARED_DIR", longPath);
    env.insert("SENTILAB_DATA_DIR", longPath);
    const CliResult r = runCli(trainSmoke(db), root.path(), 0, env);
    QVERIFY2(r.exitCode == 1, r.err.left(400).constData());
    QVERIFY2(r.err.size() < bound && !r.err.contains("terminate"), r.err.left(400).constData());
    const CliResult list = runCli({"--db", longPath + ".db", "runs", "list"}, root.path());
    QVERIFY2(list.exitCode == 1 || list.exitCode == 0, list.err.left(400).constData());
    QVERIFY2(!list.err.contains("terminate"), list.err.left(400).constData());
}

void TestFaults::twoTrainersAndAReaderShareOneDatabase()
{
    // Two CLI trainers write one database while this process reads it the way the app's views
    // do: nobody sees "database is locked", and every step of both runs is recorded.
    QTemporaryDir root;
    const QString db = root.filePath("runs.db");
    RunStore::open(db.toStdString()); // the schema exists before both writers start
    const QStringList args = trainSmoke(db) + QStringList{"--set", "train.epochs=4"};
    QProcess first;
    QProcess second;
    for (QProcess *p : {&first, &second}) {
        p->setWorkingDirectory(root.path());
        p->start(QStringLiteral(SENTILAB_CLI_PATH), QStringList{"--threads", "1"} + args);
        QVERIFY(p->waitForStarted());
    }
    int reads = 0;
    QElapsedTimer timer;
    timer.start();
    while ((first.state() != QProcess::NotRunning || second.state() != QProcess::NotRunning) &&
           timer.elapsed() < 300000) {
        const RunStore store = RunStore::openExisting(db.toStdString());
        for (const RunInfo &run : store.listRuns())
            store.metrics(run.id, "train/loss");
        ++reads;
        QTest::qWait(5);
    }
    for (QProcess *p : {&first, &second}) {
        // waitForFinished() is false for a process that has already finished.
        QVERIFY(p->state() == QProcess::NotRunning || p->waitForFinished(10000));
        const QByteArray err = p->readAllStandardError();
        QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0, err.constData());
        QVERIFY2(!err.contains("locked"), err.constData());
    }
    QVERIFY(reads > 10);
    const RunStore store = RunStore::openExisting(db.toStdString());
    const std::vector<RunInfo> runs = store.listRuns();
    QCOMPARE(runs.size(), size_t(2));
    for (const RunInfo &run : runs) {
        QCOMPARE(toString(run.status), std::string("finished"));
        QCOMPARE(store.metrics(run.id, "train/loss").size(), size_t(64)); // 256 / 16 x 4 epochs
    }
    QCOMPARE(store.integrityCheck(), std::string("ok"));
}

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
