#include <sentilab/cachedsnapshot.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <tuple>

#include <sys/stat.h>

#include <sentilab/error.h>

#include "hubcache.h"

namespace fs = std::filesystem;

namespace sentilab {
namespace {

// Modification time in nanoseconds of `path` itself and, through a symlink, of its target.
int64_t newestTime(const fs::path &path)
{
    int64_t newest = 0;
    struct stat st
    {
    };
    if (::lstat(path.c_str(), &st) == 0)
        newest =
            std::max<int64_t>(newest, int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
    if (::stat(path.c_str(), &st) == 0)
        newest =
            std::max<int64_t>(newest, int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
    return newest;
}

std::vector<std::string> alternatives(const std::string &required)
{
    std::vector<std::string> names;
    for (std::size_t begin = 0; begin <= required.size();) {
        const auto end = std::min(required.find('|', begin), required.size());
        names.push_back(required.substr(begin, end - begin));
        begin = end + 1;
    }
    return names;
}

std::string readRefMain(const fs::path &repoDir)
{
    std::ifstream in(repoDir / "refs" / "main");
    std::string line;
    if (!in || !std::getline(in, line))
        return {};
    const auto begin = line.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos)
        return {};
    return line.substr(begin, line.find_last_not_of(" \t\r\n") - begin + 1);
}

} // namespace

const std::vector<std::string> &distilBertRepoIds()
{
    static const std::vector<std::string> ids = {"distilbert-base-uncased",
                                                 "distilbert/distilbert-base-uncased"};
    return ids;
}

const char *sst2RepoId()
{
    return "SetFit/sst2";
}

SnapshotSearch findCachedSnapshot(const std::string &cacheRoot,
                                  const std::vector<std::string> &repoIds, RepoKind kind,
                                  const std::vector<std::string> &requiredFiles)
{
    SnapshotSearch result;
    // (time, named by refs/main, path) of the best candidate so far.
    std::tuple<int64_t, bool, std::string> best{-1, false, {}};
    for (const std::string &repo : repoIds) {
        const fs::path repoDir = fs::path(cacheRoot) / detail::repoFolderName(repo, kind);
        const fs::path snapshots = repoDir / "snapshots";
        std::error_code ec;
        if (!fs::is_directory(snapshots, ec)) {
            result.looked.push_back(snapshots.string() + ": no such folder");
            continue;
        }
        const std::string refMain = readRefMain(repoDir);
        std::vector<fs::path> dirs;
        for (fs::directory_iterator it(snapshots, ec), end; !ec && it != end; it.increment(ec))
            if (it->is_directory(ec))
                dirs.push_back(it->path());
        if (ec)
            result.looked.push_back(snapshots.string() + ": cannot read (" + ec.message() + ")");
        else if (dirs.empty())
            result.looked.push_back(snapshots.string() + ": no snapshots");
        std::sort(dirs.begin(), dirs.end());
        for (const fs::path &dir : dirs) {
            int64_t time = newestTime(dir);
            std::vector<std::string> missing;
            for (const std::string &required : requiredFiles) {
                bool found = false;
                for (const std::string &name : alternatives(required)) {
                    const fs::path file = dir / name;
                    if (fs::is_regular_file(file, ec)) { // follows the link to the blob
                        time = std::max(time, newestTime(file));
                        found = true;
                        break;
                    }
                }
                if (!found)
                    missing.push_back(required);
            }
            if (!missing.empty()) {
                std::string line = dir.string() + ": has no ";
                for (std::size_t i = 0; i < missing.size(); ++i) {
                    std::string names = missing[i];
                    for (std::size_t bar; (bar = names.find('|')) != std::string::npos;)
                        names.replace(bar, 1, " or ");
                    line += (i ? ", no " : "") + names;
                }
                result.looked.push_back(line);
                continue;
            }
            const std::tuple<int64_t, bool, std::string> candidate{
                time, dir.filename().string() == refMain, dir.string()};
            if (candidate > best) {
                best = candidate;
                result.dir = dir.string();
                result.repo = repo;
            }
        }
    }
    return result;
}

SnapshotSearch findCachedSnapshot(const std::vector<std::string> &repoIds, RepoKind kind,
                                  const std::vector<std::string> &requiredFiles)
{
    std::string root;
    try {
        root = hubCacheDir(HubOptions{});
    } catch (const Error &e) {
        SnapshotSearch none;
        none.looked.push_back(e.what());
        return none;
    }
    return findCachedSnapshot(root, repoIds, kind, requiredFiles);
}

} // namespace sentilab
