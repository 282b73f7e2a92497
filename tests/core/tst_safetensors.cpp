// Torch headers first: Qt's keyword macros must not see them (see docs/ARCHITECTURE.md).
#include "safetensors.h"
#include "safetensorsheader.h"

#include <sentilab/error.h>

#include <torch/types.h>

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "shareddata.h"

#include <cmath>
#include <csignal>
#include <cstring>
#include <limits>
#include <optional>

#include <sys/resource.h>
#include <sys/stat.h>

using sentilab::TensorMap;

namespace {

// The message of the sentilab::Error that `f` throws; nullopt when it returns normally. Any other
// exception escapes and fails the test.
template <typename F> std::optional<QString> errorMessage(F f)
{
    try {
        f();
    } catch (const sentilab::Error &e) {
        return QString::fromStdString(e.what());
    }
    return std::nullopt;
}

QByteArray littleEndian64(quint64 value)
{
    QByteArray bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
        bytes[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
    return bytes;
}

// A safetensors image: length prefix, `header` as is (no padding), `data`.
QByteArray buildFile(const QByteArray &header, const QByteArray &data)
{
    return littleEndian64(static_cast<quint64>(header.size())) + header + data;
}

QByteArray buildFile(const QByteArray &header, int dataBytes)
{
    return buildFile(header, QByteArray(dataBytes, '\0'));
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

QString shapeString(c10::IntArrayRef shape)
{
    QStringList dims;
    for (int64_t dim : shape)
        dims << QString::number(dim);
    return '[' + dims.join(", ") + ']';
}

// Same shape, dtype and bytes (so NaN payloads and signed zeros count).
bool sameBits(const torch::Tensor &a, const torch::Tensor &b)
{
    if (a.sizes() != b.sizes() || a.scalar_type() != b.scalar_type())
        return false;
    const torch::Tensor ca = a.contiguous();
    const torch::Tensor cb = b.contiguous();
    return ca.nbytes() == cb.nbytes() &&
           (ca.nbytes() == 0 || std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0);
}

float floatFromBits(uint32_t bits)
{
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

uint32_t bitsOf(float value)
{
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

// The tensors of golden/model/README.md, tiny-seqcls.
std::map<std::string, std::vector<int64_t>> tinySeqClsShapes()
{
    std::map<std::string, std::vector<int64_t>> shapes = {
        {"classifier.bias", {2}},
        {"classifier.weight", {2, 32}},
        {"distilbert.embeddings.LayerNorm.bias", {32}},
        {"distilbert.embeddings.LayerNorm.weight", {32}},
        {"distilbert.embeddings.position_embeddings.weight", {64, 32}},
        {"distilbert.embeddings.word_embeddings.weight", {1000, 32}},
        {"pre_classifier.bias", {32}},
        {"pre_classifier.weight", {32, 32}},
    };
    for (int layer = 0; layer < 2; ++layer) {
        const std::string prefix = "distilbert.transformer.layer." + std::to_string(layer) + '.';
        for (const char *linear : {"q_lin", "k_lin", "v_lin", "out_lin"}) {
            shapes[prefix + "attention." + linear + ".weight"] = {32, 32};
            shapes[prefix + "attention." + linear + ".bias"] = {32};
        }
        shapes[prefix + "ffn.lin1.weight"] = {37, 32};
        shapes[prefix + "ffn.lin1.bias"] = {37};
        shapes[prefix + "ffn.lin2.weight"] = {32, 37};
        shapes[prefix + "ffn.lin2.bias"] = {32};
        for (const char *norm : {"sa_layer_norm", "output_layer_norm"}) {
            shapes[prefix + norm + ".weight"] = {32};
            shapes[prefix + norm + ".bias"] = {32};
        }
    }
    return shapes;
}

// Restores RLIMIT_FSIZE and the SIGXFSZ disposition however the test leaves its scope.
class FileSizeLimit
{
public:
    FileSizeLimit()
    {
        m_valid = ::getrlimit(RLIMIT_FSIZE, &m_saved) == 0;
        m_previousHandler = std::signal(SIGXFSZ, SIG_IGN);
    }
    ~FileSizeLimit()
    {
        if (m_valid)
            ::setrlimit(RLIMIT_FSIZE, &m_saved);
        std::signal(SIGXFSZ, m_previousHandler);
    }
    FileSizeLimit(const FileSizeLimit &) = delete;
    FileSizeLimit &operator=(const FileSizeLimit &) = delete;

    bool limitTo(rlim_t bytes)
    {
        if (!m_valid || (m_saved.rlim_max != RLIM_INFINITY && m_saved.rlim_max < bytes))
            return false;
        rlimit limited = m_saved;
        limited.rlim_cur = bytes;
        return ::setrlimit(RLIMIT_FSIZE, &limited) == 0;
    }

private:
    rlimit m_saved = {};
    bool m_valid = false;
    void (*m_previousHandler)(int) = SIG_DFL;
};

} // namespace

class TestSafetensors : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsGoldenCheckpoint();
    void goldenRoundTripIsByteIdentical();
    void roundTripIsBitExact();
    void writtenHeaderFormat();
    void headerKeepsFileOrder();
    void halfBFloat16AndDoubleConvert();
    void corruptFileIsRejected_data();
    void corruptFileIsRejected();
    void missingFileAndDirectoryAreRejected();
    void saveIntoMissingDirectoryLeavesNoFile();
    void failedWriteKeepsOldFile();
    void saveRejectsBadInput();
};

void TestSafetensors::readsGoldenCheckpoint()
{
    SENTILAB_REQUIRE_SHARED(path, "golden/model/tiny-seqcls/model.safetensors");
    std::map<std::string, std::string> metadata;
    const TensorMap tensors = sentilab::loadSafetensors(path.toStdString(), &metadata);

    const auto expected = tinySeqClsShapes();
    QCOMPARE(expected.size(), size_t(40));
    QCOMPARE(tensors.size(), expected.size());
    for (const auto &[name, shape] : expected) {
        const auto found = tensors.find(name);
        QVERIFY2(found != tensors.end(), name.c_str());
        const torch::Tensor &tensor = found->second;
        QCOMPARE(shapeString(tensor.sizes()), shapeString(shape));
        QCOMPARE(tensor.scalar_type(), torch::kFloat32);
        QVERIFY(tensor.is_contiguous());
    }
    QCOMPARE(metadata, (std::map<std::string, std::string>{{"format", "pt"}}));

    // The bytes must be the file's, tensor by tensor (an offset mistake shows up here).
    const QByteArray file = readAll(path);
    uint64_t dataOffset = 0;
    const sentilab::SafetensorsHeader header = sentilab::parseSafetensorsFile(
        reinterpret_cast<const uint8_t *>(file.constData()), static_cast<uint64_t>(file.size()),
        path.toStdString(), &dataOffset);
    QCOMPARE(header.tensors.size(), size_t(40));
    for (const sentilab::SafetensorsEntry &entry : header.tensors) {
        const torch::Tensor &tensor = tensors.at(entry.name);
        QCOMPARE(uint64_t(tensor.nbytes()), entry.end - entry.begin);
        QVERIFY2(std::memcmp(tensor.data_ptr(), file.constData() + dataOffset + entry.begin,
                             tensor.nbytes()) == 0,
                 entry.name.c_str());
    }
    // HF zeroes the padding row of the word embeddings; the rest is random.
    const torch::Tensor words = tensors.at("distilbert.embeddings.word_embeddings.weight");
    QVERIFY(words[0].eq(0).all().item<bool>());
    QVERIFY(words[1].ne(0).any().item<bool>());
}

void TestSafetensors::goldenRoundTripIsByteIdentical()
{
    SENTILAB_REQUIRE_SHARED(path, "golden/model/tiny-seqcls/model.safetensors");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString copy = dir.filePath("copy.safetensors");
    std::map<std::string, std::string> metadata;
    sentilab::saveSafetensors(copy.toStdString(),
                              sentilab::loadSafetensors(path.toStdString(), &metadata), metadata);
    // The golden file was written in the safetensors library's layout, so ours must match it.
    QVERIFY(readAll(copy) == readAll(path));
}

void TestSafetensors::roundTripIsBitExact()
{
    torch::manual_seed(7);
    const std::vector<float> special = {
        std::numeric_limits<float>::quiet_NaN(),
        floatFromBits(0x7FC01234u), // NaN with a payload
        -0.0f,
        std::numeric_limits<float>::infinity(),
        -std::numeric_limits<float>::infinity(),
        std::numeric_limits<float>::denorm_min(),
        std::numeric_limits<float>::max(),
        std::numeric_limits<float>::lowest(),
    };
    TensorMap tensors = {
        {"b.weight", torch::randn({3, 5})},          {"a.special", torch::tensor(special)},
        {"scalar", torch::tensor(3.5f).reshape({})}, {"empty", torch::empty({0, 4})},
        {"transposed", torch::randn({4, 6}).t()},    {"z.large", torch::randn({257, 33})},
        {"unicode.gewicht.ü", torch::randn({2})},
    };
    const std::map<std::string, std::string> metadata = {{"format", "pt"},
                                                         {"note", "written by tst_safetensors"}};
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("round.safetensors").toStdString();
    sentilab::saveSafetensors(path, tensors, metadata);

    std::map<std::string, std::string> readMetadata;
    const TensorMap loaded = sentilab::loadSafetensors(path, &readMetadata);
    QCOMPARE(readMetadata, metadata);
    QCOMPARE(loaded.size(), tensors.size());
    for (const auto &[name, tensor] : tensors) {
        QVERIFY2(loaded.count(name), name.c_str());
        QVERIFY2(sameBits(loaded.at(name), tensor), name.c_str());
        QVERIFY(loaded.at(name).is_contiguous());
    }
    QCOMPARE(loaded.at("scalar").dim(), int64_t(0));

    // Other dtypes are stored as float32.
    const TensorMap converted = {{"double", torch::arange(5, torch::kFloat64) * 0.1},
                                 {"int", torch::arange(4, torch::kInt64)}};
    sentilab::saveSafetensors(path, converted, {});
    const TensorMap convertedBack = sentilab::loadSafetensors(path);
    for (const auto &[name, tensor] : converted)
        QVERIFY2(sameBits(convertedBack.at(name), tensor.to(torch::kFloat32)), name.c_str());
}

void TestSafetensors::writtenHeaderFormat()
{
    const TensorMap tensors = {
        {"zeta", torch::tensor({1.0f, 2.0f})},
        {"alpha", torch::tensor({3.0f, 4.0f, 5.0f}).reshape({3, 1})},
        {"Mid", torch::tensor({6.0f})},
        {"beta.x", torch::empty({0})},
    };
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("format.safetensors");
    sentilab::saveSafetensors(path.toStdString(), tensors);

    const QByteArray file = readAll(path);
    QVERIFY(file.size() >= 8);
    quint64 headerSize = 0;
    for (int i = 7; i >= 0; --i)
        headerSize = (headerSize << 8) | static_cast<uchar>(file[i]);
    QCOMPARE(headerSize % 8, quint64(0));
    const int dataBytes = 6 * 4;
    QCOMPARE(quint64(file.size()), 8 + headerSize + dataBytes);

    const QByteArray header = file.mid(8, int(headerSize));
    // Metadata first, then the keys in byte order ("Mid" < "alpha"), offsets in the same order.
    const QByteArray expected = R"({"__metadata__":{"format":"pt"},)"
                                R"("Mid":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                R"("alpha":{"dtype":"F32","shape":[3,1],"data_offsets":[4,16]},)"
                                R"("beta.x":{"dtype":"F32","shape":[0],"data_offsets":[16,16]},)"
                                R"("zeta":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})";
    QCOMPARE(header.left(expected.size()), expected);
    const QByteArray padding = header.mid(expected.size());
    QVERIFY(padding.size() < 8);
    QCOMPARE(padding, QByteArray(padding.size(), ' '));

    const QByteArray data = file.right(dataBytes);
    const std::vector<float> values = {6, 3, 4, 5, 1, 2};
    QVERIFY(std::memcmp(data.constData(), values.data(), dataBytes) == 0);

    // Empty metadata leaves the key out, as the safetensors library does.
    sentilab::saveSafetensors(path.toStdString(), {{"w", torch::ones({1})}}, {});
    QVERIFY(readAll(path).mid(8).startsWith(R"({"w":{"dtype":"F32")"));
}

void TestSafetensors::headerKeepsFileOrder()
{
    const std::string json = R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                             R"("__metadata__":{"k":"v"},)"
                             R"("a":{"dtype":"U8","shape":[2,2],"data_offsets":[0,4]}})";
    const sentilab::SafetensorsHeader header =
        sentilab::parseSafetensorsHeader(json, 8, "order.safetensors");
    QCOMPARE(header.tensors.size(), size_t(2));
    QCOMPARE(header.tensors[0].name, std::string("b"));
    QCOMPARE(header.tensors[1].name, std::string("a"));
    QCOMPARE(header.tensors[1].dtype, std::string("U8"));
    QCOMPARE(shapeString(header.tensors[1].shape), QString("[2, 2]"));
    QCOMPARE(header.tensors[0].begin, uint64_t(4));
    QCOMPARE(header.tensors[0].end, uint64_t(8));
    QCOMPARE(header.metadata.at("k"), std::string("v"));
    QCOMPARE(sentilab::safetensorsDtypeSize("BF16"), 2);
    QCOMPARE(sentilab::safetensorsDtypeSize("F8_E4M3"), 1);
    QCOMPARE(sentilab::safetensorsDtypeSize("U64"), 8);
    QCOMPARE(sentilab::safetensorsDtypeSize("f32"), 0);
}

void TestSafetensors::halfBFloat16AndDoubleConvert()
{
    const std::vector<uint16_t> half = {0x3C00, 0xC000, 0x3555, 0x7BFF, 0xFC00, 0x0001};
    const std::vector<float> halfExpected = {1.0f,
                                             -2.0f,
                                             0.333251953125f,
                                             65504.0f,
                                             -std::numeric_limits<float>::infinity(),
                                             std::ldexp(1.0f, -24)};
    // bfloat16 is the top half of a float32, so conversion is exact for every value, NaN included.
    const std::vector<uint16_t> bfloat = {0x3F80, 0xC049, 0x7F7F, 0x0001, 0x7FC1, 0x8000};
    const std::vector<double> doubles = {0.1, -2.5};

    // One stray byte before the first tensor so that no tensor is aligned for its dtype.
    QByteArray data(1, '\x55');
    data.append(reinterpret_cast<const char *>(half.data()), 12);
    data.append(reinterpret_cast<const char *>(bfloat.data()), 12);
    data.append(reinterpret_cast<const char *>(doubles.data()), 16);
    const QByteArray header = R"({"h":{"dtype":"F16","shape":[6],"data_offsets":[1,13]},)"
                              R"("b":{"dtype":"BF16","shape":[2,3],"data_offsets":[13,25]},)"
                              R"("d":{"dtype":"F64","shape":[2],"data_offsets":[25,41]}} )";

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("mixed.safetensors");
    QVERIFY(writeFile(path, buildFile(header, data)));
    const TensorMap tensors = sentilab::loadSafetensors(path.toStdString());
    QCOMPARE(tensors.size(), size_t(3));
    for (const auto &[name, tensor] : tensors) {
        QCOMPARE(tensor.scalar_type(), torch::kFloat32);
        QVERIFY(tensor.is_contiguous());
    }

    const torch::Tensor h = tensors.at("h");
    QCOMPARE(shapeString(h.sizes()), QString("[6]"));
    for (int i = 0; i < 6; ++i)
        QCOMPARE(bitsOf(h[i].item<float>()), bitsOf(halfExpected[i]));

    const torch::Tensor b = tensors.at("b");
    QCOMPARE(shapeString(b.sizes()), QString("[2, 3]"));
    const torch::Tensor flat = b.reshape({-1});
    for (int i = 0; i < 6; ++i)
        QCOMPARE(bitsOf(flat[i].item<float>()), uint32_t(bfloat[i]) << 16);

    const torch::Tensor d = tensors.at("d");
    QCOMPARE(d[0].item<float>(), static_cast<float>(0.1));
    QCOMPARE(d[1].item<float>(), -2.5f);
}

void TestSafetensors::corruptFileIsRejected_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expected");

    const QString golden =
        sentilab::test::sharedFile(QStringLiteral("golden/model/tiny-seqcls/model.safetensors"));
    QByteArray valid = golden.isEmpty() ? QByteArray() : readAll(golden);
    if (valid.isEmpty()) { // no shared data: a small valid file stands in for the checkpoint
        valid = buildFile(R"({"w":{"dtype":"F32","shape":[64],"data_offsets":[0,256]}})", 256);
    }

    const QByteArray f32x2 = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

    QTest::newRow("truncated") << "truncated.safetensors" << valid.left(valid.size() / 2)
                               << "reach past the end of the data section";
    QTest::newRow("empty file") << "empty.safetensors" << QByteArray() << "only 0 bytes";
    QTest::newRow("3 bytes") << "three.safetensors" << QByteArray("\x05\0\0", 3) << "only 3 bytes";
    QTest::newRow("header length larger than file")
        << "longheader.safetensors" << littleEndian64(1000) + QByteArray("{}")
        << "header length 1000 is larger than the rest of the file (2 bytes)";
    QTest::newRow("header length above 100 MB")
        << "hugeheader.safetensors" << littleEndian64(~quint64(0)) + QByteArray("{}")
        << "-byte limit";
    QTest::newRow("header length 0")
        << "zeroheader.safetensors" << littleEndian64(0) << "the header is empty";
    QTest::newRow("malformed JSON")
        << "malformed.safetensors" << buildFile(R"({"a":)", 0) << "not valid JSON";
    QTest::newRow("invalid UTF-8")
        << "utf8.safetensors" << buildFile("{\"\xff\":1}", 0) << "not valid JSON";
    QTest::newRow("trailing garbage")
        << "garbage.safetensors" << buildFile("{} x", 0) << "not valid JSON";
    QTest::newRow("header not an object") << "array.safetensors" << buildFile("[1,2,3]", 0)
                                          << "the header is a JSON array, not a JSON object";
    QTest::newRow("deep nesting") << "nested.safetensors"
                                  << buildFile("{\"a\":" + QByteArray(40, '[') +
                                                   QByteArray(40, ']') + "}",
                                               0)
                                  << "nested more than";
    QTest::newRow("metadata not strings")
        << "metadata.safetensors" << buildFile(R"({"__metadata__":{"format":1}})", 0)
        << "\"__metadata__\" entry 'format' is a number";
    QTest::newRow("entry not an object")
        << "entry.safetensors" << buildFile(R"({"a":5})", 0) << "tensor 'a': its entry is a number";
    QTest::newRow("missing dtype")
        << "nodtype.safetensors" << buildFile(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", 8)
        << "missing \"dtype\"";
    QTest::newRow("unexpected key")
        << "extra.safetensors"
        << buildFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})", 8)
        << "unexpected key 'x'";
    QTest::newRow("duplicate tensor")
        << "duplicate.safetensors"
        << buildFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                     R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                     8)
        << "tensor 'a': appears twice";
    QTest::newRow("duplicate key in entry")
        << "duplicatekey.safetensors"
        << buildFile(R"({"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}})", 8)
        << "key 'dtype' appears twice";
    QTest::newRow("offsets out of range")
        << "range.safetensors" << buildFile(f32x2, 4)
        << "data_offsets [0, 8] reach past the end of the data section (4 bytes)";
    QTest::newRow("begin after end")
        << "reversed.safetensors"
        << buildFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8)
        << "begin is after end";
    QTest::newRow("offsets not two integers")
        << "arity.safetensors"
        << buildFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8)
        << "not an array of two non-negative integers";
    QTest::newRow("overlapping offsets")
        << "overlap.safetensors"
        << buildFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                     R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                     12)
        << "tensor 'b': data_offsets [4, 12] overlaps tensor 'a'";
    QTest::newRow("size mismatch with shape")
        << "mismatch.safetensors"
        << buildFile(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)
        << "does not match its shape [3]";
    QTest::newRow("unknown dtype")
        << "f7.safetensors"
        << buildFile(R"({"a":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}})", 8)
        << "unknown dtype 'F7'";
    QTest::newRow("unsupported dtype")
        << "i64.safetensors"
        << buildFile(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8)
        << "tensor 'a' has dtype I64; only F32, F16, BF16 and F64 are supported";
    QTest::newRow("negative shape")
        << "negative.safetensors"
        << buildFile(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8)
        << "shape dimension -2 is negative";
    QTest::newRow("fractional shape")
        << "fraction.safetensors"
        << buildFile(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}})", 8)
        << "not an integer";
    QTest::newRow("element count overflow")
        << "overflow.safetensors"
        << buildFile(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],)"
                     R"("data_offsets":[0,0]}})",
                     0)
        << "too many elements";
}

void TestSafetensors::corruptFileIsRejected()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, content);
    QFETCH(QString, expected);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(fileName);
    QVERIFY(writeFile(path, content));
    const auto message = errorMessage([&] { sentilab::loadSafetensors(path.toStdString()); });
    QVERIFY2(message, "no sentilab::Error was thrown");
    QVERIFY2(message->contains(path), qPrintable(*message));
    QVERIFY2(message->contains(expected), qPrintable(*message));
}

void TestSafetensors::missingFileAndDirectoryAreRejected()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString missing = dir.filePath("missing.safetensors");
    auto message = errorMessage([&] { sentilab::loadSafetensors(missing.toStdString()); });
    QVERIFY(message);
    QVERIFY2(message->contains(missing) && message->contains("No such file or directory"),
             qPrintable(*message));

    message = errorMessage([&] { sentilab::loadSafetensors(dir.path().toStdString()); });
    QVERIFY(message);
    QVERIFY2(message->contains(dir.path()) && message->contains("not a regular file"),
             qPrintable(*message));

    // Must fail at once rather than wait for a writer.
    const QString fifo = dir.filePath("pipe.safetensors");
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    message = errorMessage([&] { sentilab::loadSafetensors(fifo.toStdString()); });
    QVERIFY(message);
    QVERIFY2(message->contains(fifo) && message->contains("not a regular file"),
             qPrintable(*message));
}

void TestSafetensors::saveIntoMissingDirectoryLeavesNoFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("no/such/dir/model.safetensors");
    const auto message = errorMessage([&] {
        sentilab::saveSafetensors(path.toStdString(), {{"w", torch::ones({2})}});
    });
    QVERIFY(message);
    QVERIFY2(message->contains(path) && message->contains("No such file or directory") &&
                 message->contains("check that the directory exists"),
             qPrintable(*message));
    QVERIFY(!QFileInfo::exists(path));
    QVERIFY(!QFileInfo::exists(path + ".tmp"));
    QVERIFY(!QFileInfo::exists(dir.filePath("no")));
}

// A full disk, simulated with RLIMIT_FSIZE: the error names the file, the temporary file is
// removed and an existing checkpoint under the same name is left as it was.
void TestSafetensors::failedWriteKeepsOldFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("model.safetensors");
    sentilab::saveSafetensors(path.toStdString(), {{"w", torch::arange(4, torch::kFloat32)}});
    const QByteArray before = readAll(path);
    QVERIFY(!before.isEmpty());

    std::optional<QString> message;
    {
        FileSizeLimit limit;
        if (!limit.limitTo(64 * 1024))
            QSKIP("cannot lower RLIMIT_FSIZE here");
        message = errorMessage([&] {
            sentilab::saveSafetensors(path.toStdString(), {{"w", torch::zeros({1 << 20})}});
        });
    }
    QVERIFY2(message, "writing 4 MiB under a 64 KiB file size limit did not fail");
    QVERIFY2(message->contains(path) && message->contains("File too large") &&
                 message->contains("free some disk space"),
             qPrintable(*message));
    QVERIFY(!QFileInfo::exists(path + ".tmp"));
    QVERIFY(readAll(path) == before);
}

void TestSafetensors::saveRejectsBadInput()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("bad.safetensors");

    auto message = errorMessage([&] {
        sentilab::saveSafetensors(path.toStdString(), {{"w", torch::Tensor()}});
    });
    QVERIFY(message);
    QVERIFY2(message->contains(path) && message->contains("tensor 'w' is undefined"),
             qPrintable(*message));

    message = errorMessage([&] {
        sentilab::saveSafetensors(path.toStdString(), {{"__metadata__", torch::ones({1})}});
    });
    QVERIFY(message);
    QVERIFY2(message->contains("may not be named \"__metadata__\""), qPrintable(*message));

    message = errorMessage([&] {
        sentilab::saveSafetensors(path.toStdString(), {{"bad\xff", torch::ones({1})}});
    });
    QVERIFY(message);
    QVERIFY2(message->contains("not valid UTF-8"), qPrintable(*message));

    QVERIFY(!QFileInfo::exists(path));
    QVERIFY(!QFileInfo::exists(path + ".tmp"));
}

QTEST_GUILESS_MAIN(TestSafetensors)

#include "tst_safetensors.moc"
