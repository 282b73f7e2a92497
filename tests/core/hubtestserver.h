#pragma once
// A fake Hugging Face hub on 127.0.0.1 for tst_hubclient: the API listing, /resolve/ downloads
// (with an optional redirect hop to a /cdn/ URL), HTTP Range, private repos that need
// "Authorization: Bearer <token()>", faults (truncated body, corrupt body, slow, stalled, Range
// ignored) and busy answers (429/503 with Retry-After). The same hub is served over plain http
// and, where Qt has a TLS backend, over https with a self-signed certificate (caCertificatePem()).
// Requests in absolute form ("GET http://host/path", as sent to a proxy) are served too, so the
// server can act as the http_proxy of a made-up remote host. It runs its own event loop on its
// own thread, so a test may call the blocking downloadRepo() on the main thread. All methods are
// thread-safe.
#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>

#include <memory>

class QThread;

namespace sentilab::test {

class HubTestServer
{
public:
    struct File
    {
        QByteArray data;
        bool lfs = false; // listed with an "lfs" sha256; etag = sha256 instead of the git blob id
        bool listSize = true; // false: the listing gives no "size" (neither does its "lfs")
    };
    struct Repo
    {
        QString id;           // "distilbert-base-uncased", "SetFit/sst2"
        bool dataset = false; // served under /api/datasets/ and /datasets/
        QString commit;       // 40 hex digits; "main" resolves to it
        QMap<QString, File> files;
        bool requiresToken = false; // 401 unless the request carries the token
    };
    enum class Fault {
        None,
        Truncate,    // announce the full length, send `bytes` bytes, close the connection
        Corrupt,     // same length, first byte flipped
        Slow,        // 4093-byte chunks every 20 ms
        Stall,       // send `bytes` bytes, then nothing while the connection stays open
        IgnoreRange, // answer 200 with the whole file to a Range request
    };
    struct Request
    {
        QString path; // with the query
        QByteArray range;
        QByteArray authorization;
        QByteArray host;
        bool tls = false; // came to the https listener
    };

    HubTestServer(); // listens on a free port of 127.0.0.1 (check isListening())
    ~HubTestServer();
    HubTestServer(const HubTestServer &) = delete;
    HubTestServer &operator=(const HubTestServer &) = delete;

    bool isListening() const;
    QString endpoint() const; // "http://127.0.0.1:<port>"
    quint16 port() const;
    bool hasHttps() const;                // false when Qt has no TLS backend here
    QString httpsEndpoint() const;        // "https://127.0.0.1:<tls port>"
    static QByteArray caCertificatePem(); // the self-signed certificate (for 127.0.0.1, localhost)
    static QByteArray token();

    void addRepo(const Repo &repo);
    // LFS files: /resolve/ answers 302 to /cdn/<sha256> (on "localhost" instead of 127.0.0.1
    // when otherHost, so that a client must not forward the Authorization header; to the plain
    // http endpoint whichever listener was asked when toPlainHttp, a downgrade from https).
    void setRedirects(bool on, bool otherHost = false, bool toPlainHttp = false);
    // Fault for every served body of repo path `file`; `times` < 0 = always, else that many
    // responses, then normal again.
    void setFault(const QString &file, Fault fault, qint64 bytes = 0, int times = -1);
    // Requests whose path (with the query) contains `pathPart` get `status` (429 or 503) with
    // "Retry-After: <retryAfter>" (left out when empty), `times` times (< 0 = always).
    void setBusy(const QString &pathPart, int status, const QByteArray &retryAfter, int times);
    void reset(); // no faults, no busy answers, no redirects, request log cleared

    QList<Request> requests() const;
    int countRequests(const QString &pathPart) const;

    // Helpers for expectations: the etags the hub would give.
    static QByteArray gitBlobId(const QByteArray &data);
    static QByteArray sha256(const QByteArray &data);

    struct State;

private:
    std::shared_ptr<State> m_state;
    QThread *m_thread = nullptr;
    class Listener;
    Listener *m_listener = nullptr;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
};

} // namespace sentilab::test
