#include "httpclient.h"

#include <sentilab/error.h>
#include <sentilab/textexcerpt.h>
#include <sentilab/version.h>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include <arpa/inet.h>

namespace sentilab::detail {
namespace {

constexpr std::size_t kErrorBodyLimit = 4096;

void initCurlOnce()
{
    // curl_global_init is not thread-safe in every libcurl build; run it once for the process.
    static std::once_flag once;
    static CURLcode code = CURLE_OK;
    std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (code != CURLE_OK)
        throw Error(std::string("cannot initialise libcurl: ") + curl_easy_strerror(code));
}

std::string trim(const std::string &s)
{
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos)
        return {};
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

std::string lowerCase(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

// The lower-case scheme of an absolute URL ("https"), "" for a relative reference.
std::string schemeOf(const std::string &url)
{
    const auto colon = url.find(':');
    if (colon == std::string::npos || colon == 0 || !std::isalpha((unsigned char)url[0]))
        return {};
    for (std::size_t i = 0; i < colon; ++i) {
        const unsigned char c = (unsigned char)url[i];
        if (!std::isalnum(c) && c != '+' && c != '-' && c != '.')
            return {};
    }
    return lowerCase(url.substr(0, colon));
}

struct Transfer
{
    const HttpRequest *request = nullptr;
    const HttpBodySink *sink = nullptr;
    HttpResult *result = nullptr;
    HttpHead current;
    bool haveCurrent = false;
    bool started = false;
    bool sinkAborted = false;
    bool cancelled = false;
    bool secure = false; // the current hop came over https
    std::string refused; // the http:// Location of a redirect not followed

    // Whether the redirect to `location` may be followed: never from https to plain http (the
    // body, and a token for a same-host hop, would travel unencrypted). Relative references
    // keep the scheme.
    bool allowRedirect(const std::string &location)
    {
        const std::string scheme = schemeOf(location);
        if (scheme == "http" && secure) {
            refused = location;
            return false;
        }
        if (scheme == "https")
            secure = true;
        return true;
    }

    bool currentIsSuccess() const { return current.status >= 200 && current.status < 300; }

    bool start()
    {
        if (started)
            return true;
        started = true;
        if (sink && sink->onStart && !sink->onStart(current)) {
            sinkAborted = true;
            return false;
        }
        return true;
    }
};

size_t onHeaderLine(char *data, size_t size, size_t count, void *user)
{
    auto *t = static_cast<Transfer *>(user);
    const size_t bytes = size * count;
    const std::string line(data, bytes);
    if (line.rfind("HTTP/", 0) == 0) {
        // A new response begins (the first one, or the target of a redirect).
        if (t->haveCurrent && t->result->first.status == 0)
            t->result->first = t->current;
        t->current = HttpHead{};
        t->haveCurrent = true;
        const auto space = line.find(' ');
        if (space != std::string::npos)
            t->current.status = std::strtol(line.c_str() + space + 1, nullptr, 10);
        return bytes;
    }
    const std::string trimmed = trim(line);
    if (trimmed.empty()) {
        // End of a head: a 2xx is the final response (3xx ones are followed, unless they leave
        // https for http; aborting here stops libcurl before it opens the new connection).
        if (t->current.status >= 300 && t->current.status < 400 &&
            !t->current.header("location").empty() &&
            !t->allowRedirect(t->current.header("location")))
            return 0;
        if (t->currentIsSuccess() && !t->start())
            return 0;
        return bytes;
    }
    const auto colon = trimmed.find(':');
    if (colon != std::string::npos) {
        std::string name = trimmed.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        t->current.headers[name] = trim(trimmed.substr(colon + 1));
    }
    return bytes;
}

size_t onBodyData(char *data, size_t size, size_t count, void *user)
{
    auto *t = static_cast<Transfer *>(user);
    const size_t bytes = size * count;
    if (t->currentIsSuccess()) {
        if (!t->start())
            return 0;
        if (t->sink && t->sink->onData && !t->sink->onData(data, bytes)) {
            t->sinkAborted = true;
            return 0;
        }
        t->result->bodyBytes += int64_t(bytes);
    } else if (t->current.status >= 400) {
        std::string &body = t->result->errorBody;
        body.append(data,
                    std::min(bytes, kErrorBodyLimit - std::min(kErrorBodyLimit, body.size())));
    }
    return bytes;
}

int onTransferInfo(void *user, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    auto *t = static_cast<Transfer *>(user);
    if (t->request->cancel && t->request->cancel->load()) {
        t->cancelled = true;
        return 1;
    }
    return 0;
}

HttpOutcome outcomeOf(CURLcode code)
{
    switch (code) {
    case CURLE_OK:
        return HttpOutcome::Done;
    case CURLE_ABORTED_BY_CALLBACK:
        return HttpOutcome::Cancelled;
    case CURLE_OPERATION_TIMEDOUT:
        return HttpOutcome::Timeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return HttpOutcome::Connect;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2_STREAM:
        return HttpOutcome::Partial;
    default:
        return HttpOutcome::Failed;
    }
}

struct CurlDeleter
{
    void operator()(CURL *handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter
{
    void operator()(curl_slist *list) const { curl_slist_free_all(list); }
};

} // namespace

std::string HttpHead::header(const std::string &lowerName) const
{
    const auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
}

HttpResult httpGet(const HttpRequest &request, const HttpBodySink &sink)
{
    initCurlOnce();
    HttpResult result;
    std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
    if (!handle)
        throw Error("cannot create a libcurl handle (out of memory?)");
    CURL *curl = handle.get();

    Transfer transfer;
    transfer.request = &request;
    transfer.sink = &sink;
    transfer.result = &result;
    transfer.secure = schemeOf(request.url) == "https";

    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto addHeader = [&headers](const std::string &line) {
        curl_slist *extended = curl_slist_append(headers.get(), line.c_str());
        if (!extended)
            throw Error("cannot build HTTP headers (out of memory?)");
        headers.release();
        headers.reset(extended);
    };
    if (!request.bearerToken.empty())
        addHeader("Authorization: Bearer " + request.bearerToken);
    // Bytes as stored: Content-Length, Range and the sha256 all refer to the raw file.
    addHeader("Accept-Encoding: identity");

    char errorText[CURL_ERROR_SIZE] = {0};
    const std::string userAgent = std::string("sentilab/") + kVersion + " " + curl_version();
    const std::string range =
        request.rangeStart > 0 ? std::to_string(request.rangeStart) + "-" : std::string();

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    // Belt and braces for the header check above: from https, libcurl itself follows https only.
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, transfer.secure ? "https" : "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS,
                     transfer.secure ? long(CURLPROTO_HTTPS)
                                     : long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (!request.caBundle.empty())
        curl_easy_setopt(curl, CURLOPT_CAINFO, request.caBundle.c_str());
    curl_easy_setopt(curl, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, userAgent.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorText);
    if (!range.empty())
        curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
    if (request.connectTimeoutSeconds > 0)
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, request.connectTimeoutSeconds);
    if (request.lowSpeedSeconds > 0) {
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, request.lowSpeedSeconds);
    }
    if (request.totalTimeoutSeconds > 0)
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, request.totalTimeoutSeconds);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeaderLine);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBodyData);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onTransferInfo);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);

    const CURLcode code = curl_easy_perform(curl);

    if (transfer.haveCurrent)
        result.final = transfer.current;
    if (result.first.status == 0)
        result.first = result.final;
    long redirects = 0;
    curl_easy_getinfo(curl, CURLINFO_REDIRECT_COUNT, &redirects);
    result.redirects = int(redirects);
    char *effective = nullptr;
    if (curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective)
        result.finalUrl = effective;

    result.outcome = outcomeOf(code);
    if (transfer.cancelled || transfer.sinkAborted) {
        result.outcome = HttpOutcome::Cancelled;
    } else if (!transfer.refused.empty()) {
        result.outcome = HttpOutcome::Refused;
        result.refusedRedirect = transfer.refused;
        result.message = "refused to follow the redirect to " + excerpt(transfer.refused) +
                         ": it leaves https for unencrypted http (a downgrade)";
        return result;
    }
    if (result.outcome == HttpOutcome::Done) {
        // An empty 2xx body still gets its onStart.
        if (result.final.status >= 200 && result.final.status < 300 && !transfer.start())
            result.outcome = HttpOutcome::Cancelled;
    } else {
        result.message = errorText[0] ? std::string(errorText) : curl_easy_strerror(code);
    }
    return result;
}

HttpResult httpGetText(const HttpRequest &request, std::string &body, std::size_t maxBytes)
{
    body.clear();
    bool tooLarge = false;
    HttpBodySink sink;
    sink.onData = [&](const char *data, std::size_t size) {
        if (body.size() + size > maxBytes) {
            tooLarge = true;
            return false;
        }
        body.append(data, size);
        return true;
    };
    HttpResult result = httpGet(request, sink);
    if (tooLarge) {
        result.outcome = HttpOutcome::Failed;
        result.message = "the response is larger than " + std::to_string(maxBytes) + " bytes";
    }
    return result;
}

std::string urlEncode(const std::string &text, bool keepSlash)
{
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (plain || (keepSlash && c == '/')) {
            out += char(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

double retryAfterSeconds(const HttpHead &head, std::time_t now)
{
    const std::string value = head.header("retry-after");
    if (value.empty())
        return -1;
    if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
        // delta-seconds; anything beyond a year is as good as "very long".
        return value.size() > 8 ? 1e8 : double(std::strtol(value.c_str(), nullptr, 10));
    }
    const std::time_t when = curl_getdate(value.c_str(), nullptr); // IMF-fixdate, RFC 850, asctime
    if (when == std::time_t(-1))
        return -1;
    return std::max(0.0, std::difftime(when, now));
}

std::string urlHost(const std::string &url)
{
    const auto schemeEnd = url.find("://");
    if (schemeEnd == std::string::npos)
        return {};
    std::string authority = url.substr(schemeEnd + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string::npos)
        authority = authority.substr(at + 1);
    std::string host;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        host = authority.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    } else {
        host = authority.substr(0, authority.find(':'));
    }
    return lowerCase(host);
}

bool isLoopbackHost(const std::string &host)
{
    if (host == "localhost" || host == "localhost.")
        return true;
    unsigned char v4[4];
    if (::inet_pton(AF_INET, host.c_str(), v4) == 1)
        return v4[0] == 127;
    unsigned char v6[16];
    if (::inet_pton(AF_INET6, host.c_str(), v6) == 1) {
        static const unsigned char loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::memcmp(v6, loopback, 16) == 0 ||
               (std::memcmp(v6, mapped, 12) == 0 && v6[12] == 127); // ::ffff:127.x.x.x
    }
    return false;
}

} // namespace sentilab::detail
