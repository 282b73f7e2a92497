// libFuzzer target: pytorch_model.bin loading, file bytes -> float32 tensors, through
// loadStateDict() (zip reader, storage records, LibTorch's unpickler, bounds checks, dtype
// conversion). Any input must load or throw sentilab::Error. A bug: a crash, a hang, any other
// exception (c10::Error included: core must rewrap it), an ASan/UBSan report, or a loaded tensor
// that is not a readable contiguous float32 CPU tensor.
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
    const std::string path = sentilab::fuzz::writeTempFile("pytorch_model.bin", data, size);
    try {
        sentilab::fuzz::checkTensors(sentilab::loadStateDict(path));
    } catch (const sentilab::Error &) {
    }
    return 0;
}
