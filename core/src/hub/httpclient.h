#pragma once
// A small blocking HTTP(S) GET over libcurl for the hub client: redirects (never from https down
// to plain http), Range, timeouts, cancel, and the response headers of every hop. It reports
// instead of throwing, so the caller can word the message (it knows the repo and the file).
// Internal to core.
#include <atomic>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <string>

namespace sentilab::detail {

struct HttpRequest
{
    std::string url;
    std::string bearerToken;         // sent as "Authorization: Bearer ..."; libcurl drops it when a
                                     // redirect leaves the host (CDN); "" = no header
    int64_t rangeStart = -1;         // >= 0: ask for bytes rangeStart- (the server may ignore it)
    long connectTimeoutSeconds = 15; // 0 = libcurl's default
    long lowSpeedSeconds = 30;       // abort when < 1 byte/s for this long; 0 disables
    long totalTimeoutSeconds = 0;    // whole request; 0 = no limit (large files)
    std::string caBundle;            // PEM file of trusted CA certificates; "" = libcurl's default
    const std::atomic<bool> *cancel = nullptr; // polled about every second or more often
};

// One HTTP response head. Header names are lower-case; values trimmed.
struct HttpHead
{
    long status = 0;
    std::map<std::string, std::string> headers;
    std::string header(const std::string &lowerName) const;
};

enum class HttpOutcome {
    Done,      // a response arrived completely (any status; check final.status)
    Cancelled, // *cancel became true or a body callback returned false
    Timeout,   // connect timeout, stall (lowSpeedSeconds) or totalTimeoutSeconds
    Connect,   // DNS, refused, TLS, proxy: the server was not reached
    Partial,   // the connection closed before the announced body length
    Refused,   // a redirect from https to plain http was not followed (see refusedRedirect)
    Failed     // anything else (message says what)
};

struct HttpResult
{
    HttpOutcome outcome = HttpOutcome::Failed;
    std::string message;  // libcurl's explanation when outcome != Done
    HttpHead first;       // the first response (e.g. the hub's 302 with X-Linked-Etag)
    HttpHead final;       // the last response (after redirects)
    std::string finalUrl; // where the last response came from
    int redirects = 0;
    std::string errorBody;       // first 4 KiB of a >= 400 response body
    int64_t bodyBytes = 0;       // body bytes of the final 2xx response passed to onData
    std::string refusedRedirect; // outcome Refused: the http:// Location that was not followed
};

// Body of the final 2xx response. onStart is called once, with its head, before any data (also
// for an empty body); returning false from either aborts the transfer (outcome Cancelled).
struct HttpBodySink
{
    std::function<bool(const HttpHead &)> onStart;
    std::function<bool(const char *, std::size_t)> onData;
};

// Blocking GET; thread-safe (each call has its own handle). Never throws for network or HTTP
// failures; throws sentilab::Error only when libcurl cannot be initialised.
HttpResult httpGet(const HttpRequest &request, const HttpBodySink &sink);

// Convenience: the whole body of a small response (API JSON), at most `maxBytes`.
HttpResult httpGetText(const HttpRequest &request, std::string &body,
                       std::size_t maxBytes = 64u << 20);

// `text` with every character outside [A-Za-z0-9-._~] percent-encoded; '/' kept when keepSlash.
std::string urlEncode(const std::string &text, bool keepSlash);

// Seconds to wait that the Retry-After header of `head` asks for: delta-seconds or an HTTP date
// (then relative to `now`, 0 when past); -1 when there is none or it cannot be read.
double retryAfterSeconds(const HttpHead &head, std::time_t now);

// The host of an http(s) URL, lower-case, without user info, port or IPv6 brackets; "" when
// `url` has none.
std::string urlHost(const std::string &url);
// True for localhost, 127.0.0.0/8 and ::1: traffic to them never leaves the machine.
bool isLoopbackHost(const std::string &host);

} // namespace sentilab::detail
