#include <sentilab/runtime.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <unistd.h>

#include <ATen/Parallel.h>
#include <torch/version.h>

namespace sentilab {

void reportFileSizeLimitAsError()
{
    std::signal(SIGXFSZ, SIG_IGN);
}

void ensurePassiveOpenMpWaitPolicy(char **argv)
{
    if (std::getenv("OMP_WAIT_POLICY"))
        return;
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);
    // execv only returns on failure: carry on with OpenMP's default policy.
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
    return "LibTorch " TORCH_VERSION ", " + std::to_string(at::get_num_threads()) + " threads of " +
           std::to_string(std::thread::hardware_concurrency()) + " cores, " + cpu +
           ", OMP_WAIT_POLICY=" + (policy ? policy : "(default)");
}

} // namespace sentilab
