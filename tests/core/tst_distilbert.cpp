// Our DistilBERT against Hugging Face's own outputs for the tiny golden checkpoints
// (../shared/golden/model): hidden states, logits, loss and every gradient norm, plus checkpoint
// loading, saving, HF initialisation and bad-checkpoint errors. ctest also runs the suite once per
// OpenBLAS kernel (SENTILAB_EXPECT_OPENBLAS_KERNEL, forced through OPENBLAS_CORETYPE) so that a
// kernel computing wrong results on this CPU fails the golden comparisons.
// Torch headers come before Qt's (this suite compiles with QT_NO_KEYWORDS as well).
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/utils.h>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <sentilab/classifier.h>
#include <sentilab/device.h>
#include <sentilab/error.h>
#include <sentilab/runtime.h>

#include "hfcheckpoint.h"
#include "packedgemm.h"
#include "shareddata.h"
#include "testhelpers.h"
#include "trainingstep.h"

using namespace sentilab;
using sentilab::test::errorOf;

namespace {

// Tolerances stated by ../shared/golden/model/README.md.
constexpr double kOutputTolerance = 1e-5;  // last_hidden_state, logits, loss (absolute)
constexpr double kGradRelTolerance = 1e-4; // gradient L2 norms: max(1e-4 relative, 1e-5 absolute)
constexpr double kGradAbsTolerance = 1e-5;

nlohmann::json readJson(const QString &path)
{
    std::ifstream in(path.toStdString());
    return nlohmann::json::parse(in);
}

torch::Tensor toTensor(const nlohmann::json &j, torch::Dtype dtype)
{
    // Nested lists -> flat values + shape.
    std::vector<int64_t> shape;
    const nlohmann::json *level = &j;
    while (level->is_array()) {
        shape.push_back(int64_t(level->size()));
        level = &(*level)[0];
    }
    std::vector<double> flat;
    std::function<void(const nlohmann::json &)> walk = [&](const nlohmann::json &v) {
        if (v.is_array())
            for (const auto &e : v)
                walk(e);
        else
            flat.push_back(v.get<double>());
    };
    walk(j);
    return torch::tensor(flat, torch::kFloat64).view(shape).to(dtype);
}

double maxDiff(const torch::Tensor &a, const torch::Tensor &b)
{
    return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

} // namespace

class TestDistilBert : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void blasMatmulsMatchDoublePrecision_data();
    void blasMatmulsMatchDoublePrecision();
    void evalCases_data();
    void evalCases();
    void maskedLmCheckpointKeepsEncoder();
    void trainStepMatchesLossAndGradients();
    void parameterNamesAreHuggingFaceKeys();
    void scratchInitialisationFollowsHuggingFace();
    void saveAndReloadRoundTrip();
    void wrongShapeNamesTensor();
    void missingEncoderTensorIsAnError();
    void inputLongerThanPositionsIsAnError();
    void configErrorsNameKey();
    void configFileErrorsNameFile();
    void clsOnlyLastLayerMatchesFullForward();
    void fusedTrainingStepMatchesTorchAdamW_data();
    void fusedTrainingStepMatchesTorchAdamW();
    void tensorOpsAdamWMatchesFusedPass();
    void deviceChoiceOnThisBuild();
};

void TestDistilBert::initTestCase()
{
    const QByteArray expected = qgetenv("SENTILAB_EXPECT_OPENBLAS_KERNEL");
    if (expected.isEmpty())
        return;
    // A kernel the CPU cannot run would die of SIGILL at the first matmul: skip before that.
    if (!cpuRunsOpenBlasKernel(expected.toStdString(), hostCpuFeatures()))
        QSKIP(qPrintable("SKIPPED: this CPU cannot run OpenBLAS kernel " + expected));
    QCOMPARE(QString::fromStdString(openBlasKernel()), QString::fromLatin1(expected));
}

// The matrix products the model runs, at full DistilBERT shapes (where OpenBLAS's blocked
// kernels, not its small-matrix paths, do the work), in the three transposition patterns of
// forward and backward, against the same products in float64. Tolerance: 2e-5 of the product's
// scale (sqrt(k) for unit-normal inputs), i.e. ~100x float32 rounding over k = 3072 terms.
void TestDistilBert::blasMatmulsMatchDoublePrecision_data()
{
    QTest::addColumn<int>("m");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("pattern"); // 0: A·B, 1: A·Bᵀ (linear forward), 2: Aᵀ·B (weight grad)
    QTest::addRow("ffn up 512x768x3072, x·Wᵀ") << 512 << 768 << 3072 << 1;
    QTest::addRow("ffn down 512x3072x768, x·Wᵀ") << 512 << 3072 << 768 << 1;
    QTest::addRow("input grad 512x3072x768, g·W") << 512 << 3072 << 768 << 0;
    QTest::addRow("weight grad 768x512x3072, gᵀ·x") << 768 << 512 << 3072 << 2;
    QTest::addRow("odd 37x101x29") << 37 << 101 << 29 << 1;
}

void TestDistilBert::blasMatmulsMatchDoublePrecision()
{
    QFETCH(int, m);
    QFETCH(int, k);
    QFETCH(int, n);
    QFETCH(int, pattern);
    torch::manual_seed(7);
    const torch::Tensor a = pattern == 2 ? torch::randn({k, m}) : torch::randn({m, k});
    const torch::Tensor b = pattern == 1 ? torch::randn({n, k}) : torch::randn({k, n});
    auto product = [&](const torch::Tensor &x, const torch::Tensor &y) {
        return pattern == 0 ? x.matmul(y) : pattern == 1 ? x.matmul(y.t()) : x.t().matmul(y);
    };
    const torch::Tensor single = product(a, b);
    const torch::Tensor reference = product(a.to(torch::kFloat64), b.to(torch::kFloat64));
    const double worst = maxDiff(single, reference) / std::sqrt(double(k));
    QVERIFY2(worst < 2e-5, qPrintable(QStringLiteral("max error %1 x sqrt(k) with kernel %2")
                                          .arg(worst)
                                          .arg(QString::fromStdString(openBlasKernel()))));
}

void TestDistilBert::evalCases_data()
{
    QTest::addColumn<QString>("weights");
    QTest::addColumn<int>("caseIndex");
    QTest::addColumn<bool>("packed");
    for (const QString &file :
         {QStringLiteral("model.safetensors"), QStringLiteral("pytorch_model.bin")})
        for (int i = 0; i < 4; ++i)
            QTest::addRow("%s/case%d", qPrintable(file), i) << file << i << false;
    // As Classifier runs it: the products through pre-packed weights (packedgemm.h, with the
    // kernel SENTILAB_GEMM_KERNEL names, else the CPU's best).
    for (int i = 0; i < 4; ++i)
        QTest::addRow("packed %s/case%d", gemmIsaName(bestGemmIsa()), i)
            << QString("model.safetensors") << i << true;
}

void TestDistilBert::evalCases()
{
    QFETCH(QString, weights);
    QFETCH(int, caseIndex);
    QFETCH(bool, packed);
    if (packed && bestGemmIsa() == GemmIsa::None)
        QSKIP("this CPU runs no packed kernel (needs AVX2+FMA or AVX-512)");
    SENTILAB_REQUIRE_SHARED(casesPath, "golden/model/cases.json");
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    const nlohmann::json c = readJson(casesPath)["eval_cases"][caseIndex];

    DistilBertForSequenceClassification model(
        DistilBertConfig::fromFile((dir + "/config.json").toStdString()));
    const LoadReport report =
        applyStateDict(*model, loadStateDict((dir + "/" + weights).toStdString()),
                       weights.toStdString(), {"distilbert."});
    QCOMPARE(int(report.loaded.size()), 40);
    QVERIFY(report.missing.empty());
    QVERIFY(report.unexpected.empty());
    model->eval();
    model->setPackedInference(packed);

    torch::InferenceMode inference;
    const ClassifierOutput out = model->forward(toTensor(c["input_ids"], torch::kLong),
                                                toTensor(c["attention_mask"], torch::kLong));
    const double hiddenDiff =
        maxDiff(out.lastHiddenState, toTensor(c["last_hidden_state"], torch::kFloat32));
    const double logitsDiff = maxDiff(out.logits, toTensor(c["logits"], torch::kFloat32));
    qInfo("%s: max |diff| hidden %.2e, logits %.2e", c["name"].get<std::string>().c_str(),
          hiddenDiff, logitsDiff);
    QVERIFY2(hiddenDiff <= kOutputTolerance, qPrintable(QString::number(hiddenDiff)));
    QVERIFY2(logitsDiff <= kOutputTolerance, qPrintable(QString::number(logitsDiff)));
}

void TestDistilBert::maskedLmCheckpointKeepsEncoder()
{
    SENTILAB_REQUIRE_SHARED(casesPath, "golden/model/cases.json");
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-mlm");
    LoadReport report;
    torch::manual_seed(7);
    DistilBertForSequenceClassification model = loadClassifierFolder(dir.toStdString(), &report);
    QCOMPARE(int(report.loaded.size()), 36);
    QCOMPARE(int(report.ignored.size()), 5); // vocab_transform/vocab_layer_norm/vocab_projector
    QVERIFY(report.unexpected.empty());
    const std::vector<std::string> expectedMissing = {
        "pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias"};
    for (const auto &name : expectedMissing)
        QVERIFY2(std::find(report.missing.begin(), report.missing.end(), name) !=
                     report.missing.end(),
                 name.c_str());
    QCOMPARE(report.missing.size(), expectedMissing.size());
    QVERIFY(QString::fromStdString(report.summary()).contains("newly initialised"));

    torch::InferenceMode inference;
    // Named, not a temporary: a range-for over readJson(...)["eval_cases"] would iterate a
    // destroyed object (found by ASan).
    const nlohmann::json cases = readJson(casesPath);
    for (const auto &c : cases["eval_cases"]) {
        const ClassifierOutput out = model->forward(toTensor(c["input_ids"], torch::kLong),
                                                    toTensor(c["attention_mask"], torch::kLong));
        const double diff =
            maxDiff(out.lastHiddenState, toTensor(c["last_hidden_state"], torch::kFloat32));
        QVERIFY2(diff <= kOutputTolerance, qPrintable(QString::number(diff)));
    }
}

void TestDistilBert::trainStepMatchesLossAndGradients()
{
    SENTILAB_REQUIRE_SHARED(casesPath, "golden/model/cases.json");
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    const nlohmann::json step = readJson(casesPath)["train_step"];
    DistilBertConfig config = DistilBertConfig::fromFile((dir + "/config.json").toStdString());
    config.dropout = step["dropout"].get<double>();
    config.attentionDropout = step["attention_dropout"].get<double>();
    config.seqClassifDropout = step["seq_classif_dropout"].get<double>();
    QCOMPARE(config.dropout, 0.0);
    DistilBertForSequenceClassification model(config);
    applyStateDict(*model, loadStateDict((dir + "/model.safetensors").toStdString()), "golden",
                   {"distilbert."});
    model->train();

    const ClassifierOutput out = model->forward(toTensor(step["input_ids"], torch::kLong),
                                                toTensor(step["attention_mask"], torch::kLong));
    const torch::Tensor loss =
        torch::nn::functional::cross_entropy(out.logits, toTensor(step["labels"], torch::kLong));
    loss.backward();

    QVERIFY(std::abs(loss.item<double>() - step["loss"].get<double>()) <= kOutputTolerance);
    QVERIFY(maxDiff(out.logits, toTensor(step["logits"], torch::kFloat32)) <= kOutputTolerance);

    int compared = 0;
    for (const auto &param : model->named_parameters()) {
        const auto expected = step["grad_l2_norms"].find(param.key());
        QVERIFY2(expected != step["grad_l2_norms"].end(), param.key().c_str());
        const double want = expected->get<double>();
        const double got = param.value().grad().norm().item<double>();
        // k_lin.bias gradients are zero in exact arithmetic: compare them absolutely only.
        const bool kBias = param.key().find("k_lin.bias") != std::string::npos;
        const double tolerance =
            kBias ? kGradAbsTolerance
                  : std::max(kGradAbsTolerance, kGradRelTolerance * std::abs(want));
        QVERIFY2(
            std::abs(got - want) <= tolerance,
            qPrintable(QString("%1: got %2, want %3").arg(param.key().c_str()).arg(got).arg(want)));
        ++compared;
    }
    QCOMPARE(compared, 40);
    QVERIFY(maxDiff(model->classifier->weight.grad(),
                    toTensor(step["grad_classifier.weight"], torch::kFloat32)) <= kOutputTolerance);
    QVERIFY(maxDiff(model->classifier->bias.grad(),
                    toTensor(step["grad_classifier.bias"], torch::kFloat32)) <= kOutputTolerance);
    const torch::Tensor row0 = model->distilbert->embeddings->word_embeddings->weight.grad()[0];
    QCOMPARE(row0.abs().sum().item<double>(), 0.0);
}

void TestDistilBert::parameterNamesAreHuggingFaceKeys()
{
    SENTILAB_REQUIRE_SHARED(path, "golden/model/tiny-seqcls/model.safetensors");
    DistilBertConfig config;
    config.vocabSize = 1000, config.dim = 32, config.nHeads = 4, config.nLayers = 2;
    config.hiddenDim = 37, config.maxPositionEmbeddings = 64;
    DistilBertForSequenceClassification model(config);
    const TensorMap golden = loadStateDict(path.toStdString());
    std::set<std::string> ours;
    for (const auto &p : model->named_parameters())
        ours.insert(p.key());
    std::set<std::string> theirs;
    for (const auto &kv : golden)
        theirs.insert(kv.first);
    QVERIFY(ours == theirs);
    QVERIFY(model->named_buffers().is_empty()); // HF stores no buffers either
}

void TestDistilBert::scratchInitialisationFollowsHuggingFace()
{
    DistilBertConfig config; // full size: statistics are tight with 23M embedding weights
    config.nLayers = 1;
    torch::manual_seed(3);
    DistilBertForSequenceClassification model(config);
    model->initWeights();
    torch::NoGradGuard noGrad;
    const torch::Tensor words = model->distilbert->embeddings->word_embeddings->weight;
    QCOMPARE(words[0].abs().sum().item<double>(), 0.0); // padding row
    QVERIFY(std::abs(words.slice(0, 1).std().item<double>() - 0.02) < 2e-4);
    const auto &block = model->distilbert->transformer->layer->ptr<TransformerBlockImpl>(0);
    QVERIFY(std::abs(block->ffn->lin1->weight.std().item<double>() - 0.02) < 2e-4);
    QCOMPARE(block->ffn->lin1->bias.abs().sum().item<double>(), 0.0);
    QCOMPARE(block->attention->q_lin->bias.abs().sum().item<double>(), 0.0);
    QCOMPARE(block->sa_layer_norm->weight.min().item<double>(), 1.0);
    QCOMPARE(block->sa_layer_norm->bias.abs().sum().item<double>(), 0.0);
    QCOMPARE(block->sa_layer_norm->options.eps(), 1e-12);
    QVERIFY(std::abs(model->classifier->weight.std().item<double>() - 0.02) < 5e-3);
}

void TestDistilBert::saveAndReloadRoundTrip()
{
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    const Classifier original = Classifier::load(dir.toStdString());
    QTemporaryDir out;
    original.save(out.path().toStdString());
    QVERIFY(QFile::exists(out.filePath("model.safetensors")));
    QVERIFY(QFile::exists(out.filePath("config.json")));
    QVERIFY(QFile::exists(out.filePath("tokenizer_config.json")));
    const nlohmann::json config = readJson(out.filePath("config.json"));
    QCOMPARE(config["architectures"][0].get<std::string>(),
             std::string("DistilBertForSequenceClassification"));
    QCOMPARE(config["id2label"]["1"].get<std::string>(), std::string("positive"));
    QCOMPARE(config["qa_dropout"].get<double>(), 0.1); // unmodelled keys survive

    const TensorMap a = loadStateDict((dir + "/model.safetensors").toStdString());
    const TensorMap b = loadStateDict(out.filePath("model.safetensors").toStdString());
    QCOMPARE(a.size(), b.size());
    for (const auto &kv : a)
        QVERIFY2(torch::equal(kv.second, b.at(kv.first)), kv.first.c_str());

    // The golden folder has no vocab.txt; give the reloaded model a 1000-token one (its
    // vocab_size).
    {
        QFile vocab(out.filePath("vocab.txt"));
        QVERIFY(vocab.open(QIODevice::WriteOnly));
        vocab.write("[PAD]\n[CLS]\n[SEP]\n[UNK]\na\ngorgeous\nfilm\ndull\n");
        for (int i = 8; i < 1000; ++i)
            vocab.write(QByteArray("filler") + QByteArray::number(i) + "\n");
    }
    const Classifier reloaded = Classifier::load(out.path().toStdString());
    const auto predictions = reloaded.predict({"a gorgeous film", "dull"});
    QCOMPARE(int(predictions.size()), 2);
    QCOMPARE(predictions[0].tokens.front(), std::string("[CLS]"));
    QCOMPARE(predictions[0].tokens.back(), std::string("[SEP]"));
    QCOMPARE(predictions[0].tokens.size(), size_t(5));
    QVERIFY(std::abs(predictions[0].probabilities[0] + predictions[0].probabilities[1] - 1.0f) <
            1e-5f);

    // A vocabulary larger than the model's embedding table is refused at load time.
    {
        QFile vocab(out.filePath("vocab.txt"));
        QVERIFY(vocab.open(QIODevice::Append));
        vocab.write("one_too_many\n");
    }
    try {
        Classifier::load(out.path().toStdString());
        QFAIL("a 1001-token vocabulary for a 1000-row embedding must be refused");
    } catch (const Error &e) {
        QVERIFY2(QString(e.what()).contains("vocab_size"), e.what());
    }
}

void TestDistilBert::wrongShapeNamesTensor()
{
    SENTILAB_REQUIRE_SHARED(path, "golden/model/tiny-seqcls/model.safetensors");
    DistilBertConfig config;
    config.vocabSize = 1000, config.dim = 32, config.nHeads = 4, config.nLayers = 2;
    config.hiddenDim = 38, config.maxPositionEmbeddings = 64; // golden has 37
    DistilBertForSequenceClassification model(config);
    try {
        applyStateDict(*model, loadStateDict(path.toStdString()), "tiny.safetensors",
                       {"distilbert."});
        QFAIL("a shape mismatch must throw");
    } catch (const Error &e) {
        const QString message = e.what();
        QVERIFY2(message.contains("ffn.lin1") && message.contains("[37, 32]") &&
                     message.contains("[38, 32]") && message.contains("tiny.safetensors"),
                 e.what());
    }
}

void TestDistilBert::missingEncoderTensorIsAnError()
{
    SENTILAB_REQUIRE_SHARED(path, "golden/model/tiny-seqcls/model.safetensors");
    TensorMap tensors = loadStateDict(path.toStdString());
    tensors.erase("distilbert.transformer.layer.1.ffn.lin2.bias");
    DistilBertConfig config;
    config.vocabSize = 1000, config.dim = 32, config.nHeads = 4, config.nLayers = 2;
    config.hiddenDim = 37, config.maxPositionEmbeddings = 64;
    DistilBertForSequenceClassification model(config);
    try {
        applyStateDict(*model, tensors, "cut.safetensors", {"distilbert."});
        QFAIL("a missing encoder tensor must throw");
    } catch (const Error &e) {
        QVERIFY2(QString(e.what()).contains("layer.1.ffn.lin2.bias"), e.what());
    }
}

void TestDistilBert::inputLongerThanPositionsIsAnError()
{
    DistilBertConfig config;
    config.vocabSize = 100, config.dim = 8, config.nHeads = 2, config.nLayers = 1;
    config.hiddenDim = 8, config.maxPositionEmbeddings = 4;
    DistilBertForSequenceClassification model(config);
    QVERIFY_THROWS_EXCEPTION(Error, model->forward(torch::ones({1, 5}, torch::kLong)));
}

void TestDistilBert::configErrorsNameKey()
{
    const auto expectError = [](const nlohmann::json &json, const QString &fragment) {
        try {
            DistilBertConfig::fromJson(json, "cfg.json");
            QFAIL("expected an error");
        } catch (const Error &e) {
            QVERIFY2(QString(e.what()).contains(fragment) && QString(e.what()).contains("cfg.json"),
                     e.what());
        }
    };
    expectError({{"dim", 30}, {"n_heads", 4}}, "n_heads");
    expectError({{"dim", "wide"}}, "'dim'");
    expectError({{"dropout", 1.5}}, "dropout");
    expectError({{"activation", "swish"}}, "swish");
    expectError({{"model_type", "bert"}}, "model_type");
    expectError({{"id2label", {{"zero", "neg"}}}}, "id2label");
    // Issue 8, defect 7: bounds and integrality are checked before anything is allocated.
    expectError({{"vocab_size", 1000000000}}, "'vocab_size'");       // would be 128 GB
    expectError({{"vocab_size", int64_t(1) << 62}}, "'vocab_size'"); // overflows sizes
    expectError({{"dim", 32.7}}, "'dim'");                           // not an integer
    expectError({{"dim", 64}, {"n_heads", 0}}, "n_heads");
    expectError({{"n_layers", -1}}, "'n_layers'");
    expectError({{"n_layers", 1000}}, "'n_layers'");
    expectError({{"max_position_embeddings", 1e300}}, "'max_position_embeddings'");
    expectError({{"hidden_dim", true}}, "'hidden_dim'");
    expectError({{"pad_token_id", 40000}}, "pad_token_id");
    expectError({{"dim", 8192}, {"n_heads", 16}, {"hidden_dim", 65536}, {"n_layers", 96}},
                "parameters");
}

void TestDistilBert::configFileErrorsNameFile()
{
    // A config.json nested 500,000 levels deep once overflowed the stack while the error
    // message was built; an unterminated huge line was echoed whole.
    QTemporaryDir dir;
    const auto errorFor = [&](const QByteArray &content) {
        const QString path = dir.filePath("config.json");
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return std::string("cannot write ") + path.toStdString();
        file.write(content);
        file.close();
        return sentilab::test::errorOf([&] { DistilBertConfig::fromFile(path.toStdString()); });
    };
    std::string error = errorFor(QByteArray(500000, '['));
    QVERIFY2(error.find("config.json") != std::string::npos &&
                 error.find("deep") != std::string::npos,
             error.c_str());
    QVERIFY2(error.size() < 600, error.c_str());
    error = errorFor("{\"dim\": \"" + QByteArray(10 << 20, 'x'));
    QVERIFY2(error.find("config.json") != std::string::npos, error.substr(0, 300).c_str());
    QVERIFY2(error.size() < 600, error.substr(0, 300).c_str());
}

QTEST_GUILESS_MAIN(TestDistilBert)
// logits() computes the last layer for [CLS] only: the same logits and the same gradients as the
// full forward, with padding in the batch. Tolerance 1e-5 (float summation order of shorter
// matrix products only).
void TestDistilBert::clsOnlyLastLayerMatchesFullForward()
{
    DistilBertConfig config;
    config.vocabSize = 120, config.dim = 32, config.nLayers = 3, config.nHeads = 4;
    config.hiddenDim = 64, config.maxPositionEmbeddings = 16;
    config.dropout = config.attentionDropout = config.seqClassifDropout = 0;
    torch::manual_seed(5);
    DistilBertForSequenceClassification model(config);
    model->initWeights();
    const torch::Tensor ids = torch::randint(1, config.vocabSize, {3, 10}, torch::kLong);
    torch::Tensor mask = torch::ones({3, 10}, torch::kLong);
    mask.index_put_({1, torch::indexing::Slice(6)}, 0);

    const torch::Tensor full = model->forward(ids, mask).logits;
    full.sum().backward();
    std::map<std::string, torch::Tensor> fullGrads;
    for (const auto &p : model->named_parameters()) {
        fullGrads[p.key()] = p.value().grad().clone();
        p.value().mutable_grad().reset();
    }
    const torch::Tensor short_ = model->logits(ids, mask);
    QVERIFY(maxDiff(full, short_) < 1e-5);
    short_.sum().backward();
    for (const auto &p : model->named_parameters()) {
        const torch::Tensor g = p.value().grad();
        const torch::Tensor expected = fullGrads[p.key()];
        QVERIFY2(g.defined() ? maxDiff(g, expected) < 1e-5
                             : expected.abs().max().item<double>() == 0,
                 p.key().c_str());
    }
}

// TrainingStep (fresh gradients, clipping folded into one fused AdamW pass) against the textbook
// sequence it replaces: zero_grad, backward, clip_grad_norm_, torch::optim::AdamW::step, on two
// identical small models for 8 steps with clipping active. Tolerance: 2e-6 absolute on parameters
// of scale ~0.02-1 after 8 updates of ~1e-3 (float rounding order differs, nothing else may).
void TestDistilBert::fusedTrainingStepMatchesTorchAdamW_data()
{
    QTest::addColumn<double>("gradClip");
    QTest::addRow("clipped at 0.5") << 0.5;
    QTest::addRow("no clipping") << 0.0;
}

void TestDistilBert::fusedTrainingStepMatchesTorchAdamW()
{
    QFETCH(double, gradClip);
    DistilBertConfig config;
    config.vocabSize = 120, config.dim = 32, config.nLayers = 2, config.nHeads = 4;
    config.hiddenDim = 64, config.maxPositionEmbeddings = 16;
    TrainOptions options;
    options.lr = 1e-3, options.weightDecay = 0.1, options.gradClip = gradClip;
    const auto makeModel = [&] {
        torch::manual_seed(3);
        DistilBertForSequenceClassification m(config);
        m->initWeights();
        m->eval(); // no dropout: both models must see the same function
        return m;
    };
    DistilBertForSequenceClassification reference = makeModel(), fused = makeModel();
    torch::optim::AdamW adamw = makeAdamW(*reference, options);
    TrainingStep step(*fused, options);
    bool clipped = false;
    for (int i = 1; i <= 8; ++i) {
        BatchTensors batch;
        batch.ids = torch::randint(1, config.vocabSize, {4, 12}, torch::kLong);
        batch.mask = torch::ones({4, 12}, torch::kLong);
        batch.mask.index_put_({0, torch::indexing::Slice(8)}, 0);
        batch.labels = torch::randint(0, 2, {4}, torch::kLong);
        const double lr = options.lr * (1.0 - 0.1 * i);

        const torch::Tensor loss = torch::nn::functional::cross_entropy(
            reference->forward(batch.ids, batch.mask).logits, batch.labels);
        adamw.zero_grad();
        loss.backward();
        const double norm = torch::nn::utils::clip_grad_norm_(
            reference->parameters(),
            gradClip > 0 ? gradClip : std::numeric_limits<double>::infinity());
        for (auto &group : adamw.param_groups())
            static_cast<torch::optim::AdamWOptions &>(group.options()).lr(lr);
        adamw.step();

        const StepResult r = step.run(batch, lr, i);
        QVERIFY(std::abs(r.loss - loss.item<double>()) < 1e-5);
        QVERIFY2(std::abs(r.gradNorm - norm) < 1e-4 * norm, qPrintable(QString::number(norm)));
        clipped = clipped || (gradClip > 0 && norm > gradClip);
    }
    QVERIFY(gradClip == 0 || clipped); // the clipping path really ran
    const auto a = reference->named_parameters(), b = fused->named_parameters();
    for (const auto &p : a) {
        const double diff = maxDiff(p.value(), b[p.key()]);
        QVERIFY2(diff < 2e-6, qPrintable(QString::fromStdString(p.key()) + " differs by " +
                                         QString::number(diff)));
    }
    // The optimizer state is torch's own: same moments, same step count.
    torch::optim::AdamW &fusedOptimizer = step.optimizer();
    QCOMPARE(fusedOptimizer.state().size(), adamw.state().size());
}

// The whole-tensor AdamW update that CUDA parameters take, run here on the CPU against the fused
// loop it stands in for: same gradients, gradient scale and weight decay, 5 steps. Tolerance
// 1e-6 absolute on parameters and moments (both compute in float32 in the same order; only the
// vectorised sqrt and division may round differently).
void TestDistilBert::tensorOpsAdamWMatchesFusedPass()
{
    torch::manual_seed(11);
    const torch::Tensor start = torch::randn({64, 48}), bias = torch::randn({48});
    TrainOptions options;
    options.lr = 2e-3, options.weightDecay = 0.05;
    struct Params : torch::nn::Module
    {
        Params(const torch::Tensor &w, const torch::Tensor &b)
        {
            weight = register_parameter("weight", w.clone());
            this->bias = register_parameter("bias", b.clone());
        }
        torch::Tensor weight, bias;
    };
    Params fused(start, bias), ops(start, bias);
    torch::optim::AdamW fusedOptimizer = makeAdamW(fused, options);
    torch::optim::AdamW opsOptimizer = makeAdamW(ops, options);
    for (int i = 0; i < 5; ++i) {
        const torch::Tensor gw = torch::randn({64, 48}), gb = torch::randn({48});
        fused.weight.mutable_grad() = gw.clone(), fused.bias.mutable_grad() = gb.clone();
        ops.weight.mutable_grad() = gw.clone(), ops.bias.mutable_grad() = gb.clone();
        fusedAdamWStep(fusedOptimizer, 0.7f, AdamWKernel::Auto);
        fusedAdamWStep(opsOptimizer, 0.7f, AdamWKernel::TensorOps);
    }
    QVERIFY(maxDiff(fused.weight, start) > 1e-3); // the update really moved the weights
    QVERIFY2(maxDiff(fused.weight, ops.weight) < 1e-6,
             qPrintable(QString::number(maxDiff(fused.weight, ops.weight))));
    QVERIFY(maxDiff(fused.bias, ops.bias) < 1e-6);
    for (const torch::Tensor *p : {&fused.weight, &fused.bias}) {
        const auto key = c10::guts::to_string(p->unsafeGetTensorImpl());
        const torch::Tensor *q = p == &fused.weight ? &ops.weight : &ops.bias;
        const auto &a = static_cast<torch::optim::AdamWParamState &>(*fusedOptimizer.state()[key]);
        const auto &b = static_cast<torch::optim::AdamWParamState &>(
            *opsOptimizer.state()[c10::guts::to_string(q->unsafeGetTensorImpl())]);
        QCOMPARE(a.step(), b.step());
        QVERIFY(maxDiff(a.exp_avg(), b.exp_avg()) < 1e-6);
        QVERIFY(maxDiff(a.exp_avg_sq(), b.exp_avg_sq()) < 1e-6);
    }
}

// train.device on the build under test: Debian's LibTorch has no CUDA, so "auto" must train on
// the CPU and "cuda" must fail with a message that names the key and the way out.
void TestDistilBert::deviceChoiceOnThisBuild()
{
    QCOMPARE(resolveDevice("cpu"), std::string("cpu"));
    QVERIFY(QString::fromStdString(deviceSummary()).startsWith("devices: CPU"));
    QVERIFY_THROWS_EXCEPTION(Error, checkPrecision("bf16", "cpu"));
    checkPrecision("fp32", "cpu");
    QVERIFY_THROWS_EXCEPTION(Error, resolveDevice("tpu"));
    if (cudaAvailable()) {
        QCOMPARE(resolveDevice("auto"), std::string("cuda"));
        QCOMPARE(resolveDevice("cuda"), std::string("cuda"));
        return;
    }
    QCOMPARE(resolveDevice("auto"), std::string("cpu"));
    const std::string error = errorOf([] { resolveDevice("cuda"); });
    QVERIFY2(error.find("train.device") != std::string::npos, error.c_str());
    QVERIFY2(error.find("auto or cpu") != std::string::npos, error.c_str());
}

#include "tst_distilbert.moc"
