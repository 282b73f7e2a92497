#pragma once
// A matrix product for float32 inference, y = x · Wᵀ + b, whose weight matrix W is rearranged
// once ("packed") instead of on every call. OpenBLAS packs both operands on every call; with a
// batch of one sentence (16 to 64 rows) that packing of the 768 × 3072 weights is a third of the
// time (docs/PERFORMANCE.md, "Inference products"). Torch-free: raw row-major pointers, one
// thread per call; the caller spreads column blocks over its threads.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace sentilab {

// The vector instruction sets the kernels are written for, best first. None: the CPU has neither
// and callers use the BLAS.
enum class GemmIsa { Avx512, Avx2, None };

// The kernel the products use: the best this CPU runs (AVX-512 F/BW/DQ/VL, or AVX2 with FMA),
// unless SENTILAB_GEMM_KERNEL asks for "avx2" (when the CPU has it) or "blas" (None: no packing);
// any other value warns on stderr once and keeps the best. And every kernel this CPU runs (tests
// compare each against a reference).
GemmIsa bestGemmIsa();
std::vector<GemmIsa> supportedGemmIsas();
const char *gemmIsaName(GemmIsa isa);
// For the environment line: e.g. "pre-packed, AVX-512 kernel", or "through the BLAS (...)".
std::string packedGemmSummary();

// W [n][k] (row-major, as a torch Linear stores it) and b [n] (may be null), in panels of
// kPanelWidth output columns: panel p holds W[p·16 + j][kk] at data[(p·k + kk)·16 + j], the
// columns past n zero. Immutable once built.
class PackedMatrix
{
public:
    static constexpr int64_t kPanelWidth = 16;

    PackedMatrix() = default;
    PackedMatrix(const float *weight, const float *bias, int64_t n, int64_t k);

    int64_t rows() const { return m_n; }  // output features n
    int64_t depth() const { return m_k; } // input features k
    int64_t panels() const { return (m_n + kPanelWidth - 1) / kPanelWidth; }
    const float *panel(int64_t p) const { return m_data.get() + p * m_k * kPanelWidth; }
    const float *bias(int64_t p) const { return m_bias.get() + p * kPanelWidth; }

private:
    struct Free
    {
        void operator()(float *p) const { std::free(p); }
    };
    // 64-byte aligned, so that no 16-float load straddles two cache lines.
    using Buffer = std::unique_ptr<float[], Free>;
    static Buffer allocate(int64_t floats);

    int64_t m_n = 0, m_k = 0;
    Buffer m_data;
    Buffer m_bias; // zero where there is no bias
};

// c[i][j] = b[j] + Σ_kk a[i][kk] · W[j][kk] for rows i < m and the output columns of panels
// [firstPanel, endPanel); a has row stride lda (≥ k), c has row stride ldc (≥ n). Single-threaded;
// `isa` must be one of supportedGemmIsas() (not None).
void packedGemm(GemmIsa isa, const PackedMatrix &w, const float *a, int64_t m, int64_t lda,
                float *c, int64_t ldc, int64_t firstPanel, int64_t endPanel);

} // namespace sentilab
