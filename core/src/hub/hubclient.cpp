#include <sentilab/hubclient.h>

#include "busyretry.h"
#include "httpclient.h"
#include "hubcache.h"
#include "hublisting.h"
#include "progressmeter.h"
#include "progressrelay.h"
#include "sha256stream.h"

#include <sentilab/textexcerpt.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;

namespace sentilab {
namespace {

using detail::HttpHead;
using detail::HttpOutcome;
using detail::HttpResult;
using detail::HubSettings;
using detail::Listing;
using detail::ProgressMeter;
using detail::ProgressRelay;
using detail::RemoteFile;
using detail::RepoCache;

// Everything one downloadRepo() call needs to word its messages and find its files.
struct Context
{
    std::string repo;
    RepoKind kind = RepoKind::Model;
    HubOptions options;
    HubSettings settings;
    const std::atomic<bool> *cancel = nullptr;
    ProgressRelay *relay = nullptr; // status messages for the user; null = none

    std::string what() const
    {
        return std::string(detail::kindName(kind)) + " '" + excerpt(repo) + "'";
    }
    void say(const std::string &message) const
    {
        if (relay)
            relay->message(message);
    }
    std::string urlPrefix() const
    {
        return settings.endpoint + (kind == RepoKind::Dataset ? "/datasets/" : "/") + repo;
    }
    detail::HttpRequest request(const std::string &url) const
    {
        detail::HttpRequest r;
        r.url = url;
        r.bearerToken = settings.token;
        r.connectTimeoutSeconds = options.connectTimeoutSeconds;
        r.lowSpeedSeconds = options.lowSpeedSeconds;
        r.caBundle = settings.caBundle;
        r.cancel = cancel;
        return r;
    }
};

const std::vector<std::string> kModelDefaults = {"config.json", "vocab.txt", "model.safetensors",
                                                 "tokenizer_config.json"};

bool cancelled(const std::atomic<bool> *cancel)
{
    return cancel && cancel->load();
}

std::string formatSize(int64_t bytes)
{
    char text[32];
    if (bytes >= (int64_t(1) << 20))
        std::snprintf(text, sizeof text, "%.1f MB", double(bytes) / 1e6);
    else
        std::snprintf(text, sizeof text, "%lld bytes", static_cast<long long>(bytes));
    return text;
}

// `message` with every occurrence of `token` replaced by "<token>".
std::string scrubbed(std::string message, const std::string &token)
{
    if (token.size() < 4)
        return message;
    for (auto pos = message.find(token); pos != std::string::npos; pos = message.find(token, pos))
        message.replace(pos, token.size(), "<token>");
    return message;
}

std::string hubSays(const HttpResult &r, const std::string &token)
{
    std::string says = r.final.header("x-error-message");
    if (says.empty() && !r.errorBody.empty()) {
        const auto json = nlohmann::json::parse(r.errorBody, nullptr, false);
        if (json.is_object() && json.contains("error") && json["error"].is_string())
            says = json["error"].get<std::string>();
    }
    // Scrubbed before it is cut, so that no part of the token can survive.
    return says.empty() ? std::string() : " (the hub says: " + excerpt(scrubbed(says, token)) + ")";
}

// The message for a response that arrived but is not a success.
std::string httpFailure(const Context &c, const HttpResult &r, const std::string &url,
                        const std::string &subject)
{
    const long status = r.final.status;
    std::string m = excerpt(url) + ": HTTP " + std::to_string(status) + " while fetching " +
                    subject + hubSays(r, c.settings.token) + ". ";
    if (status == 401) {
        if (!c.settings.token.empty())
            m += "The access token from " + c.settings.tokenSource +
                 " was refused: check that it is valid and can read this repo.";
        else
            m += "The repo is private or gated, or does not exist (the hub answers 401 for "
                 "unknown repos when no token is sent). Check the name; for a private or gated "
                 "repo set HF_TOKEN to an access token (" +
                 excerpt(c.settings.endpoint) + "/settings/tokens).";
    } else if (status == 403) {
        m += "Access is forbidden: for a gated repo accept its conditions at " +
             excerpt(c.urlPrefix()) + " with the account the token belongs to.";
    } else if (status == 404 && r.final.header("x-error-code") == "EntryNotFound") {
        m += "The file is not in the repo at that commit; check the file name.";
    } else if (status == 404) {
        m += "The " + c.what() + " or revision '" + excerpt(c.options.revision) +
             "' does not exist on " + excerpt(c.settings.endpoint) +
             ". Check the repo id and the revision" +
             (c.kind == RepoKind::Model
                  ? " (datasets such as SetFit/sst2 are fetched as datasets: 'download dataset')."
                  : " (models such as distilbert-base-uncased are fetched as models: 'download "
                    "model').");
    } else if (status == 429) {
        m += "The hub limits how many requests it answers (anonymous ones the least): wait a few "
             "minutes and run it again (an interrupted download resumes), or set HF_TOKEN to an "
             "access token.";
    } else if (status >= 500) {
        m += "The hub is busy or failing; try again in a few minutes (an interrupted download "
             "resumes).";
    } else if (status >= 300 && status < 400) {
        m += "Too many or broken redirects (last: " + excerpt(r.finalUrl) + ").";
    }
    return m;
}

std::string networkFailure(const Context &c, const HttpResult &r, const std::string &url,
                           const std::string &subject)
{
    const std::string why = excerpt(r.message);
    const std::string from = excerpt(url);
    std::string m;
    if (r.outcome == HttpOutcome::Timeout)
        m = "timed out (" + why + ") while fetching " + subject + " from " + from +
            "; the connection stalled for " + std::to_string(c.options.lowSpeedSeconds) +
            " s or could not be opened within " + std::to_string(c.options.connectTimeoutSeconds) +
            " s.";
    else if (r.outcome == HttpOutcome::Connect)
        m = "cannot reach " + excerpt(c.settings.endpoint) + " (" + why + ") while fetching " +
            subject + " from " + from + ".";
    else if (r.outcome == HttpOutcome::Partial)
        m = "the connection broke (" + why + ") while fetching " + subject + " from " + from + ".";
    else
        m = "fetching " + subject + " from " + from + " failed: " + why + ".";
    return m + " Check the network connection and proxy settings (https_proxy), or set "
               "HF_ENDPOINT to a reachable mirror.";
}

// The message for a redirect from https to plain http that httpGet() refused to follow.
std::string refusedRedirect(const HttpResult &r, const std::string &url, const std::string &subject)
{
    return excerpt(url) + ": " + r.message + " while fetching " + subject +
           ". The hub and its CDN serve https only, so a mirror, a proxy or someone on the network "
           "path is rewriting the connection; check HF_ENDPOINT and https_proxy";
}

void throwIfCancelled(const Context &c)
{
    if (cancelled(c.cancel))
        throw DownloadCancelled("download of " + c.what() +
                                " cancelled; run it again to resume where it stopped");
}

// Sleeps `seconds`, checking the cancel flag every 50 ms (throws DownloadCancelled).
void sleepUnlessCancelled(const Context &c, double seconds)
{
    using Clock = std::chrono::steady_clock;
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(std::max(0.0, seconds)));
    for (;;) {
        throwIfCancelled(c);
        const auto now = Clock::now();
        if (now >= end)
            return;
        std::this_thread::sleep_for(
            std::min<Clock::duration>(end - now, std::chrono::milliseconds(50)));
    }
}

// A BusyRetry for `subject` with the options of `c`: waits announced through Context::say,
// cancellable.
detail::BusyRetry busyRetry(const Context &c, const std::string &subject)
{
    return detail::BusyRetry(
        c.options.busyAttempts, c.options.retryWaitCapSeconds, subject,
        [&c](const std::string &message) { c.say(message); },
        [&c](double seconds) { sleepUnlessCancelled(c, seconds); });
}

// ---- listing --------------------------------------------------------------------------------

// The listing, or an empty commit when the hub could not be reached (`networkError` says why);
// throws on HTTP errors (401/404...), a refused redirect and on cancel.
Listing fetchListing(const Context &c, std::string &networkError, std::vector<std::string> &notes)
{
    const std::string kindPath = c.kind == RepoKind::Model ? "models" : "datasets";
    const std::string url = c.settings.endpoint + "/api/" + kindPath + "/" + c.repo + "/revision/" +
                            detail::urlEncode(c.options.revision, false) + "?blobs=true";
    detail::HttpRequest request = c.request(url);
    request.totalTimeoutSeconds = 120;
    std::string body;
    const std::string subject = "the file list of " + c.what();
    detail::BusyRetry busy = busyRetry(c, subject);
    HttpResult r;
    do {
        r = detail::httpGetText(request, body);
        if (r.outcome == HttpOutcome::Cancelled)
            throwIfCancelled(c);
    } while (r.outcome == HttpOutcome::Done && busy.waitAfter(r));
    if (r.outcome == HttpOutcome::Refused)
        throw Error(refusedRedirect(r, url, subject) + "; nothing was downloaded");
    if (r.outcome != HttpOutcome::Done) {
        networkError = networkFailure(c, r, url, subject);
        return {};
    }
    if (r.final.status != 200)
        throw Error(httpFailure(c, r, url, subject) + busy.gaveUp(r));
    busy.addNote(notes);
    return detail::parseListing(body, url, c.what());
}

// The repo paths to fetch: explicit ones must exist; the defaults adapt to the repo.
std::vector<const RemoteFile *> chooseFiles(const Context &c, const Listing &listing,
                                            std::vector<std::string> &notes)
{
    std::vector<const RemoteFile *> chosen;
    auto available = [&] {
        std::string names;
        int shown = 0;
        for (const RemoteFile &file : listing.files) {
            if (shown++ == 30) {
                names += ", ...";
                break;
            }
            names += (names.empty() ? "" : ", ") + excerpt(file.path, 100);
        }
        return names.empty() ? std::string("no files") : names;
    };
    auto missing = [&](const std::string &path, const std::string &why) {
        return Error("'" + excerpt(path) + "' is not in " + c.what() + " at revision '" +
                     excerpt(c.options.revision) + "' (commit " + listing.commit + ")" + why +
                     "; the repo has: " + available());
    };
    if (!c.options.files.empty()) {
        for (const std::string &path : c.options.files) {
            const RemoteFile *file = listing.find(path);
            if (!file)
                throw missing(path, "");
            chosen.push_back(file);
        }
    } else if (c.kind == RepoKind::Model) {
        for (const std::string &path : kModelDefaults) {
            const RemoteFile *file = listing.find(path);
            if (!file && path == "model.safetensors") {
                file = listing.find("pytorch_model.bin");
                if (file)
                    notes.push_back(c.what() + " has no model.safetensors; fetched "
                                               "pytorch_model.bin instead");
                else
                    throw missing(path, " and neither is pytorch_model.bin");
            }
            if (!file && path == "tokenizer_config.json")
                continue; // optional: the tokenizer defaults fit distilbert-base-uncased
            if (!file)
                throw missing(
                    path, path == "vocab.txt" ? " (SentiLab's WordPiece tokenizer needs it)" : "");
            chosen.push_back(file);
        }
    } else {
        for (const RemoteFile &file : listing.files)
            if (!file.path.empty() && file.path.front() != '.')
                chosen.push_back(&file);
        if (chosen.empty())
            throw missing("(any data file)", "");
    }
    std::set<std::string> seen;
    for (const RemoteFile *file : chosen) {
        detail::checkRepoPath(file->path, "file");
        if (!file->sha256.empty())
            detail::checkCacheName(file->sha256, "sha256 of " + excerpt(file->path));
        if (!file->blobId.empty())
            detail::checkCacheName(file->blobId, "blob id of " + excerpt(file->path));
        if (file->blobName().empty())
            throw Error("the file listing of " + c.what() + " gives no blobId or LFS sha256 for '" +
                        excerpt(file->path) +
                        "', so it cannot be stored in the Hugging Face cache; the "
                        "endpoint " +
                        excerpt(c.settings.endpoint) + " does not look like a hub");
    }
    chosen.erase(std::remove_if(chosen.begin(), chosen.end(),
                                [&](const RemoteFile *f) { return !seen.insert(f->path).second; }),
                 chosen.end());
    return chosen;
}

// ---- one file -------------------------------------------------------------------------------

int64_t fileSize(const fs::path &path)
{
    std::error_code ec;
    const auto size = fs::file_size(path, ec); // follows symlinks
    return ec ? -1 : int64_t(size);
}

struct FileCloser
{
    void operator()(std::FILE *f) const { std::fclose(f); }
};

bool isGitSha1(const std::string &id)
{
    return id.size() == 40 && std::all_of(id.begin(), id.end(),
                                          [](unsigned char ch) { return std::isxdigit(ch) != 0; });
}

std::string lowerCase(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char ch) { return char(std::tolower(ch)); });
    return text;
}

// Fetches `file` into blobs/<etag>.incomplete (resuming it), verifies it and renames it to
// blobs/<etag>. The caller holds the blob's lock.
void fetchBlob(const Context &c, const RepoCache &cache, const std::string &commit,
               const RemoteFile &file, ProgressMeter &meter, std::vector<std::string> &notes)
{
    const std::string blob = file.blobName();
    const fs::path incomplete = cache.incompletePath(blob);
    const std::string url =
        c.urlPrefix() + "/resolve/" + commit + "/" + detail::urlEncode(file.path, true);
    const std::string subject = "'" + excerpt(file.path) + "' of " + c.what();
    // The most bytes the file may have: its listed size, else the cap for unlisted sizes (an
    // endless or huge response must not fill the disk).
    const int64_t limit =
        file.size >= 0 ? file.size : std::max<int64_t>(0, c.options.unlistedSizeLimit);
    fs::create_directories(incomplete.parent_path());
    detail::BusyRetry busy = busyRetry(c, subject);

    for (int resumes = 0;;) {
        throwIfCancelled(c);
        int64_t offset = std::max<int64_t>(0, fileSize(incomplete));
        if (offset > limit) {
            fs::remove(incomplete); // longer than the file can be: not a prefix of it
            offset = 0;
        }
        detail::Sha256Stream hash;
        if (offset > 0 && !file.sha256.empty()) {
            std::ifstream in(incomplete, std::ios::binary);
            std::vector<char> buffer(1 << 20);
            int64_t left = offset;
            while (left > 0 && in) {
                throwIfCancelled(c);
                in.read(buffer.data(),
                        std::streamsize(std::min<int64_t>(left, int64_t(buffer.size()))));
                hash.update(buffer.data(), std::size_t(in.gcount()));
                left -= in.gcount();
            }
            if (left > 0)
                throw Error(incomplete.string() + ": cannot read the partial download; delete it "
                                                  "and try again");
        }
        meter.restartFile(offset);

        int64_t written = 0;
        bool tooLong = false;
        std::string writeError;
        std::unique_ptr<std::FILE, FileCloser> out;
        detail::HttpBodySink sink;
        sink.onStart = [&](const HttpHead &head) {
            if (offset > 0 && head.status != 206) {
                offset = 0; // the server ignored Range and sends the whole file
                hash.reset();
                meter.restartFile(0);
            }
            if (head.status == 206) {
                const std::string range = head.header("content-range");
                const std::string expected = "bytes " + std::to_string(offset) + "-";
                if (range.rfind(expected, 0) != 0) {
                    writeError = "the server answered the range request for bytes " +
                                 std::to_string(offset) + "- with Content-Range '" +
                                 excerpt(range) + "'";
                    return false;
                }
            }
            out.reset(std::fopen(incomplete.c_str(), offset > 0 ? "ab" : "wb"));
            if (!out) {
                writeError = "cannot open " + incomplete.string() + " for writing";
                return false;
            }
            return true;
        };
        sink.onData = [&](const char *data, std::size_t size) {
            if (offset + written + int64_t(size) > limit) {
                tooLong = true;
                return false;
            }
            if (std::fwrite(data, 1, size, out.get()) != size) {
                writeError = "cannot write " + incomplete.string() + " (disk full?)";
                return false;
            }
            if (!file.sha256.empty())
                hash.update(data, size);
            written += int64_t(size);
            meter.received(int64_t(size));
            return !cancelled(c.cancel);
        };

        detail::HttpRequest request = c.request(url);
        request.rangeStart = offset;
        if (file.size >= 0 && offset == file.size)
            request.rangeStart = -1; // complete already (stopped before the rename): verify it
        HttpResult r;
        if (request.rangeStart < 0 && offset > 0) {
            r.outcome = HttpOutcome::Done;
            r.final.status = 200;
        } else {
            r = detail::httpGet(request, sink);
        }
        if (out) {
            const bool flushed = std::fflush(out.get()) == 0 && ::fsync(::fileno(out.get())) == 0;
            if (!flushed && writeError.empty())
                writeError = "cannot write " + incomplete.string() + " (disk full?)";
            out.reset();
        }
        if (!writeError.empty())
            throw Error(subject + ": " + writeError + "; nothing was moved into the cache");
        if (tooLong && file.size >= 0) {
            fs::remove(incomplete);
            throw Error(excerpt(url) + " sent more than the " + std::to_string(file.size) +
                        " bytes the hub lists for " + subject +
                        "; the partial file was deleted. Try again; if it repeats, the endpoint "
                        "serves a different file than it lists");
        }
        if (tooLong) {
            fs::remove(incomplete);
            throw Error(excerpt(url) + " sent more than " + std::to_string(limit) + " bytes for " +
                        subject +
                        ", whose size the hub listing does not give; the transfer was stopped "
                        "there and the partial file deleted. Files without a listed size may "
                        "have at most that many bytes (HubOptions::unlistedSizeLimit); check "
                        "HF_ENDPOINT, or fetch the file by hand");
        }
        if (r.outcome == HttpOutcome::Cancelled)
            throwIfCancelled(c);
        if (r.outcome == HttpOutcome::Refused)
            throw Error(refusedRedirect(r, url, subject) + "; nothing was fetched over plain http");
        if (r.outcome == HttpOutcome::Done && r.final.status == 416 && offset > 0 &&
            resumes < c.options.resumeRetries) {
            ++resumes;
            fs::remove(incomplete); // the partial file does not fit the server's file
            notes.push_back(subject + ": the server refused to resume; restarted from the start");
            continue;
        }
        if (r.outcome == HttpOutcome::Done && busy.waitAfter(r))
            continue;
        if (r.outcome == HttpOutcome::Done && (r.final.status < 200 || r.final.status >= 300))
            throw Error(httpFailure(c, r, url, subject) + busy.gaveUp(r));

        const int64_t have = offset + written;
        const bool shortBody = r.outcome == HttpOutcome::Done && file.size >= 0 && have < file.size;
        if (r.outcome == HttpOutcome::Partial || r.outcome == HttpOutcome::Timeout || shortBody) {
            if (resumes < c.options.resumeRetries) {
                ++resumes;
                notes.push_back(subject + ": transfer stopped at " + formatSize(have) +
                                "; resumed");
                sleepUnlessCancelled(c, resumes); // back off 1 s, 2 s, ...
                continue;
            }
            const std::string why = shortBody ? "the server closed the response after " +
                                                    formatSize(have) + " of " +
                                                    formatSize(file.size) + " for " + subject + "."
                                              : networkFailure(c, r, url, subject);
            throw Error(why + " The partial data is kept in " + incomplete.string() + " (" +
                        formatSize(have) + "); run the download again to resume it");
        }
        if (r.outcome != HttpOutcome::Done)
            throw Error(networkFailure(c, r, url, subject) + " The partial data is kept in " +
                        incomplete.string() + "; run the download again to resume it");

        // Complete: verify, then move into place.
        if (file.size >= 0 && have != file.size) {
            fs::remove(incomplete);
            throw Error(subject + ": got " + std::to_string(have) + " bytes, the hub lists " +
                        std::to_string(file.size) + "; the download was deleted, try again");
        }
        if (!file.sha256.empty()) {
            const std::string actual = hash.finishHex();
            if (actual != file.sha256) {
                fs::remove(incomplete);
                throw Error("checksum mismatch for " + subject + " from " + excerpt(url) +
                            ": expected sha256 " + file.sha256 + " (from the hub listing), got " +
                            actual +
                            ". The corrupt download was deleted; try again, and if "
                            "it repeats check HF_ENDPOINT, a proxy or the disk");
            }
        } else if (isGitSha1(file.blobId)) {
            // Files kept in git itself (config.json, vocab.txt): the listing's blobId is their
            // git object id. Another form of id (not a hub) cannot be checked.
            const std::string actual = detail::gitBlobIdOfFile(incomplete);
            if (actual != lowerCase(file.blobId)) {
                fs::remove(incomplete);
                throw Error("checksum mismatch for " + subject + " from " + excerpt(url) +
                            ": expected git blob id " + lowerCase(file.blobId) +
                            " (sha1 of \"blob <size>\\0\" + content, from the hub listing), got " +
                            actual +
                            ". The corrupt download was deleted; try again, and if "
                            "it repeats check HF_ENDPOINT, a proxy or the disk");
            }
        }
        fs::rename(incomplete, cache.blobPath(blob));
        busy.addNote(notes);
        return;
    }
}

// Makes snapshots/<commit>/<path> present, fetching the blob when needed.
void ensureFile(const Context &c, const RepoCache &cache, const std::string &commit,
                const RemoteFile &file, int index, ProgressMeter &meter,
                std::vector<std::string> &notes)
{
    const fs::path target = cache.snapshotFile(commit, file.path);
    const std::string blob = file.blobName();
    auto fits = [&](const fs::path &path) {
        const int64_t size = fileSize(path);
        return size >= 0 && (file.size < 0 || size == file.size);
    };
    if (fits(target)) {
        meter.beginFile(index, file.path, file.size, file.size);
        meter.endFile();
        return;
    }
    const int64_t partial = std::max<int64_t>(0, fileSize(cache.incompletePath(blob)));
    meter.beginFile(index, file.path, file.size, fits(cache.blobPath(blob)) ? file.size : partial);
    if (!fits(cache.blobPath(blob))) {
        detail::FileLock lock(cache.lockPath(blob), c.cancel);
        if (!fits(cache.blobPath(blob))) // another process may have finished it meanwhile
            fetchBlob(c, cache, commit, file, meter, notes);
    }
    cache.linkSnapshot(commit, file.path, blob);
    meter.endFile();
}

// ---- offline --------------------------------------------------------------------------------

// The cached snapshot for the revision, or "" with `why` saying what is missing.
std::string cachedSnapshot(const Context &c, const RepoCache &cache, std::string &commit,
                           std::vector<std::string> &files, std::string &why)
{
    commit = cache.readRef(c.options.revision);
    if (commit.empty() && detail::looksLikeCommit(c.options.revision))
        commit = c.options.revision;
    if (commit.empty()) {
        why = cache.refPath(c.options.revision).string() + " does not exist";
        return {};
    }
    detail::checkCacheName(commit, "commit in " + cache.refPath(c.options.revision).string());
    const fs::path dir = cache.snapshotDir(commit);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        why = dir.string() + " does not exist";
        return {};
    }
    auto present = [&](const std::string &path) { return fs::is_regular_file(dir / path, ec); };
    std::vector<std::string> missing;
    files.clear();
    auto require = [&](const std::string &path) {
        if (present(path))
            files.push_back(path);
        else
            missing.push_back(path);
    };
    if (!c.options.files.empty()) {
        for (const std::string &path : c.options.files)
            require(path);
    } else if (c.kind == RepoKind::Model) {
        require("config.json");
        require("vocab.txt");
        if (present("model.safetensors"))
            files.push_back("model.safetensors");
        else if (present("pytorch_model.bin"))
            files.push_back("pytorch_model.bin");
        else
            missing.push_back("model.safetensors (or pytorch_model.bin)");
        if (present("tokenizer_config.json"))
            files.push_back("tokenizer_config.json");
    } else {
        for (auto it = fs::recursive_directory_iterator(dir, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file(ec))
                files.push_back(fs::relative(it->path(), dir, ec).generic_string());
        }
        std::sort(files.begin(), files.end());
        if (files.empty())
            missing.push_back("(any data file)");
    }
    if (!missing.empty()) {
        why = dir.string() + " has no ";
        for (std::size_t i = 0; i < missing.size(); ++i)
            why += (i ? ", " : "") + missing[i];
        return {};
    }
    return dir.string();
}

// The warning for an access token about to travel in clear text: to a plain http:// endpoint
// that is not this machine. "" when there is nothing to warn about.
std::string clearTextTokenWarning(const Context &c)
{
    const std::string &endpoint = c.settings.endpoint;
    if (c.settings.token.empty() || endpoint.rfind("http://", 0) != 0 ||
        detail::isLoopbackHost(detail::urlHost(endpoint)))
        return {};
    return "warning: the access token from " + c.settings.tokenSource + " is sent unencrypted to " +
           excerpt(endpoint) +
           " (plain http:// to another machine): anyone on the network path can read it and use "
           "it. Use an https:// endpoint, or unset HF_TOKEN (and log out) for public repos";
}

DownloadResult download(const Context &c)
{
    if (!c.options.revision.empty())
        detail::checkRevision(c.options.revision);
    else
        throw Error("the revision is empty; use a branch, tag or commit (default: main)");
    for (const std::string &path : c.options.files)
        detail::checkRepoPath(path, "requested file");
    const RepoCache cache(c.settings.cacheDir, detail::repoFolderName(c.repo, c.kind));

    DownloadResult result;
    std::string why;
    if (c.settings.offline) {
        result.snapshotDir = cachedSnapshot(c, cache, result.commit, result.files, why);
        if (result.snapshotDir.empty())
            throw Error(c.settings.offlineSource + ": " + c.what() + " at revision '" +
                        c.options.revision + "' is not in the cache: " + why + ".\n" +
                        manualSetupHint(c.repo, c.kind, c.options) +
                        "\nOr go online (unset HF_HUB_OFFLINE) and download it.");
        result.notes.push_back(c.settings.offlineSource + ": used the cached snapshot " +
                               result.commit + " without contacting the hub");
        return result;
    }

    // Before the first request, so that a cancel in answer to it sends nothing.
    if (const std::string warning = clearTextTokenWarning(c); !warning.empty()) {
        c.say(warning);
        result.notes.push_back(warning);
    }
    throwIfCancelled(c);
    std::string networkError;
    const Listing listing = fetchListing(c, networkError, result.notes);
    if (listing.commit.empty()) {
        result.snapshotDir = cachedSnapshot(c, cache, result.commit, result.files, why);
        if (result.snapshotDir.empty())
            throw Error(networkError + "\nNo usable copy of " + c.what() + " is in the cache (" +
                        why + ").\n" + manualSetupHint(c.repo, c.kind, c.options));
        result.notes.push_back(networkError + " Used the cached snapshot " + result.commit +
                               " instead; it may be older than the hub's '" + c.options.revision +
                               "'.");
        return result;
    }

    const std::vector<const RemoteFile *> files = chooseFiles(c, listing, result.notes);
    ProgressMeter meter(c.relay->forward(), c.options.progressIntervalMs);
    int64_t allTotal = 0;
    for (const RemoteFile *file : files)
        allTotal += std::max<int64_t>(0, file->size);
    meter.beginAll(int(files.size()), allTotal);
    for (std::size_t i = 0; i < files.size(); ++i) {
        throwIfCancelled(c);
        ensureFile(c, cache, listing.commit, *files[i], int(i), meter, result.notes);
        result.files.push_back(files[i]->path);
    }
    if (c.options.revision != listing.commit)
        cache.writeRef(c.options.revision, listing.commit);
    result.commit = listing.commit;
    result.snapshotDir = cache.snapshotDir(listing.commit).string();
    result.bytesDownloaded = meter.networkBytes();
    return result;
}

} // namespace

DownloadResult downloadRepo(const std::string &repo, RepoKind kind, const HubOptions &options,
                            const std::function<void(const DownloadProgress &)> &onProgress,
                            const std::atomic<bool> *cancel)
{
    Context c;
    c.repo = repo;
    c.kind = kind;
    c.options = options;
    c.cancel = cancel;
    c.settings = detail::resolveHubSettings(options);
    ProgressRelay relay(onProgress);
    c.relay = &relay;
    // Nothing that leaves this function may carry the token, whatever produced the text.
    try {
        return download(c);
    } catch (const DownloadCancelled &e) {
        throw DownloadCancelled(scrubbed(e.what(), c.settings.token));
    } catch (const Error &e) {
        throw Error(scrubbed(e.what(), c.settings.token));
    } catch (const fs::filesystem_error &e) {
        // The message holds paths, which may hold names from the hub.
        throw Error(scrubbed(std::string("downloading ") + c.what() + ": " +
                                 excerpt(scrubbed(e.what(), c.settings.token), 600) +
                                 " (is the cache folder " + c.settings.cacheDir +
                                 " writable, with free space?)",
                             c.settings.token));
    } catch (const std::exception &e) {
        throw Error(scrubbed("downloading " + c.what() + ": " +
                                 excerpt(scrubbed(e.what(), c.settings.token), 600),
                             c.settings.token));
    }
}

std::string manualSetupHint(const std::string &repo, RepoKind kind, const HubOptions &options)
{
    const HubSettings settings = detail::resolveHubSettings(options);
    const std::string dir = repoCacheDir(repo, kind, options);
    const std::string revision = options.revision.empty() ? "main" : options.revision;
    std::string files;
    if (!options.files.empty()) {
        for (const std::string &f : options.files)
            files += (files.empty() ? "" : ", ") + excerpt(f);
    } else if (kind == RepoKind::Model) {
        files = "config.json, vocab.txt, model.safetensors (or pytorch_model.bin) and, if it has "
                "one, tokenizer_config.json";
    } else {
        files = "the data files (for SetFit/sst2: train.jsonl, validation.jsonl, test.jsonl)";
    }
    const std::string page =
        excerpt(settings.endpoint + (kind == RepoKind::Dataset ? "/datasets/" : "/") + repo +
                "/tree/" + revision);
    std::string hint = "To set it up by hand: download " + files + " from " + page +
                       " (e.g. on another machine), put them in " + dir +
                       "/snapshots/manual/ and write the word manual into " + dir + "/refs/" +
                       excerpt(revision) + "; ";
    hint += kind == RepoKind::Model
                ? "or put them in any folder and set model.pretrained_dir to it."
                : "or put them in any folder and set data.dir (or SENTILAB_DATA_DIR) to it.";
    return hint;
}

} // namespace sentilab
