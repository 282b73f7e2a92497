#include <cstdio>

#include <sentilab/attentioncheck.h>

#include "commands.h"

namespace sentilab::cli {

void addCheckAttentionCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand(
        "check-attention",
        "Compare our multi-head self-attention with torch::nn::MultiheadAttention (identical "
        "weights) on randomised cases; exits 1 if any case differs beyond 1e-5 (float32) or "
        "1e-10 (float64)");
    auto cases = std::make_shared<int>(60);
    auto seed = std::make_shared<uint64_t>(20240611);
    cmd->add_option("--cases", *cases, "Number of cases (the first 8 are fixed corner cases)")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--seed", *seed, "Random seed for shapes, inputs and weights")
        ->capture_default_str();
    cmd->callback([cases, seed, &exitCode] {
        std::printf("%4s  %-22s %-5s %-4s %-4s %-4s %12s %12s %12s  %s\n", "case", "shape", "dtype",
                    "bias", "kpm", "mask", "out diff", "avg-w diff", "head-w diff", "result");
        int failed = 0;
        const auto results = runAttentionChecks(*cases, *seed);
        for (const auto &c : results) {
            failed += !c.passed;
            std::printf("%4d  %-22s %-5s %-4s %-4s %-4s %12.3e %12.3e %12.3e  %s\n", c.index,
                        c.shape().c_str(), c.float64 ? "f64" : "f32", c.bias ? "yes" : "no",
                        c.keyPaddingMask ? "yes" : "no", c.attentionMask ? "yes" : "no",
                        c.maxDiffOutput, c.maxDiffWeights, c.maxDiffHeadWeights,
                        c.passed ? "pass" : "FAIL");
        }
        std::printf("%zu cases, %d failed (tolerance: 1e-5 float32, 1e-10 float64)\n",
                    results.size(), failed);
        exitCode = failed ? 1 : 0;
    });
}

} // namespace sentilab::cli
