#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include <sentilab/bench.h>
#include <sentilab/error.h>
#include <sentilab/runtime.h>

#include "commands.h"

namespace sentilab::cli {
namespace {

// Reference data folder: $SENTILAB_SHARED_DIR, else ../shared beside the working directory.
std::string sharedPath(const std::string &relative)
{
    const char *env = std::getenv("SENTILAB_SHARED_DIR");
    return (std::filesystem::path(env ? env : "../shared") / relative).string();
}

struct BenchOptions
{
    bool json = false;                 // machine-readable output on stdout
    std::vector<std::string> sections; // empty = all
    std::string vocab = sharedPath("models/distilbert-base-uncased/vocab.txt");
    std::string data = sharedPath("data/sst2/train.jsonl");
    int repeats = 10;                  // timed repetitions per measurement
};

bool wanted(const BenchOptions &o, const std::string &section)
{
    return o.sections.empty()
           || std::find(o.sections.begin(), o.sections.end(), section) != o.sections.end();
}

void runBench(const BenchOptions &o)
{
    nlohmann::json report = {{"environment", environmentSummary()}};
    if (!o.json)
        std::printf("environment: %s\n", environmentSummary().c_str());

    if (wanted(o, "matmul")) {
        const MatmulBenchResult m = benchMatmul(o.repeats);
        report["matmul"] = {{"shape", {m.m, m.k, m.n}}, {"median_ms", m.medianMs}, {"gflops", m.gflops}};
        if (!o.json)
            std::printf("\nmatmul peak: %lldx%lld x %lldx%lld float32: %.2f ms, %.1f GFLOP/s\n",
                        (long long)m.m, (long long)m.k, (long long)m.k, (long long)m.n, m.medianMs,
                        m.gflops);
    }
    if (wanted(o, "tokenizer")) {
        const TokenizerBenchResult t = benchTokenizer(o.vocab, o.data);
        report["tokenizer"] = {{"sentences", t.sentences}, {"tokens", t.tokens},
                               {"seconds", t.seconds}, {"sentences_per_s", t.sentencesPerSecond},
                               {"tokens_per_s", t.tokensPerSecond}, {"data", o.data}};
        if (!o.json)
            std::printf("\ntokenizer (1 thread, %s): %.0f sentences/s, %.0f tokens/s "
                        "(%lld sentences in %.2f s)\n",
                        o.data.c_str(), t.sentencesPerSecond, t.tokensPerSecond,
                        (long long)t.sentences, t.seconds);
    }
    if (wanted(o, "attention")) {
        const auto rows = benchAttention(o.repeats);
        report["attention"] = nlohmann::json::array();
        if (!o.json)
            std::printf("\nattention, ours vs torch::nn::MultiheadAttention (median of %d):\n"
                        "%-16s %-7s %10s %10s %7s\n",
                        o.repeats, "shape B x L", "pass", "ours ms", "torch ms", "ratio");
        for (const auto &r : rows) {
            report["attention"].push_back({{"batch", r.batch}, {"length", r.length},
                                           {"dim", r.dim}, {"heads", r.heads},
                                           {"backward", r.backward}, {"ours_ms", r.oursMs},
                                           {"torch_ms", r.torchMs}, {"ratio", r.ratio}});
            if (!o.json)
                std::printf("%3lld x %-10lld %-7s %10.2f %10.2f %7.3f\n", (long long)r.batch,
                            (long long)r.length, r.backward ? "fwd+bwd" : "fwd", r.oursMs,
                            r.torchMs, r.ratio);
        }
    }
    if (o.json)
        std::cout << report.dump(2) << '\n';
}

} // namespace

void addBenchCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand(
        "bench", "Measure performance: matmul peak, tokenizer throughput, attention vs torch");
    auto o = std::make_shared<BenchOptions>();
    cmd->add_flag("--json", o->json, "Print one JSON object instead of tables");
    cmd->add_option("--only", o->sections, "Sections to run (default: all)")
        ->check(CLI::IsMember({"matmul", "tokenizer", "attention"}));
    cmd->add_option("--vocab", o->vocab, "vocab.txt for the tokenizer benchmark")->capture_default_str();
    cmd->add_option("--data", o->data, "SST-2 JSONL/TSV file for the tokenizer benchmark")
        ->capture_default_str();
    cmd->add_option("--repeats", o->repeats, "Timed repetitions per measurement")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->callback([o, &exitCode] {
        runBench(*o);
        exitCode = 0;
    });
}

} // namespace sentilab::cli
