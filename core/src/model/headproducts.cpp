#include "headproducts.h"

#include <algorithm>

#include <dlfcn.h>

#include <ATen/Parallel.h>
#include <torch/autograd.h>

namespace sentilab {
namespace {

// The Fortran BLAS entry point LibTorch itself calls, looked up in the process: LibTorch links
// the BLAS through Debian's libblas.so.3 alternative, so there is always one, but not at a name
// this library could link against without depending on a particular BLAS package.
using Sgemm = void (*)(const char *, const char *, const int *, const int *, const int *,
                       const float *, const float *, const int *, const float *, const int *,
                       const float *, float *, const int *);

Sgemm sgemm()
{
    static const Sgemm fn = reinterpret_cast<Sgemm>(dlsym(RTLD_DEFAULT, "sgemm_"));
    return fn;
}

// OpenBLAS runs a product of at most this many multiply-adds on the calling thread
// (SMP_THRESHOLD_MIN x GEMM_MULTITHREAD_THRESHOLD in its gemm interface), so concurrent calls
// from the intra-op threads never contend for its thread pool.
constexpr int64_t kSingleThreadedProduct = int64_t(1) << 18;

// Row-major C[m x n] = op(A) op(B), op = transpose when the flag is set; lda, ldb and ldc are the
// row strides of A, B and C as stored. A column-major BLAS computes the transposed product.
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
          const float *b, int64_t ldb, float *c, int64_t ldc)
{
    const char ta = transA ? 'T' : 'N', tb = transB ? 'T' : 'N';
    const int M = int(m), N = int(n), K = int(k), LDA = int(lda), LDB = int(ldb), LDC = int(ldc);
    const float one = 1.0f, zero = 0.0f;
    sgemm()(&tb, &ta, &N, &M, &K, &one, b, &LDB, a, &LDA, &zero, c, &LDC);
}

// Calls `body(b, h)` for every (batch, head) pair, spread over the intra-op threads in chunks of
// about 2^20 multiply-adds (each pair's product has `product`): waking the threads costs more
// than a batch-1 sentence's twelve small products, which then run on the calling thread.
template <typename Body>
void forEachHead(int64_t batch, int64_t heads, int64_t product, const Body &body)
{
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 20) / std::max<int64_t>(1, product));
    at::parallel_for(0, batch * heads, grain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            body(i / heads, i % heads);
    });
}

struct Shape
{
    int64_t batch, queries, length, embed, heads, dim;
};

Shape shapeOf(const torch::Tensor &q, const torch::Tensor &k, int64_t heads)
{
    return {q.size(0), q.size(1), k.size(1), q.size(2), heads, q.size(2) / heads};
}

class HeadScores : public torch::autograd::Function<HeadScores>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &q,
                                 const torch::Tensor &k, int64_t heads)
    {
        const torch::Tensor qc = q.contiguous(), kc = k.contiguous();
        const Shape s = shapeOf(qc, kc, heads);
        torch::Tensor scores = torch::empty({s.batch, heads, s.queries, s.length}, q.options());
        const float *qp = qc.data_ptr<float>(), *kp = kc.data_ptr<float>();
        float *sp = scores.data_ptr<float>();
        forEachHead(s.batch, heads, s.queries * s.length * s.dim, [&](int64_t b, int64_t h) {
            gemm(false, true, s.queries, s.length, s.dim,
                 qp + (b * s.queries * s.embed + h * s.dim), s.embed,
                 kp + (b * s.length * s.embed + h * s.dim), s.embed,
                 sp + (b * heads + h) * s.queries * s.length, s.length);
        });
        ctx->save_for_backward({qc, kc});
        ctx->saved_data["heads"] = heads;
        return scores;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &q = saved[0], &k = saved[1];
        const int64_t heads = ctx->saved_data["heads"].toInt();
        const Shape s = shapeOf(q, k, heads);
        const torch::Tensor g = grads[0].contiguous();
        torch::Tensor dq = torch::empty_like(q), dk = torch::empty_like(k);
        const float *qp = q.data_ptr<float>(), *kp = k.data_ptr<float>(), *gp = g.data_ptr<float>();
        float *dqp = dq.data_ptr<float>(), *dkp = dk.data_ptr<float>();
        forEachHead(s.batch, heads, s.queries * s.length * s.dim, [&](int64_t b, int64_t h) {
            const float *gbh = gp + (b * heads + h) * s.queries * s.length;
            const int64_t qOffset = b * s.queries * s.embed + h * s.dim;
            const int64_t kOffset = b * s.length * s.embed + h * s.dim;
            // dq = g k; dk = g^T q. Each (b, h) writes its own column block of dq and dk.
            gemm(false, false, s.queries, s.dim, s.length, gbh, s.length, kp + kOffset, s.embed,
                 dqp + qOffset, s.embed);
            gemm(true, false, s.length, s.dim, s.queries, gbh, s.length, qp + qOffset, s.embed,
                 dkp + kOffset, s.embed);
        });
        return {dq, dk, torch::Tensor()};
    }
};

class HeadContext : public torch::autograd::Function<HeadContext>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &probs,
                                 const torch::Tensor &v, int64_t heads)
    {
        const torch::Tensor pc = probs.contiguous(), vc = v.contiguous();
        const int64_t batch = vc.size(0), length = vc.size(1), embed = vc.size(2);
        const int64_t queries = pc.size(2), dim = embed / heads;
        torch::Tensor context = torch::empty({batch, queries, embed}, v.options());
        const float *pp = pc.data_ptr<float>(), *vp = vc.data_ptr<float>();
        float *cp = context.data_ptr<float>();
        forEachHead(batch, heads, queries * length * dim, [&](int64_t b, int64_t h) {
            gemm(false, false, queries, dim, length, pp + (b * heads + h) * queries * length,
                 length, vp + (b * length * embed + h * dim), embed,
                 cp + (b * queries * embed + h * dim), embed);
        });
        ctx->save_for_backward({pc, vc});
        ctx->saved_data["heads"] = heads;
        return context;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &probs = saved[0], &v = saved[1];
        const int64_t heads = ctx->saved_data["heads"].toInt();
        const int64_t batch = v.size(0), length = v.size(1), embed = v.size(2);
        const int64_t queries = probs.size(2), dim = embed / heads;
        const torch::Tensor g = grads[0].contiguous();
        torch::Tensor dp = torch::empty_like(probs), dv = torch::empty_like(v);
        const float *pp = probs.data_ptr<float>(), *vp = v.data_ptr<float>(),
                    *gp = g.data_ptr<float>();
        float *dpp = dp.data_ptr<float>(), *dvp = dv.data_ptr<float>();
        forEachHead(batch, heads, queries * length * dim, [&](int64_t b, int64_t h) {
            const int64_t pOffset = (b * heads + h) * queries * length;
            const int64_t gOffset = b * queries * embed + h * dim;
            const int64_t vOffset = b * length * embed + h * dim;
            // dprobs = g v^T; dv = probs^T g.
            gemm(false, true, queries, length, dim, gp + gOffset, embed, vp + vOffset, embed,
                 dpp + pOffset, length);
            gemm(true, false, length, dim, queries, pp + pOffset, length, gp + gOffset, embed,
                 dvp + vOffset, embed);
        });
        return {dp, dv, torch::Tensor()};
    }
};

} // namespace

bool headProductsApply(const torch::Tensor &q, const torch::Tensor &k, int64_t heads)
{
    if (!sgemm() || heads <= 0 || !q.is_cpu() || !k.is_cpu() || q.dim() != 3 || k.dim() != 3 ||
        q.scalar_type() != torch::kFloat || k.scalar_type() != torch::kFloat ||
        q.size(2) != k.size(2) || q.size(0) != k.size(0) || q.size(2) % heads != 0)
        return false;
    const int64_t product = q.size(1) * k.size(1) * (q.size(2) / heads);
    return product > 0 && product <= kSingleThreadedProduct;
}

torch::Tensor headScores(const torch::Tensor &q, const torch::Tensor &k, int64_t heads)
{
    return HeadScores::apply(q, k, heads);
}

torch::Tensor headContext(const torch::Tensor &probs, const torch::Tensor &v, int64_t heads)
{
    return HeadContext::apply(probs, v, heads);
}

} // namespace sentilab
