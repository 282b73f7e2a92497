#pragma once
// Process-wide compute settings (LibTorch/OpenMP threads) and an environment description.
#include <string>

namespace sentilab {

// OpenMP reads OMP_WAIT_POLICY once, when the runtime loads (before main), and its default
// spin-waiting made batch-1 inference 2-3x slower and noisy on 2-core machines. When the variable
// is unset this sets it to PASSIVE and re-executes the program (/proc/self/exe) with the same
// arguments; it returns normally when the variable was already set or re-execution failed.
// Call it first thing in main().
void ensurePassiveOpenMpWaitPolicy(char **argv);

// Ignores SIGXFSZ, so that a write past the file-size limit (ulimit -f, some quota setups) fails
// with EFBIG and becomes the usual error naming the file, instead of killing the process with the
// run left "running". Call it early in main().
void reportFileSizeLimitAsError();

// Intra-op threads for LibTorch; 0 = one per available core.
void setComputeThreads(int threads);
int computeThreads();

// One line: LibTorch version, threads, BLAS, CPU model, OMP_WAIT_POLICY.
std::string environmentSummary();

} // namespace sentilab
