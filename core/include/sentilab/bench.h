#pragma once
// Benchmarks behind `sentilab-cli bench`. Torch-free facade: plain result structs.
#include <cstdint>
#include <string>
#include <vector>

namespace sentilab {

struct TokenizerBenchResult
{
    int64_t sentences = 0; // sentences encoded in the timed loop (whole passes over the file)
    int64_t tokens = 0;    // ids produced, [CLS]/[SEP] included
    double seconds = 0;    // wall time of the timed loop
    double sentencesPerSecond = 0;
    double tokensPerSecond = 0;
};

// Encodes every `text` of a JSONL/TSV file (SST-2 layout) repeatedly on the calling thread for at
// least `minSeconds` (after one untimed warm-up pass). Throws sentilab::Error on bad input.
TokenizerBenchResult benchTokenizer(const std::string &vocabPath, const std::string &dataPath,
                                    double minSeconds = 2.0);

struct AttentionBenchRow
{
    int64_t batch = 0, length = 0, dim = 0, heads = 0;
    bool backward = false; // forward+backward when true, forward only otherwise
    double oursMs = 0;     // median time per call of our MultiHeadSelfAttention
    double torchMs = 0;    // median time per call of torch::nn::MultiheadAttention
    double ratio = 0;      // oursMs / torchMs (< 1.10 is the target)
};

// Times our attention against torch::nn::MultiheadAttention with identical weights at DistilBERT
// shapes (batch 32, lengths 32/64/128, dim 768, 12 heads), forward and forward+backward,
// interleaving the two implementations; `repeats` timed calls each after a warm-up.
std::vector<AttentionBenchRow> benchAttention(int repeats = 10,
                                              std::vector<int64_t> lengths = {32, 64, 128});

} // namespace sentilab

namespace sentilab {

struct MatmulBenchResult
{
    int64_t m = 0, k = 0, n = 0; // [m, k] x [k, n], float32
    double medianMs = 0;
    double gflops = 0; // 2*m*k*n / median time: the machine's practical matmul peak
};

// Times a float32 matmul of DistilBERT-FFN shape (2048x768 by 768x3072) with LibTorch's BLAS.
MatmulBenchResult benchMatmul(int repeats = 10);

struct ProductBenchRow
{
    int64_t rows = 0, in = 0, out = 0; // x [rows, in] · Wᵀ [in, out] + b
    double blasGflops = 0;             // torch::nn::functional::linear (OpenBLAS)
    double packedGflops = 0;           // the pre-packed product inference uses; 0 when none runs
    std::string kernel;                // its instruction set ("AVX-512", "AVX2", "none")
};

// The encoder's linear layers (768->768, 768->3072, 3072->768) at 1 to 1,024 rows, through the
// BLAS and through pre-packed weights (packedgemm.h), with the process's threads.
std::vector<ProductBenchRow> benchProducts(int repeats = 10);

} // namespace sentilab

namespace sentilab {

struct TrainingBenchResult
{
    int64_t steps = 0; // timed optimizer steps (after one untimed warm-up step)
    int64_t batchSize = 0;
    int64_t realTokens = 0;   // non-pad tokens processed in the timed steps
    int64_t paddedTokens = 0; // tokens including padding
    double seconds = 0;
    double tokensPerSecond = 0; // real tokens
    double samplesPerSecond = 0;
    double modelGflops = 0;  // useful FLOPs/s: (6 * 42,467,328 + attention) per real token
    double mfu = 0;          // modelGflops / matmul peak measured in the same run
    double epochMinutes = 0; // projected time of one epoch over the whole training file
    double peakRssMb = 0;    // process peak resident memory after the run
    int64_t fixedLength = 0; // 0: SST-2 batches; else random full batches of this length
    // Mean milliseconds per step in each phase (they add up to seconds / steps).
    double dataMs = 0, forwardMs = 0, backwardMs = 0, clipMs = 0, optimizerMs = 0;
    // clip_grad_norm_ + torch::optim::AdamW::step() on the same gradients, the sequence the fused
    // clip + optimizer pass replaced (median of 3, same process)
    double unfusedOptimizerMs = 0;
};

// Full-size DistilBERT (random init, distilbert-base-uncased shapes) training steps as the
// trainer runs them (same TrainingStep: AdamW, clipping) on SST-2 batches planned as the trainer
// plans them (length buckets, batch 32), or with `fixedLength` > 0 on random batches of that
// length with no padding, the shape eager-PyTorch benchmarks use.
TrainingBenchResult benchTraining(const std::string &vocabPath, const std::string &trainPath,
                                  int steps, double matmulPeakGflops, int64_t batchSize = 32,
                                  int64_t fixedLength = 0);

struct ProfileRow
{
    std::string part;     // e.g. "linear layers (GEMM, incl. bias adds)", "LayerNorm"
    double msPerStep = 0; // self time per training step
    double share = 0;     // of the profiled steps' wall time
};

// Where full-size training steps (batch 32, length-bucketed SST-2 batches, the trainer's
// TrainingStep) spend their time: LibTorch's profiler over `steps` steps after a warm-up, the self
// time of every operator charged to the outermost operator the model called and grouped into
// parts, largest first. The profiler's cost per recorded operator inflates parts made of many
// small operators (attention's batched products); compare with benchTraining's phase times.
std::vector<ProfileRow> profileTraining(const std::string &vocabPath, const std::string &trainPath,
                                        int steps);

struct LatencyRow
{
    int64_t tokens = 0; // sequence length including [CLS]/[SEP]
    double p50Ms = 0, p95Ms = 0;
    // The same forward with every product through the BLAS (weights not pre-packed), measured
    // interleaved with the packed one so that machine drift affects both alike.
    double blasP50Ms = 0, blasP95Ms = 0;
    std::string kernel; // instruction set of the packed products ("AVX-512", "AVX2", "none")
};

// Single-sentence (batch 1) eval-mode latency of the full-size classifier at the given lengths,
// as Classifier runs it (packed weights, see packedlinear.h) and through the BLAS alone.
std::vector<LatencyRow> benchInference(const std::vector<int64_t> &lengths = {16, 32, 64},
                                       int repeats = 30);

// Seconds to evaluate the full-size classifier on the file's examples (batch 64, length sorted).
double benchEvaluation(const std::string &vocabPath, const std::string &dataPath);

} // namespace sentilab

namespace sentilab {

struct ExplainBenchRow
{
    std::string what;        // "ig" (with steps), "grad-input", "occlusion", "attention"
    int steps = 0;           // Integrated Gradients' points; 0 otherwise
    int64_t tokens = 0;      // sentence length including [CLS]/[SEP]
    double p50Ms = 0;        // median per full-size model
    double bothModelsMs = 0; // 2 x p50: the pane explains a fine-tune and a scratch model
};

// Classifier::explain's cost on a full-size (random) DistilBERT for one sentence of `tokens`
// tokens: each attribution method (Integrated Gradients at `steps` points) and attention +
// rollout alone, median of `repeats` after a warm-up.
std::vector<ExplainBenchRow> benchExplain(int64_t tokens = 32, int steps = 32, int repeats = 5);

} // namespace sentilab
