#pragma once
// Making checkpoint folders survive crashes and power loss. Torch-free.
#include <string>

namespace sentilab {

// fsync()s a file or a folder (a folder's fsync makes the names inside it durable). Throws
// sentilab::Error naming the path when it cannot be opened or synced.
void syncPath(const std::string &path);

// fsync()s every regular file directly inside `dir`, then `dir` itself.
void syncFolder(const std::string &dir);

// Puts the complete folder `tmpDir` in place of `dir`. With an existing `dir` the two are swapped
// in one atomic renameat2(RENAME_EXCHANGE), so at every instant `dir` is either the old or the new
// folder, never missing; the old one is removed afterwards. Filesystems without RENAME_EXCHANGE
// fall back to two renames through "<dir>.old", which recoverDirectory() repairs after a crash.
// Everything is fsync'd before and after the swap. Throws sentilab::Error naming the folders.
void replaceDirectory(const std::string &tmpDir, const std::string &dir);

// After a crash in replaceDirectory's fallback path: when `dir` is missing but "<dir>.old" exists,
// moves it back. Returns true when it did.
bool recoverDirectory(const std::string &dir);

} // namespace sentilab
