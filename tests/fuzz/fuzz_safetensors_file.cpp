// libFuzzer target: the whole .safetensors load, file bytes -> float32 tensors, as
// loadStateDict() does for model.safetensors (mmap, header, dtype conversion, copies).
// Any input must load or throw sentilab::Error. A bug: a crash, a hang, any other exception, an
// ASan/UBSan report, or a loaded tensor that is not a readable contiguous float32 CPU tensor.
#include "statedict.h"

#include "fuzztempfile.h"
#include "fuzztensors.h"

#include <sentilab/error.h>

#include <ATen/Parallel.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    at::set_num_threads(1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string path = sentilab::fuzz::writeTempFile("model.safetensors", data, size);
    try {
        sentilab::fuzz::checkTensors(sentilab::loadStateDict(path));
    } catch (const sentilab::Error &) {
    }
    return 0;
}
