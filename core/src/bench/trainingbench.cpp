#include <sentilab/bench.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include <torch/types.h> // before clip_grad.h, which uses torch::Tensor without including it

#include <torch/nn/utils/clip_grad.h>
#include <torch/utils.h>

#include <sentilab/dataset.h>
#include <sentilab/tokenizer.h>

#include "distilbert.h"
#include "evaluation.h"
#include "packedgemm.h"
#include "trainingdata.h"
#include "trainingstep.h"

namespace sentilab {
namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point since)
{
    return std::chrono::duration<double>(Clock::now() - since).count();
}

double peakRssMb()
{
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stod(line.substr(6)) / 1024.0; // kB
    }
    return 0;
}

DistilBertForSequenceClassification fullSizeModel()
{
    torch::manual_seed(0);
    DistilBertForSequenceClassification model(DistilBertConfig{}); // distilbert-base-uncased shapes
    model->initWeights();
    return model;
}

} // namespace

TrainingBenchResult benchTraining(const std::string &vocabPath, const std::string &trainPath,
                                  int steps, double matmulPeakGflops, int64_t batchSize,
                                  int64_t fixedLength)
{
    const Tokenizer tokenizer = Tokenizer::fromVocabFile(vocabPath);
    const EncodedSplit train = encodeSplit(tokenizer, readExamples(trainPath), 128);
    const std::vector<Batch> plan = planEpoch(train.lengths, batchSize, 42, 0, true);

    DistilBertForSequenceClassification model = fullSizeModel();
    model->train();
    TrainOptions options;
    options.lr = 5e-5;
    options.weightDecay = 0.01;
    TrainingStep trainingStep(*model, options);
    const DistilBertConfig &c = model->config();

    TrainingBenchResult r;
    r.batchSize = batchSize;
    r.fixedLength = fixedLength;
    const auto batchAt = [&](int64_t i) {
        if (fixedLength == 0)
            return makeBatch(train, plan[size_t(i)].indices, tokenizer.padId());
        // The peers' shape: random ids, every position a real token.
        BatchTensors t;
        t.ids = torch::randint(1000, 30000, {batchSize, fixedLength}, torch::kLong);
        t.mask = torch::ones({batchSize, fixedLength}, torch::kLong);
        t.labels = torch::randint(0, 2, {batchSize}, torch::kLong);
        t.realTokens = batchSize * fixedLength;
        return t;
    };
    r.steps = std::min<int64_t>(steps, int64_t(plan.size()) - 1);
    trainingStep.run(batchAt(0), options.lr, 0); // warm-up
    double flops = 0;
    StepTimes total;
    const auto start = Clock::now();
    for (int64_t i = 1; i <= r.steps; ++i) {
        const auto before = Clock::now();
        const BatchTensors t = batchAt(i);
        total.dataSeconds += seconds(before);
        const StepTimes times = trainingStep.run(t, options.lr, i).times;
        total.forwardSeconds += times.forwardSeconds;
        total.backwardSeconds += times.backwardSeconds;
        total.clipSeconds += times.clipSeconds;
        total.optimizerSeconds += times.optimizerSeconds;
        const int64_t length = t.ids.size(1);
        r.realTokens += t.realTokens;
        r.paddedTokens += t.ids.numel();
        // 6 FLOPs per parameter per token (2 forward, 4 backward) for the encoder's matrices,
        // plus q.k^T and attention.v: 4*L*dim per token per layer forward, x3 with backward.
        const double perToken = 6.0 * 42467328.0 + 12.0 * double(c.nLayers * length * c.dim);
        flops += perToken * double(t.realTokens);
    }
    r.seconds = seconds(start);
    r.tokensPerSecond = double(r.realTokens) / r.seconds;
    r.samplesPerSecond = double(r.steps * batchSize) / r.seconds;
    r.modelGflops = flops / r.seconds / 1e9;
    r.mfu = matmulPeakGflops > 0 ? r.modelGflops / matmulPeakGflops : 0;
    r.epochMinutes = double(train.realTokens) / r.tokensPerSecond / 60.0;
    r.peakRssMb = peakRssMb();
    const double perStep = 1000.0 / double(std::max<int64_t>(1, r.steps));
    r.dataMs = total.dataSeconds * perStep;
    r.forwardMs = total.forwardSeconds * perStep;
    r.backwardMs = total.backwardSeconds * perStep;
    r.clipMs = total.clipSeconds * perStep;
    r.optimizerMs = total.optimizerSeconds * perStep;

    // What the fused pass replaced, on the same gradients: clip_grad_norm_ + AdamW::step().
    torch::optim::AdamW reference = makeAdamW(*model, options);
    std::vector<double> ms;
    for (int i = 0; i < 4; ++i) {
        const auto before = Clock::now();
        torch::nn::utils::clip_grad_norm_(model->parameters(), options.gradClip);
        reference.step();
        if (i > 0) // the first creates the moments
            ms.push_back(seconds(before) * 1000.0);
    }
    std::sort(ms.begin(), ms.end());
    r.unfusedOptimizerMs = ms[ms.size() / 2];
    return r;
}

std::vector<LatencyRow> benchInference(const std::vector<int64_t> &lengths, int repeats)
{
    DistilBertForSequenceClassification model = fullSizeModel();
    model->eval();
    torch::InferenceMode inference;
    std::vector<LatencyRow> rows;
    const auto percentile = [](std::vector<double> &ms, size_t percent) {
        std::sort(ms.begin(), ms.end());
        return ms[std::min(ms.size() - 1, ms.size() * percent / 100)];
    };
    for (const int64_t length : lengths) {
        const torch::Tensor ids = torch::randint(1000, 30000, {1, length}, torch::kLong);
        const torch::Tensor mask = torch::ones({1, length}, torch::kLong);
        std::vector<double> packed, blas;
        // Two blocks of each, alternating; switching packing on repacks (untimed).
        for (int block = 0; block < 4; ++block) {
            const bool usePacked = block % 2 == 0;
            model->setPackedInference(usePacked);
            model->logits(ids, mask);
            for (int i = 0; i < std::max(1, repeats / 2); ++i) {
                const auto start = Clock::now();
                model->logits(ids, mask);
                (usePacked ? packed : blas).push_back(seconds(start) * 1000.0);
            }
        }
        LatencyRow row;
        row.tokens = length;
        row.p50Ms = percentile(packed, 50);
        row.p95Ms = percentile(packed, 95);
        row.blasP50Ms = percentile(blas, 50);
        row.blasP95Ms = percentile(blas, 95);
        row.kernel = gemmIsaName(bestGemmIsa());
        rows.push_back(row);
    }
    return rows;
}

double benchEvaluation(const std::string &vocabPath, const std::string &dataPath)
{
    const Tokenizer tokenizer = Tokenizer::fromVocabFile(vocabPath);
    const EncodedSplit data = encodeSplit(tokenizer, readExamples(dataPath), 128);
    DistilBertForSequenceClassification model = fullSizeModel();
    const auto start = Clock::now(); // includes evaluate()'s packing of the weights
    evaluate(*model, data, 64, tokenizer.padId());
    return seconds(start);
}

} // namespace sentilab
