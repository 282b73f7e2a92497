#include "hubtestserver.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QMutexLocker>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <optional>

namespace sentilab::test {

struct HubTestServer::State
{
    struct FaultSpec
    {
        Fault fault = Fault::None;
        qint64 bytes = 0;
        int times = -1;
    };
    struct BusySpec
    {
        QString pathPart;
        int status = 429;
        QByteArray retryAfter;
        int times = -1;
    };

    mutable QMutex mutex;
    QMap<QString, Repo> models;
    QMap<QString, Repo> datasets;
    bool redirects = false;
    bool otherHost = false;
    bool toPlainHttp = false;
    QMap<QString, FaultSpec> faults;
    QList<BusySpec> busy;
    QList<Request> requests;
    quint16 port = 0;

    // Takes one use of the fault for `file`.
    FaultSpec takeFault(const QString &file)
    {
        QMutexLocker lock(&mutex);
        auto it = faults.find(file);
        if (it == faults.end() || it->times == 0)
            return {};
        FaultSpec spec = *it;
        if (it->times > 0)
            --it->times;
        return spec;
    }

    // Takes one use of the first busy answer that matches `path`.
    std::optional<BusySpec> takeBusy(const QString &path)
    {
        QMutexLocker lock(&mutex);
        for (BusySpec &spec : busy) {
            if (spec.times == 0 || !path.contains(spec.pathPart))
                continue;
            if (spec.times > 0)
                --spec.times;
            return spec;
        }
        return std::nullopt;
    }
};

namespace {

struct Response
{
    int status = 200;
    QByteArray reason = "OK";
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
};

QByteArray headText(const Response &r, qint64 contentLength)
{
    QByteArray text = "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + r.reason + "\r\n";
    for (const auto &header : r.headers)
        text += header.first + ": " + header.second + "\r\n";
    text += "Content-Length: " + QByteArray::number(contentLength) + "\r\n";
    text += "Connection: close\r\n\r\n";
    return text;
}

Response jsonError(int status, const QByteArray &reason, const QByteArray &code,
                   const QByteArray &message)
{
    Response r;
    r.status = status;
    r.reason = reason;
    r.headers = {
        {"Content-Type", "application/json"}, {"X-Error-Code", code}, {"X-Error-Message", message}};
    r.body = "{\"error\":\"" + message + "\"}";
    return r;
}

// Self-signed for 127.0.0.1 and localhost, valid 2000-2999; made for this test only.
const char kCertificatePem[] = R"(-----BEGIN CERTIFICATE-----
MIIBnDCCAUKgAwIBAgIBATAKBggqhkjOPQQDAjAcMRowGAYDVQQDDBFTZW50aUxh
YiB0ZXN0IGh1YjAgFw0wMDAxMDEwMDAwMDBaGA8yOTk5MTIzMTIzNTk1OVowHDEa
MBgGA1UEAwwRU2VudGlMYWIgdGVzdCBodWIwWTATBgcqhkjOPQIBBggqhkjOPQMB
BwNCAATTJQncdQqBbDog6WSmJcbok9Og7Pt/xXlwtT3/8YSt7DuP3KbOXPo9PjEK
kFqlpKaWr/kRVZnz0YYh4xmMm9too3MwcTAPBgNVHRMBAf8EBTADAQH/MBoGA1Ud
EQQTMBGHBH8AAAGCCWxvY2FsaG9zdDAOBgNVHQ8BAf8EBAMCAoQwEwYDVR0lBAww
CgYIKwYBBQUHAwEwHQYDVR0OBBYEFPuFlFHoD5vy3GrZwevpPzHa7wvgMAoGCCqG
SM49BAMCA0gAMEUCIQC0YlJga8snJi0nWC4jKrd5KaGST4iwKq6APceAX/LoNAIg
TiZm8hb2exiGbh5lnnuFvqn+yItYssWcOkOD7h1ETjs=
-----END CERTIFICATE-----
)";
const char kPrivateKeyPem[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgoO4+yWUP2+mUFqVf
2sNQqaN0yFrcqT+NqO9mxzHuCwWhRANCAATTJQncdQqBbDog6WSmJcbok9Og7Pt/
xXlwtT3/8YSt7DuP3KbOXPo9PjEKkFqlpKaWr/kRVZnz0YYh4xmMm9to
-----END PRIVATE KEY-----
)";

} // namespace

class HubTestServer::Listener : public QObject
{
public:
    explicit Listener(std::shared_ptr<State> state) : m_state(std::move(state)) {}

    // Listens on free ports of all addresses; the TLS one only where Qt has a TLS backend.
    void listen(quint16 &port, quint16 &tlsPort)
    {
        auto *plain = new QTcpServer(this);
        watch(plain, false);
        if (plain->listen(QHostAddress::Any, 0))
            port = plain->serverPort();
        if (!QSslSocket::supportsSsl())
            return;
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(QSslCertificate(QByteArray(kCertificatePem), QSsl::Pem));
        tls.setPrivateKey(QSslKey(QByteArray(kPrivateKeyPem), QSsl::Ec, QSsl::Pem));
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        auto *secure = new QSslServer(this);
        secure->setSslConfiguration(tls);
        watch(secure, true);
        if (secure->listen(QHostAddress::Any, 0))
            tlsPort = secure->serverPort();
    }

private:
    void watch(QTcpServer *server, bool tls)
    {
        // After the TLS handshake for a QSslServer; at once for a plain one.
        connect(server, &QTcpServer::pendingConnectionAvailable, this, [this, server, tls] {
            while (QTcpSocket *socket = server->nextPendingConnection())
                accept(socket, tls);
        });
    }

    void accept(QTcpSocket *socket, bool tls)
    {
        auto buffer = std::make_shared<QByteArray>();
        auto handled = std::make_shared<bool>(false);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        auto read = [this, socket, buffer, handled, tls] {
            buffer->append(socket->readAll());
            const int end = int(buffer->indexOf("\r\n\r\n"));
            if (*handled || end < 0)
                return;
            *handled = true;
            handle(socket, buffer->left(end), tls);
        };
        connect(socket, &QTcpSocket::readyRead, socket, read);
        if (socket->bytesAvailable() > 0) // a TLS request may arrive with the handshake
            read();
    }

    void handle(QTcpSocket *socket, const QByteArray &head, bool tls)
    {
        const QList<QByteArray> lines = head.split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        Request request;
        request.tls = tls;
        request.path = QString::fromUtf8(requestLine.value(1));
        if (request.path.startsWith("http://") || request.path.startsWith("https://")) {
            // Absolute form, as a client sends it to a proxy: serve the path.
            const int slash = int(request.path.indexOf('/', request.path.indexOf("://") + 3));
            request.path = slash < 0 ? QStringLiteral("/") : request.path.mid(slash);
        }
        for (int i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const int colon = int(line.indexOf(':'));
            if (colon < 0)
                continue;
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "range")
                request.range = value;
            else if (name == "authorization")
                request.authorization = value;
            else if (name == "host")
                request.host = value;
        }
        {
            QMutexLocker lock(&m_state->mutex);
            m_state->requests.append(request);
        }
        if (requestLine.value(0) != "GET") {
            send(socket, jsonError(405, "Method Not Allowed", "BadRequest", "GET only"));
            return;
        }
        if (const auto busy = m_state->takeBusy(request.path)) {
            Response r = busy->status == 429
                             ? jsonError(429, "Too Many Requests", "RateLimited",
                                         "You have exceeded the rate limit for anonymous users")
                             : jsonError(busy->status, "Service Unavailable", "Unavailable",
                                         "The hub is temporarily unavailable");
            if (!busy->retryAfter.isEmpty())
                r.headers.append({"Retry-After", busy->retryAfter});
            send(socket, r);
            return;
        }
        QString path = request.path.section('?', 0, 0);
        path = QString::fromUtf8(QByteArray::fromPercentEncoding(path.toUtf8()));

        if (path.startsWith("/api/models/") || path.startsWith("/api/datasets/"))
            return listing(socket, request, path);
        if (path.startsWith("/cdn/"))
            return cdn(socket, request, path.mid(5));
        if (path.contains("/resolve/"))
            return resolve(socket, request, path);
        send(socket, jsonError(404, "Not Found", "EntryNotFound", "no such route"));
    }

    std::optional<Repo> findRepo(bool dataset, const QString &id) const
    {
        QMutexLocker lock(&m_state->mutex);
        const auto &repos = dataset ? m_state->datasets : m_state->models;
        const auto it = repos.find(id);
        if (it == repos.end())
            return std::nullopt;
        return *it;
    }

    // An error response when `request` may not see `repo`.
    std::optional<Response> denied(const Repo &repo, const Request &request) const
    {
        if (!repo.requiresToken || request.authorization == "Bearer " + HubTestServer::token())
            return std::nullopt;
        if (request.authorization.isEmpty())
            return jsonError(401, "Unauthorized", "RepoNotFound",
                             "Repository Not Found or private; authentication required");
        return jsonError(401, "Unauthorized", "InvalidCredentials",
                         "Invalid credentials in Authorization header");
    }

    void listing(QTcpSocket *socket, const Request &request, const QString &path)
    {
        const bool dataset = path.startsWith("/api/datasets/");
        const QString rest = path.mid(dataset ? 14 : 12);
        const int at = int(rest.lastIndexOf("/revision/"));
        const std::optional<Repo> repo = at < 0 ? std::nullopt : findRepo(dataset, rest.left(at));
        if (!repo)
            return send(socket,
                        jsonError(404, "Not Found", "RepoNotFound", "Repository not found"));
        if (const auto error = denied(*repo, request))
            return send(socket, *error);
        const QString revision = rest.mid(at + 10);
        if (revision != "main" && revision != repo->commit)
            return send(socket, jsonError(404, "Not Found", "RevisionNotFound",
                                          "Invalid rev id: " + revision.toUtf8()));
        QJsonArray siblings;
        for (auto it = repo->files.begin(); it != repo->files.end(); ++it) {
            QJsonObject sibling{{"rfilename", it.key()},
                                {"blobId", QString::fromLatin1(gitBlobId(it->data))}};
            if (it->listSize)
                sibling["size"] = double(it->data.size());
            if (it->lfs) {
                QJsonObject lfs{{"sha256", QString::fromLatin1(sha256(it->data))},
                                {"pointerSize", 134}};
                if (it->listSize)
                    lfs["size"] = double(it->data.size());
                sibling["lfs"] = lfs;
            }
            siblings.append(sibling);
        }
        const QJsonObject json{{"id", repo->id}, {"sha", repo->commit}, {"siblings", siblings}};
        Response r;
        r.headers = {{"Content-Type", "application/json"}};
        r.body = QJsonDocument(json).toJson(QJsonDocument::Compact);
        send(socket, r);
    }

    void resolve(QTcpSocket *socket, const Request &request, const QString &path)
    {
        const bool dataset = path.startsWith("/datasets/");
        const QString rest = path.mid(dataset ? 10 : 1);
        const int at = int(rest.indexOf("/resolve/"));
        const std::optional<Repo> repo = findRepo(dataset, rest.left(at));
        if (!repo)
            return send(socket,
                        jsonError(404, "Not Found", "RepoNotFound", "Repository not found"));
        if (const auto error = denied(*repo, request))
            return send(socket, *error);
        const QString revisionAndFile = rest.mid(at + 9);
        const QString revision = revisionAndFile.section('/', 0, 0);
        const QString file = revisionAndFile.section('/', 1);
        if (revision != "main" && revision != repo->commit)
            return send(socket, jsonError(404, "Not Found", "RevisionNotFound", "Invalid rev"));
        const auto it = repo->files.find(file);
        if (it == repo->files.end())
            return send(socket, jsonError(404, "Not Found", "EntryNotFound", "Entry not found"));

        bool redirects = false;
        bool otherHost = false;
        bool toPlainHttp = false;
        quint16 port = 0;
        {
            QMutexLocker lock(&m_state->mutex);
            redirects = m_state->redirects;
            otherHost = m_state->otherHost;
            toPlainHttp = m_state->toPlainHttp;
            port = m_state->port;
        }
        if (redirects && it->lfs) {
            const QByteArray sha = sha256(it->data);
            Response r;
            r.status = 302;
            r.reason = "Found";
            QByteArray host;
            if (otherHost || toPlainHttp)
                host = QByteArray("http://") + (otherHost ? "localhost" : "127.0.0.1") + ':' +
                       QByteArray::number(port);
            r.headers = {{"Location", host + "/cdn/" + sha + "?signature=abc"},
                         {"X-Repo-Commit", repo->commit.toLatin1()},
                         {"X-Linked-Etag", '"' + sha + '"'},
                         {"X-Linked-Size", QByteArray::number(it->data.size())},
                         {"ETag", '"' + gitBlobId(it->data) + '"'}};
            r.body = "Found. Redirecting";
            return send(socket, r);
        }
        serveFile(socket, request, *repo, file, *it);
    }

    void cdn(QTcpSocket *socket, const Request &request, const QString &etag)
    {
        QMutexLocker lock(&m_state->mutex);
        for (const auto *repos : {&m_state->models, &m_state->datasets}) {
            for (const Repo &repo : *repos) {
                for (auto it = repo.files.begin(); it != repo.files.end(); ++it) {
                    if (it->lfs && sha256(it->data) == etag.toLatin1()) {
                        const Repo copy = repo;
                        const QString file = it.key();
                        lock.unlock();
                        return serveFile(socket, request, copy, file, copy.files[file]);
                    }
                }
            }
        }
        lock.unlock();
        send(socket, jsonError(404, "Not Found", "NoSuchKey", "no such object"));
    }

    void serveFile(QTcpSocket *socket, const Request &request, const Repo &repo,
                   const QString &file, const File &content)
    {
        const State::FaultSpec fault = m_state->takeFault(file);
        QByteArray data = content.data;
        if (fault.fault == Fault::Corrupt && !data.isEmpty())
            data[0] = char(data[0] ^ 0xff);
        Response r;
        r.headers = {
            {"Content-Type", "application/octet-stream"},
            {"Accept-Ranges", "bytes"},
            {"X-Repo-Commit", repo.commit.toLatin1()},
            {"ETag", '"' + (content.lfs ? sha256(content.data) : gitBlobId(content.data)) + '"'}};
        if (request.range.startsWith("bytes=") && fault.fault != Fault::IgnoreRange) {
            const qint64 from = request.range.mid(6).split('-').value(0).toLongLong();
            if (from >= data.size()) {
                r.status = 416;
                r.reason = "Range Not Satisfiable";
                r.headers.append({"Content-Range", "bytes */" + QByteArray::number(data.size())});
                return send(socket, r);
            }
            r.status = 206;
            r.reason = "Partial Content";
            r.headers.append({"Content-Range", "bytes " + QByteArray::number(from) + '-' +
                                                   QByteArray::number(data.size() - 1) + '/' +
                                                   QByteArray::number(data.size())});
            data = data.mid(from);
        }
        r.body = data;
        switch (fault.fault) {
        case Fault::Truncate:
            socket->write(headText(r, r.body.size()));
            socket->write(r.body.left(fault.bytes));
            socket->disconnectFromHost();
            return;
        case Fault::Stall:
            socket->write(headText(r, r.body.size()));
            socket->write(r.body.left(fault.bytes));
            return; // and nothing more until the client gives up
        case Fault::Slow: {
            socket->write(headText(r, r.body.size()));
            auto sent = std::make_shared<qint64>(0);
            auto *timer = new QTimer(socket);
            const QByteArray body = r.body;
            connect(timer, &QTimer::timeout, socket, [socket, timer, sent, body] {
                if (socket->bytesToWrite() > 65536)
                    return;
                socket->write(body.mid(*sent, 4093));
                *sent += 4093;
                if (*sent >= body.size()) {
                    timer->stop();
                    socket->disconnectFromHost();
                }
            });
            timer->start(20);
            return;
        }
        default:
            send(socket, r);
        }
    }

    static void send(QTcpSocket *socket, const Response &r)
    {
        socket->write(headText(r, r.body.size()));
        socket->write(r.body);
        socket->disconnectFromHost();
    }

    std::shared_ptr<State> m_state;
};

HubTestServer::HubTestServer() : m_state(std::make_shared<State>())
{
    m_thread = new QThread;
    m_thread->setObjectName("HubTestServer");
    m_listener = new Listener(m_state);
    m_listener->moveToThread(m_thread);
    QObject::connect(m_thread, &QThread::finished, m_listener, &QObject::deleteLater);
    m_thread->start();
    QMetaObject::invokeMethod(
        m_listener, [this] { m_listener->listen(m_port, m_tlsPort); },
        Qt::BlockingQueuedConnection);
    QMutexLocker lock(&m_state->mutex);
    m_state->port = m_port;
}

HubTestServer::~HubTestServer()
{
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

bool HubTestServer::isListening() const
{
    return m_port != 0;
}

QString HubTestServer::endpoint() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

quint16 HubTestServer::port() const
{
    return m_port;
}

bool HubTestServer::hasHttps() const
{
    return m_tlsPort != 0;
}

QString HubTestServer::httpsEndpoint() const
{
    return QStringLiteral("https://127.0.0.1:%1").arg(m_tlsPort);
}

QByteArray HubTestServer::caCertificatePem()
{
    return kCertificatePem;
}

QByteArray HubTestServer::token()
{
    return "hf_TestOnlySecret0123456789abcdef";
}

void HubTestServer::addRepo(const Repo &repo)
{
    QMutexLocker lock(&m_state->mutex);
    (repo.dataset ? m_state->datasets : m_state->models)[repo.id] = repo;
}

void HubTestServer::setRedirects(bool on, bool otherHost, bool toPlainHttp)
{
    QMutexLocker lock(&m_state->mutex);
    m_state->redirects = on;
    m_state->otherHost = otherHost;
    m_state->toPlainHttp = toPlainHttp;
}

void HubTestServer::setBusy(const QString &pathPart, int status, const QByteArray &retryAfter,
                            int times)
{
    QMutexLocker lock(&m_state->mutex);
    m_state->busy.append(State::BusySpec{pathPart, status, retryAfter, times});
}

void HubTestServer::setFault(const QString &file, Fault fault, qint64 bytes, int times)
{
    QMutexLocker lock(&m_state->mutex);
    m_state->faults[file] = State::FaultSpec{fault, bytes, times};
}

void HubTestServer::reset()
{
    QMutexLocker lock(&m_state->mutex);
    m_state->faults.clear();
    m_state->busy.clear();
    m_state->redirects = false;
    m_state->otherHost = false;
    m_state->toPlainHttp = false;
    m_state->requests.clear();
}

QList<HubTestServer::Request> HubTestServer::requests() const
{
    QMutexLocker lock(&m_state->mutex);
    return m_state->requests;
}

int HubTestServer::countRequests(const QString &pathPart) const
{
    int n = 0;
    for (const Request &r : requests())
        n += r.path.contains(pathPart) ? 1 : 0;
    return n;
}

QByteArray HubTestServer::gitBlobId(const QByteArray &data)
{
    QByteArray object = "blob " + QByteArray::number(data.size());
    object.append('\0');
    object += data;
    return QCryptographicHash::hash(object, QCryptographicHash::Sha1).toHex();
}

QByteArray HubTestServer::sha256(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

} // namespace sentilab::test
