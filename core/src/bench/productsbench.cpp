#include <sentilab/bench.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include <torch/nn/functional/linear.h>
#include <torch/utils.h>

#include "packedlinear.h"

namespace sentilab {

std::vector<ProductBenchRow> benchProducts(int repeats)
{
    torch::NoGradGuard noGrad;
    torch::manual_seed(0);
    const GemmIsa isa = bestGemmIsa();
    const auto median = [&](const auto &product) {
        product(); // warm-up
        std::vector<double> ms;
        for (int i = 0; i < std::max(3, repeats); ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            product();
            ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count());
        }
        std::sort(ms.begin(), ms.end());
        return ms[ms.size() / 2];
    };
    struct Case
    {
        torch::Tensor w, b, x;
        std::unique_ptr<PackedMatrix> packed;
    };
    std::vector<ProductBenchRow> rows;
    std::vector<Case> cases;
    // The encoder's three weight shapes (q/k/v/out, lin1, lin2) at batch-1 to evaluation sizes.
    for (const auto &[in, out] : {std::pair<int64_t, int64_t>{768, 768}, {768, 3072}, {3072, 768}})
        for (const int64_t m : {1, 16, 64, 256, 1024}) {
            Case c;
            c.w = torch::randn({out, in}) * 0.02;
            c.b = torch::randn({out}) * 0.02;
            c.x = torch::randn({m, in});
            c.packed = std::make_unique<PackedMatrix>(c.w.data_ptr<float>(), c.b.data_ptr<float>(),
                                                      out, in);
            ProductBenchRow row;
            row.rows = m, row.in = in, row.out = out;
            row.kernel = gemmIsaName(isa);
            rows.push_back(row);
            cases.push_back(std::move(c));
        }
    const auto flop = [](const ProductBenchRow &r) {
        return 2.0 * double(r.rows) * double(r.in) * double(r.out);
    };
    // All BLAS products first, then all packed ones: OpenBLAS's idle threads keep polling for
    // work for a while after each call and would take the cores from the packed product's.
    for (size_t i = 0; i < cases.size(); ++i)
        rows[i].blasGflops =
            flop(rows[i]) /
            (median([&] { torch::nn::functional::linear(cases[i].x, cases[i].w, cases[i].b); }) *
             1e6);
    if (isa == GemmIsa::None)
        return rows;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (size_t i = 0; i < cases.size(); ++i)
        rows[i].packedGflops =
            flop(rows[i]) /
            (median([&] { packedLinear(*cases[i].packed, cases[i].x, isa); }) * 1e6);
    return rows;
}

} // namespace sentilab
