// libFuzzer target: the hub's file listing JSON (GET /api/models/<repo>/revision/<rev>), the
// input being the response body, through parseListing().
// A bug: a crash, a hang, an exception other than sentilab::Error, an ASan/UBSan report, or a
// broken contract: an accepted listing without a commit, or whose sha256 is not lower-case.
#include "hublisting.h"

#include <sentilab/error.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string body(reinterpret_cast<const char *>(data), size);
    try {
        const sentilab::detail::Listing listing = sentilab::detail::parseListing(
            body, "https://huggingface.co/api/models/x/revision/main", "model 'x'");
        if (listing.commit.empty())
            __builtin_trap();
        for (const sentilab::detail::RemoteFile &file : listing.files) {
            for (const char c : file.sha256) {
                if (std::isupper(static_cast<unsigned char>(c)))
                    __builtin_trap();
            }
            if (listing.find(file.path) == nullptr)
                __builtin_trap();
            volatile size_t sink = file.blobName().size();
            (void)sink;
        }
    } catch (const sentilab::Error &) {
    }
    return 0;
}
