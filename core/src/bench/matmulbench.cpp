#include <sentilab/bench.h>

#include <algorithm>
#include <chrono>

#include <torch/utils.h>

namespace sentilab {

MatmulBenchResult benchMatmul(int repeats)
{
    MatmulBenchResult r;
    r.m = 2048, r.k = 768, r.n = 3072;
    torch::NoGradGuard noGrad;
    const torch::Tensor a = torch::randn({r.m, r.k});
    const torch::Tensor b = torch::randn({r.k, r.n});
    torch::Tensor c = torch::matmul(a, b); // warm-up
    std::vector<double> ms;
    for (int i = 0; i < std::max(1, repeats); ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        torch::matmul_out(c, a, b);
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    std::sort(ms.begin(), ms.end());
    r.medianMs = ms[ms.size() / 2];
    r.gflops = 2.0 * double(r.m) * double(r.k) * double(r.n) / (r.medianMs * 1e6);
    return r;
}

} // namespace sentilab
