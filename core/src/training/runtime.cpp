#include <sentilab/runtime.h>

#include <algorithm>
#include <array>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <malloc.h>
#include <strings.h>
#include <thread>
#include <unistd.h>

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <sentilab/device.h>

#include "packedgemm.h"

namespace sentilab {
namespace {

// What each OpenBLAS x86-64 kernel needs, by the names openblas_get_corename() returns. Level
// orders them by vector width (0 SSE, 1 AVX, 2 AVX2+FMA, 3 AVX-512); the AMD kernels of the
// Bulldozer family need FMA4/XOP, which CpuFeatures does not track, so they are never forced.
struct KernelInfo
{
    const char *name;
    int level;
    bool forcible;
    bool needsBf16;
};
constexpr std::array kKernels = {
    KernelInfo{"Unknown", 0, false, false},     KernelInfo{"Katmai", 0, false, false},
    KernelInfo{"Coppermine", 0, false, false},  KernelInfo{"Northwood", 0, false, false},
    KernelInfo{"Prescott", 0, true, false},     KernelInfo{"Banias", 0, false, false},
    KernelInfo{"Atom", 0, false, false},        KernelInfo{"Core2", 0, true, false},
    KernelInfo{"Penryn", 0, true, false},       KernelInfo{"Dunnington", 0, false, false},
    KernelInfo{"Nehalem", 0, true, false},      KernelInfo{"Athlon", 0, false, false},
    KernelInfo{"Opteron", 0, false, false},     KernelInfo{"Opteron_SSE3", 0, false, false},
    KernelInfo{"Barcelona", 0, false, false},   KernelInfo{"Nano", 0, false, false},
    KernelInfo{"Bobcat", 0, false, false},      KernelInfo{"Sandybridge", 1, true, false},
    KernelInfo{"Bulldozer", 1, false, false},   KernelInfo{"Piledriver", 1, false, false},
    KernelInfo{"Steamroller", 1, false, false}, KernelInfo{"Excavator", 1, false, false},
    KernelInfo{"Haswell", 2, true, false},      KernelInfo{"Zen", 2, true, false},
    KernelInfo{"SkylakeX", 3, true, false},     KernelInfo{"Cooperlake", 3, true, true},
};

const KernelInfo *findKernel(const std::string &name)
{
    for (const KernelInfo &k : kKernels)
        if (strcasecmp(k.name, name.c_str()) == 0)
            return &k;
    return nullptr;
}

int cpuLevel(const CpuFeatures &cpu)
{
    if (cpu.avx512)
        return 3;
    if (cpu.avx2 && cpu.fma)
        return 2;
    return cpu.avx ? 1 : 0;
}

// OpenBLAS's introspection functions, looked up at run time: LibTorch links the BLAS through
// Debian's libblas.so.3 alternative, which may be OpenBLAS, BLIS or the reference BLAS.
const char *openBlasString(const char *symbol)
{
    using Fn = char *(*)();
    auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, symbol));
    return fn ? fn() : nullptr;
}

} // namespace

CpuFeatures hostCpuFeatures()
{
    __builtin_cpu_init();
    CpuFeatures f;
    f.amd = __builtin_cpu_is("amd");
    f.avx = __builtin_cpu_supports("avx");
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    // libgcc reports AVX-512 features only when the OS saves the 512-bit register state (XCR0).
    f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    f.avx512bf16 = f.avx512 && __builtin_cpu_supports("avx512bf16");
    return f;
}

bool cpuRunsOpenBlasKernel(const std::string &kernel, const CpuFeatures &cpu)
{
    const KernelInfo *k = findKernel(kernel);
    return k && k->forcible && k->level <= cpuLevel(cpu) && (!k->needsBf16 || cpu.avx512bf16);
}

std::string preferredOpenBlasKernel(const std::string &picked, const CpuFeatures &cpu)
{
    const KernelInfo *k = findKernel(picked);
    const int level = cpuLevel(cpu);
    if (!k || k->level >= level)
        return {};
    // AVX-512 AMD CPUs (Zen 4/5) also get SkylakeX: later OpenBLAS releases map them to it.
    if (level == 3)
        return "SkylakeX";
    if (level == 2)
        return cpu.amd ? "Zen" : "Haswell";
    return "Sandybridge";
}

std::string openBlasKernel()
{
    const char *name = openBlasString("openblas_get_corename");
    return name ? name : "";
}

void tuneRuntimeEnvironment(char **argv)
{
    bool changed = false;
    if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT")) {
        // Measured in docs/PERFORMANCE.md ("Threads"); libgomp lowers the count by itself when
        // more OpenMP threads than cores run (training and inference at once in the app).
        // Asked before the products choose their kernel (so that a bad SENTILAB_GEMM_KERNEL
        // is reported once, by the re-executed process).
        const char *kernel = std::getenv("SENTILAB_GEMM_KERNEL");
        if (!supportedGemmIsas().empty() && !(kernel && std::strcmp(kernel, "blas") == 0)) {
            setenv("OMP_WAIT_POLICY", "ACTIVE", 1);
            setenv("GOMP_SPINCOUNT", "20000", 1);
        } else {
            setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        }
        changed = true;
    }
    if (!std::getenv("OPENBLAS_CORETYPE")) {
        const std::string picked = openBlasKernel();
        const std::string better = preferredOpenBlasKernel(picked, hostCpuFeatures());
        if (!better.empty()) {
            setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
            setenv("SENTILAB_OPENBLAS_PICKED", picked.c_str(), 1);
            changed = true;
        }
    }
    if (changed)
        execv("/proc/self/exe", argv);
    // execv only returns on failure: carry on with the libraries' defaults.
    keepFreedMemoryForReuse();
}

void keepFreedMemoryForReuse()
{
    // A person who tunes malloc through the environment keeps their settings.
    if (std::getenv("GLIBC_TUNABLES") || std::getenv("MALLOC_MMAP_MAX_") ||
        std::getenv("MALLOC_TRIM_THRESHOLD_"))
        return;
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

void releaseFreedMemory()
{
    malloc_trim(0);
}

std::string blasSummary()
{
    const char *config = openBlasString("openblas_get_config");
    if (!config)
        return "BLAS: not OpenBLAS (whatever libblas.so.3 points to)";
    // openblas_get_config() is e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Prescott
    // MAX_THREADS=64"; keep the name and version, the kernel is reported on its own.
    std::string library = config;
    const auto second = library.find(' ', library.find(' ') + 1);
    if (second != std::string::npos)
        library.resize(second);
    std::string text = library + " kernel " + openBlasKernel();
    const char *forced = std::getenv("OPENBLAS_CORETYPE");
    const char *picked = std::getenv("SENTILAB_OPENBLAS_PICKED");
    if (forced && picked)
        text += std::string(" (set by SentiLab: OpenBLAS picked ") + picked + " for this CPU)";
    else if (forced)
        text += std::string(" (OPENBLAS_CORETYPE=") + forced + ")";
    else
        text += " (OpenBLAS's own choice)";
    return text;
}

void reportFileSizeLimitAsError()
{
    std::signal(SIGXFSZ, SIG_IGN);
}

void setComputeThreads(int threads)
{
    if (threads <= 0)
        threads = int(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(threads);
}

int computeThreads()
{
    return at::get_num_threads();
}

std::string environmentSummary()
{
    std::string cpu = "unknown CPU";
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    }
    const char *policy = std::getenv("OMP_WAIT_POLICY");
    const char *spins = std::getenv("GOMP_SPINCOUNT");
    return "LibTorch " TORCH_VERSION ", " + std::to_string(at::get_num_threads()) + " threads of " +
           std::to_string(std::thread::hardware_concurrency()) + " cores, " + cpu + ", " +
           blasSummary() + ", inference products " + packedGemmSummary() +
           ", OMP_WAIT_POLICY=" + (policy ? policy : "(default)") +
           (spins ? std::string(" GOMP_SPINCOUNT=") + spins : std::string()) + ", " +
           deviceSummary();
}

} // namespace sentilab
