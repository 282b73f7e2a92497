#include "durablefiles.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include <sentilab/error.h>

namespace fs = std::filesystem;

namespace sentilab {

void syncPath(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw Error(path + ": cannot open it to flush it to disk (" + std::strerror(errno) + ")");
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    // Some filesystems cannot fsync a folder (EINVAL); the data files themselves were synced.
    if (rc != 0 && err != EINVAL)
        throw Error(path + ": flushing to disk failed (" + std::strerror(err) +
                    "); is the disk full?");
}

void syncFolder(const std::string &dir)
{
    std::error_code ec;
    for (const fs::directory_entry &entry : fs::directory_iterator(dir, ec))
        if (entry.is_regular_file(ec))
            syncPath(entry.path().string());
    if (ec)
        throw Error(dir + ": cannot list the folder (" + ec.message() + ")");
    syncPath(dir);
}

void replaceDirectory(const std::string &tmpDir, const std::string &dir)
{
    syncFolder(tmpDir);
    const std::string parent = fs::path(dir).parent_path().string();
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        if (std::rename(tmpDir.c_str(), dir.c_str()) != 0)
            throw Error(dir + ": cannot move the new checkpoint into place (" +
                        std::strerror(errno) + ")");
        syncPath(parent.empty() ? "." : parent);
        return;
    }
    if (::renameat2(AT_FDCWD, tmpDir.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) == 0) {
        syncPath(parent.empty() ? "." : parent);
        fs::remove_all(tmpDir, ec); // now the previous checkpoint
        return;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        throw Error(dir + ": cannot swap in the new checkpoint (" + std::strerror(errno) + ")");
    const std::string old = dir + ".old";
    fs::remove_all(old, ec);
    fs::rename(dir, old, ec);
    if (ec)
        throw Error(dir + ": cannot move the previous checkpoint aside (" + ec.message() + ")");
    fs::rename(tmpDir, dir, ec);
    if (ec)
        throw Error(dir + ": cannot move the new checkpoint into place (" + ec.message() + ")");
    syncPath(parent.empty() ? "." : parent);
    fs::remove_all(old, ec);
}

bool recoverDirectory(const std::string &dir)
{
    std::error_code ec;
    const std::string old = dir + ".old";
    if (fs::exists(dir, ec) || !fs::is_directory(old, ec))
        return false;
    fs::rename(old, dir, ec);
    return !ec;
}

} // namespace sentilab
