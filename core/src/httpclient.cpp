#include "httpclient.h"

#include <sentilab/error.h>
#include <sentilab/version.h>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>

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
        // End of a head: a 2xx is the final response (3xx ones are followed).
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
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
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
    if (transfer.cancelled || transfer.sinkAborted)
        result.outcome = HttpOutcome::Cancelled;
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

} // namespace sentilab::detail
