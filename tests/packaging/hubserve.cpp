// hubserve: the test hub (tests/core/hubtestserver.h) as a process, for tests that drive
// installed executables. Serves every regular file of each folder given as
//   --model ID=FOLDER    e.g. --model distilbert-base-uncased=/tmp/x/model
//   --dataset ID=FOLDER  e.g. --dataset SetFit/sst2=/tmp/x/sst2
// (.safetensors and .bin files as LFS files, with their sha256) on 127.0.0.1, writes the endpoint
// ("http://127.0.0.1:<port>") to the file named by --endpoint-file, and runs until SIGTERM or
// SIGINT. Exit 1 with a message when a folder cannot be read or the port cannot be opened.
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QThread>

#include <csignal>
#include <cstdio>

#include "../core/hubtestserver.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;

void onSignal(int)
{
    g_stop = 1;
}

bool addFolder(sentilab::test::HubTestServer &server, const QString &spec, bool dataset)
{
    const int eq = spec.indexOf('=');
    if (eq <= 0) {
        std::fprintf(stderr, "hubserve: expected ID=FOLDER, got '%s'\n", qPrintable(spec));
        return false;
    }
    sentilab::test::HubTestServer::Repo repo;
    repo.id = spec.left(eq);
    repo.dataset = dataset;
    repo.commit = QString::fromLatin1(
        QCryptographicHash::hash(repo.id.toUtf8(), QCryptographicHash::Sha1).toHex());
    const QDir dir(spec.mid(eq + 1));
    const QStringList names = dir.entryList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name);
    if (!dir.exists() || names.isEmpty()) {
        std::fprintf(stderr, "hubserve: %s: no such folder or no files in it\n",
                     qPrintable(dir.path()));
        return false;
    }
    for (const QString &name : names) {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "hubserve: cannot read %s\n", qPrintable(f.fileName()));
            return false;
        }
        repo.files[name] = {f.readAll(), name.endsWith(".safetensors") || name.endsWith(".bin")};
    }
    server.addRepo(repo);
    std::fprintf(stderr, "hubserve: %s %s: %lld files\n", dataset ? "dataset" : "model",
                 qPrintable(repo.id), static_cast<long long>(names.size()));
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    sentilab::test::HubTestServer server;
    if (!server.isListening()) {
        std::fprintf(stderr, "hubserve: cannot listen on 127.0.0.1\n");
        return 1;
    }
    QString endpointFile;
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        if ((a == "--model" || a == "--dataset" || a == "--endpoint-file") && i + 1 < args.size()) {
            const QString value = args[++i];
            if (a == "--endpoint-file")
                endpointFile = value;
            else if (!addFolder(server, value, a == "--dataset"))
                return 1;
        } else {
            std::fprintf(stderr, "usage: hubserve [--model ID=FOLDER] [--dataset ID=FOLDER] "
                                 "--endpoint-file FILE\n");
            return 2;
        }
    }
    if (endpointFile.isEmpty()) {
        std::fprintf(stderr, "hubserve: --endpoint-file is required\n");
        return 2;
    }
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    QSaveFile out(endpointFile); // appears complete or not at all
    if (!out.open(QIODevice::WriteOnly) || out.write(server.endpoint().toUtf8()) < 0 ||
        !out.commit()) {
        std::fprintf(stderr, "hubserve: cannot write %s\n", qPrintable(endpointFile));
        return 1;
    }
    while (!g_stop) // the server answers on its own thread
        QThread::msleep(100);
    return 0;
}
