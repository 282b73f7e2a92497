// Issue 9: what an installed SentiLab finds on its own. The Hugging Face cache conventions Python
// users already have (HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME, XDG_CACHE_HOME,
// ~/.cache/huggingface), the model under both of its hub ids, the newest complete snapshot, a
// scratch run without the weights, and the first-run message of the library and the CLI.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <memory>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>

#include <sentilab/cachedsnapshot.h>
#include <sentilab/dataset.h>
#include <sentilab/experimentconfig.h>
#include <sentilab/firstrun.h>
#include <sentilab/hubclient.h>

#include "testhelpers.h"

using sentilab::test::EnvGuard;
using sentilab::test::errorOf;

namespace {

const char *const kVariables[] = {
    "HF_HUB_CACHE",        "HUGGINGFACE_HUB_CACHE", "HF_HOME",     "XDG_CACHE_HOME", "HOME",
    "SENTILAB_SHARED_DIR", "SENTILAB_DATA_DIR",     "HF_ENDPOINT", "HF_HUB_OFFLINE"};

void writeFile(const QString &path, const QByteArray &content = "x")
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
    f.write(content);
}

// Sets the modification time of `path` (not following a symlink) to `seconds` since the epoch.
void setTime(const QString &path, qint64 seconds)
{
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = seconds;
    times[0].tv_nsec = times[1].tv_nsec = 0;
    QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(path).constData(), times, AT_SYMLINK_NOFOLLOW),
             0);
}

// A snapshot folder with `files`, the folder and its files dated `seconds`.
QString snapshot(const QString &repoDir, const QString &name, const QStringList &files,
                 qint64 seconds)
{
    const QString dir = repoDir + "/snapshots/" + name;
    QDir().mkpath(dir);
    for (const QString &f : files) {
        writeFile(dir + "/" + f, f == "config.json" ? QByteArray("{}") : QByteArray("x"));
        setTime(dir + "/" + f, seconds);
    }
    setTime(dir, seconds);
    return dir;
}

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

class FirstRunTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void cacheRootFollowsHuggingFace_data();
    void cacheRootFollowsHuggingFace();
    void modelUnderEitherId();
    void newestCompleteSnapshotWins();
    void refsMainBreaksTies();
    void danglingLinkIsIncomplete();
    void pretrainedNeedsWeights();
    void scratchNeedsNoWeights();
    void datasetFromCache();
    void missingForScratch();
    void missingForFinetune();
    void nothingMissingWhenCached();
    void cliNamesDownloads();

private:
    QString cacheRoot() const { return m_home->path() + "/.cache/huggingface/hub"; }
    QString modelRepo(bool canonical) const
    {
        return cacheRoot() + (canonical ? "/models--distilbert--distilbert-base-uncased"
                                        : "/models--distilbert-base-uncased");
    }
    QString datasetRepo() const { return cacheRoot() + "/datasets--SetFit--sst2"; }

    std::vector<std::unique_ptr<EnvGuard>> m_guards;
    std::unique_ptr<QTemporaryDir> m_home;
    QString m_oldCwd;
};

void FirstRunTest::init()
{
    for (const char *name : kVariables) {
        m_guards.push_back(std::make_unique<EnvGuard>(name));
        qunsetenv(name);
    }
    // An empty HOME, as for a person who never ran SentiLab or Python's transformers.
    m_home = std::make_unique<QTemporaryDir>();
    QVERIFY(m_home->isValid());
    qputenv("HOME", QFile::encodeName(m_home->path()));
    // Also away from any ../shared next to the build folder.
    m_oldCwd = QDir::currentPath();
    QDir().mkpath(m_home->path() + "/work");
    QVERIFY(QDir::setCurrent(m_home->path() + "/work"));
}

void FirstRunTest::cleanup()
{
    QDir::setCurrent(m_oldCwd);
    m_guards.clear();
    m_home.reset();
}

void FirstRunTest::cacheRootFollowsHuggingFace_data()
{
    QTest::addColumn<QStringList>("variables"); // NAME=value, "~" = HOME
    QTest::addColumn<QString>("expected");      // "~" = HOME
    QTest::addColumn<QString>("origin");
    QTest::newRow("nothing set") << QStringList{} << "~/.cache/huggingface/hub"
                                 << "the default ~/.cache/huggingface/hub";
    QTest::newRow("XDG_CACHE_HOME")
        << QStringList{"XDG_CACHE_HOME=/x/cache"} << "/x/cache/huggingface/hub"
        << "XDG_CACHE_HOME/huggingface/hub";
    QTest::newRow("HF_HOME over XDG")
        << QStringList{"XDG_CACHE_HOME=/x/cache", "HF_HOME=/h"} << "/h/hub"
        << "HF_HOME/hub";
    QTest::newRow("HF_HOME with ~") << QStringList{"HF_HOME=~/hf"} << "~/hf/hub"
                                    << "HF_HOME/hub";
    QTest::newRow("old HUGGINGFACE_HUB_CACHE over HF_HOME")
        << QStringList{"HF_HOME=/h", "HUGGINGFACE_HUB_CACHE=/old"} << "/old"
        << "HUGGINGFACE_HUB_CACHE";
    QTest::newRow("HF_HUB_CACHE over everything")
        << QStringList{"HF_HOME=/h", "HUGGINGFACE_HUB_CACHE=/old", "XDG_CACHE_HOME=/x",
                       "HF_HUB_CACHE=/new"}
        << "/new"
        << "HF_HUB_CACHE";
    QTest::newRow("empty HF_HUB_CACHE is unset")
        << QStringList{"HF_HUB_CACHE=", "HF_HOME=/h"} << "/h/hub"
        << "HF_HOME/hub";
}

void FirstRunTest::cacheRootFollowsHuggingFace()
{
    QFETCH(QStringList, variables);
    QFETCH(QString, expected);
    QFETCH(QString, origin);
    for (const QString &v : variables) {
        const int eq = v.indexOf('=');
        // "~" is given as typed, as from a shell that did not expand it (Python expands it).
        const QString value = v.mid(eq + 1);
        qputenv(v.left(eq).toLatin1().constData(), value.toLocal8Bit());
    }
    expected.replace(QLatin1Char('~'), m_home->path());
    QCOMPARE(q(sentilab::hubCacheDir(sentilab::HubOptions{})), expected);
    QCOMPARE(q(sentilab::hubCacheDirOrigin(sentilab::HubOptions{})), origin);
    // Where downloads go is where the lookups look.
    QCOMPARE(q(sentilab::repoCacheDir("SetFit/sst2", sentilab::RepoKind::Dataset, {})),
             expected + "/datasets--SetFit--sst2");
}

void FirstRunTest::modelUnderEitherId()
{
    const QStringList all{"config.json", "vocab.txt", "model.safetensors"};
    // Only the current canonical id, as recent transformers versions fetch it.
    const QString canonical = snapshot(modelRepo(true), "c1", all, 1000);
    auto found = sentilab::findCachedSnapshot(sentilab::distilBertRepoIds(),
                                              sentilab::RepoKind::Model, {"config.json"});
    QCOMPARE(q(found.dir), canonical);
    QCOMPARE(q(found.repo), QStringLiteral("distilbert/distilbert-base-uncased"));
    QCOMPARE(q(sentilab::resolvePretrainedDir({})), canonical);

    // A newer download under the old id wins; an older one does not.
    const QString old = snapshot(modelRepo(false), "o1", all, 2000);
    QCOMPARE(q(sentilab::resolvePretrainedDir({})), old);
    setTime(old + "/config.json", 500);
    setTime(old + "/vocab.txt", 500);
    setTime(old + "/model.safetensors", 500);
    setTime(old, 500);
    QCOMPARE(q(sentilab::resolvePretrainedDir({})), canonical);
}

void FirstRunTest::newestCompleteSnapshotWins()
{
    const QString repo = modelRepo(false);
    const QStringList all{"config.json", "vocab.txt", "model.safetensors"};
    // First in sort order but old; last in sort order but incomplete (no weights) and newest;
    // in the middle the newest complete one, which refs/main does not even name.
    snapshot(repo, "0000old", all, 1000);
    const QString newest =
        snapshot(repo, "5555new", {"config.json", "vocab.txt", "pytorch_model.bin"}, 3000);
    snapshot(repo, "ffffpartial", {"config.json", "vocab.txt"}, 4000);
    writeFile(repo + "/refs/main", "0000old");
    QCOMPARE(q(sentilab::resolvePretrainedDir({})), newest);

    // The scratch run needs no weights: there the partial one is the newest complete one.
    QCOMPARE(q(sentilab::resolveArchitectureDir({})), repo + "/snapshots/ffffpartial");
}

void FirstRunTest::refsMainBreaksTies()
{
    const QString repo = modelRepo(false);
    const QStringList all{"config.json", "vocab.txt", "model.safetensors"};
    const QString a = snapshot(repo, "aaaa", all, 1000);
    snapshot(repo, "bbbb", all, 1000);
    writeFile(repo + "/refs/main", "aaaa\n");
    QCOMPARE(q(sentilab::resolvePretrainedDir({})), a);
}

void FirstRunTest::danglingLinkIsIncomplete()
{
    // snapshots/<commit>/model.safetensors -> ../../blobs/<etag> whose blob was deleted.
    const QString repo = modelRepo(false);
    const QString dir = snapshot(repo, "abc", {"config.json", "vocab.txt"}, 1000);
    QVERIFY(QFile::link("../../blobs/deadbeef", dir + "/model.safetensors"));
    const std::string error = errorOf([] { sentilab::resolvePretrainedDir({}); });
    QVERIFY2(error.find(dir.toStdString() + ": has no model.safetensors or pytorch_model.bin") !=
                 std::string::npos,
             error.c_str());
    QVERIFY2(error.find("sentilab-cli download model distilbert-base-uncased") != std::string::npos,
             error.c_str());
}

void FirstRunTest::pretrainedNeedsWeights()
{
    const std::string error = errorOf([] { sentilab::resolvePretrainedDir({}); });
    // Both ids were looked at, in the cache HOME gives.
    QVERIFY2(error.find(modelRepo(false).toStdString() + "/snapshots: no such folder") !=
                 std::string::npos,
             error.c_str());
    QVERIFY2(error.find(modelRepo(true).toStdString() + "/snapshots: no such folder") !=
                 std::string::npos,
             error.c_str());
}

void FirstRunTest::scratchNeedsNoWeights()
{
    std::string error = errorOf([] { sentilab::resolveArchitectureDir({}); });
    QVERIFY2(error.find("--file config.json --file vocab.txt") != std::string::npos, error.c_str());
    QVERIFY2(error.find("model.config_json") != std::string::npos, error.c_str());

    // What `download model distilbert-base-uncased --file config.json --file vocab.txt` leaves.
    const QString dir = snapshot(modelRepo(false), "c0ffee", {"config.json", "vocab.txt"}, 1000);
    QCOMPARE(q(sentilab::resolveArchitectureDir({})), dir);
    QVERIFY(!errorOf([] { sentilab::resolvePretrainedDir({}); }).empty());

    // The reference data of a development checkout comes first.
    QTemporaryDir shared;
    writeFile(shared.path() + "/models/distilbert-base-uncased/config.json", "{}");
    writeFile(shared.path() + "/models/distilbert-base-uncased/vocab.txt");
    qputenv("SENTILAB_SHARED_DIR", QFile::encodeName(shared.path()));
    QCOMPARE(q(sentilab::resolveArchitectureDir({})),
             shared.path() + "/models/distilbert-base-uncased");
}

void FirstRunTest::datasetFromCache()
{
    sentilab::DataOptions data;
    std::string error = errorOf([&] { sentilab::resolveDataFile(data, data.train); });
    QVERIFY2(error.find("sentilab-cli download dataset SetFit/sst2") != std::string::npos,
             error.c_str());
    QVERIFY2(error.find(datasetRepo().toStdString()) != std::string::npos, error.c_str());

    const QStringList splits{"train.jsonl", "validation.jsonl", "test.jsonl"};
    const QString complete = snapshot(datasetRepo(), "1111", splits, 1000);
    snapshot(datasetRepo(), "9999", {"train.jsonl", "README.md"}, 2000); // newer, no test split
    QCOMPARE(q(sentilab::resolveDataFile(data, data.test)), complete + "/test.jsonl");
    QCOMPARE(q(sentilab::resolveDataFile(data, data.train)), complete + "/train.jsonl");

    // A folder that is set decides, even when the cache has the data.
    data.dir = (m_home->path() + "/mine").toStdString();
    error = errorOf([&] { sentilab::resolveDataFile(data, data.train); });
    QVERIFY2(error.find("/mine/train.jsonl: data file not found") != std::string::npos,
             error.c_str());
}

void FirstRunTest::missingForScratch()
{
    const auto config =
        sentilab::ExperimentConfig::fromFile(SENTILAB_SOURCE_DIR "/experiments/scratch.yaml");
    const auto missing = sentilab::missingDownloads(config);
    QCOMPARE(int(missing.size()), 2);
    QCOMPARE(q(missing[0].repo), QStringLiteral("SetFit/sst2"));
    QCOMPARE(missing[0].kind, sentilab::RepoKind::Dataset);
    QCOMPARE(q(missing[0].command), QStringLiteral("sentilab-cli download dataset SetFit/sst2"));
    QCOMPARE(q(missing[0].cacheDir), datasetRepo());
    QCOMPARE(q(missing[1].repo), QStringLiteral("distilbert-base-uncased"));
    QCOMPARE(q(missing[1].command),
             QStringLiteral("sentilab-cli download model distilbert-base-uncased --file "
                            "config.json --file vocab.txt"));
    // Never the 268 MB weights for a scratch run.
    QVERIFY(missing[1].approxBytes < 1000000);
    QCOMPARE(missing[1].files, (std::vector<std::string>{"config.json", "vocab.txt"}));

    const QString message = q(sentilab::firstRunMessage(missing));
    for (const QString &part :
         {QStringLiteral("SST-2 dataset"), QStringLiteral("1.5 MB"), QStringLiteral("232 kB"),
          datasetRepo(), modelRepo(false), cacheRoot(), QStringLiteral("data.dir"),
          QStringLiteral("model.config_json")})
        QVERIFY2(message.contains(part), qPrintable(part + " not in:\n" + message));
    QVERIFY2(!message.contains(QStringLiteral("268 MB")), qPrintable(message));
}

void FirstRunTest::missingForFinetune()
{
    const auto config =
        sentilab::ExperimentConfig::fromFile(SENTILAB_SOURCE_DIR "/experiments/finetune.yaml");
    const auto missing = sentilab::missingDownloads(config);
    QCOMPARE(int(missing.size()), 2);
    QCOMPARE(q(missing[1].command),
             QStringLiteral("sentilab-cli download model distilbert-base-uncased"));
    QVERIFY(missing[1].files.empty());
    QCOMPARE(q(sentilab::formatApproxBytes(missing[1].approxBytes)), QStringLiteral("268 MB"));
    QVERIFY(q(missing[1].detail).contains(modelRepo(true)));

    // The dataset is not missing when a data folder is set: the run reports a wrong one itself.
    qputenv("SENTILAB_DATA_DIR", "/nonexistent");
    QCOMPARE(int(sentilab::missingDownloads(config).size()), 1);
}

void FirstRunTest::nothingMissingWhenCached()
{
    snapshot(datasetRepo(), "d1", {"train.jsonl", "validation.jsonl", "test.jsonl"}, 1000);
    snapshot(modelRepo(true), "m1", {"config.json", "vocab.txt", "model.safetensors"}, 1000);
    for (const char *name : {"scratch.yaml", "finetune.yaml", "smoke.yaml"}) {
        const auto config = sentilab::ExperimentConfig::fromFile(
            std::string(SENTILAB_SOURCE_DIR "/experiments/") + name);
        const auto missing = sentilab::missingDownloads(config);
        QVERIFY2(missing.empty(), name);
    }
}

void FirstRunTest::cliNamesDownloads()
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : kVariables)
        env.remove(QString::fromLatin1(name));
    env.insert("HOME", m_home->path());
    env.insert("OMP_WAIT_POLICY", "PASSIVE");
    p.setProcessEnvironment(env);
    p.setWorkingDirectory(m_home->path() + "/work");
    p.start(SENTILAB_CLI_PATH,
            {"train", SENTILAB_SOURCE_DIR "/experiments/smoke.yaml", "--db", "runs.db"});
    QVERIFY(p.waitForFinished(120000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitCode(), 1);
    for (const QString &part :
         {QStringLiteral("error: this run needs files that are not on this machine yet"),
          QStringLiteral("sentilab-cli download dataset SetFit/sst2"),
          QStringLiteral("sentilab-cli download model distilbert-base-uncased --file config.json "
                         "--file vocab.txt"),
          cacheRoot(), QStringLiteral("1.5 MB")})
        QVERIFY2(err.contains(part), qPrintable(part + " not in:\n" + err));
    // Nothing recorded: no failed run, no database, nothing beside the executable.
    QVERIFY(!QFileInfo::exists(m_home->path() + "/work/runs.db"));
}

QTEST_GUILESS_MAIN(FirstRunTest)

#include "tst_firstrun.moc"
