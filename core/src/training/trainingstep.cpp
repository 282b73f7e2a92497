#include "trainingstep.h"

#include <chrono>
#include <cmath>

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <torch/nn/functional/loss.h>

#include <sentilab/error.h>

namespace sentilab {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// bf16 autocast on CUDA for the forward pass (train.precision: bf16): matrix products in bf16,
// reductions and the loss in float32. bf16 has float32's range, so no loss scaling is needed.
class AutocastScope
{
public:
    explicit AutocastScope(bool enable) : m_enabled(enable)
    {
        if (!m_enabled)
            return;
        at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
        at::autocast::set_enabled(true);
    }
    ~AutocastScope()
    {
        if (!m_enabled)
            return;
        at::autocast::set_enabled(false);
        at::autocast::clear_cache();
    }
    AutocastScope(const AutocastScope &) = delete;
    AutocastScope &operator=(const AutocastScope &) = delete;

private:
    bool m_enabled;
};

struct AdamWScalars
{
    float gradScale, b1, c1, b2, c2, decay, negStep, sqrtBias2, eps;
};

// One AdamW update of elements [begin, end), in torch::optim::AdamW's order of operations. The
// loop is bound by sqrt and division, not memory: built for AVX-512, AVX2 and baseline x86-64 and
// picked at load time by the CPU (GCC function multi-versioning), and this file is compiled with
// -fno-math-errno so that sqrt vectorises (v is never negative). 2.4x faster than the baseline
// build alone on an AVX-512 Xeon.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void adamWRange(float *p, const float *grad, float *m, float *v, int64_t begin, int64_t end,
                const AdamWScalars &s)
{
    for (int64_t i = begin; i < end; ++i) {
        const float g = grad[i] * s.gradScale;
        const float mi = m[i] * s.b1 + s.c1 * g;
        const float vi = v[i] * s.b2 + s.c2 * (g * g);
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * s.decay + s.negStep * (mi / (std::sqrt(vi) / s.sqrtBias2 + s.eps));
    }
}

// adamWRange's update as whole-tensor operations in the same order, for tensors whose memory
// this process cannot loop over (a CUDA GPU's): five kernels instead of one pass.
void adamWTensorOps(torch::Tensor &p, const torch::Tensor &grad, torch::Tensor &m, torch::Tensor &v,
                    const AdamWScalars &s)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor g = s.gradScale == 1.0f ? grad : grad * s.gradScale;
    m.mul_(s.b1).add_(g, s.c1);
    v.mul_(s.b2).addcmul_(g, g, s.c2);
    p.mul_(s.decay).addcdiv_(m, v.sqrt().div_(s.sqrtBias2).add_(s.eps), s.negStep);
}

} // namespace

torch::optim::AdamW makeAdamW(torch::nn::Module &model, const TrainOptions &t)
{
    // Decaying a LayerNorm gain towards 0 only hurts; Hugging Face's "LayerNorm.weight" substring
    // rule would miss DistilBERT's sa_layer_norm/output_layer_norm, hence both spellings.
    std::vector<torch::Tensor> decay, noDecay;
    for (const auto &p : model.named_parameters()) {
        const std::string &name = p.key();
        const bool isNorm = name.find("LayerNorm") != std::string::npos ||
                            name.find("layer_norm") != std::string::npos;
        const bool isBias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
        (isNorm || isBias ? noDecay : decay).push_back(p.value());
    }
    const auto options = [&](double wd) {
        return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(t.lr)
                                                                .betas({t.adamBeta1, t.adamBeta2})
                                                                .eps(t.adamEps)
                                                                .weight_decay(wd));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, options(t.weightDecay));
    groups.emplace_back(noDecay, options(0.0));
    return torch::optim::AdamW(groups, torch::optim::AdamWOptions(t.lr));
}

void fusedAdamWStep(torch::optim::AdamW &optimizer, float gradScale, AdamWKernel kernel)
{
    auto &states = optimizer.state();
    for (auto &group : optimizer.param_groups()) {
        const auto &o = static_cast<const torch::optim::AdamWOptions &>(group.options());
        if (o.amsgrad())
            throw Error("fused AdamW: amsgrad is not supported");
        const auto [beta1, beta2] = o.betas();
        for (torch::Tensor &p : group.params()) {
            const torch::Tensor &grad = p.grad();
            if (!grad.defined())
                continue;
            if (p.scalar_type() != torch::kFloat || grad.scalar_type() != torch::kFloat ||
                !p.is_contiguous() || !grad.is_contiguous())
                throw Error("fused AdamW: parameters and gradients must be contiguous float32");
            // The key and the state layout are torch::optim::AdamW's own.
            auto &slot = states[c10::guts::to_string(p.unsafeGetTensorImpl())];
            if (!slot) {
                auto fresh = std::make_unique<torch::optim::AdamWParamState>();
                fresh->step(0);
                fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
                fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
                slot = std::move(fresh);
            }
            auto &state = static_cast<torch::optim::AdamWParamState &>(*slot);
            state.step(state.step() + 1);
            torch::Tensor m = state.exp_avg(), v = state.exp_avg_sq();
            if (!m.is_contiguous() || !v.is_contiguous()) { // e.g. loaded from an odd file
                state.exp_avg(m.contiguous());
                state.exp_avg_sq(v.contiguous());
                m = state.exp_avg(), v = state.exp_avg_sq();
            }
            // Scalars rounded to float as ATen's float kernels round them.
            const double bias1 = 1.0 - std::pow(beta1, double(state.step()));
            const double bias2 = 1.0 - std::pow(beta2, double(state.step()));
            const AdamWScalars scalars{gradScale,
                                       float(beta1),
                                       float(1.0 - beta1),
                                       float(beta2),
                                       float(1.0 - beta2),
                                       float(1.0 - o.lr() * o.weight_decay()),
                                       float(-o.lr() / bias1),
                                       float(std::sqrt(bias2)),
                                       float(o.eps())};
            if (kernel == AdamWKernel::TensorOps || !p.is_cpu()) {
                adamWTensorOps(p, grad, m, v, scalars);
                continue;
            }
            float *pp = p.data_ptr<float>();
            const float *gp = grad.data_ptr<float>();
            float *mp = m.data_ptr<float>();
            float *vp = v.data_ptr<float>();
            at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
                adamWRange(pp, gp, mp, vp, begin, end, scalars);
            });
        }
    }
}

TrainingStep::TrainingStep(DistilBertForSequenceClassificationImpl &model,
                           const TrainOptions &options)
    : m_model(model), m_options(options), m_optimizer(makeAdamW(model, options)),
      m_parameters(model.parameters())
{}

StepResult TrainingStep::run(const BatchTensors &batch, double lr, int64_t step)
{
    StepResult r;
    auto start = Clock::now();
    // Batches are built on the CPU; .to() is free when the model is there too.
    const torch::Device device = m_parameters.front().device();
    torch::Tensor loss;
    {
        const AutocastScope autocast(device.is_cuda() && m_options.precision == "bf16");
        const torch::Tensor logits =
            m_model.logits(batch.ids.to(device), batch.mask.to(device)).to(torch::kFloat);
        loss = torch::nn::functional::cross_entropy(logits, batch.labels.to(device));
    }
    r.loss = loss.item<double>();
    r.times.forwardSeconds = since(start);
    if (!std::isfinite(r.loss))
        throw Error("training loss became " + std::to_string(r.loss) + " at step " +
                    std::to_string(step) + " (lr " + std::to_string(lr) +
                    "); lower train.lr or keep train.grad_clip > 0");

    start = Clock::now();
    for (torch::Tensor &p : m_parameters)
        p.mutable_grad().reset();
    loss.backward();
    r.times.backwardSeconds = since(start);

    // clip_grad_norm_'s arithmetic: float norms, coefficient max / (norm + 1e-6) capped at 1.
    start = Clock::now();
    std::vector<torch::Tensor> norms;
    norms.reserve(m_parameters.size());
    for (const torch::Tensor &p : m_parameters)
        if (p.grad().defined())
            norms.push_back(p.grad().norm(2));
    const torch::Tensor total = torch::stack(norms).norm(2);
    r.gradNorm = total.item<double>();
    float scale = 1.0f;
    if (m_options.gradClip > 0)
        scale = torch::clamp_max(m_options.gradClip / (total + 1e-6), 1.0).item<float>();
    r.times.clipSeconds = since(start);
    if (!std::isfinite(r.gradNorm))
        throw Error("gradient norm became " + std::to_string(r.gradNorm) + " at step " +
                    std::to_string(step) + "; lower train.lr");

    start = Clock::now();
    for (auto &group : m_optimizer.param_groups())
        static_cast<torch::optim::AdamWOptions &>(group.options()).lr(lr);
    fusedAdamWStep(m_optimizer, scale);
    r.times.optimizerSeconds = since(start);
    return r;
}

} // namespace sentilab
