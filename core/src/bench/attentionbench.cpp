#include <sentilab/bench.h>

#include <algorithm>
#include <chrono>

#include <torch/utils.h>

#include "attentionreference.h"

namespace sentilab {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

} // namespace

std::vector<AttentionBenchRow> benchAttention(int repeats, std::vector<int64_t> lengths)
{
    const int64_t batch = 32, dim = 768, heads = 12;
    std::vector<AttentionBenchRow> rows;
    torch::manual_seed(1);
    MultiHeadSelfAttentionOptions options;
    options.embedDim = dim;
    options.numHeads = heads;
    MultiHeadSelfAttention ours(options);
    torch::nn::MultiheadAttention ref = makeReferenceAttention(*ours);
    ours->eval();
    ref->eval();

    for (const bool backward : {false, true}) {
        for (const int64_t length : lengths) {
            const torch::Tensor x = torch::randn({batch, length, dim});
            const torch::Tensor xs = x.transpose(0, 1).contiguous(); // torch's [L, B, E] input
            const auto runOurs = [&] {
                if (!backward) {
                    torch::NoGradGuard noGrad;
                    ours->forward(x);
                    return;
                }
                const torch::Tensor in = x.detach().requires_grad_();
                ours->forward(in).output.sum().backward();
            };
            const auto runTorch = [&] {
                if (!backward) {
                    torch::NoGradGuard noGrad;
                    ref->forward(xs, xs, xs, {}, false);
                    return;
                }
                const torch::Tensor in = xs.detach().requires_grad_();
                std::get<0>(ref->forward(in, in, in, {}, false)).sum().backward();
            };
            runOurs(); // warm-up: allocator, OpenMP pool, BLAS buffers
            runTorch();
            std::vector<double> oursMs, torchMs;
            for (int r = 0; r < repeats; ++r) { // interleaved so drift hits both alike
                auto t0 = Clock::now();
                runOurs();
                auto t1 = Clock::now();
                runTorch();
                auto t2 = Clock::now();
                oursMs.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
                torchMs.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
            }
            AttentionBenchRow row;
            row.batch = batch;
            row.length = length;
            row.dim = dim;
            row.heads = heads;
            row.backward = backward;
            row.oursMs = median(oursMs);
            row.torchMs = median(torchMs);
            row.ratio = row.torchMs > 0 ? row.oursMs / row.torchMs : 0;
            rows.push_back(row);
        }
    }
    return rows;
}

} // namespace sentilab
