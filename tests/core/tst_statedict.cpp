// Regression tests for issue 8 (hostile checkpoints): pytorch_model.bin tensors are checked against
// the bytes their storage record really holds, and non-finite weights are refused by name.
// Torch headers first: Qt's keyword macros must not see them (see docs/ARCHITECTURE.md).
#include "safetensors.h"
#include "statedict.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/nn/modules/linear.h>

#include <sentilab/error.h>

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cstring>
#include <fstream>
#include <limits>
#include <string>

#include "testhelpers.h"

using sentilab::test::errorOf;

namespace {

// A protocol-2 pickle of {"w": torch._utils._rebuild_tensor_v2(storage `key` of `numel` floats,
// offset, (rows, cols), (cols, 1), False, OrderedDict())}, written opcode by opcode as torch.save
// does, so that the tests can state sizes and offsets a real torch.save never would.
std::string tensorDictPickle(int64_t numel, int64_t offset, int64_t rows, int64_t cols,
                             const std::string &key = "0")
{
    std::string p;
    const auto unicode = [&p](const std::string &text) {
        p += 'X';
        const uint32_t n = uint32_t(text.size());
        p.append(reinterpret_cast<const char *>(&n), 4);
        p += text;
    };
    const auto integer = [&p](int64_t value) { // LONG1 with 8 little-endian bytes
        p += '\x8a';
        p += '\x08';
        p.append(reinterpret_cast<const char *>(&value), 8);
    };
    p += "\x80\x02";                            // PROTO 2
    p += '}';                                   // EMPTY_DICT
    p += '(';                                   // MARK (items)
    unicode("w");                               // key
    p += "ctorch._utils\n_rebuild_tensor_v2\n"; // GLOBAL
    p += '(';                                   // MARK (arguments)
    p += '(';                                   // MARK (persistent id)
    unicode("storage");
    p += "ctorch\nFloatStorage\n";
    unicode(key);
    unicode("cpu");
    integer(numel);
    p += 't'; // TUPLE
    p += 'Q'; // BINPERSID
    integer(offset);
    p += '(';
    integer(rows);
    integer(cols);
    p += 't'; // size
    p += '(';
    integer(cols);
    integer(1);
    p += 't';    // stride
    p += '\x89'; // NEWFALSE (requires_grad)
    p += "ccollections\nOrderedDict\n";
    p += ')'; // EMPTY_TUPLE
    p += 'R'; // REDUCE -> OrderedDict()
    p += 't'; // TUPLE (the arguments)
    p += 'R'; // REDUCE -> tensor
    p += 'u'; // SETITEMS
    p += '.'; // STOP
    return p;
}

// A torch.save-style zip: data.pkl plus the storage record `record` holding `storageBytes` bytes.
void writeCheckpoint(const std::string &path, const std::string &pickle, size_t storageBytes,
                     const std::string &record = "data/0")
{
    std::ofstream out(path, std::ios::binary);
    caffe2::serialize::PyTorchStreamWriter writer([&out](const void *data, size_t size) {
        out.write(static_cast<const char *>(data), std::streamsize(size));
        return size;
    });
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    std::vector<float> storage(storageBytes / 4 + 1, 0.5f);
    writer.writeRecord(record, storage.data(), storageBytes);
    writer.writeEndOfFile();
}

} // namespace

class TestStateDict : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wellFormedPickleLoads();
    void storageShorterThanTensorIsRejected_data();
    void storageShorterThanTensorIsRejected();
    void storageKeyOutsideTheDataFolderIsRejected();
    void nonFiniteWeightsAreRejected_data();
    void nonFiniteWeightsAreRejected();

private:
    QTemporaryDir m_dir;
    std::string path(const char *name) const { return m_dir.filePath(name).toStdString(); }
};

void TestStateDict::wellFormedPickleLoads()
{
    // The hand-written pickle is what torch.save writes: a correct one must load, or the
    // rejections below would prove nothing.
    const std::string file = path("good.bin");
    writeCheckpoint(file, tensorDictPickle(4096 * 8, 0, 4096, 8), 4096 * 8 * 4);
    const sentilab::TensorMap tensors = sentilab::loadStateDict(file);
    QCOMPARE(tensors.size(), size_t(1));
    QCOMPARE(tensors.at("w").size(0), int64_t(4096));
    QCOMPARE(tensors.at("w").size(1), int64_t(8));
    QCOMPARE(tensors.at("w")[4095][7].item<float>(), 0.5f);
}

void TestStateDict::storageShorterThanTensorIsRejected_data()
{
    QTest::addColumn<qint64>("numel");
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("recordBytes");
    // Seen in the hostile-input trial: SIGSEGV (empty record, huge offset) or NaN logits (8 bytes).
    QTest::newRow("8-byte record for a 128 KB tensor")
        << qint64(4096 * 8) << qint64(0) << qint64(8);
    QTest::newRow("empty record") << qint64(4096 * 8) << qint64(0) << qint64(0);
    QTest::newRow("offset 1 with an exact-size record")
        << qint64(4096 * 8) << qint64(1) << qint64(4096 * 8 * 4);
    QTest::newRow("offset 2^28 in the pickle")
        << qint64(4096 * 8) << qint64(int64_t(1) << 28) << qint64(4096 * 8 * 4);
}

void TestStateDict::storageShorterThanTensorIsRejected()
{
    QFETCH(qint64, numel);
    QFETCH(qint64, offset);
    QFETCH(qint64, recordBytes);
    const std::string file = path("short.bin");
    writeCheckpoint(file, tensorDictPickle(numel, offset, 4096, 8), size_t(recordBytes));
    const std::string error = errorOf([&] { sentilab::loadStateDict(file); });
    QVERIFY2(error.find(file) != std::string::npos, error.c_str());
    QVERIFY2(error.find("'w'") != std::string::npos || error.find("corrupt") != std::string::npos,
             error.c_str());
    QVERIFY2(error.size() < 1000, error.c_str());
}

void TestStateDict::storageKeyOutsideTheDataFolderIsRejected()
{
    // Found by fuzz_pytorch_bin in CI: a storage key with a '/' ("x/0", record data/x/0) is not
    // among the records the loader reads with their real sizes, so LibTorch read it itself and
    // sized the storage from the pickle's element count; an 8-byte record then passed the bounds
    // check as a 128 KB storage and was read past its end.
    const std::string file = path("nested.bin");
    writeCheckpoint(file, tensorDictPickle(4096 * 8, 0, 4096, 8, "x/0"), 8, "data/x/0");
    const std::string error = errorOf([&] { sentilab::loadStateDict(file); });
    QVERIFY2(error.find(file) != std::string::npos, error.c_str());
    QVERIFY2(error.find("'w'") != std::string::npos || error.find("corrupt") != std::string::npos,
             error.c_str());
}

void TestStateDict::nonFiniteWeightsAreRejected_data()
{
    QTest::addColumn<float>("value");
    QTest::newRow("NaN") << std::numeric_limits<float>::quiet_NaN();
    QTest::newRow("+inf") << std::numeric_limits<float>::infinity();
}

void TestStateDict::nonFiniteWeightsAreRejected()
{
    QFETCH(float, value);
    torch::nn::Linear model(4, 3);
    sentilab::TensorMap tensors;
    tensors["weight"] = torch::zeros({3, 4});
    tensors["weight"][1][2] = value;
    tensors["bias"] = torch::zeros({3});
    const std::string file = path("nan.safetensors");
    sentilab::saveSafetensors(file, tensors);
    const std::string error =
        errorOf([&] { sentilab::applyStateDict(*model, sentilab::loadStateDict(file), file, {}); });
    QVERIFY2(error.find("'weight'") != std::string::npos, error.c_str());
    QVERIFY2(error.find("NaN or infinite") != std::string::npos, error.c_str());
}

QTEST_GUILESS_MAIN(TestStateDict)
#include "tst_statedict.moc"
