#pragma once
// One optimizer step of the classifier, as the trainer runs it and `bench` times it.
#include <torch/optim/adamw.h>

#include <sentilab/experimentconfig.h>

#include "distilbert.h"
#include "trainingdata.h"

namespace sentilab {

// Wall seconds of each phase of one step (the CPU runs them synchronously).
struct StepTimes
{
    double dataSeconds = 0; // filled by callers that build batches
    double forwardSeconds = 0, backwardSeconds = 0, clipSeconds = 0, optimizerSeconds = 0;
};

struct StepResult
{
    double loss = 0;     // mean cross-entropy of the batch, before the update
    double gradNorm = 0; // global L2 norm of the gradients, before clipping
    StepTimes times;
};

// AdamW with decoupled weight decay on matrices only (biases and LayerNorm parameters get none),
// with the options' betas, eps and weight decay. The learning rate is set per step.
torch::optim::AdamW makeAdamW(torch::nn::Module &model, const TrainOptions &options);

// torch::optim::AdamW::step() for every parameter with a gradient, in one pass over memory per
// parameter instead of about ten tensor operations, with the gradient multiplied by `gradScale`
// on the fly (so clipping costs no pass of its own). It reads and writes the optimizer's own state
// (step, exp_avg, exp_avg_sq), so serialising and resuming the optimizer are unchanged; results
// equal step() after grad.mul_(gradScale) up to float rounding (tested). No amsgrad; parameters
// and gradients must be contiguous float32 (the classifier's are). Parameters off the CPU (CUDA)
// take the same update as whole-tensor operations, as does every parameter with
// AdamWKernel::TensorOps (so that the CPU tests can compare the two).
enum class AdamWKernel {
    Auto,      // one fused pass on the CPU, tensor operations elsewhere
    TensorOps, // tensor operations everywhere
};
void fusedAdamWStep(torch::optim::AdamW &optimizer, float gradScale,
                    AdamWKernel kernel = AdamWKernel::Auto);

class TrainingStep
{
public:
    TrainingStep(DistilBertForSequenceClassificationImpl &model, const TrainOptions &options);

    torch::optim::AdamW &optimizer() { return m_optimizer; }

    // Forward (under bf16 autocast when options.precision is bf16 and the model is on CUDA),
    // cross-entropy, backward into fresh gradients (set to none rather than zero-filled
    // and accumulated into), global-norm clipping to options.gradClip (0: none) folded into the
    // fused AdamW update at learning rate `lr`. Throws sentilab::Error, naming `step` (1-based),
    // when the loss or the gradient norm is not finite; the parameters are then unchanged.
    StepResult run(const BatchTensors &batch, double lr, int64_t step);

private:
    DistilBertForSequenceClassificationImpl &m_model;
    TrainOptions m_options;
    torch::optim::AdamW m_optimizer;
    std::vector<torch::Tensor> m_parameters;
};

} // namespace sentilab
