// Hub client suite (issue: "Get the pre-trained model and the dataset from the Hugging Face hub,
// with progress, resume and verification"). Every case runs against HubTestServer on 127.0.0.1,
// never the internet: full download into the Hugging Face cache layout, reuse of the cache,
// redirects, resume with Range, truncated and corrupt responses, 404/401 and tokens, offline mode,
// unreachable hub, cancel, stall timeout, unsafe paths, and the sentilab-cli front end.
// Regression cases of the issue "hub client hardening": 429/503 with Retry-After, git blob id
// check of non-LFS files, size cap for unlisted sizes, https->http redirects, a token sent in
// clear text, hostile names in messages.
#include <sentilab/error.h>
#include <sentilab/experimentconfig.h>
#include <sentilab/hubclient.h>

#include "hubtestserver.h"
#include "shareddata.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "testhelpers.h"
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

using sentilab::DownloadProgress;
using sentilab::DownloadResult;
using sentilab::HubOptions;
using sentilab::RepoKind;
using sentilab::test::HubTestServer;

using sentilab::test::EnvGuard;
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

// The status lines (DownloadProgress::message) among `progress`.
QStringList messagesOf(const std::vector<DownloadProgress> &progress)
{
    QStringList messages;
    for (const DownloadProgress &p : progress)
        if (!p.message.empty())
            messages << q(p.message);
    return messages;
}

// True when `text` holds a C0 control character or DEL (anything but what a message may use).
bool hasRawControl(const QString &text)
{
    for (QChar ch : text)
        if ((ch.unicode() < 0x20 && ch != '\n') || ch.unicode() == 0x7f)
            return true;
    return false;
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
    void rateLimitRetriedAfterRetryAfter();
    void rateLimitGivesUpNamingUrlAndStatus();
    void rateLimitWaitIsCancellable();
    void gitBlobIdChecked();
    void unlistedSizeCapped();
    void httpsToHttpRedirectRefused();
    void tokenInClearTextWarns_data();
    void tokenInClearTextWarns();
    void hostileNamesEscaped();
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

// Issue "hub client hardening" 1: the hub's 429 (rate limit) and 503 (busy) are retried as
// Retry-After asks (seconds or an HTTP date), each wait announced and capped.
void HubClientTest::rateLimitRetriedAfterRetryAfter()
{
    const QByteArray in30s = QLocale::c()
                                 .toString(QDateTime::currentDateTimeUtc().addSecs(30),
                                           QStringLiteral("ddd, dd MMM yyyy hh:mm:ss"))
                                 .toLatin1() +
                             " GMT";
    m_server->setBusy("/api/models/", 429, "1", 2);
    m_server->setBusy("/config.json", 503, in30s, 1);
    m_server->setBusy("/vocab.txt", 429, QByteArray(), 1); // no Retry-After: back off
    HubOptions o = options();
    o.retryWaitCapSeconds = 0.05;
    std::vector<DownloadProgress> progress;
    QElapsedTimer timer;
    timer.start();
    const DownloadResult r = download(kModel, RepoKind::Model, o, &progress);
    QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    checkSnapshot(modelDir(), m_model, kModelCommit, {"config.json", "vocab.txt"});
    QCOMPARE(m_server->countRequests("/api/models/"), 3);
    QCOMPARE(m_server->countRequests("/config.json"), 2);
    QCOMPARE(m_server->countRequests("/vocab.txt"), 2);

    const QStringList messages = messagesOf(progress);
    QCOMPARE(messages.size(), 4);
    QVERIFY2(messages[0].contains("the file list of model 'distilbert-base-uncased': "
                                  "rate-limited by the hub, retrying in 0.05 s (attempt 2 of 5)") &&
                 messages[0].contains("Retry-After asked for 1 s"),
             qPrintable(messages[0]));
    QVERIFY2(messages[1].contains("rate-limited by the hub, retrying in 0.05 s (attempt 3 of 5)"),
             qPrintable(messages[1]));
    QVERIFY2(
        messages[2].contains("'config.json'") && messages[2].contains("HTTP 503") &&
            messages[2].contains("(attempt 2 of 5)") &&
            QRegularExpression("Retry-After asked for (29|30) s").match(messages[2]).hasMatch(),
        qPrintable(messages[2]));
    QVERIFY2(messages[3].contains("'vocab.txt'") && messages[3].contains("retrying in 0.05 s"),
             qPrintable(messages[3]));
    // The wait of a file is reported with that file's progress.
    for (const DownloadProgress &p : progress)
        if (q(p.message).contains("'config.json'"))
            QCOMPARE(q(p.file), QStringLiteral("config.json"));
    QString notes;
    for (const std::string &note : r.notes)
        notes += q(note) + "\n";
    QVERIFY2(notes.contains("HTTP 429") && notes.contains("HTTP 503"), qPrintable(notes));
}

void HubClientTest::rateLimitGivesUpNamingUrlAndStatus()
{
    m_server->setBusy("/resolve/", 429, "120", -1);
    HubOptions o = options();
    o.retryWaitCapSeconds = 0.01;
    o.files = {"config.json"};
    std::vector<DownloadProgress> progress;
    const QString error = q(errorOf([&] { download(kModel, RepoKind::Model, o, &progress); }));
    const QString url =
        m_server->endpoint() + "/" + kModel + "/resolve/" + kModelCommit + "/config.json";
    QVERIFY2(error.startsWith(url + ": HTTP 429"), qPrintable(error));
    QVERIFY2(error.contains("Gave up after 5 attempts") &&
                 error.contains("Retry-After asked for 120 s") && error.contains("HF_TOKEN"),
             qPrintable(error));
    QCOMPARE(m_server->countRequests("/resolve/"), 5);
    QCOMPARE(messagesOf(progress).size(), 4);
    QVERIFY(messagesOf(progress).last().contains("(attempt 5 of 5)"));
    QVERIFY(!QFileInfo::exists(modelDir() + "/snapshots/" + kModelCommit + "/config.json"));

    // busyAttempts = 1: no retry at all.
    m_server->reset();
    m_server->setBusy("/resolve/", 503, "1", -1);
    o.busyAttempts = 1;
    const QString once = q(errorOf([&] { download(kModel, RepoKind::Model, o); }));
    QVERIFY2(once.contains("HTTP 503") && once.contains("after 1 attempt"), qPrintable(once));
    QCOMPARE(m_server->countRequests("/resolve/"), 1);
}

void HubClientTest::rateLimitWaitIsCancellable()
{
    m_server->setBusy("/api/models/", 429, "30", -1);
    std::atomic<bool> cancel{false};
    std::vector<DownloadProgress> progress;
    std::thread canceller([&cancel] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        cancel = true;
    });
    QElapsedTimer timer;
    timer.start();
    bool cancelled = false;
    try {
        download(kModel, RepoKind::Model, options(), &progress, &cancel);
    } catch (const sentilab::DownloadCancelled &) {
        cancelled = true;
    } catch (const sentilab::Error &e) {
        canceller.join();
        QFAIL(e.what());
    }
    canceller.join();
    QVERIFY(cancelled);
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(m_server->countRequests("/api/models/"), 1);
    QCOMPARE(messagesOf(progress).size(), 1);
    QVERIFY2(messagesOf(progress).first().contains("retrying in 30 s (attempt 2 of 5)"),
             qPrintable(messagesOf(progress).first()));
}

// Issue "hub client hardening" 2: files kept in git (not LFS) are checked against their blobId.
void HubClientTest::gitBlobIdChecked()
{
    const QByteArray data = m_model.files["config.json"].data;
    QByteArray corrupt = data;
    corrupt[0] = char(corrupt[0] ^ 0xff);
    const QByteArray expected = HubTestServer::gitBlobId(data);
    m_server->setFault("config.json", HubTestServer::Fault::Corrupt);
    const QString error = q(errorOf([&] { download(kModel, RepoKind::Model, options()); }));
    QVERIFY2(error.contains("checksum mismatch for 'config.json'"), qPrintable(error));
    QVERIFY2(error.contains("git blob id " + expected), qPrintable(error));
    QVERIFY2(error.contains(HubTestServer::gitBlobId(corrupt)), qPrintable(error));
    QVERIFY(!QFileInfo::exists(modelDir() + "/blobs/" + expected));
    QVERIFY(!QFileInfo::exists(modelDir() + "/blobs/" + expected + ".incomplete"));
    QVERIFY(!QFileInfo::exists(modelDir() + "/snapshots/" + kModelCommit + "/config.json"));

    m_server->reset();
    download(kModel, RepoKind::Model, options());
    checkSnapshot(modelDir(), m_model, kModelCommit, {"config.json", "vocab.txt"});
}

// Issue "hub client hardening" 3: a file whose size the listing does not give is capped.
void HubClientTest::unlistedSizeCapped()
{
    HubTestServer::Repo repo;
    repo.id = "acme/unlisted";
    repo.commit = "00112233445566778899aabbccddeeff00112233";
    repo.files["config.json"] = {"{\"dim\": 8}\n", false, false};
    repo.files["vocab.txt"] = {pseudoRandom(20000, 5), false, false};
    repo.files["model.safetensors"] = {pseudoRandom(3000, 6), true, false};
    m_server->addRepo(repo);
    const QString repoDir = cacheRoot() + "/models--acme--unlisted";

    HubOptions o = options();
    o.unlistedSizeLimit = 10000;
    const QString error = q(errorOf([&] { download("acme/unlisted", RepoKind::Model, o); }));
    QVERIFY2(error.contains("'vocab.txt'") && error.contains("more than 10000 bytes") &&
                 error.contains("does not give"),
             qPrintable(error));
    const QByteArray blob = HubTestServer::gitBlobId(repo.files["vocab.txt"].data);
    QVERIFY(!QFileInfo::exists(repoDir + "/blobs/" + blob));
    QVERIFY(!QFileInfo::exists(repoDir + "/blobs/" + blob + ".incomplete"));

    // Within the default cap they download and are verified by their blob id and sha256.
    const DownloadResult r = download("acme/unlisted", RepoKind::Model, options());
    checkSnapshot(repoDir, repo, repo.commit, {"config.json", "vocab.txt", "model.safetensors"});
    QVERIFY(r.bytesDownloaded > 20000);
}

// Issue "hub client hardening" 4: a redirect from https down to plain http is refused.
void HubClientTest::httpsToHttpRedirectRefused()
{
    if (!m_server->hasHttps())
        QSKIP("Qt has no TLS backend here; the https listener of the test hub is off");
    const QString caFile = m_home->filePath("test-ca.pem");
    {
        QFile f(caFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(HubTestServer::caCertificatePem());
    }
    HubOptions o = options();
    o.endpoint = m_server->httpsEndpoint().toStdString();
    o.caBundle = caFile.toStdString();

    // Control: over https with an https redirect to the CDN, everything works.
    m_server->setRedirects(true);
    o.files = {"config.json", "model.safetensors"};
    download(kModel, RepoKind::Model, o);
    checkSnapshot(modelDir(), m_model, kModelCommit, {"config.json", "model.safetensors"});
    QCOMPARE(m_server->countRequests("/cdn/"), 1);
    for (const HubTestServer::Request &r : m_server->requests())
        QVERIFY2(r.tls, qPrintable(r.path));

    // The CDN hop goes to http://: refused before anything is fetched over it.
    m_server->reset();
    m_server->setRedirects(true, false, true);
    o.files.clear();
    const QString error = q(errorOf([&] { download(kDataset, RepoKind::Dataset, o); }));
    QVERIFY2(error.contains("refused to follow the redirect to " + m_server->endpoint() + "/cdn/"),
             qPrintable(error));
    QVERIFY2(error.contains("downgrade") && error.contains(m_server->httpsEndpoint()),
             qPrintable(error));
    for (const HubTestServer::Request &r : m_server->requests())
        QVERIFY2(r.tls, qPrintable("fetched over plain http: " + r.path));
    // The refusal came before any body: nothing partial, nothing complete for the LFS files.
    const QString blobs = cacheRoot() + "/datasets--SetFit--sst2/blobs";
    QVERIFY(QDir(blobs).entryList({"*.incomplete"}, QDir::Files).isEmpty());
    QVERIFY(!QFileInfo::exists(blobs + "/" +
                               HubTestServer::sha256(m_dataset.files["test.jsonl"].data)));
    QVERIFY(!QFileInfo::exists(cacheRoot() + "/datasets--SetFit--sst2/refs/main"));
}

// Issue "hub client hardening" 5: a token about to go in clear text to another machine is
// warned about before the first request; loopback endpoints are fine.
void HubClientTest::tokenInClearTextWarns_data()
{
    QTest::addColumn<QString>("endpoint"); // {port} = the test hub's
    QTest::addColumn<bool>("viaProxy");    // reach it as http_proxy (made-up remote host)
    QTest::addColumn<bool>("token");
    QTest::addColumn<bool>("warns");
    QTest::newRow("127.0.0.1") << "http://127.0.0.1:{port}" << false << true << false;
    QTest::newRow("127.0.0.2") << "http://127.0.0.2:{port}" << false << true << false;
    QTest::newRow("localhost") << "http://localhost:{port}" << false << true << false;
    QTest::newRow("::1") << "http://[::1]:{port}" << false << true << false;
    QTest::newRow("remote") << "http://hub.example.com" << true << true << true;
    QTest::newRow("remote, no token") << "http://hub.example.com" << true << false << false;
}

void HubClientTest::tokenInClearTextWarns()
{
    QFETCH(QString, endpoint);
    QFETCH(bool, viaProxy);
    QFETCH(bool, token);
    QFETCH(bool, warns);
    EnvGuard httpProxy("http_proxy");
    EnvGuard noProxy("no_proxy");
    EnvGuard noProxyUpper("NO_PROXY");
    qunsetenv("no_proxy");
    qunsetenv("NO_PROXY");
    if (viaProxy) // nothing leaves the machine: the test hub answers as the proxy
        qputenv("http_proxy", m_server->endpoint().toLatin1());
    else
        qunsetenv("http_proxy");
    if (token)
        qputenv("HF_TOKEN", HubTestServer::token());

    HubOptions o = options();
    o.endpoint = endpoint.replace("{port}", QString::number(m_server->port())).toStdString();
    o.files = {"config.json"};
    QStringList warnings;
    qsizetype requestsAtWarning = -1;
    DownloadResult result;
    try {
        result = sentilab::downloadRepo(kModel.toStdString(), RepoKind::Model, o,
                                        [&](const DownloadProgress &p) {
                                            if (p.message.empty())
                                                return;
                                            warnings << q(p.message);
                                            requestsAtWarning = m_server->requests().size();
                                        });
    } catch (const sentilab::Error &e) {
        // Only where this machine has no such address (e.g. no IPv6).
        QVERIFY2(!viaProxy && endpoint != m_server->endpoint(), e.what());
    }
    if (!warns) {
        QVERIFY2(warnings.isEmpty(), qPrintable(warnings.join("\n")));
        return;
    }
    QCOMPARE(warnings.size(), 1);
    const QString &warning = warnings.first();
    QVERIFY2(warning.startsWith("warning: ") && warning.contains("HF_TOKEN") &&
                 warning.contains("unencrypted") && warning.contains("http://hub.example.com"),
             qPrintable(warning));
    QVERIFY(!warning.contains(HubTestServer::token()));
    QCOMPARE(requestsAtWarning, 0); // before anything was sent
    QVERIFY(!result.notes.empty() && q(result.notes.front()) == warning);
    QVERIFY(!m_server->requests().isEmpty());
    QCOMPARE(m_server->requests().first().host, QByteArray("hub.example.com"));
}

// Issue "hub client hardening" 6: names from the hub are escaped and cut in messages: a NUL
// used to end the message, control characters reached the terminal.
void HubClientTest::hostileNamesEscaped()
{
    HubTestServer::Repo hostile;
    hostile.id = "acme/hostile";
    hostile.dataset = true;
    hostile.commit = "aabbccddeeff00112233445566778899aabbccdd";
    const QString withNul = QString::fromUtf8("ok\0evil.txt", 11);
    hostile.files[withNul] = {"nul\n", false};
    hostile.files[QString::fromUtf8("bad\x1b[2J\n.txt")] = {"esc\n", false};
    hostile.files[QString(3000, 'x') + ".txt"] = {"long\n", false};
    hostile.files["zz-plain.txt"] = {"plain\n", false};
    m_server->addRepo(hostile);

    // The list of files in a "not in the repo" message.
    HubOptions o = options();
    o.files = {"nope.txt"};
    const QString listed = q(errorOf([&] { download("acme/hostile", RepoKind::Dataset, o); }));
    QVERIFY2(listed.contains("ok\\x00evil.txt") && listed.contains("bad\\x1B[2J\\n.txt"),
             qPrintable(listed));
    QVERIFY2(listed.contains("zz-plain.txt") && listed.contains("bytes in all"),
             qPrintable(listed));
    QVERIFY2(!hasRawControl(listed) && !listed.contains('\n'), qPrintable(listed));
    QVERIFY2(listed.size() < 1000, qPrintable(listed));

    // Refused names: each one is named, escaped and whole.
    o.files = {withNul.toStdString()};
    const QString nul = q(errorOf([&] { download("acme/hostile", RepoKind::Dataset, o); }));
    QVERIFY2(nul.contains("'ok\\x00evil.txt' is not a safe relative path"), qPrintable(nul));
    const QString byDefault =
        q(errorOf([&] { download("acme/hostile", RepoKind::Dataset, options()); }));
    QVERIFY2(byDefault.contains("not a safe relative path"), qPrintable(byDefault));
    QVERIFY2(!hasRawControl(byDefault) && byDefault.size() < 1000, qPrintable(byDefault));
    QVERIFY(!QFileInfo::exists(cacheRoot() + "/datasets--acme--hostile/refs/main"));

    // A hostile endpoint is echoed escaped too.
    o.files.clear();
    o.endpoint = "http://127.0.0.1:1/\x1b]0;pwned\x07";
    const QString endpoint = q(errorOf([&] { download(kModel, RepoKind::Model, o); }));
    QVERIFY2(!endpoint.isEmpty() && !hasRawControl(endpoint), qPrintable(endpoint));
    QVERIFY2(endpoint.contains("\\x1B]0;pwned\\x07"), qPrintable(endpoint));
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
