#include "packedgemm.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <immintrin.h>

#include <sentilab/runtime.h>

namespace sentilab {
namespace {

constexpr int64_t kWidth = PackedMatrix::kPanelWidth;

// Register blocking. AVX-512: kRows512 rows × two 16-float panels = 16 accumulators of the 32
// zmm registers, enough independent FMAs to hide their latency on both Intel (two FMA units)
// and AMD Zen 4/5. AVX2: kRows256 rows × one panel as two 8-float halves = 12 of the 16 ymm.
constexpr int kRows512 = 8;
constexpr int kRows256 = 6;

// Each kernel computes `Rows` rows of c for `Panels` consecutive panels over the whole depth k:
// the weights stream once from memory per column block, the few rows of a stay in cache.
template <int Rows, int Panels>
__attribute__((target("avx512f,avx512vl,fma"), always_inline)) inline void
kernel512(const PackedMatrix &w, int64_t p0, const float *a, int64_t lda, float *c, int64_t ldc)
{
    const int64_t k = w.depth();
    __m512 acc[Rows][Panels];
    const float *b[Panels];
#pragma GCC unroll 16
    for (int p = 0; p < Panels; ++p) {
        b[p] = w.panel(p0 + p);
        const __m512 bias = _mm512_load_ps(w.bias(p0 + p));
#pragma GCC unroll 16
        for (int i = 0; i < Rows; ++i)
            acc[i][p] = bias;
    }
    for (int64_t kk = 0; kk < k; ++kk) {
        __m512 weights[Panels];
#pragma GCC unroll 16
        for (int p = 0; p < Panels; ++p)
            weights[p] = _mm512_load_ps(b[p] + kk * kWidth);
#pragma GCC unroll 16
        for (int i = 0; i < Rows; ++i) {
            const __m512 x = _mm512_set1_ps(a[i * lda + kk]);
#pragma GCC unroll 16
            for (int p = 0; p < Panels; ++p)
                acc[i][p] = _mm512_fmadd_ps(x, weights[p], acc[i][p]);
        }
    }
#pragma GCC unroll 16
    for (int p = 0; p < Panels; ++p) {
        const int64_t column = (p0 + p) * kWidth;
        const int64_t valid = w.rows() - column;
        const __mmask16 mask = valid >= kWidth ? __mmask16(0xffff) : __mmask16((1u << valid) - 1);
#pragma GCC unroll 16
        for (int i = 0; i < Rows; ++i)
            _mm512_mask_storeu_ps(c + i * ldc + column, mask, acc[i][p]);
    }
}

template <int Rows>
__attribute__((target("avx2,fma"), always_inline)) inline void
kernel256(const PackedMatrix &w, int64_t p, const float *a, int64_t lda, float *c, int64_t ldc)
{
    const int64_t k = w.depth();
    const float *b = w.panel(p);
    __m256 lo[Rows], hi[Rows];
    const __m256 biasLo = _mm256_load_ps(w.bias(p)), biasHi = _mm256_load_ps(w.bias(p) + 8);
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) {
        lo[i] = biasLo;
        hi[i] = biasHi;
    }
    for (int64_t kk = 0; kk < k; ++kk) {
        const __m256 wLo = _mm256_load_ps(b + kk * kWidth);
        const __m256 wHi = _mm256_load_ps(b + kk * kWidth + 8);
#pragma GCC unroll 16
        for (int i = 0; i < Rows; ++i) {
            const __m256 x = _mm256_broadcast_ss(a + i * lda + kk);
            lo[i] = _mm256_fmadd_ps(x, wLo, lo[i]);
            hi[i] = _mm256_fmadd_ps(x, wHi, hi[i]);
        }
    }
    const int64_t column = p * kWidth;
    const int64_t valid = w.rows() - column;
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) {
        float *row = c + i * ldc + column;
        if (valid >= kWidth) {
            _mm256_storeu_ps(row, lo[i]);
            _mm256_storeu_ps(row + 8, hi[i]);
        } else {
            alignas(32) float tmp[kWidth];
            _mm256_store_ps(tmp, lo[i]);
            _mm256_store_ps(tmp + 8, hi[i]);
            std::memcpy(row, tmp, size_t(valid) * sizeof(float));
        }
    }
}

// The rows left after the full blocks, one instantiation per count.
template <int Panels, int Rows = kRows512 - 1>
__attribute__((target("avx512f,avx512vl,fma"))) void tail512(int rows, const PackedMatrix &w,
                                                             int64_t p0, const float *a,
                                                             int64_t lda, float *c, int64_t ldc)
{
    if constexpr (Rows > 0) {
        if (rows == Rows)
            kernel512<Rows, Panels>(w, p0, a, lda, c, ldc);
        else
            tail512<Panels, Rows - 1>(rows, w, p0, a, lda, c, ldc);
    }
}

template <int Rows = kRows256 - 1>
__attribute__((target("avx2,fma"))) void tail256(int rows, const PackedMatrix &w, int64_t p,
                                                 const float *a, int64_t lda, float *c, int64_t ldc)
{
    if constexpr (Rows > 0) {
        if (rows == Rows)
            kernel256<Rows>(w, p, a, lda, c, ldc);
        else
            tail256<Rows - 1>(rows, w, p, a, lda, c, ldc);
    }
}

template <int Panels>
__attribute__((target("avx512f,avx512vl,fma"))) void columns512(const PackedMatrix &w, int64_t p0,
                                                                const float *a, int64_t m,
                                                                int64_t lda, float *c, int64_t ldc)
{
    int64_t i = 0;
    for (; i + kRows512 <= m; i += kRows512)
        kernel512<kRows512, Panels>(w, p0, a + i * lda, lda, c + i * ldc, ldc);
    if (i < m)
        tail512<Panels>(int(m - i), w, p0, a + i * lda, lda, c + i * ldc, ldc);
}

__attribute__((target("avx512f,avx512vl,fma"))) void gemm512(const PackedMatrix &w, const float *a,
                                                             int64_t m, int64_t lda, float *c,
                                                             int64_t ldc, int64_t firstPanel,
                                                             int64_t endPanel)
{
    int64_t p = firstPanel;
    for (; p + 2 <= endPanel; p += 2)
        columns512<2>(w, p, a, m, lda, c, ldc);
    if (p < endPanel)
        columns512<1>(w, p, a, m, lda, c, ldc);
}

__attribute__((target("avx2,fma"))) void gemm256(const PackedMatrix &w, const float *a, int64_t m,
                                                 int64_t lda, float *c, int64_t ldc,
                                                 int64_t firstPanel, int64_t endPanel)
{
    for (int64_t p = firstPanel; p < endPanel; ++p) {
        int64_t i = 0;
        for (; i + kRows256 <= m; i += kRows256)
            kernel256<kRows256>(w, p, a + i * lda, lda, c + i * ldc, ldc);
        if (i < m)
            tail256(int(m - i), w, p, a + i * lda, lda, c + i * ldc, ldc);
    }
}

bool cpuHasAvx512()
{
    return hostCpuFeatures().avx512;
}

bool cpuHasAvx2()
{
    const CpuFeatures cpu = hostCpuFeatures();
    return cpu.avx2 && cpu.fma;
}

} // namespace

GemmIsa bestGemmIsa()
{
    static const GemmIsa best = [] {
        const GemmIsa cpu =
            cpuHasAvx512() ? GemmIsa::Avx512 : (cpuHasAvx2() ? GemmIsa::Avx2 : GemmIsa::None);
        // A lower choice through the environment (tests run the golden cases under each); a
        // name this CPU cannot run, or an unknown one, leaves the CPU's best, with a warning.
        const char *wanted = std::getenv("SENTILAB_GEMM_KERNEL");
        if (!wanted || !*wanted)
            return cpu;
        const std::string name = wanted;
        if (name == "blas")
            return GemmIsa::None;
        if (name == "avx2" && cpuHasAvx2())
            return GemmIsa::Avx2;
        if (name == "avx512" && cpu == GemmIsa::Avx512)
            return cpu;
        std::fprintf(stderr,
                     "warning: SENTILAB_GEMM_KERNEL=%s is not one this CPU runs (avx512, avx2 or "
                     "blas); using %s\n",
                     wanted, gemmIsaName(cpu));
        return cpu;
    }();
    return best;
}

std::vector<GemmIsa> supportedGemmIsas()
{
    std::vector<GemmIsa> isas;
    if (cpuHasAvx512())
        isas.push_back(GemmIsa::Avx512);
    if (cpuHasAvx2())
        isas.push_back(GemmIsa::Avx2);
    return isas;
}

const char *gemmIsaName(GemmIsa isa)
{
    switch (isa) {
    case GemmIsa::Avx512:
        return "AVX-512";
    case GemmIsa::Avx2:
        return "AVX2";
    case GemmIsa::None:
        break;
    }
    return "none";
}

std::string packedGemmSummary()
{
    const GemmIsa isa = bestGemmIsa();
    if (isa != GemmIsa::None)
        return std::string("pre-packed, ") + gemmIsaName(isa) + " kernel";
    return supportedGemmIsas().empty() ? "through the BLAS (this CPU has neither AVX2 nor AVX-512)"
                                       : "through the BLAS (SENTILAB_GEMM_KERNEL=blas)";
}

PackedMatrix::Buffer PackedMatrix::allocate(int64_t floats)
{
    const size_t bytes = (size_t(floats) * sizeof(float) + 63) / 64 * 64;
    auto *p = static_cast<float *>(std::aligned_alloc(64, std::max<size_t>(bytes, 64)));
    if (!p)
        throw std::bad_alloc();
    std::memset(p, 0, bytes);
    return Buffer(p);
}

PackedMatrix::PackedMatrix(const float *weight, const float *bias, int64_t n, int64_t k)
    : m_n(n), m_k(k)
{
    m_data = allocate(panels() * k * kWidth);
    m_bias = allocate(panels() * kWidth);
    for (int64_t j = 0; j < n; ++j) {
        float *column = m_data.get() + (j / kWidth) * k * kWidth + j % kWidth;
        const float *row = weight + j * k;
        for (int64_t kk = 0; kk < k; ++kk)
            column[kk * kWidth] = row[kk];
        if (bias)
            m_bias[j] = bias[j];
    }
}

void packedGemm(GemmIsa isa, const PackedMatrix &w, const float *a, int64_t m, int64_t lda,
                float *c, int64_t ldc, int64_t firstPanel, int64_t endPanel)
{
    if (isa == GemmIsa::Avx512)
        gemm512(w, a, m, lda, c, ldc, firstPanel, endPanel);
    else if (isa == GemmIsa::Avx2)
        gemm256(w, a, m, lda, c, ldc, firstPanel, endPanel);
}

} // namespace sentilab
