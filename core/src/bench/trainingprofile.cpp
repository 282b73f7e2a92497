// `bench --only profile`: where a full-size training step spends its time, from LibTorch's own
// profiler (self time of every operator, grouped into the parts docs/PERFORMANCE.md discusses).
#include <sentilab/bench.h>

#include <algorithm>
#include <chrono>
#include <map>

#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/utils.h>

#include <sentilab/dataset.h>
#include <sentilab/tokenizer.h>

#include "distilbert.h"
#include "trainingdata.h"
#include "trainingstep.h"

namespace sentilab {
namespace {

namespace prof = torch::autograd::profiler;

// The part an operator's self time counts towards, by its LibTorch name and, for matmul, the
// rank of its first input.
std::string partOf(const std::string &op, const std::vector<std::vector<int64_t>> &shapes)
{
    const auto has = [&](const char *s) { return op.find(s) != std::string::npos; };
    // LibTorch's C++ linear() runs matmul on [B, L, E] inputs (and folds it into one mm, whose
    // backward is MmBackward0); attention's products run matmul on [B, H, L, D] (bmm inside).
    const bool fourD = !shapes.empty() && shapes.front().size() == 4;
    if (has("bmm") || (has("aten::matmul") && fourD))
        return "attention products (q k^T, probabilities v; batched GEMM)";
    if (has("addmm") || has("aten::mm") || has("aten::matmul") || has("aten::linear") ||
        has("aten::dot"))
        return "linear layers (GEMM, incl. bias adds)";
    if (has("softmax") || has("masked_fill") || has("Softmax"))
        return "attention softmax + mask";
    if (has("layer_norm") || has("LayerNorm"))
        return "LayerNorm";
    if (has("gelu") || has("Gelu") || has("relu") || has("Relu"))
        return "GELU";
    if (has("embedding") || has("Embedding") || has("index_select") || has("index_add"))
        return "embedding lookup + gradient";
    if (has("copy_") || has("clone") || has("contiguous") || has("cat") || has("stack") ||
        has("_unsafe_view") || has("Transpose") || has("View") || has("Reshape"))
        return "copies / layout";
    if (has("nll_loss") || has("log_softmax") || has("cross_entropy") || has("LogSoftmax") ||
        has("NllLoss"))
        return "loss";
    if (has("norm") && !has("layer"))
        return "gradient norm (clipping)";
    if (has("empty") || has("zeros") || has("ones") || has("fill_") || has("zero_") ||
        has("resize"))
        return "allocation / fill";
    return "other elementwise (dropout, residual adds, scaling, accumulation)";
}

} // namespace

std::vector<ProfileRow> profileTraining(const std::string &vocabPath, const std::string &trainPath,
                                        int steps)
{
    const Tokenizer tokenizer = Tokenizer::fromVocabFile(vocabPath);
    const EncodedSplit train = encodeSplit(tokenizer, readExamples(trainPath), 128);
    const std::vector<Batch> plan = planEpoch(train.lengths, 32, 42, 0, true);
    torch::manual_seed(0);
    DistilBertForSequenceClassification model(DistilBertConfig{});
    model->initWeights();
    model->train();
    TrainOptions options;
    TrainingStep trainingStep(*model, options);
    trainingStep.run(makeBatch(train, plan[0].indices, tokenizer.padId()), options.lr, 0);

    const int n = std::min<int>(steps, int(plan.size()) - 1);
    double wallSeconds = 0, optimizerSeconds = 0;
    prof::thread_event_lists events;
    {
        prof::TLSLegacyProfilerGuard guard(
            torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU,
                                                  /*report_input_shapes=*/true),
            [&](const prof::thread_event_lists &lists) { events = lists; });
        const auto start = std::chrono::steady_clock::now();
        for (int i = 1; i <= n; ++i) {
            const StepResult r = trainingStep.run(
                makeBatch(train, plan[size_t(i)].indices, tokenizer.padId()), options.lr, i);
            optimizerSeconds += r.times.optimizerSeconds;
        }
        wallSeconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    // Self time per operator: push/pop ranges nest per thread; a range's children are subtracted.
    // Time is charged to the outermost ATen operator of its stack, so that what an operator does
    // inside (bmm's per-matrix select()s, embedding_backward's zero-fill, reshape's copy) counts
    // towards the operator a model calls, not towards the helpers it happens to use.
    std::map<std::string, double> selfUs;
    double attributedUs = 0;
    for (const auto &list : events) {
        struct Open
        {
            const prof::LegacyEvent *push;
            std::string part; // "" until an ATen operator is on the stack
            double childUs;
        };
        std::vector<Open> stack;
        for (const prof::LegacyEvent &e : list) {
            if (e.kindStr() == "push") {
                std::string part = stack.empty() ? std::string() : stack.back().part;
                const std::string name = e.name();
                if (part.empty() && name.rfind("aten::", 0) == 0)
                    part = partOf(name, e.shapes());
                stack.push_back({&e, part, 0.0});
            } else if (e.kindStr() == "pop" && !stack.empty()) {
                const Open open = stack.back();
                stack.pop_back();
                const double elapsed = open.push->cpuElapsedUs(e);
                const double self = std::max(0.0, elapsed - open.childUs);
                selfUs[open.part.empty() ? partOf(open.push->name(), {}) : open.part] += self;
                attributedUs += self;
                if (!stack.empty())
                    stack.back().childUs += elapsed;
            }
        }
    }
    std::vector<ProfileRow> rows;
    const double perStep = 1000.0 / double(std::max(1, n)); // seconds -> ms per step
    const double wallMs = wallSeconds * perStep;
    for (const auto &[part, us] : selfUs)
        rows.push_back({part, us / 1000.0 / double(std::max(1, n)), 0});
    rows.push_back({"optimizer (fused AdamW pass)", optimizerSeconds * perStep, 0});
    const double unattributed =
        wallMs - attributedUs / 1000.0 / double(std::max(1, n)) - optimizerSeconds * perStep;
    rows.push_back(
        {"autograd engine, dispatch, profiler overhead", std::max(0.0, unattributed), 0});
    std::sort(rows.begin(), rows.end(),
              [](const ProfileRow &a, const ProfileRow &b) { return a.msPerStep > b.msPerStep; });
    for (ProfileRow &r : rows)
        r.share = wallMs > 0 ? r.msPerStep / wallMs : 0;
    return rows;
}

} // namespace sentilab
