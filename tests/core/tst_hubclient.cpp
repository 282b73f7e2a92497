// Hub client suite (issue: "Get the pre-trained model and the dataset from the Hugging Face hub,
// with progress, resume and verification"). Every case runs against HubTestServer on 127.0.0.1,
// never the internet: full download into the Hugging Face cache layout, reuse of the cache,
// redirects, resume with Range, truncated and corrupt responses, 404/401 and tokens, offline mode,
// unreachable hub, cancel, stall timeout, unsafe paths, and the sentilab-cli front end.
#include <sentilab/error.h>
#include <sentilab/experimentconfig.h>
#include <sentilab/hubclient.h>

#include "hubtestserver.h"
#include "shareddata.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>
#include "testhelpers.h"

using sentilab::DownloadProgress;
using sentilab::DownloadResult;
using sentilab::HubOptions;
using sentilab::RepoKind;
using sentilab::test::HubTestServer;

using sentilab::test::errorOf;

namespace {

const QString kModel = QStringLiteral("distilbert-base-uncased");
const QString kModelCommit = QStringLiteral("1c4513b2eedbda136f57676a34eea67aba266e5c");
const QString kDataset = QStringLiteral("SetFit/sst2");
const QString kDatasetCommit = QStringLiteral("e51bdcd8cd3a30da231967c1a249ba59361279a3");
const QString kPrivate = QStringLiteral("acme/private-model");
const QString kBig = QStringLiteral("acme/big-model");

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The shared reference file when present, else deterministic stand-in bytes of a similar kind.
QByteArray sharedOr(const char *relative, const QByteArray &fallback)
{
    const QString path = sentilab::test::sharedFile(QString::fromLatin1(relative));
    return path.isEmpty() ? fallback : readFile(path);
}

QByteArray pseudoRandom(qsizetype size, quint32 seed)
{
    QRandomGenerator generator(seed);
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = char(generator.bounded(256));
    return data;
}

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

// The Range header of the last request for `file`.
QByteArray lastRangeFor(const HubTestServer &server, const QString &file)
{
    QByteArray range = "(no request)";
    for (const HubTestServer::Request &r : server.requests())
        if (r.path.endsWith("/" + file) || r.path.startsWith("/cdn/"))
            range = r.range;
    return range;
}

} // namespace

class HubClientTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void fullDownload();
    void secondDownloadIsNoop();
    void resolvePretrainedDirFindsDownload();
    void datasetDownload();
    void redirectFollowed();
    void resumeFromIncomplete();
    void resumeWhenServerIgnoresRange();
    void truncatedResponse();
    void truncatedThenResumedAutomatically();
    void wrongChecksum();
    void repoNotFound();
    void fileNotInRepo();
    void unauthorizedWithoutToken();
    void tokenFromEnvironment();
    void tokenFromTokenFile();
    void tokenNotForwardedToOtherHost();
    void offlineUsesCache();
    void offlineWithoutCache();
    void unreachableHubUsesCache();
    void unreachableHubWithoutCache();
    void pythonCacheReused();
    void cancelStopsQuickly();
    void stallTimesOut();
    void unsafePathRejected();
    void cliDownload();
    void cliHelp();

private:
    HubOptions options() const;
    QString cacheRoot() const { return m_home->filePath("hub"); }
    QString modelDir() const { return cacheRoot() + "/models--distilbert-base-uncased"; }
    DownloadResult download(const QString &repo, RepoKind kind, const HubOptions &options,
                            std::vector<DownloadProgress> *progress = nullptr,
                            const std::atomic<bool> *cancel = nullptr);
    void checkSnapshot(const QString &repoDir, const HubTestServer::Repo &repo,
                       const QString &commit, const QStringList &files);

    std::unique_ptr<HubTestServer> m_server;
    std::unique_ptr<QTemporaryDir> m_home;
    HubTestServer::Repo m_model;
    HubTestServer::Repo m_dataset;
    HubTestServer::Repo m_private;
    HubTestServer::Repo m_big;
};

void HubClientTest::initTestCase()
{
    m_server = std::make_unique<HubTestServer>();
    QVERIFY2(m_server->isListening(), "the test hub cannot listen on 127.0.0.1");

    // The tiny checkpoint of ../shared stands in for the 268 MB model.safetensors.
    m_model.id = kModel;
    m_model.commit = kModelCommit;
    m_model.files["config.json"] = {
        sharedOr("golden/model/tiny-seqcls/config.json", "{\"dim\": 32, \"n_layers\": 2}\n"),
        false};
    m_model.files["model.safetensors"] = {
        sharedOr("golden/model/tiny-seqcls/model.safetensors", pseudoRandom(199680, 1)), true};
    m_model.files["vocab.txt"] = {
        sharedOr("models/distilbert-base-uncased/vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n"),
        false};
    m_model.files["tokenizer_config.json"] = {
        sharedOr("models/distilbert-base-uncased/tokenizer_config.json",
                 "{\"do_lower_case\": true}\n"),
        false};
    m_model.files["pytorch_model.bin"] = {pseudoRandom(5000, 2), true};
    m_model.files["README.md"] = {"# DistilBERT base uncased\n", false};
    m_model.files[".gitattributes"] = {"*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
                                       false};
    m_server->addRepo(m_model);

    m_dataset.id = kDataset;
    m_dataset.dataset = true;
    m_dataset.commit = kDatasetCommit;
    m_dataset.files["train.jsonl"] = {
        sharedOr("data/sst2/train.jsonl", "{\"text\": \"a gem\", \"label\": 1}\n"), true};
    m_dataset.files["validation.jsonl"] = {
        sharedOr("data/sst2/validation.jsonl", "{\"text\": \"dull\", \"label\": 0}\n"), true};
    m_dataset.files["test.jsonl"] = {
        sharedOr("data/sst2/test.jsonl", "{\"text\": \"fine\", \"label\": 1}\n"), true};
    m_dataset.files["README.md"] = {"# SST-2\n", false};
    m_dataset.files[".gitattributes"] = {"*.jsonl filter=lfs diff=lfs merge=lfs -text\n", false};
    m_server->addRepo(m_dataset);

    m_private.id = kPrivate;
    m_private.commit = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
    m_private.requiresToken = true;
    m_private.files["config.json"] = {"{\"private\": true}\n", false};
    m_private.files["vocab.txt"] = {"[PAD]\n[UNK]\n", false};
    m_private.files["model.safetensors"] = {pseudoRandom(30000, 3), true};
    m_server->addRepo(m_private);

    m_big.id = kBig;
    m_big.commit = QStringLiteral("89abcdef0123456789abcdef0123456789abcdef");
    m_big.files["config.json"] = {"{}\n", false};
    m_big.files["vocab.txt"] = {"[PAD]\n", false};
    m_big.files["model.safetensors"] = {pseudoRandom(4 << 20, 4), true};
    m_server->addRepo(m_big);
}

void HubClientTest::init()
{
    m_server->reset();
    m_home = std::make_unique<QTemporaryDir>();
    QVERIFY(m_home->isValid());
    qputenv("HF_HOME", QFile::encodeName(m_home->path()));
    for (const char *name : {"HF_ENDPOINT", "HF_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE"})
        qunsetenv(name);
}

HubOptions HubClientTest::options() const
{
    HubOptions o;
    o.endpoint = m_server->endpoint().toStdString();
    o.connectTimeoutSeconds = 5;
    o.lowSpeedSeconds = 10;
    o.resumeRetries = 0;
    o.progressIntervalMs = 0;
    return o;
}

DownloadResult HubClientTest::download(const QString &repo, RepoKind kind, const HubOptions &o,
                                       std::vector<DownloadProgress> *progress,
                                       const std::atomic<bool> *cancel)
{
    return sentilab::downloadRepo(
        repo.toStdString(), kind, o,
        [progress](const DownloadProgress &p) {
            if (progress)
                progress->push_back(p);
        },
        cancel);
}

// Every file is a relative symlink into blobs/ named by its etag, byte-identical to the source.
void HubClientTest::checkSnapshot(const QString &repoDir, const HubTestServer::Repo &repo,
                                  const QString &commit, const QStringList &files)
{
    const QString snapshot = repoDir + "/snapshots/" + commit;
    for (const QString &file : files) {
        const QString path = snapshot + "/" + file;
        const QFileInfo info(path);
        QVERIFY2(info.isSymLink(), qPrintable(path + " is not a symlink"));
        const HubTestServer::File &source = repo.files[file];
        const QByteArray etag =
            source.lfs ? HubTestServer::sha256(source.data) : HubTestServer::gitBlobId(source.data);
        QCOMPARE(QFile::symLinkTarget(path),
                 QFileInfo(repoDir + "/blobs/" + etag).absoluteFilePath());
        const std::string raw = std::filesystem::read_symlink(path.toStdString()).string();
        QVERIFY2(raw.rfind("../../blobs/", 0) == 0, raw.c_str()); // relative, as Python makes it
        QVERIFY2(readFile(path) == source.data, qPrintable(file + " differs from the source"));
    }
    const QStringList incomplete =
        QDir(repoDir + "/blobs").entryList({"*.incomplete"}, QDir::Files);
    QVERIFY2(incomplete.isEmpty(), qPrintable(incomplete.join(", ")));
}

void HubClientTest::fullDownload()
{
    std::vector<DownloadProgress> progress;
    const DownloadResult r = download(kModel, RepoKind::Model, options(), &progress);

    QCOMPARE(q(r.commit), kModelCommit);
    QCOMPARE(q(r.snapshotDir), modelDir() + "/snapshots/" + kModelCommit);
    const QStringList expected = {"config.json", "vocab.txt", "model.safetensors",
                                  "tokenizer_config.json"};
    QStringList got;
    for (const std::string &f : r.files)
        got << q(f);
    QCOMPARE(got, expected);
    checkSnapshot(modelDir(), m_model, kModelCommit, expected);
    QCOMPARE(readFile(modelDir() + "/refs/main"), kModelCommit.toLatin1());
    // Only the default files: no README, .gitattributes or pytorch_model.bin.
    QCOMPARE(QDir(modelDir() + "/blobs").entryList(QDir::Files).size(), 4);
    QVERIFY(!QFileInfo::exists(r.snapshotDir.c_str() + QString("/pytorch_model.bin")));

    qint64 total = 0;
    for (const QString &f : expected)
        total += m_model.files[f].data.size();
    QCOMPARE(r.bytesDownloaded, total);
    QVERIFY(!progress.empty());
    QCOMPARE(progress.back().allBytes, total);
    QCOMPARE(progress.back().allTotal, total);
    QCOMPARE(progress.back().fileCount, 4);
    QCOMPARE(progress.back().etaSeconds, 0.0);
    for (std::size_t i = 1; i < progress.size(); ++i)
        QVERIFY(progress[i].allBytes >= progress[i - 1].allBytes);
    QCOMPARE(m_server->countRequests("/api/models/distilbert-base-uncased/revision/main"), 1);
    QCOMPARE(m_server->countRequests("/resolve/" + kModelCommit + "/"), 4);
}

void HubClientTest::secondDownloadIsNoop()
{
    download(kModel, RepoKind::Model, options());
    m_server->reset();
    const DownloadResult again = download(kModel, RepoKind::Model, options());
    QCOMPARE(again.bytesDownloaded, 0);
    QCOMPARE(m_server->requests().size(), 1); // the listing only
    QCOMPARE(m_server->countRequests("/resolve/"), 0);
    checkSnapshot(modelDir(), m_model, kModelCommit,
                  {"config.json", "vocab.txt", "model.safetensors", "tokenizer_config.json"});
}

void HubClientTest::resolvePretrainedDirFindsDownload()
{
    const DownloadResult r = download(kModel, RepoKind::Model, options());
    QCOMPARE(q(sentilab::resolvePretrainedDir(sentilab::ModelOptions{})), q(r.snapshotDir));
}

void HubClientTest::datasetDownload()
{
    const DownloadResult r = download(kDataset, RepoKind::Dataset, options());
    const QString repoDir = cacheRoot() + "/datasets--SetFit--sst2";
    QCOMPARE(q(r.snapshotDir), repoDir + "/snapshots/" + kDatasetCommit);
    const QStringList expected = {"README.md", "test.jsonl", "train.jsonl", "validation.jsonl"};
    QStringList got;
    for (const std::string &f : r.files)
        got << q(f);
    got.sort();
    QCOMPARE(got, expected);
    checkSnapshot(repoDir, m_dataset, kDatasetCommit, expected);
    QVERIFY(!QFileInfo::exists(q(r.snapshotDir) + "/.gitattributes"));
    QCOMPARE(readFile(repoDir + "/refs/main"), kDatasetCommit.toLatin1());
    QCOMPARE(m_server->countRequests("/api/datasets/SetFit/sst2/revision/main"), 1);
    QCOMPARE(m_server->countRequests("/datasets/SetFit/sst2/resolve/"), 4);
}

void HubClientTest::redirectFollowed()
{
    m_server->setRedirects(true);
    download(kModel, RepoKind::Model, options());
    QCOMPARE(m_server->countRequests("/cdn/"), 1); // model.safetensors is the LFS file
    checkSnapshot(modelDir(), m_model, kModelCommit, {"model.safetensors", "config.json"});
}

void HubClientTest::resumeFromIncomplete()
{
    // An odd offset also exercises the streaming SHA-256 across partial 64-byte blocks.
    const QByteArray data = m_model.files["model.safetensors"].data;
    const QString blobs = modelDir() + "/blobs/";
    QVERIFY(QDir().mkpath(blobs));
    const QString incomplete = blobs + HubTestServer::sha256(data) + ".incomplete";
    {
        QFile f(incomplete);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(data.left(12345));
    }
    m_server->setRedirects(true);
    const DownloadResult r = download(kModel, RepoKind::Model, options());
    bool sawRange = false;
    for (const HubTestServer::Request &request : m_server->requests())
        sawRange = sawRange || request.range == "bytes=12345-";
    QVERIFY2(sawRange, "no Range request for the rest of the file");
    QCOMPARE(r.bytesDownloaded,
             qint64(m_model.files["config.json"].data.size() +
                    m_model.files["vocab.txt"].data.size() +
                    m_model.files["tokenizer_config.json"].data.size() + data.size() - 12345));
    checkSnapshot(modelDir(), m_model, kModelCommit, {"model.safetensors"});
}

void HubClientTest::resumeWhenServerIgnoresRange()
{
    const QByteArray data = m_model.files["model.safetensors"].data;
    const QString blobs = modelDir() + "/blobs/";
    QVERIFY(QDir().mkpath(blobs));
    {
        QFile f(blobs + HubTestServer::sha256(data) + ".incomplete");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(777, 'x')); // wrong bytes: only a full restart gives the right file
    }
    m_server->setFault("model.safetensors", HubTestServer::Fault::IgnoreRange);
    download(kModel, RepoKind::Model, options());
    checkSnapshot(modelDir(), m_model, kModelCommit, {"model.safetensors"});
}

void HubClientTest::truncatedResponse()
{
    const QByteArray data = m_model.files["model.safetensors"].data;
    m_server->setFault("model.safetensors", HubTestServer::Fault::Truncate, 50000);
    const QString error = q(errorOf([&] { download(kModel, RepoKind::Model, options()); }));
    QVERIFY2(error.contains("model.safetensors"), qPrintable(error));
    QVERIFY2(error.contains(".incomplete") && error.contains("resume"), qPrintable(error));

    const QString blob = modelDir() + "/blobs/" + HubTestServer::sha256(data);
    QVERIFY(!QFileInfo::exists(blob));
    QCOMPARE(QFileInfo(blob + ".incomplete").size(), 50000);
    QVERIFY(!QFileInfo::exists(modelDir() + "/snapshots/" + kModelCommit + "/model.safetensors"));
    QVERIFY(!QFileInfo::exists(modelDir() + "/refs/main"));
    // Nothing looks complete to the trainer either.
    QVERIFY(errorOf([] { sentilab::resolvePretrainedDir(sentilab::ModelOptions{}); }).size() > 0);

    // The next run resumes the partial file.
    m_server->reset();
    download(kModel, RepoKind::Model, options());
    QCOMPARE(lastRangeFor(*m_server, "model.safetensors"), QByteArray("bytes=50000-"));
    checkSnapshot(modelDir(), m_model, kModelCommit, {"model.safetensors"});
}

void HubClientTest::truncatedThenResumedAutomatically()
{
    m_server->setFault("model.safetensors", HubTestServer::Fault::Truncate, 65536, 1);
    HubOptions o = options();
    o.resumeRetries = 2;
    const DownloadResult r = download(kModel, RepoKind::Model, o);
    QCOMPARE(m_server->countRequests("model.safetensors"), 2);
    QCOMPARE(lastRangeFor(*m_server, "model.safetensors"), QByteArray("bytes=65536-"));
    QVERIFY(!r.notes.empty());
    QVERIFY2(q(r.notes.front()).contains("resumed"), r.notes.front().c_str());
    checkSnapshot(modelDir(), m_model, kModelCommit, {"model.safetensors"});
}

void HubClientTest::wrongChecksum()
{
    QByteArray corrupt = m_model.files["model.safetensors"].data;
    corrupt[0] = char(corrupt[0] ^ 0xff);
    const QByteArray expected = HubTestServer::sha256(m_model.files["model.safetensors"].data);
    m_server->setFault("model.safetensors", HubTestServer::Fault::Corrupt);
    const QString error = q(errorOf([&] { download(kModel, RepoKind::Model, options()); }));
    QVERIFY2(error.contains("model.safetensors"), qPrintable(error));
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY2(error.contains(HubTestServer::sha256(corrupt)), qPrintable(error));
    QVERIFY(!QFileInfo::exists(modelDir() + "/blobs/" + expected));
    QVERIFY(!QFileInfo::exists(modelDir() + "/blobs/" + expected + ".incomplete"));
    QVERIFY(!QFileInfo::exists(modelDir() + "/snapshots/" + kModelCommit + "/model.safetensors"));
}

void HubClientTest::repoNotFound()
{
    const QString error =
        q(errorOf([&] { download("nobody/missing-model", RepoKind::Model, options()); }));
    QVERIFY2(
        error.contains(m_server->endpoint() + "/api/models/nobody/missing-model/revision/main"),
        qPrintable(error));
    QVERIFY2(error.contains("404") && error.contains("'nobody/missing-model'"), qPrintable(error));
    QVERIFY2(error.contains("Repository not found"), qPrintable(error)); // the hub's own words
    QVERIFY(!QFileInfo::exists(cacheRoot() + "/models--nobody--missing-model/refs/main"));

    // A model id given as a dataset is a 404 too, and the hint says which command to use.
    const QString asDataset = q(errorOf([&] { download(kModel, RepoKind::Dataset, options()); }));
    QVERIFY2(asDataset.contains("dataset 'distilbert-base-uncased'") &&
                 asDataset.contains("'download model'"),
             qPrintable(asDataset));
}

void HubClientTest::fileNotInRepo()
{
    HubOptions o = options();
    o.files = {"config.json", "nope.bin"};
    const QString error = q(errorOf([&] { download(kModel, RepoKind::Model, o); }));
    QVERIFY2(error.contains("'nope.bin'") && error.contains("config.json, "), qPrintable(error));
}

void HubClientTest::unauthorizedWithoutToken()
{
    const QString error = q(errorOf([&] { download(kPrivate, RepoKind::Model, options()); }));
    QVERIFY2(error.contains("401") && error.contains("HF_TOKEN"), qPrintable(error));
    QVERIFY2(error.contains("/api/models/acme/private-model/"), qPrintable(error));
    QVERIFY(!error.contains(HubTestServer::token()));
    for (const HubTestServer::Request &r : m_server->requests())
        QVERIFY(r.authorization.isEmpty());

    // A wrong token is refused; the message says where it came from, never what it is.
    qputenv("HF_TOKEN", "hf_WrongTokenValue42");
    const QString refused = q(errorOf([&] { download(kPrivate, RepoKind::Model, options()); }));
    QVERIFY2(refused.contains("401") && refused.contains("refused") && refused.contains("HF_TOKEN"),
             qPrintable(refused));
    QVERIFY(!refused.contains("hf_WrongTokenValue42"));
}

void HubClientTest::tokenFromEnvironment()
{
    qputenv("HF_TOKEN", HubTestServer::token());
    m_server->setRedirects(true);
    const DownloadResult r = download(kPrivate, RepoKind::Model, options());
    checkSnapshot(cacheRoot() + "/models--acme--private-model", m_private, m_private.commit,
                  {"config.json", "vocab.txt", "model.safetensors"});
    QCOMPARE(m_server->requests().first().authorization, "Bearer " + HubTestServer::token());

    // Errors after a successful authentication do not leak it either.
    HubOptions o = options();
    o.files = {"missing.txt"};
    const std::string error = errorOf([&] { download(kPrivate, RepoKind::Model, o); });
    QVERIFY(!error.empty());
    QVERIFY(error.find(HubTestServer::token().toStdString()) == std::string::npos);
}

void HubClientTest::tokenFromTokenFile()
{
    QFile token(m_home->filePath("token"));
    QVERIFY(token.open(QIODevice::WriteOnly));
    token.write(HubTestServer::token() + "\n");
    token.close();
    download(kPrivate, RepoKind::Model, options());
    QVERIFY(QFileInfo::exists(cacheRoot() + "/models--acme--private-model/refs/main"));
}

void HubClientTest::tokenNotForwardedToOtherHost()
{
    qputenv("HF_TOKEN", HubTestServer::token());
    m_server->setRedirects(true, true); // LFS files redirect to http://localhost:<port>/cdn/
    download(kPrivate, RepoKind::Model, options());
    int cdn = 0;
    for (const HubTestServer::Request &r : m_server->requests()) {
        if (r.path.startsWith("/cdn/")) {
            ++cdn;
            QVERIFY2(r.host.startsWith("localhost"), r.host.constData());
            QVERIFY2(r.authorization.isEmpty(), "the token went to the CDN host");
        } else {
            QCOMPARE(r.authorization, "Bearer " + HubTestServer::token());
        }
    }
    QCOMPARE(cdn, 1);
    checkSnapshot(cacheRoot() + "/models--acme--private-model", m_private, m_private.commit,
                  {"model.safetensors"});
}

void HubClientTest::offlineUsesCache()
{
    const DownloadResult online = download(kModel, RepoKind::Model, options());
    m_server->reset();
    qputenv("HF_HUB_OFFLINE", "1");
    const DownloadResult offline = download(kModel, RepoKind::Model, options());
    QCOMPARE(offline.snapshotDir, online.snapshotDir);
    QCOMPARE(offline.commit, online.commit);
    QCOMPARE(offline.files.size(), std::size_t(4));
    QCOMPARE(m_server->requests().size(), 0);
    QVERIFY(!offline.notes.empty() && q(offline.notes.front()).contains("HF_HUB_OFFLINE=1"));
}

void HubClientTest::offlineWithoutCache()
{
    qputenv("HF_HUB_OFFLINE", "true");
    const QString error = q(errorOf([&] { download(kModel, RepoKind::Model, options()); }));
    QVERIFY2(error.contains("HF_HUB_OFFLINE"), qPrintable(error));
    QVERIFY2(error.contains(modelDir() + "/refs/main"), qPrintable(error));
    QVERIFY2(error.contains("snapshots/manual") && error.contains("model.pretrained_dir"),
             qPrintable(error));
    QCOMPARE(m_server->requests().size(), 0);

    // A partly cached snapshot is not complete: the message names what is missing.
    HubOptions o = options();
    o.offline = false;
    qunsetenv("HF_HUB_OFFLINE");
    o.files = {"config.json"};
    download(kModel, RepoKind::Model, o);
    o.files.clear();
    o.offline = true;
    const QString partial = q(errorOf([&] { download(kModel, RepoKind::Model, o); }));
    QVERIFY2(partial.contains("vocab.txt") && partial.contains("model.safetensors"),
             qPrintable(partial));
}

void HubClientTest::unreachableHubUsesCache()
{
    const DownloadResult online = download(kModel, RepoKind::Model, options());
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close(); // nothing listens there now
    HubOptions o = options();
    o.endpoint = "http://127.0.0.1:" + std::to_string(port);
    const DownloadResult cached = download(kModel, RepoKind::Model, o);
    QCOMPARE(cached.snapshotDir, online.snapshotDir);
    QVERIFY(!cached.notes.empty());
    QVERIFY2(q(cached.notes.front()).contains("cannot reach"), cached.notes.front().c_str());
}

void HubClientTest::unreachableHubWithoutCache()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();
    qputenv("HF_ENDPOINT", "http://127.0.0.1:" + QByteArray::number(port) + "/");
    HubOptions o = options();
    o.endpoint.clear(); // from HF_ENDPOINT
    QElapsedTimer timer;
    timer.start();
    const QString error = q(errorOf([&] { download(kDataset, RepoKind::Dataset, o); }));
    QVERIFY(timer.elapsed() < 10000);
    QVERIFY2(error.contains("cannot reach http://127.0.0.1:" + QString::number(port)),
             qPrintable(error));
    QVERIFY2(error.contains("/api/datasets/SetFit/sst2/revision/main"), qPrintable(error));
    QVERIFY2(error.contains("by hand") && error.contains("datasets--SetFit--sst2") &&
                 error.contains("data.dir"),
             qPrintable(error));
}

void HubClientTest::pythonCacheReused()
{
    // The layout huggingface_hub leaves behind: blobs named by etag, relative snapshot links,
    // refs/main. A download of the same commit must fetch nothing.
    const QString snapshot = modelDir() + "/snapshots/" + kModelCommit;
    QVERIFY(QDir().mkpath(snapshot));
    QVERIFY(QDir().mkpath(modelDir() + "/blobs"));
    QVERIFY(QDir().mkpath(modelDir() + "/refs"));
    for (const QString &name :
         QStringList{"config.json", "vocab.txt", "model.safetensors", "tokenizer_config.json"}) {
        const HubTestServer::File &file = m_model.files[name];
        const QByteArray etag =
            file.lfs ? HubTestServer::sha256(file.data) : HubTestServer::gitBlobId(file.data);
        QFile blob(modelDir() + "/blobs/" + etag);
        QVERIFY(blob.open(QIODevice::WriteOnly));
        blob.write(file.data);
        blob.close();
        QVERIFY(QFile::link("../../blobs/" + etag, snapshot + "/" + name));
    }
    QFile ref(modelDir() + "/refs/main");
    QVERIFY(ref.open(QIODevice::WriteOnly));
    ref.write(kModelCommit.toLatin1());
    ref.close();

    const DownloadResult r = download(kModel, RepoKind::Model, options());
    QCOMPARE(r.bytesDownloaded, 0);
    QCOMPARE(m_server->countRequests("/resolve/"), 0);
    QCOMPARE(q(r.snapshotDir), snapshot);

    // A blob present without its snapshot link (e.g. fetched for another revision) is linked.
    QVERIFY(QFile::remove(snapshot + "/model.safetensors"));
    const DownloadResult relinked = download(kModel, RepoKind::Model, options());
    QCOMPARE(relinked.bytesDownloaded, 0);
    checkSnapshot(modelDir(), m_model, kModelCommit, {"model.safetensors"});
}

void HubClientTest::cancelStopsQuickly()
{
    m_server->setFault("model.safetensors", HubTestServer::Fault::Slow);
    std::atomic<bool> cancel{false};
    std::thread canceller([&cancel] {
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        cancel = true;
    });
    QElapsedTimer timer;
    timer.start();
    bool cancelled = false;
    std::vector<DownloadProgress> progress;
    try {
        download(kBig, RepoKind::Model, options(), &progress, &cancel);
    } catch (const sentilab::DownloadCancelled &e) {
        cancelled = true;
        QVERIFY2(QString(e.what()).contains("resume"), e.what());
    } catch (const sentilab::Error &e) {
        QFAIL(e.what());
    }
    canceller.join();
    QVERIFY(cancelled);
    QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(!progress.empty() && progress.back().fileBytes > 0);

    // The partial data stays for a resume; nothing looks complete.
    const QString repoDir = cacheRoot() + "/models--acme--big-model";
    const QByteArray sha = HubTestServer::sha256(m_big.files["model.safetensors"].data);
    QVERIFY(QFileInfo(repoDir + "/blobs/" + sha + ".incomplete").size() > 0);
    QVERIFY(!QFileInfo::exists(repoDir + "/blobs/" + sha));
    QVERIFY(!QFileInfo::exists(repoDir + "/refs/main"));

    // Odd-sized chunks across the resume point still hash right.
    m_server->reset();
    download(kBig, RepoKind::Model, options());
    checkSnapshot(repoDir, m_big, m_big.commit, {"model.safetensors"});
}

void HubClientTest::stallTimesOut()
{
    m_server->setFault("model.safetensors", HubTestServer::Fault::Stall, 10000);
    HubOptions o = options();
    o.lowSpeedSeconds = 1;
    QElapsedTimer timer;
    timer.start();
    const QString error = q(errorOf([&] { download(kBig, RepoKind::Model, o); }));
    QVERIFY2(timer.elapsed() < 8000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY2(error.contains("timed out") && error.contains("model.safetensors"), qPrintable(error));
    const QByteArray sha = HubTestServer::sha256(m_big.files["model.safetensors"].data);
    QCOMPARE(
        QFileInfo(cacheRoot() + "/models--acme--big-model/blobs/" + sha + ".incomplete").size(),
        10000);
}

void HubClientTest::unsafePathRejected()
{
    HubTestServer::Repo evil;
    evil.id = "acme/evil";
    evil.dataset = true;
    evil.commit = "fedcba9876543210fedcba9876543210fedcba98";
    evil.files["data/../../../../escaped.txt"] = {"gotcha\n", false};
    m_server->addRepo(evil);
    const QString error = q(errorOf([&] { download("acme/evil", RepoKind::Dataset, options()); }));
    QVERIFY2(error.contains("not a safe relative path"), qPrintable(error));
    QVERIFY(!QFileInfo::exists(m_home->filePath("escaped.txt")));
    QVERIFY(!QFileInfo::exists(cacheRoot() + "/escaped.txt"));

    QVERIFY(!errorOf([&] { download("../etc", RepoKind::Model, options()); }).empty());
}

void HubClientTest::cliDownload()
{
#ifndef SENTILAB_CLI_PATH
    QSKIP("sentilab-cli path not configured");
#else
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("HF_HOME", m_home->path());
    env.insert("HF_ENDPOINT", m_server->endpoint());
    QProcess cli;
    cli.setProcessEnvironment(env);
    cli.start(QStringLiteral(SENTILAB_CLI_PATH), {"download", "model", "distilbert-base-uncased"});
    QVERIFY(cli.waitForFinished(60000));
    const QString out = QString::fromUtf8(cli.readAllStandardOutput());
    const QString err = QString::fromUtf8(cli.readAllStandardError());
    QVERIFY2(cli.exitCode() == 0, qPrintable(out + err));
    QVERIFY2(out.contains(modelDir() + "/snapshots/" + kModelCommit), qPrintable(out));
    checkSnapshot(modelDir(), m_model, kModelCommit,
                  {"config.json", "vocab.txt", "model.safetensors", "tokenizer_config.json"});

    cli.start(QStringLiteral(SENTILAB_CLI_PATH), {"download", "dataset", "SetFit/sst2"});
    QVERIFY(cli.waitForFinished(60000));
    const QString dataOut = QString::fromUtf8(cli.readAllStandardOutput());
    QVERIFY2(cli.exitCode() == 0, qPrintable(dataOut + cli.readAllStandardError()));
    QVERIFY2(dataOut.contains("data.dir"), qPrintable(dataOut));

    cli.start(QStringLiteral(SENTILAB_CLI_PATH), {"download", "model", "nobody/missing"});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 1);
    const QString failure = QString::fromUtf8(cli.readAllStandardError());
    QVERIFY2(failure.startsWith("error: ") && failure.contains("404"), qPrintable(failure));
#endif
}

void HubClientTest::cliHelp()
{
#ifndef SENTILAB_CLI_PATH
    QSKIP("sentilab-cli path not configured");
#else
    QProcess cli;
    cli.start(QStringLiteral(SENTILAB_CLI_PATH), {"download", "--help"});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 0);
    const QString help = QString::fromUtf8(cli.readAllStandardOutput());
    for (const char *needle :
         {"HF_HOME", "HF_ENDPOINT", "HF_TOKEN", "HF_HUB_OFFLINE", "refs/main", "by hand", "resume"})
        QVERIFY2(help.contains(QLatin1String(needle)),
                 qPrintable(needle + QString(" missing in:\n") + help));
#endif
}

QTEST_GUILESS_MAIN(HubClientTest)

#include "tst_hubclient.moc"
