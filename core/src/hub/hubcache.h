#pragma once
// The Hugging Face cache layout of one repo (see sentilab/hubclient.h) and the settings that
// decide where it is. Internal to core.
#include <sentilab/hubclient.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace sentilab::detail {

// HubOptions with the environment applied ($HF_ENDPOINT, $HF_HUB_CACHE, $HF_HOME, $HF_TOKEN, ...).
// The cache root follows huggingface_hub: options.cacheDir, else $HF_HUB_CACHE, else
// $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub ("~" expanded as Python does).
struct HubSettings
{
    std::string endpoint;    // no trailing slash
    std::string cacheDir;    // hub cache root
    std::string cacheSource; // what chose it, for messages ("HF_HUB_CACHE", "HF_HOME/hub", ...)
    std::string token;       // "" = anonymous
    std::string tokenSource; // where the token came from, for messages ("HF_TOKEN", a path)
    bool offline = false;
    std::string offlineSource; // "HF_HUB_OFFLINE=1" or "the offline option"
    std::string caBundle;      // PEM file for https; "" = the system's CA certificates
};
HubSettings resolveHubSettings(const HubOptions &options);

// "models--org--name" / "datasets--org--name". Throws sentilab::Error on an invalid repo id.
std::string repoFolderName(const std::string &repo, RepoKind kind);
const char *kindName(RepoKind kind); // "model" / "dataset"

// Throw sentilab::Error unless the value is safe to use as (part of) a file name in the cache:
// a relative repo path without "..", NUL or other control characters, a revision, a commit or a
// blob id from the hub. The messages show the value escaped (sentilab::excerpt).
void checkRepoPath(const std::string &path, const std::string &what);
void checkRevision(const std::string &revision);
void checkCacheName(const std::string &name, const std::string &what); // commit, blob id
bool looksLikeCommit(const std::string &revision);                     // 40 lower-case hex digits

class RepoCache
{
public:
    RepoCache(std::filesystem::path cacheRoot, const std::string &folderName);

    const std::filesystem::path &dir() const { return m_dir; }
    std::filesystem::path blobPath(const std::string &blob) const;
    std::filesystem::path incompletePath(const std::string &blob) const;
    std::filesystem::path snapshotDir(const std::string &commit) const;
    std::filesystem::path snapshotFile(const std::string &commit, const std::string &path) const;
    std::filesystem::path refPath(const std::string &revision) const;
    std::filesystem::path lockPath(const std::string &blob) const;

    // The commit refs/<revision> names, "" when there is none.
    std::string readRef(const std::string &revision) const;
    // Writes refs/<revision> atomically (temporary file + rename).
    void writeRef(const std::string &revision, const std::string &commit) const;
    // Makes snapshots/<commit>/<path> point at blobs/<blob> (relative symlink, replaced
    // atomically; a copy where the file system has no symlinks).
    void linkSnapshot(const std::string &commit, const std::string &path,
                      const std::string &blob) const;

private:
    std::filesystem::path m_cacheRoot;
    std::string m_folderName;
    std::filesystem::path m_dir;
};

// An exclusive advisory lock (flock) on a file, compatible with the `filelock` package that
// huggingface_hub uses on the same .locks/ path, so Python and SentiLab do not write the same
// blob at once. Waits while another process holds it, polling `cancel`.
class FileLock
{
public:
    // Throws DownloadCancelled when *cancel becomes true while waiting, sentilab::Error when the
    // lock file cannot be created.
    FileLock(const std::filesystem::path &path, const std::atomic<bool> *cancel);
    ~FileLock();
    FileLock(const FileLock &) = delete;
    FileLock &operator=(const FileLock &) = delete;

private:
    int m_fd = -1;
};

} // namespace sentilab::detail
