#include "hubcache.h"

#include <sentilab/error.h>
#include <sentilab/textexcerpt.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace sentilab::detail {
namespace {

std::string env(const char *name)
{
    const char *value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

std::string trimmed(const std::string &s)
{
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos)
        return {};
    return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

// huggingface_hub's reading of boolean environment variables.
bool isTrue(std::string value)
{
    for (char &c : value)
        c = char(std::toupper(static_cast<unsigned char>(c)));
    value = trimmed(value);
    return value == "1" || value == "ON" || value == "YES" || value == "TRUE";
}

bool isNameChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

// "~" and "~/..." as Python's os.path.expanduser reads them (other users' "~name" are kept).
std::string expandUser(const std::string &path)
{
    if (path == "~" || path.rfind("~/", 0) == 0) {
        if (const std::string home = env("HOME"); !home.empty())
            return home + path.substr(1);
    }
    return path;
}

struct Located
{
    std::string path;
    std::string origin; // the variable (or default) it came from, for messages
};

// huggingface_hub's constants.py: HF_HOME = $HF_HOME, else $XDG_CACHE_HOME/huggingface, else
// ~/.cache/huggingface.
Located hfHome()
{
    if (const std::string home = env("HF_HOME"); !home.empty())
        return {expandUser(home), "HF_HOME"};
    if (const std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty())
        return {(fs::path(expandUser(xdg)) / "huggingface").string(), "XDG_CACHE_HOME"};
    if (const std::string home = env("HOME"); !home.empty())
        return {(fs::path(home) / ".cache" / "huggingface").string(), "HOME"};
    return {};
}

// The hub cache: $HF_HUB_CACHE, else the older $HUGGINGFACE_HUB_CACHE, else <HF_HOME>/hub.
Located hubCache()
{
    for (const char *name : {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"})
        if (const std::string dir = env(name); !dir.empty())
            return {expandUser(dir), name};
    const Located home = hfHome();
    if (home.path.empty())
        return {};
    return {(fs::path(home.path) / "hub").string(),
            home.origin == "HOME"
                ? std::string("the default ~/.cache/huggingface/hub")
                : home.origin + "/" + (home.origin == "HF_HOME" ? "hub" : "huggingface/hub")};
}

} // namespace

HubSettings resolveHubSettings(const HubOptions &options)
{
    HubSettings s;
    s.endpoint = !options.endpoint.empty() ? options.endpoint : env("HF_ENDPOINT");
    if (s.endpoint.empty())
        s.endpoint = "https://huggingface.co";
    while (s.endpoint.size() > 1 && s.endpoint.back() == '/')
        s.endpoint.pop_back();
    if (s.endpoint.rfind("http://", 0) != 0 && s.endpoint.rfind("https://", 0) != 0)
        throw Error("hub endpoint '" + excerpt(s.endpoint) +
                    "' is not an http:// or https:// URL; fix HF_ENDPOINT (e.g. "
                    "https://huggingface.co or a mirror) or unset it");

    s.cacheDir = options.cacheDir;
    s.cacheSource = "the cache folder option";
    if (s.cacheDir.empty()) {
        const Located cache = hubCache();
        if (cache.path.empty())
            throw Error("cannot locate the Hugging Face cache: none of HF_HUB_CACHE, HF_HOME, "
                        "XDG_CACHE_HOME and HOME is set; set HF_HOME to a writable folder");
        s.cacheDir = cache.path;
        s.cacheSource = cache.origin;
    }

    s.token = options.token;
    if (!s.token.empty()) {
        s.tokenSource = "the token given to the download";
    } else if (const std::string token = trimmed(env("HF_TOKEN")); !token.empty()) {
        s.token = token;
        s.tokenSource = "HF_TOKEN";
    } else {
        std::string path = env("HF_TOKEN_PATH");
        if (path.empty() && !hfHome().path.empty())
            path = (fs::path(hfHome().path) / "token").string();
        std::ifstream in(path);
        std::string line;
        if (in && std::getline(in, line) && !trimmed(line).empty()) {
            s.token = trimmed(line);
            s.tokenSource = "the token file " + path;
        }
    }

    if (options.offline) {
        s.offline = true;
        s.offlineSource = "offline mode";
    } else if (isTrue(env("HF_HUB_OFFLINE"))) {
        s.offline = true;
        s.offlineSource = "HF_HUB_OFFLINE=" + excerpt(env("HF_HUB_OFFLINE"), 40);
    }

    // The variables Python's requests reads, so that one setting serves both (e.g. behind a
    // TLS-inspecting proxy).
    s.caBundle = options.caBundle;
    for (const char *name : {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"})
        if (s.caBundle.empty())
            s.caBundle = env(name);
    return s;
}

const char *kindName(RepoKind kind)
{
    return kind == RepoKind::Model ? "model" : "dataset";
}

std::string repoFolderName(const std::string &repo, RepoKind kind)
{
    const auto slash = repo.find('/');
    const std::string org = slash == std::string::npos ? std::string() : repo.substr(0, slash);
    const std::string name = slash == std::string::npos ? repo : repo.substr(slash + 1);
    auto valid = [](const std::string &part) {
        if (part.empty() || part.size() > 96 || part == "." || part == ".." ||
            part.find("--") != std::string::npos)
            return false;
        for (char c : part)
            if (!isNameChar(c))
                return false;
        return true;
    };
    if (!valid(name) || (slash != std::string::npos && !valid(org)))
        throw Error("'" + excerpt(repo) + "' is not a Hugging Face " + kindName(kind) +
                    " id: expected [organisation/]name of letters, digits, '-', '_' and '.' "
                    "(e.g. distilbert-base-uncased or SetFit/sst2)");
    std::string folder = kind == RepoKind::Model ? "models--" : "datasets--";
    folder += slash == std::string::npos ? name : org + "--" + name;
    return folder;
}

void checkRepoPath(const std::string &path, const std::string &what)
{
    // Control characters (NUL, newline, escape sequences) have no place in a file name: they cut
    // or forge messages and terminal output.
    bool ok = !path.empty() && path.front() != '/' && path.find('\\') == std::string::npos &&
              std::none_of(path.begin(), path.end(),
                           [](unsigned char c) { return c < 0x20 || c == 0x7F; });
    for (std::size_t begin = 0; ok && begin <= path.size();) {
        const auto end = std::min(path.find('/', begin), path.size());
        const std::string part = path.substr(begin, end - begin);
        ok = !part.empty() && part != "." && part != ".." && part.size() <= 255;
        begin = end + 1;
    }
    if (!ok)
        throw Error(what + " '" + excerpt(path) +
                    "' is not a safe relative path inside the repo (empty part, '..', '\\', a "
                    "control character, a part over 255 bytes or a leading '/'); refusing to "
                    "write it");
}

void checkRevision(const std::string &revision)
{
    checkRepoPath(revision, "revision");
    for (char c : revision)
        if (!isNameChar(c) && c != '/')
            throw Error("revision '" + excerpt(revision) +
                        "' has characters outside [A-Za-z0-9._/-]; give a branch, tag or commit");
}

void checkCacheName(const std::string &name, const std::string &what)
{
    bool ok = !name.empty() && name.size() <= 128 && name != "." && name != "..";
    for (char c : name)
        ok = ok && isNameChar(c);
    if (!ok)
        throw Error(what + " '" + excerpt(name) +
                    "' from the hub is not a plain name of letters, digits, '-', '_' and '.'; "
                    "the endpoint does not look like a Hugging Face hub");
}

bool looksLikeCommit(const std::string &revision)
{
    if (revision.size() != 40)
        return false;
    for (char c : revision)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

RepoCache::RepoCache(fs::path cacheRoot, const std::string &folderName)
    : m_cacheRoot(std::move(cacheRoot)), m_folderName(folderName), m_dir(m_cacheRoot / folderName)
{}

fs::path RepoCache::blobPath(const std::string &blob) const
{
    return m_dir / "blobs" / blob;
}

fs::path RepoCache::incompletePath(const std::string &blob) const
{
    return m_dir / "blobs" / (blob + ".incomplete");
}

fs::path RepoCache::snapshotDir(const std::string &commit) const
{
    return m_dir / "snapshots" / commit;
}

fs::path RepoCache::snapshotFile(const std::string &commit, const std::string &path) const
{
    return snapshotDir(commit) / fs::path(path);
}

fs::path RepoCache::refPath(const std::string &revision) const
{
    return m_dir / "refs" / fs::path(revision);
}

fs::path RepoCache::lockPath(const std::string &blob) const
{
    return m_cacheRoot / ".locks" / m_folderName / (blob + ".lock");
}

std::string RepoCache::readRef(const std::string &revision) const
{
    std::ifstream in(refPath(revision));
    std::string line;
    if (in && std::getline(in, line))
        return trimmed(line);
    return {};
}

void RepoCache::writeRef(const std::string &revision, const std::string &commit) const
{
    const fs::path path = refPath(revision);
    fs::create_directories(path.parent_path());
    const fs::path temp = path.string() + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << commit; // no newline, as huggingface_hub writes it
        if (!out.flush())
            throw Error(temp.string() + ": cannot write the revision reference (disk full or "
                                        "read-only cache?)");
    }
    fs::rename(temp, path);
}

void RepoCache::linkSnapshot(const std::string &commit, const std::string &path,
                             const std::string &blob) const
{
    const fs::path link = snapshotFile(commit, path);
    fs::create_directories(link.parent_path());
    // ../../blobs/<blob> from snapshots/<commit>/, one more ../ per folder inside the repo path.
    std::string target = "../../";
    for (char c : path)
        if (c == '/')
            target += "../";
    target += "blobs/" + blob;
    const fs::path temp = link.string() + ".tmp" + std::to_string(::getpid());
    std::error_code ec;
    fs::remove(temp, ec);
    fs::create_symlink(target, temp, ec);
    if (ec)
        fs::copy_file(blobPath(blob), temp, fs::copy_options::overwrite_existing);
    fs::rename(temp, link);
}

FileLock::FileLock(const fs::path &path, const std::atomic<bool> *cancel)
{
    fs::create_directories(path.parent_path());
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0)
        throw Error(path.string() + ": cannot create the lock file (is the cache writable?)");
    while (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        if (cancel && cancel->load()) {
            ::close(m_fd);
            m_fd = -1;
            throw DownloadCancelled("download cancelled while waiting for another process to "
                                    "finish writing " +
                                    path.stem().string());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

FileLock::~FileLock()
{
    if (m_fd >= 0) {
        ::flock(m_fd, LOCK_UN);
        ::close(m_fd);
    }
}

} // namespace sentilab::detail

namespace sentilab {

// The public cache-path queries of sentilab/hubclient.h live here, beside the layout they
// describe, so that readers of the cache need not link the HTTP client.
std::string hubCacheDir(const HubOptions &options)
{
    return detail::resolveHubSettings(options).cacheDir;
}

std::string hubCacheDirOrigin(const HubOptions &options)
{
    return detail::resolveHubSettings(options).cacheSource;
}

std::string hubEndpoint(const HubOptions &options)
{
    return detail::resolveHubSettings(options).endpoint;
}

std::string repoCacheDir(const std::string &repo, RepoKind kind, const HubOptions &options)
{
    return (fs::path(hubCacheDir(options)) / detail::repoFolderName(repo, kind)).string();
}

} // namespace sentilab
