#pragma once
// Where training runs: the CPU, or a CUDA GPU when this LibTorch build and the machine have one.
// Torch-free, so that the desktop app can offer the choice without LibTorch headers.
#include <string>
#include <vector>

namespace sentilab {

// The values train.device accepts, in the order a settings list shows them.
const std::vector<std::string> &deviceChoices(); // {"auto", "cpu", "cuda"}

// True when this LibTorch build has CUDA and at least one GPU is visible (Debian's: never).
bool cudaAvailable();

// What train.device = `choice` means on this machine: "cuda" or "cpu". "auto" picks CUDA when
// cudaAvailable(). Throws Error for "cuda" without CUDA, and for an unknown choice.
std::string resolveDevice(const std::string &choice);

// Throws Error unless train.precision `precision` can run on the resolved `device`: "bf16"
// (autocast) is offered on CUDA only; "fp32" runs anywhere.
void checkPrecision(const std::string &precision, const std::string &device);

// One phrase for --version --verbose, bench, About and a run's environment: "devices: CPU only
// (this LibTorch build has no CUDA)" or "devices: CPU and 1 CUDA GPU".
std::string deviceSummary();

} // namespace sentilab
