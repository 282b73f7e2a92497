#include "packedlinear.h"

#include <algorithm>

#include <ATen/Parallel.h>
#include <torch/nn/functional/linear.h>

#include <sentilab/error.h>

namespace sentilab {
namespace {

// Column blocks of two panels (32 outputs) per task, and tasks of at least ~2^18 multiply-adds,
// so that a one-row product (the [CLS]-only last layer) still splits a 768 × 3072 matrix over
// the threads but a 768 × 768 one is not cut into pieces too small to pay for the wake-up.
constexpr int64_t kPanelsPerBlock = 2;
constexpr int64_t kMinTaskWork = int64_t(1) << 18;

int64_t versionOf(const torch::Tensor &t)
{
    // Inference tensors carry no version counter (they cannot be modified in place outside
    // inference mode either, so the data pointer tells enough).
    return t.is_inference() ? 0 : int64_t(t._version());
}

} // namespace

PackedLinearCache &PackedLinearCache::operator=(const PackedLinearCache &other)
{
    if (this != &other) {
        std::lock_guard lock(m_mutex);
        m_enabled = other.m_enabled.load();
        m_packed.reset();
        m_weightData = m_biasData = nullptr;
        m_version = -1;
    }
    return *this;
}

void PackedLinearCache::setEnabled(bool enabled, torch::nn::LinearImpl &linear)
{
    {
        std::lock_guard lock(m_mutex);
        m_enabled = enabled;
        if (!enabled) {
            m_packed.reset();
            m_weightData = m_biasData = nullptr;
            m_version = -1;
        }
    }
    if (enabled && runsOn(linear.weight))
        packed(linear);
}

bool PackedLinearCache::runsOn(const torch::Tensor &weight)
{
    return weight.device().is_cpu() && weight.scalar_type() == torch::kFloat && weight.dim() == 2 &&
           bestGemmIsa() != GemmIsa::None;
}

std::shared_ptr<const PackedMatrix> PackedLinearCache::packed(torch::nn::LinearImpl &linear)
{
    const torch::Tensor &weight = linear.weight;
    const torch::Tensor &bias = linear.bias;
    std::lock_guard lock(m_mutex);
    const int64_t version = versionOf(weight) + (bias.defined() ? versionOf(bias) : 0);
    const void *biasData = bias.defined() ? bias.data_ptr() : nullptr;
    if (!m_packed || m_weightData != weight.data_ptr() || m_biasData != biasData ||
        m_version != version) {
        const torch::Tensor w = weight.contiguous();
        const torch::Tensor b = bias.defined() ? bias.contiguous() : torch::Tensor();
        m_packed = std::make_shared<const PackedMatrix>(
            w.data_ptr<float>(), b.defined() ? b.data_ptr<float>() : nullptr, w.size(0), w.size(1));
        m_weightData = weight.data_ptr();
        m_biasData = biasData;
        m_version = version;
    }
    return m_packed;
}

torch::Tensor PackedLinearCache::forward(torch::nn::LinearImpl &linear, const torch::Tensor &x)
{
    const bool applies = m_enabled && !at::GradMode::is_enabled() && x.device().is_cpu() &&
                         x.scalar_type() == torch::kFloat && runsOn(linear.weight) &&
                         x.dim() >= 1 && x.size(-1) == linear.weight.size(1);
    if (!applies)
        return linear.forward(x);
    return packedLinear(*packed(linear), x);
}

torch::Tensor packedLinear(const PackedMatrix &w, const torch::Tensor &x, GemmIsa isa)
{
    if (isa == GemmIsa::None || x.scalar_type() != torch::kFloat || !x.device().is_cpu() ||
        x.size(-1) != w.depth())
        throw Error("packed linear: needs float32 CPU input with " + std::to_string(w.depth()) +
                    " features and a supported instruction set");
    torch::Tensor a = x.reshape({-1, w.depth()});
    if (a.stride(1) != 1)
        a = a.contiguous();
    const int64_t rows = a.size(0);
    torch::Tensor out = torch::empty({rows, w.rows()}, x.options());
    const float *ap = a.data_ptr<float>();
    float *cp = out.data_ptr<float>();
    const int64_t lda = a.stride(0), ldc = w.rows();
    const int64_t blocks = (w.panels() + kPanelsPerBlock - 1) / kPanelsPerBlock;
    const int64_t blockWork =
        std::max<int64_t>(1, rows * w.depth() * kPanelsPerBlock * PackedMatrix::kPanelWidth);
    const int64_t grain = std::max<int64_t>(1, kMinTaskWork / blockWork);
    at::parallel_for(0, blocks, grain, [&](int64_t begin, int64_t end) {
        packedGemm(isa, w, ap, rows, lda, cp, ldc, begin * kPanelsPerBlock,
                   std::min(w.panels(), end * kPanelsPerBlock));
    });
    std::vector<int64_t> sizes = x.sizes().vec();
    sizes.back() = w.rows();
    return out.view(sizes);
}

} // namespace sentilab
