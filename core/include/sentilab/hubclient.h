#pragma once
// Downloads model and dataset repositories from the Hugging Face hub into the Hugging Face cache,
// in the layout Python's huggingface_hub uses, so that each side reuses what the other fetched:
//
//   <cache>/models--<org>--<name>/blobs/<etag>             file contents (etag: sha256 for LFS
//                                                          files, git blob id for the others)
//   <cache>/models--<org>--<name>/blobs/<etag>.incomplete  a download in progress (resumable)
//   <cache>/models--<org>--<name>/snapshots/<commit>/<path> -> ../../blobs/<etag> (symlink)
//   <cache>/models--<org>--<name>/refs/<revision>          the commit <revision> pointed at
//   <cache>/.locks/models--<org>--<name>/<etag>.lock       held while a blob is written
//
// Datasets use "datasets--" instead of "models--"; a repo id without an organisation
// ("distilbert-base-uncased") gives "models--distilbert-base-uncased".
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <sentilab/error.h>

namespace sentilab {

enum class RepoKind { Model, Dataset };

struct HubOptions
{
    std::string endpoint; // hub base URL; "" = $HF_ENDPOINT, else https://huggingface.co
    std::string cacheDir; // hub cache root; "" = $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE,
                          // else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
                          // ~/.cache/huggingface/hub (huggingface_hub's rule)
    std::string token;    // access token for private or gated repos; "" = $HF_TOKEN, else the
                          // file $HF_HOME/token (huggingface-cli login). Sent only as an
                          // Authorization header to the endpoint's host; never in a message
    std::string revision = "main"; // branch, tag or 40-hex commit
    bool offline = false; // never touch the network; also on when $HF_HUB_OFFLINE is 1/ON/YES/TRUE
    long connectTimeoutSeconds = 15; // per request, TCP + TLS handshake; 0 = libcurl's default
    long lowSpeedSeconds = 30;       // abort a transfer that moves < 1 byte/s this long; 0 disables
    int resumeRetries = 3;           // automatic resumes (HTTP Range) of one file after a dropped
                                     // connection or stall; 0 = fail at once
    int busyAttempts = 5;            // requests of one URL while the hub answers 429 (rate limit)
                                     // or 503 (busy), waiting as Retry-After asks; 1 = no retry
    double retryWaitCapSeconds = 60; // longest wait before such a retry, whatever Retry-After
                                     // asks (no Retry-After: 1, 2, 4, ... s up to this)
    int64_t unlistedSizeLimit = int64_t(64) << 20; // bytes; most accepted for a file that the
                                                   // listing gives no size for (then aborted)
    std::string caBundle;           // PEM file of the CA certificates trusted for https; "" =
                                    // $REQUESTS_CA_BUNDLE, else $CURL_CA_BUNDLE, else the system's
    int progressIntervalMs = 100;   // least time between two onProgress calls of the same file
    std::vector<std::string> files; // repo paths to fetch; empty = the defaults (downloadRepo)
};

// Reported on the calling thread of downloadRepo(), at most every progressIntervalMs per file
// plus once when each file starts and ends. Byte counts include bytes already on disk (cached
// files, a resumed .incomplete), so allBytes/allTotal is the overall fraction done.
struct DownloadProgress
{
    std::string file;          // repo path of the file being fetched, e.g. "model.safetensors"
    int fileIndex = 0;         // 0-based position of `file` among fileCount files
    int fileCount = 0;         // files in this download
    int64_t fileBytes = 0;     // bytes of `file` on disk so far
    int64_t fileTotal = 0;     // size of `file` from the hub listing; -1 = unknown
    int64_t allBytes = 0;      // bytes of all files on disk so far
    int64_t allTotal = 0;      // size of all files
    double bytesPerSecond = 0; // network rate over the last few seconds; 0 = not known yet
    double etaSeconds = -1;    // time left for all files at that rate; -1 = unknown
    std::string message; // "" in byte reports; else a line to show the user now, e.g. "'vocab.txt'
                         // of model 'x': rate-limited by the hub, retrying in 4 s (attempt 2 of
                         // 5)" or a "warning: ..."; such a report repeats the last byte counts
                         // (all zero before the first file starts)
};

struct DownloadResult
{
    std::string snapshotDir;        // <repo folder>/snapshots/<commit>: the files, by repo path
    std::string commit;             // what the revision resolved to
    std::vector<std::string> files; // repo paths now present in snapshotDir
    int64_t bytesDownloaded = 0;    // fetched over the network by this call (0: all cached)
    std::vector<std::string> notes; // things the user should know (fell back to the cache,
                                    // optional file absent on the hub, ...), one per line
};

// Thrown by downloadRepo() when *cancel became true. Partial data stays in blobs/*.incomplete and
// the next call resumes it.
class DownloadCancelled : public Error
{
public:
    using Error::Error;
};

// Fetches `files` (or the defaults) of `repo` at options.revision into the cache and returns the
// snapshot. Blocking; call it from a worker thread. Steps: one API listing
// ({endpoint}/api/{models|datasets}/{repo}/revision/{rev}?blobs=true) gives the commit, every
// file's size and, for LFS files, its sha256; files whose snapshot entry already has the listed
// size are kept (a second call is a no-op apart from the listing); a missing blob is fetched from
// {endpoint}[/datasets]/{repo}/resolve/{commit}/{path} (redirects followed, e.g. to a CDN) into
// blobs/<etag>.incomplete, resumed with HTTP Range when that exists, checked against the listed
// size and the sha256 (LFS files) or git blob id (the others; sha1 of "blob <size>\0" + content),
// renamed into place and linked from snapshots/<commit>/; finally refs/<revision> is written.
// A file without a listed size is aborted past options.unlistedSizeLimit bytes.
// HTTP 429 and 503 are retried (options.busyAttempts, waits from Retry-After capped at
// options.retryWaitCapSeconds), each wait announced through onProgress's message and cancellable.
// A redirect from https to plain http is refused (error). A token about to go in clear text to a
// plain http:// endpoint that is not loopback (127.0.0.0/8, ::1, localhost) is warned about
// through onProgress's message and in the notes before the first request.
// Names and URLs from the hub or the user appear in messages escaped (control characters and
// invalid UTF-8 as \n, \xNN, ...) and cut to about 200 bytes; repo paths with control
// characters are refused.
// Default files: for a model config.json, vocab.txt, model.safetensors (pytorch_model.bin when
// the repo has no safetensors) and, when the repo has it, tokenizer_config.json; for a dataset
// every file of the listing except dot-files.
// Offline (option or $HF_HUB_OFFLINE): returns the cached snapshot named by refs/<revision> when
// it holds the files, else throws saying what is missing. When the hub cannot be reached at all
// and such a snapshot exists, it is returned with a note.
// `onProgress` may be empty; `cancel` may be null; both are used on the calling thread only
// (cancel is read there, set it from anywhere). Cancelling takes effect within about a second.
// Throws DownloadCancelled, or sentilab::Error saying what failed (URL, repo, file, HTTP status or
// network error, expected and actual size or sha256) and what to do, including where to put the
// files by hand. A failed file never leaves a complete-looking file behind: at most its
// .incomplete (removed when its content is known to be wrong).
DownloadResult downloadRepo(const std::string &repo, RepoKind kind, const HubOptions &options,
                            const std::function<void(const DownloadProgress &)> &onProgress = {},
                            const std::atomic<bool> *cancel = nullptr);

// The cache root downloadRepo() uses for `options` (see HubOptions::cacheDir). Throws
// sentilab::Error when none of the variables nor HOME is set.
std::string hubCacheDir(const HubOptions &options);
// What chose hubCacheDir(), for messages: "HF_HUB_CACHE", "HF_HOME/hub", "the default
// ~/.cache/huggingface/hub", ...
std::string hubCacheDirOrigin(const HubOptions &options);
// The endpoint downloadRepo() uses for `options`, without a trailing slash.
std::string hubEndpoint(const HubOptions &options);
// "<cache>/models--org--name" (or datasets--...) for `repo`. Throws sentilab::Error on a repo id
// that is not [org/]name of letters, digits, '-', '_' and '.'.
std::string repoCacheDir(const std::string &repo, RepoKind kind, const HubOptions &options);
// Steps to set up `repo` in the cache by hand (for messages and --help), several lines.
std::string manualSetupHint(const std::string &repo, RepoKind kind, const HubOptions &options);

} // namespace sentilab
