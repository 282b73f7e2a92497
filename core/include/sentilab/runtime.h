#pragma once
// Process-wide compute settings (BLAS kernel, LibTorch/OpenMP threads) and an environment
// description.
#include <string>

namespace sentilab {

// Settles, before any computation, the environment variables that the BLAS and OpenMP libraries
// only read while they load (before main):
// - OMP_WAIT_POLICY and GOMP_SPINCOUNT (when the user set neither): libgomp's default of ~300,000
//   spins fought OpenBLAS's own threads on 2-core machines (batch-1 inference through the BLAS 2-3x
//   slower), while sleeping at once (PASSIVE) costs a futex wake-up at each of the ~40 parallel
//   regions of a packed-products forward (~40% of a 16-token sentence). With the packed products
//   (packedgemm.h: AVX2 or AVX-512) they become ACTIVE with 20,000 spins; without them PASSIVE.
// - OPENBLAS_CORETYPE: Debian's OpenBLAS 0.3.21 falls back to generic SSE3 kernels ("Prescott") on
//   CPU models newer than it knows (e.g. recent Xeons), 3-6x slower at matmul. When unset and the
//   kernel OpenBLAS chose is below what the CPU supports, it becomes preferredOpenBlasKernel().
// When either changes, the program re-executes itself (/proc/self/exe) with the same arguments;
// SENTILAB_OPENBLAS_PICKED then records OpenBLAS's own choice for blasSummary(). It returns
// normally when nothing needed changing or re-execution failed, after keepFreedMemoryForReuse().
// Call it first thing in main().
void tuneRuntimeEnvironment(char **argv);

// glibc serves every allocation above 32 MB (and, adaptively, smaller ones) with a fresh mmap and
// unmaps it on free, so each training step page-faulted and zero-filled its large tensors anew
// (the 94 MB word-embedding gradient, the FFN activations): elementwise operators ran 3x slower
// and a step ~12% slower. This serves all allocations from the heap and keeps freed memory there
// for the next step (M_MMAP_MAX 0, M_TRIM_THRESHOLD INT_MAX). Peak memory is unchanged; memory
// freed after the peak stays with the process until releaseFreedMemory(). Skipped when
// GLIBC_TUNABLES, MALLOC_MMAP_MAX_ or MALLOC_TRIM_THRESHOLD_ is set.
void keepFreedMemoryForReuse();

// Returns the heap's free memory to the system (malloc_trim); the trainer and evaluation call it
// when they finish, so a desktop app that trained once does not keep the step's peak.
void releaseFreedMemory();
struct ReleaseFreedMemoryOnExit
{
    ReleaseFreedMemoryOnExit() = default;
    ReleaseFreedMemoryOnExit(const ReleaseFreedMemoryOnExit &) = delete;
    ReleaseFreedMemoryOnExit &operator=(const ReleaseFreedMemoryOnExit &) = delete;
    ~ReleaseFreedMemoryOnExit() { releaseFreedMemory(); }
};

// The OpenBLAS kernel worth forcing for this CPU instead of `picked` (OpenBLAS's own choice), or ""
// when `picked` is already as capable as the CPU allows or is a kernel this table does not know.
// Kernels by instruction set: AVX-512 (F/BW/DQ/VL) -> SkylakeX, AVX2+FMA -> Haswell (Zen on AMD),
// AVX -> Sandybridge. Pure: the CPU's features are arguments, so every row is testable anywhere.
struct CpuFeatures
{
    bool amd = false;
    bool avx = false;
    bool avx2 = false;
    bool fma = false;
    bool avx512 = false; // F, BW, DQ and VL together, with OS support for the 512-bit state
    bool avx512bf16 = false;
};
CpuFeatures hostCpuFeatures();
std::string preferredOpenBlasKernel(const std::string &picked, const CpuFeatures &cpu);

// Whether this CPU can run the named OpenBLAS kernel (false for names the table does not know).
bool cpuRunsOpenBlasKernel(const std::string &kernel, const CpuFeatures &cpu);

// The OpenBLAS kernel in use ("SkylakeX"), or "" when the loaded BLAS is not OpenBLAS.
std::string openBlasKernel();

// One phrase: BLAS library, kernel and who chose it, e.g. "OpenBLAS 0.3.21 kernel SkylakeX
// (set by SentiLab: OpenBLAS picked Prescott for this CPU)".
std::string blasSummary();

// Ignores SIGXFSZ, so that a write past the file-size limit (ulimit -f, some quota setups) fails
// with EFBIG and becomes the usual error naming the file, instead of killing the process with the
// run left "running". Call it early in main().
void reportFileSizeLimitAsError();

// Intra-op threads for LibTorch; 0 = one per available core.
void setComputeThreads(int threads);
int computeThreads();

// One line: LibTorch version, threads, BLAS library and kernel, CPU model, OMP_WAIT_POLICY.
std::string environmentSummary();

} // namespace sentilab
