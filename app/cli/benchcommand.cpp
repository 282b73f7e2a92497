#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <unistd.h>

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
    std::string testData = sharedPath("data/sst2/test.jsonl");
    int repeats = 10;   // timed repetitions per measurement
    int trainSteps = 8; // timed training steps (full-size model)
};

// Single-quotes `s` for /bin/sh.
std::string shellQuoted(const std::string &s)
{
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

struct KernelRow
{
    std::string kernel;
    double gflops = 0; // 0 when the child failed
};

// The matmul benchmark once per OpenBLAS kernel this CPU can run, each in a child process of this
// executable with OPENBLAS_CORETYPE forced (OpenBLAS picks its kernel once, when it loads).
std::vector<KernelRow> benchKernels(int repeats)
{
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        throw Error("bench kernels: cannot find this executable (/proc/self/exe)");
    self[n] = 0;
    std::vector<KernelRow> rows;
    for (const char *kernel : {"Prescott", "Sandybridge", "Haswell", "Zen", "SkylakeX"}) {
        if (!cpuRunsOpenBlasKernel(kernel, hostCpuFeatures()))
            continue;
        const std::string command = std::string("OPENBLAS_CORETYPE=") + kernel + " " +
                                    shellQuoted(self) + " bench --only matmul --json --repeats " +
                                    std::to_string(repeats) + " 2>/dev/null";
        std::string out;
        if (FILE *pipe = popen(command.c_str(), "r")) {
            char buffer[4096];
            for (size_t got; (got = fread(buffer, 1, sizeof buffer, pipe)) > 0;)
                out.append(buffer, got);
            pclose(pipe);
        }
        KernelRow row{kernel};
        const auto report = nlohmann::json::parse(out, nullptr, false);
        if (report.is_object() && report.contains("matmul"))
            row.gflops = report["matmul"].value("gflops", 0.0);
        rows.push_back(row);
    }
    return rows;
}

bool wanted(const BenchOptions &o, const std::string &section)
{
    return o.sections.empty() ||
           std::find(o.sections.begin(), o.sections.end(), section) != o.sections.end();
}

void runBench(const BenchOptions &o)
{
    nlohmann::json report = {{"environment", environmentSummary()}, {"blas", blasSummary()}};
    if (!o.json)
        std::printf("environment: %s\n", environmentSummary().c_str());

    double peak = 0;
    if (wanted(o, "matmul") || wanted(o, "training") || wanted(o, "kernels")) {
        const MatmulBenchResult m = benchMatmul(o.repeats);
        peak = m.gflops;
        report["matmul"] = {
            {"shape", {m.m, m.k, m.n}}, {"median_ms", m.medianMs}, {"gflops", m.gflops}};
        if (!o.json)
            std::printf("\nmatmul peak: %lldx%lld x %lldx%lld float32: %.2f ms, %.1f GFLOP/s\n",
                        (long long)m.m, (long long)m.k, (long long)m.k, (long long)m.n, m.medianMs,
                        m.gflops);
    }
    if (wanted(o, "products")) {
        report["products"] = nlohmann::json::array();
        if (!o.json)
            std::printf("\nlinear layers x [rows, in] -> [rows, out], through the BLAS and with "
                        "pre-packed weights (GFLOP/s, median of %d):\n",
                        std::max(3, o.repeats));
        for (const ProductBenchRow &r : benchProducts(o.repeats)) {
            report["products"].push_back({{"rows", r.rows},
                                          {"in", r.in},
                                          {"out", r.out},
                                          {"blas_gflops", r.blasGflops},
                                          {"packed_gflops", r.packedGflops},
                                          {"packed_kernel", r.kernel}});
            if (!o.json)
                std::printf("  %4lld x %4lld -> %4lld: BLAS %6.1f, packed %s %6.1f (%.2fx)\n",
                            (long long)r.rows, (long long)r.in, (long long)r.out, r.blasGflops,
                            r.kernel.c_str(), r.packedGflops,
                            r.blasGflops > 0 ? r.packedGflops / r.blasGflops : 0.0);
        }
    }
    if (wanted(o, "kernels")) {
        const auto rows = benchKernels(o.repeats);
        double best = 0;
        for (const KernelRow &r : rows)
            best = std::max(best, r.gflops);
        report["kernels"] = nlohmann::json::array();
        if (!o.json)
            std::printf("\nmatmul under each OpenBLAS kernel this CPU runs (forced, one process "
                        "each); in use here: %s\n",
                        openBlasKernel().c_str());
        for (const KernelRow &r : rows) {
            report["kernels"].push_back({{"kernel", r.kernel}, {"gflops", r.gflops}});
            if (!o.json)
                std::printf("  %-12s %7.1f GFLOP/s  %5.1f%% of the best%s\n", r.kernel.c_str(),
                            r.gflops, best > 0 ? 100 * r.gflops / best : 0.0,
                            r.gflops == 0 ? "  (failed)" : "");
        }
        if (peak > 0 && best > 0) {
            report["kernels_out_of_the_box_vs_best"] = peak / best;
            if (!o.json)
                std::printf(
                    "  out of the box (%s): %.1f GFLOP/s = %.1f%% of the best forced kernel\n",
                    openBlasKernel().c_str(), peak, 100 * peak / best);
        }
    }
    if (wanted(o, "tokenizer")) {
        const TokenizerBenchResult t = benchTokenizer(o.vocab, o.data);
        report["tokenizer"] = {{"sentences", t.sentences},
                               {"tokens", t.tokens},
                               {"seconds", t.seconds},
                               {"sentences_per_s", t.sentencesPerSecond},
                               {"tokens_per_s", t.tokensPerSecond},
                               {"data", o.data}};
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
            report["attention"].push_back({{"batch", r.batch},
                                           {"length", r.length},
                                           {"dim", r.dim},
                                           {"heads", r.heads},
                                           {"backward", r.backward},
                                           {"ours_ms", r.oursMs},
                                           {"torch_ms", r.torchMs},
                                           {"ratio", r.ratio}});
            if (!o.json)
                std::printf("%3lld x %-10lld %-7s %10.2f %10.2f %7.3f\n", (long long)r.batch,
                            (long long)r.length, r.backward ? "fwd+bwd" : "fwd", r.oursMs,
                            r.torchMs, r.ratio);
        }
    }
    if (wanted(o, "training")) {
        report["training"] = nlohmann::json::array();
        for (const int64_t fixedLength : {int64_t(0), int64_t(64)}) {
            const TrainingBenchResult t =
                benchTraining(o.vocab, o.data, o.trainSteps, peak, 32, fixedLength);
            report["training"].push_back(
                {{"batches", fixedLength ? "fixed length " + std::to_string(fixedLength)
                                         : std::string("SST-2, length-bucketed")},
                 {"steps", t.steps},
                 {"batch_size", t.batchSize},
                 {"real_tokens", t.realTokens},
                 {"padded_tokens", t.paddedTokens},
                 {"seconds", t.seconds},
                 {"tokens_per_s", t.tokensPerSecond},
                 {"samples_per_s", t.samplesPerSecond},
                 {"model_gflops", t.modelGflops},
                 {"mfu", t.mfu},
                 {"epoch_minutes", t.epochMinutes},
                 {"peak_rss_mb", t.peakRssMb},
                 {"ms_per_step",
                  {{"data", t.dataMs},
                   {"forward", t.forwardMs},
                   {"backward", t.backwardMs},
                   {"clip", t.clipMs},
                   {"optimizer", t.optimizerMs},
                   {"unfused_clip_and_optimizer", t.unfusedOptimizerMs}}}});
            if (o.json)
                continue;
            if (fixedLength == 0)
                std::printf("\ntraining, full-size DistilBERT, batch %lld, %lld steps on "
                            "length-bucketed SST-2 batches:\n  %.0f real tokens/s (padding "
                            "%.3fx), %.1f samples/s, %.1f model GFLOP/s = MFU %.2f\n  projected "
                            "epoch over %s: %.1f min; peak RSS %.0f MB\n",
                            (long long)t.batchSize, (long long)t.steps, t.tokensPerSecond,
                            double(t.paddedTokens) / double(std::max<int64_t>(1, t.realTokens)),
                            t.samplesPerSecond, t.modelGflops, t.mfu, o.data.c_str(),
                            t.epochMinutes, t.peakRssMb);
            else
                std::printf("training at fixed length %lld (random ids, no padding, the eager "
                            "PyTorch benchmark's shape):\n  %.0f tokens/s, %.1f model GFLOP/s = "
                            "MFU %.2f\n",
                            (long long)fixedLength, t.tokensPerSecond, t.modelGflops, t.mfu);
            std::printf("  per step: data %.0f ms, forward %.0f, backward %.0f, clip %.0f, "
                        "optimizer %.0f (clip + optimizer unfused, as torch::optim runs them: "
                        "%.0f)\n",
                        t.dataMs, t.forwardMs, t.backwardMs, t.clipMs, t.optimizerMs,
                        t.unfusedOptimizerMs);
        }
    }
    if (wanted(o, "profile")) {
        const auto rows = profileTraining(o.vocab, o.data, o.trainSteps);
        report["profile"] = nlohmann::json::array();
        if (!o.json)
            std::printf("\nwhere a training step's time goes (LibTorch profiler, self time, %d "
                        "steps):\n",
                        o.trainSteps);
        for (const ProfileRow &r : rows) {
            report["profile"].push_back(
                {{"part", r.part}, {"ms_per_step", r.msPerStep}, {"share", r.share}});
            if (!o.json)
                std::printf("  %-66s %7.0f ms %5.1f%%\n", r.part.c_str(), r.msPerStep,
                            100 * r.share);
        }
    }
    if (wanted(o, "inference")) {
        report["inference"] = nlohmann::json::array();
        if (!o.json)
            std::printf("\nsingle-sentence inference, full-size classifier (median of %d):\n",
                        o.repeats * 3);
        for (const LatencyRow &r : benchInference({16, 32, 64}, o.repeats * 3)) {
            report["inference"].push_back({{"tokens", r.tokens},
                                           {"p50_ms", r.p50Ms},
                                           {"p95_ms", r.p95Ms},
                                           {"packed_kernel", r.kernel},
                                           {"blas_p50_ms", r.blasP50Ms},
                                           {"blas_p95_ms", r.blasP95Ms}});
            if (!o.json)
                std::printf("  %3lld tokens: p50 %.1f ms, p95 %.1f ms (packed %s weights); all "
                            "through the BLAS: p50 %.1f ms, p95 %.1f ms\n",
                            (long long)r.tokens, r.p50Ms, r.p95Ms, r.kernel.c_str(), r.blasP50Ms,
                            r.blasP95Ms);
        }
    }
    if (wanted(o, "evaluation")) {
        const double seconds = benchEvaluation(o.vocab, o.testData);
        report["evaluation"] = {{"seconds", seconds}, {"data", o.testData}};
        if (!o.json)
            std::printf("\nevaluation of %s (batch 64, length-sorted): %.1f s\n",
                        o.testData.c_str(), seconds);
    }
    if (wanted(o, "explain")) {
        report["explain"] = nlohmann::json::array();
        if (!o.json)
            std::printf("\nexplanations of one 32-token sentence, full-size model (median of "
                        "%d; the pane explains two models):\n",
                        o.repeats);
        for (const ExplainBenchRow &r : benchExplain(32, 32, o.repeats)) {
            report["explain"].push_back({{"what", r.what},
                                         {"steps", r.steps},
                                         {"tokens", r.tokens},
                                         {"p50_ms", r.p50Ms},
                                         {"both_models_ms", r.bothModelsMs}});
            if (!o.json)
                std::printf(
                    "  %-22s %7.0f ms per model, %7.0f ms for both\n",
                    (r.what + (r.steps ? " (" + std::to_string(r.steps) + " steps)" : "")).c_str(),
                    r.p50Ms, r.bothModelsMs);
        }
    }
    if (o.json)
        std::cout << report.dump(2) << '\n';
}

} // namespace

void addBenchCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand(
        "bench",
        "Measure performance: matmul peak (also under each OpenBLAS kernel), the linear layers "
        "through the BLAS and pre-packed, tokenizer "
        "throughput, attention vs torch, "
        "full-size training throughput and MFU, inference latency, evaluation time, explanation "
        "cost");
    auto o = std::make_shared<BenchOptions>();
    cmd->add_flag("--json", o->json, "Print one JSON object instead of tables");
    cmd->add_option("--only", o->sections, "Sections to run (default: all)")
        ->check(CLI::IsMember({"matmul", "kernels", "products", "tokenizer", "attention",
                               "training", "profile", "inference", "evaluation", "explain"}));
    cmd->add_option("--vocab", o->vocab, "vocab.txt for the tokenizer benchmark")
        ->capture_default_str();
    cmd->add_option("--data", o->data, "SST-2 JSONL/TSV file for the tokenizer benchmark")
        ->capture_default_str();
    cmd->add_option("--test-data", o->testData, "Split timed by the evaluation benchmark")
        ->capture_default_str();
    cmd->add_option("--train-steps", o->trainSteps, "Timed full-size training steps")
        ->check(CLI::Range(1, 10000))
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
