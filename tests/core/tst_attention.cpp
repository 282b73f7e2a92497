// Our multi-head self-attention: equality with torch::nn::MultiheadAttention (issue: model core,
// >= 50 randomised cases, 1e-5 float32 / 1e-10 float64) and its own contracts.
#include <cmath>
#include <tuple>
#include <vector>

#include <torch/nn/functional/linear.h>
#include <torch/utils.h>

#include <QtTest/QtTest>

#include <sentilab/attentioncheck.h>
#include <sentilab/error.h>

#include "fastdropout.h"
#include "headproducts.h"
#include "multiheadattention.h"
#include "packedgemm.h"
#include "packedlinear.h"

using namespace sentilab;

class TestAttention : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesTorchOnRandomisedCases();
    void coversTheRequiredSpace();
    void weightsAreDistributionsThatRespectPadding();
    void fullyMaskedRowIsUniformNotNaN();
    void dropoutOnlyInTrainingMode();
    void biasOffHasNoBiasParameters();
    void hashDropoutDropsTheRightFraction();
    void rejectsIndivisibleHeads();
    void headProductsMatchMatmulWithGradients_data();
    void headProductsMatchMatmulWithGradients();
    void packedLinearMatchesTorchLinear_data();
    void packedLinearMatchesTorchLinear();
    void packedCacheFollowsTheWeightsAndTheRules();
};

void TestAttention::matchesTorchOnRandomisedCases()
{
    const auto results = runAttentionChecks(60, 12345);
    QCOMPARE(int(results.size()), 60);
    for (const auto &c : results) {
        QVERIFY2(c.passed, qPrintable(QString("case %1 %2 %3: out %4, avg %5, head %6")
                                          .arg(c.index)
                                          .arg(QString::fromStdString(c.shape()))
                                          .arg(c.float64 ? "f64" : "f32")
                                          .arg(c.maxDiffOutput)
                                          .arg(c.maxDiffWeights)
                                          .arg(c.maxDiffHeadWeights)));
        QCOMPARE(c.tolerance, c.float64 ? 1e-10 : 1e-5);
    }
}

void TestAttention::coversTheRequiredSpace()
{
    // The check must exercise what the issue lists, not just pass.
    const auto results = runAttentionChecks(60, 20240611);
    bool dim768 = false, len1 = false, len128 = false, batch16 = false, oneHead = false;
    int f64 = 0, padded = 0, masked = 0, noBias = 0;
    for (const auto &c : results) {
        QVERIFY(c.heads >= 1 && c.heads <= 12 && c.length >= 1 && c.length <= 128);
        QVERIFY(c.batch >= 1 && c.batch <= 16);
        dim768 |= c.dim == 768;
        len1 |= c.length == 1;
        len128 |= c.length == 128;
        batch16 |= c.batch == 16;
        oneHead |= c.heads == 1;
        f64 += c.float64;
        padded += c.keyPaddingMask;
        masked += c.attentionMask;
        noBias += !c.bias;
    }
    QVERIFY(dim768 && len1 && len128 && batch16 && oneHead);
    QVERIFY(f64 >= 10 && padded >= 10 && masked >= 10 && noBias >= 5);
}

void TestAttention::weightsAreDistributionsThatRespectPadding()
{
    torch::manual_seed(1);
    MultiHeadSelfAttentionOptions o;
    o.embedDim = 16;
    o.numHeads = 4;
    MultiHeadSelfAttention attn(o);
    attn->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({2, 5, 16});
    const torch::Tensor padding =
        torch::tensor({0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, torch::kBool).view({2, 5});
    const AttentionOutput out = attn->forward(x, padding, {}, true);
    QCOMPARE(out.weights.sizes().vec(), std::vector<int64_t>({2, 4, 5, 5}));
    QVERIFY(torch::allclose(out.weights.sum(-1), torch::ones({2, 4, 5})));
    QCOMPARE(out.weights[0].slice(2, 3).abs().max().item<double>(), 0.0); // padded keys of row 0
    // Without weights requested none are returned.
    QVERIFY(!attn->forward(x, padding).weights.defined());
}

void TestAttention::fullyMaskedRowIsUniformNotNaN()
{
    MultiHeadSelfAttentionOptions o;
    o.embedDim = 8;
    o.numHeads = 2;
    MultiHeadSelfAttention attn(o);
    torch::NoGradGuard noGrad;
    const AttentionOutput out =
        attn->forward(torch::randn({1, 3, 8}), torch::ones({1, 3}, torch::kBool), {}, true);
    QVERIFY(!out.output.isnan().any().item<bool>());
    QVERIFY(torch::allclose(out.weights, torch::full({1, 2, 3, 3}, 1.0 / 3)));
}

void TestAttention::dropoutOnlyInTrainingMode()
{
    torch::manual_seed(2);
    MultiHeadSelfAttentionOptions o;
    o.embedDim = 32;
    o.numHeads = 4;
    o.dropout = 0.5;
    MultiHeadSelfAttention attn(o);
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({2, 6, 32});
    attn->eval();
    QVERIFY(torch::equal(attn->forward(x).output, attn->forward(x).output));
    attn->train();
    QVERIFY(!torch::allclose(attn->forward(x).output, attn->forward(x).output));
}

void TestAttention::biasOffHasNoBiasParameters()
{
    MultiHeadSelfAttentionOptions o;
    o.embedDim = 12;
    o.numHeads = 3;
    o.bias = false;
    MultiHeadSelfAttention attn(o);
    QCOMPARE(int(attn->parameters().size()), 4);
    for (const auto &p : attn->named_parameters())
        QVERIFY2(p.key().find("bias") == std::string::npos, p.key().c_str());
}

void TestAttention::hashDropoutDropsTheRightFraction()
{
    const torch::Tensor x = torch::ones({1000, 1000}, torch::requires_grad());
    torch::manual_seed(5);
    const torch::Tensor y = hashDropout(x, 0.1);
    const double dropped = y.eq(0).to(torch::kDouble).mean().item<double>();
    QVERIFY2(std::abs(dropped - 0.1) < 0.002, qPrintable(QString::number(dropped))); // 1e6 samples
    QVERIFY(torch::allclose(y.masked_select(y.ne(0)), torch::full({1}, 1.0 / 0.9)));
    // Rows are not correlated with each other (the hash covers the flat index).
    QVERIFY(!torch::equal(y[0], y[1]));
    y.sum().backward(); // d/dx (x * mask) = mask
    QVERIFY(torch::equal(x.grad(), y.detach()));
    torch::manual_seed(5);
    QVERIFY(torch::equal(hashDropout(x.detach(), 0.1), y.detach()));  // reproducible from the seed
    QVERIFY(!torch::equal(hashDropout(x.detach(), 0.1), y.detach())); // and fresh on each call
    QVERIFY_THROWS_EXCEPTION(Error, hashDropout(x, 1.0));
}

void TestAttention::rejectsIndivisibleHeads()
{
    MultiHeadSelfAttentionOptions o;
    o.embedDim = 10;
    o.numHeads = 3;
    QVERIFY_THROWS_EXCEPTION(Error, MultiHeadSelfAttention{o});
}

void TestAttention::packedLinearMatchesTorchLinear_data()
{
    QTest::addColumn<int>("isa");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("out");
    QTest::addColumn<int>("in");
    // Rows around the register blocks (8 and 6) and their remainders, outputs that fill whole
    // panel pairs, a single panel and a partial one, depths down to one.
    for (const GemmIsa isa : supportedGemmIsas())
        for (const auto &[rows, out, in] : std::vector<std::tuple<int, int, int>>{{1, 768, 768},
                                                                                  {16, 3072, 768},
                                                                                  {33, 768, 3072},
                                                                                  {7, 48, 5},
                                                                                  {13, 2, 64},
                                                                                  {9, 50, 1},
                                                                                  {64, 16, 31},
                                                                                  {96, 40, 17}})
            QTest::addRow("%s %dx%d->%d", gemmIsaName(isa), rows, in, out)
                << int(isa) << rows << out << in;
    if (supportedGemmIsas().empty())
        QTest::addRow("no kernel") << int(GemmIsa::None) << 0 << 0 << 0;
}

void TestAttention::packedLinearMatchesTorchLinear()
{
    QFETCH(int, isa);
    QFETCH(int, rows);
    QFETCH(int, out);
    QFETCH(int, in);
    if (GemmIsa(isa) == GemmIsa::None)
        QSKIP("this CPU has neither AVX2+FMA nor AVX-512: the BLAS computes every product");
    torch::manual_seed(rows * 131 + out);
    const torch::Tensor w = torch::randn({out, in});
    const torch::Tensor b = torch::randn({out});
    const PackedMatrix packed(w.data_ptr<float>(), b.data_ptr<float>(), out, in);
    const PackedMatrix unbiased(w.data_ptr<float>(), nullptr, out, in);
    // A [2, rows, in] view of every other row of a larger tensor: a row stride beyond `in`.
    const torch::Tensor big = torch::randn({2, 2 * rows, in});
    const torch::Tensor x = big.slice(1, 0, 2 * rows, 2);
    const torch::Tensor reference = torch::nn::functional::linear(x, w, b);
    // Float32 sums of `in` products in another order: within 1e-5 of the result's scale.
    const double scale = reference.abs().max().item<double>() + 1.0;
    const torch::Tensor got = packedLinear(packed, x, GemmIsa(isa));
    QCOMPARE(got.sizes().vec(), reference.sizes().vec());
    QVERIFY2((got - reference).abs().max().item<double>() <= 1e-5 * scale * std::sqrt(in),
             "packed product differs from torch::linear");
    const torch::Tensor plain = packedLinear(unbiased, x[1], GemmIsa(isa));
    QVERIFY((plain - torch::nn::functional::linear(x[1], w)).abs().max().item<double>() <=
            1e-5 * scale * std::sqrt(in));
}

void TestAttention::packedCacheFollowsTheWeightsAndTheRules()
{
    if (bestGemmIsa() == GemmIsa::None)
        QSKIP("this CPU runs no packed kernel");
    torch::manual_seed(9);
    torch::nn::Linear linear(24, 40);
    PackedLinearCache cache;
    const torch::Tensor x = torch::randn({3, 5, 24});
    const auto close = [](const torch::Tensor &a, const torch::Tensor &b) {
        return (a - b).abs().max().item<double>() < 1e-4;
    };
    {
        torch::NoGradGuard noGrad;
        cache.setEnabled(true, *linear);
        QVERIFY(close(cache.forward(*linear, x), linear->forward(x)));
        // Changed in place through torch (the version counter moves): repacked.
        linear->weight.mul_(-2.0);
        linear->bias.add_(1.0);
        QVERIFY(close(cache.forward(*linear, x), linear->forward(x)));
        // Replaced by another tensor (the data pointer moves): repacked.
        linear->weight.set_data(torch::randn({40, 24}));
        QVERIFY(close(cache.forward(*linear, x), linear->forward(x)));
        // Disabled: the module's own forward (and the packed copy is gone).
        cache.setEnabled(false, *linear);
        QVERIFY(close(cache.forward(*linear, x), linear->forward(x)));
        cache.setEnabled(true, *linear);
    }
    // With gradients on, the module's own forward: the result carries a gradient function.
    const torch::Tensor y = cache.forward(*linear, x);
    QVERIFY(y.requires_grad());
    y.sum().backward();
    QVERIFY(linear->weight.grad().defined());
}
QTEST_GUILESS_MAIN(TestAttention)
// The direct per-head products against matmul on [B, H, L, D] views, forward and backward (the
// gradients of a random weighting of the outputs). Tolerance 1e-5 absolute on values of order 1:
// the same float32 products, summed in another order.
void TestAttention::headProductsMatchMatmulWithGradients_data()
{
    QTest::addColumn<int>("queries");
    QTest::addRow("every query") << 7;
    QTest::addRow("[CLS] only") << 1;
}

void TestAttention::headProductsMatchMatmulWithGradients()
{
    QFETCH(int, queries);
    const int64_t batch = 3, length = 7, embed = 12, heads = 3, dim = embed / heads;
    torch::manual_seed(5);
    const torch::Tensor q0 = torch::randn({batch, queries, embed});
    const torch::Tensor k0 = torch::randn({batch, length, embed});
    const torch::Tensor v0 = torch::randn({batch, length, embed});
    const torch::Tensor p0 = torch::softmax(torch::randn({batch, heads, queries, length}), -1);
    QVERIFY(sentilab::headProductsApply(q0, k0, heads));
    QVERIFY(!sentilab::headProductsApply(q0.to(torch::kDouble), k0.to(torch::kDouble), heads));

    const auto split = [&](const torch::Tensor &t) {
        return t.view({batch, t.size(1), heads, dim}).transpose(1, 2);
    };
    const auto leaf = [](const torch::Tensor &t) { return t.clone().requires_grad_(true); };
    const auto maxDiff = [](const torch::Tensor &a, const torch::Tensor &b) {
        return (a - b).abs().max().item<double>();
    };

    torch::Tensor qa = leaf(q0), ka = leaf(k0), qb = leaf(q0), kb = leaf(k0);
    const torch::Tensor scores = sentilab::headScores(qa, ka, heads);
    const torch::Tensor reference = torch::matmul(split(qb), split(kb).transpose(-2, -1));
    QVERIFY2(maxDiff(scores, reference) < 1e-5, "scores differ");
    const torch::Tensor ws = torch::randn(reference.sizes());
    (scores * ws).sum().backward();
    (reference * ws).sum().backward();
    QVERIFY2(maxDiff(qa.grad(), qb.grad()) < 1e-5, "d scores / d q differs");
    QVERIFY2(maxDiff(ka.grad(), kb.grad()) < 1e-5, "d scores / d k differs");

    torch::Tensor pa = leaf(p0), va = leaf(v0), pb = leaf(p0), vb = leaf(v0);
    const torch::Tensor context = sentilab::headContext(pa, va, heads);
    const torch::Tensor merged =
        torch::matmul(pb, split(vb)).transpose(1, 2).reshape({batch, queries, embed});
    QVERIFY2(maxDiff(context, merged) < 1e-5, "context differs");
    const torch::Tensor wc = torch::randn(merged.sizes());
    (context * wc).sum().backward();
    (merged * wc).sum().backward();
    QVERIFY2(maxDiff(pa.grad(), pb.grad()) < 1e-5, "d context / d probs differs");
    QVERIFY2(maxDiff(va.grad(), vb.grad()) < 1e-5, "d context / d v differs");
}

#include "tst_attention.moc"
