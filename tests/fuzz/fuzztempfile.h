#pragma once
// For fuzz targets whose API takes a path: one private folder per process (under $TMPDIR, which
// run_fuzz.sh points into its work folder), removed at normal exit; files in it are overwritten
// for every input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace sentilab::fuzz {

inline const std::string &tempDir()
{
    // Never destroyed: the exit handler below still needs it after static destructors ran.
    static const std::string &dir = *new std::string([] {
        const char *base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/sentilab-fuzz-XXXXXX";
        if (!::mkdtemp(pattern.data()))
            std::abort();
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(tempDir(), ec);
        });
        return pattern;
    }());
    return dir;
}

// Writes `size` bytes to tempDir()/name and returns the path; aborts when it cannot (a broken
// harness, not a finding in the code under test).
inline std::string writeTempFile(const std::string &name, const uint8_t *data, size_t size)
{
    const std::string path = tempDir() + "/" + name;
    std::FILE *file = std::fopen(path.c_str(), "wb");
    if (!file || (size > 0 && std::fwrite(data, 1, size, file) != size) || std::fclose(file) != 0)
        std::abort();
    return path;
}

} // namespace sentilab::fuzz
