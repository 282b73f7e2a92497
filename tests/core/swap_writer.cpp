// Child process of tst_faults' swap test: replaces the folder DIR with a new complete generation
// over and over, the way the trainer replaces checkpoint folders, until it is killed with SIGKILL.
// Each generation holds two files of kFileBytes bytes, every byte the generation number mod 251,
// so the parent can tell a complete folder from a torn one.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sentilab/error.h>

#include "durablefiles.h"

namespace fs = std::filesystem;

constexpr std::size_t kFileBytes = 256 * 1024;

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: swap_writer DIR\n");
        return 2;
    }
    const std::string dir = argv[1];
    const std::string tmp = dir + ".tmp";
    try {
        sentilab::recoverDirectory(dir);
        fs::remove_all(tmp); // a generation that a kill interrupted before its swap
        for (unsigned generation = 1;; ++generation) {
            fs::create_directories(tmp);
            const std::vector<char> bytes(kFileBytes, char(generation % 251));
            for (const char *name : {"a.bin", "b.bin"}) {
                std::ofstream out(fs::path(tmp) / name, std::ios::binary);
                out.write(bytes.data(), std::streamsize(bytes.size()));
                if (!out)
                    throw sentilab::Error(std::string("writing ") + name + " failed");
            }
            sentilab::syncFolder(tmp);
            sentilab::replaceDirectory(tmp, dir);
            std::printf("%u\n", generation);
            std::fflush(stdout);
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "swap_writer: %s\n", e.what());
        return 1;
    }
}
