#include <sentilab/device.h>

#include <ATen/Context.h>
#include <torch/cuda.h>

#include <sentilab/error.h>

namespace sentilab {

const std::vector<std::string> &deviceChoices()
{
    static const std::vector<std::string> choices = {"auto", "cpu", "cuda"};
    return choices;
}

bool cudaAvailable()
{
    return torch::cuda::is_available();
}

std::string resolveDevice(const std::string &choice)
{
    if (choice == "cpu")
        return "cpu";
    if (choice == "auto")
        return cudaAvailable() ? "cuda" : "cpu";
    if (choice == "cuda") {
        if (cudaAvailable())
            return "cuda";
        throw Error(std::string("train.device: 'cuda' was asked for, but ") +
                    (at::hasCUDA() ? "no CUDA GPU is visible to this process"
                                   : "this LibTorch build has no CUDA (Debian's is CPU-only)") +
                    "; use train.device: auto or cpu (--device auto), or build SentiLab against a "
                    "CUDA-enabled LibTorch");
    }
    throw Error("train.device: expected one of auto, cpu, cuda, got '" + choice + "'");
}

void checkPrecision(const std::string &precision, const std::string &device)
{
    if (precision == "fp32")
        return;
    if (precision != "bf16")
        throw Error("train.precision: expected fp32 or bf16, got '" + precision + "'");
    if (device != "cuda")
        throw Error("train.precision: bf16 runs on a CUDA GPU only, and this run trains on the "
                    "CPU; use train.precision: fp32 here");
}

std::string deviceSummary()
{
    if (!at::hasCUDA())
        return "devices: CPU only (this LibTorch build has no CUDA)";
    const auto gpus = torch::cuda::device_count();
    if (gpus == 0)
        return "devices: CPU only (CUDA build, no GPU visible)";
    return "devices: CPU and " + std::to_string(gpus) + " CUDA GPU" + (gpus == 1 ? "" : "s");
}

} // namespace sentilab
