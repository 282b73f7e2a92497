// libFuzzer target: pytorch_model.bin loading through loadStateDict() (zip reader, storage
// records, LibTorch's unpickler, bounds checks, dtype conversion). Byte 0 picks the mode:
//  - even: the rest is the file itself (exercises the zip parsing);
//  - odd: the rest is "PICKLE(\xffREC:NAME\nBYTES)*": data.pkl and the records data/NAME, which
//    are zipped here with correct CRCs, so that mutations reach the unpickler and storage checks.
// Any input must load or throw sentilab::Error. A bug: a crash, a hang, any other exception
// (c10::Error included: core must rewrap it), an ASan/UBSan report, or a loaded tensor that is
// not a readable contiguous float32 CPU tensor.
#include "statedict.h"

#include "fuzztempfile.h"
#include "fuzztensors.h"

#include <sentilab/error.h>

#include <ATen/Parallel.h>
#include <caffe2/serialize/inline_container.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view kSeparator = "\xffREC:";

bool isPlainName(std::string_view name)
{
    if (name.empty() || name.size() > 64)
        return false;
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '/'))
            return false;
    }
    return true;
}

// The zip torch.save would write for these records; empty when the input does not describe a
// well-formed set of records (a harness limit, not a finding).
std::string assemble(std::string_view input)
{
    std::string zip;
    try {
        caffe2::serialize::PyTorchStreamWriter writer([&zip](const void *data, size_t size) {
            zip.append(static_cast<const char *>(data), size);
            return size;
        });
        std::set<std::string> names;
        size_t end = input.find(kSeparator);
        const std::string_view pickle = input.substr(0, end);
        writer.writeRecord("data.pkl", pickle.data(), pickle.size());
        while (end != std::string_view::npos) {
            const size_t nameStart = end + kSeparator.size();
            const size_t newline = input.find('\n', nameStart);
            if (newline == std::string_view::npos)
                return {};
            const std::string name(input.substr(nameStart, newline - nameStart));
            end = input.find(kSeparator, newline + 1);
            const std::string_view bytes =
                input.substr(newline + 1, end == std::string_view::npos ? std::string_view::npos
                                                                        : end - newline - 1);
            if (!isPlainName(name) || !names.insert(name).second || name == "data.pkl" ||
                name == "version")
                return {};
            writer.writeRecord(name, bytes.data(), bytes.size());
        }
        writer.writeEndOfFile();
    } catch (const c10::Error &) {
        return {};
    }
    return zip;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    at::set_num_threads(1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    std::string file(reinterpret_cast<const char *>(data + 1), size - 1);
    if (data[0] & 1) {
        file = assemble(file);
        if (file.empty())
            return 0;
    }
    const std::string path = sentilab::fuzz::writeTempFile(
        "pytorch_model.bin", reinterpret_cast<const uint8_t *>(file.data()), file.size());
    try {
        sentilab::fuzz::checkTensors(sentilab::loadStateDict(path));
    } catch (const sentilab::Error &) {
    }
    return 0;
}
