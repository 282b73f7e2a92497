// Regression tests for issue 8 ("prove it"): inputs the libFuzzer targets in tests/fuzz found to
// crash core or to throw something other than sentilab::Error. Each row names what it did before
// the fix; the minimised reproducers are also in tests/fuzz/corpus/<target>/regress_*.
// Torch headers first: Qt's keyword macros must not see them (see docs/ARCHITECTURE.md).
#include "statedict.h"

#include <caffe2/serialize/inline_container.h>

#include <sentilab/boundedjson.h>
#include <sentilab/dataset.h>
#include <sentilab/distilbertconfig.h>
#include <sentilab/error.h>

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "testhelpers.h"

using sentilab::test::errorOf;

namespace {

// torch.save's zip layout: data.pkl plus the storage record data/0 (eight float32 values).
void writeCheckpoint(const std::string &path, const std::string &pickle)
{
    std::ofstream out(path, std::ios::binary);
    caffe2::serialize::PyTorchStreamWriter writer([&out](const void *data, size_t size) {
        out.write(static_cast<const char *>(data), std::streamsize(size));
        return size;
    });
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    const float storage[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    writer.writeRecord("data/0", storage, sizeof storage);
    writer.writeEndOfFile();
}

// {"a": tensor [2, 4] over storage "0", "b": the same tensor again through the memo}, pickled
// the way Python's pickler writes it for torch.save (protocol 2, BINPUT after every object).
std::string memoizedStateDict(const std::string &storageType = "FloatStorage")
{
    using namespace std::string_literals; // the pickle holds NUL bytes
    std::string p = "\x80\x02}q\x00(X\x01\x00\x00\x00"
                    "aq\x01"s;
    p += "ctorch._utils\n_rebuild_tensor_v2\nq\x02((X\x07\x00\x00\x00storageq\x03"s;
    p += "ctorch\n"s + storageType +
         "\nq\x04X\x01\x00\x00\x00"
         "0q\x05X\x03\x00\x00\x00"
         "cpuq\x06K\x08"s;
    p += "tq\x07QK\x00K\x02K\x04\x86q\x08K\x04K\x01\x86q\x09\x89"s;
    p += "ccollections\nOrderedDict\nq\x0a)Rq\x0btq\x0cRq\x0d"s;
    p += "X\x01\x00\x00\x00"
         "bq\x0eh\x0du."s;
    return p;
}

// Makes the central directory entry of the record whose name ends in `suffix` claim `size`
// uncompressed bytes (its data and every other field unchanged).
void claimRecordSize(const std::string &path, const std::string &suffix, uint32_t size)
{
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const auto u16 = [&](size_t at) {
        return size_t(uint8_t(bytes[at])) | size_t(uint8_t(bytes[at + 1])) << 8;
    };
    for (size_t pos = bytes.find("PK\x01\x02"); pos != std::string::npos;
         pos = bytes.find("PK\x01\x02", pos + 1)) {
        const std::string name = bytes.substr(pos + 46, u16(pos + 28));
        if (name.size() >= suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
            for (int i = 0; i < 4; ++i)
                bytes[pos + 24 + size_t(i)] = char(size >> (8 * i));
            std::ofstream(path, std::ios::binary) << bytes;
            return;
        }
    }
    QFAIL("no such record");
}

} // namespace

class TestFuzzRegressions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void memoizedPickleLoads();
    void hostilePickleIsAnError_data();
    void hostilePickleIsAnError();
    void recordClaimingMoreThanTheFileIsAnError();
    void quantizedTensorIsAnError();
    void jsonNumberOutOfRangeIsAnError_data();
    void jsonNumberOutOfRangeIsAnError();

private:
    QTemporaryDir m_dir;
    std::string path(const char *name) const { return m_dir.filePath(name).toStdString(); }
};

void TestFuzzRegressions::memoizedPickleLoads()
{
    // The pickle check must accept what torch.save writes (memo writes and reads, marks, tuples).
    const std::string file = path("good.bin");
    writeCheckpoint(file, memoizedStateDict());
    const sentilab::TensorMap tensors = sentilab::loadStateDict(file);
    QCOMPARE(tensors.size(), size_t(2));
    QCOMPARE(tensors.at("b").size(1), int64_t(4));
    QCOMPARE(tensors.at("b")[1][3].item<float>(), 8.0f);
}

void TestFuzzRegressions::hostilePickleIsAnError_data()
{
    QTest::addColumn<QByteArray>("pickle");
    QTest::addColumn<QString>("reason");
    const auto row = [](const char *name, const std::string &pickle, const char *reason) {
        QTest::newRow(name) << QByteArray(pickle.data(), int(pickle.size()))
                            << QString::fromLatin1(reason);
    };
    using namespace std::string_literals;
    // Found by fuzz_pytorch_bin; before the fix LibTorch's unpickler did what the name says.
    row("BINUNICODE of 1.6 GB: allocated it", "\x80\x02X\x04\x03rc"s, "runs past the end");
    row("LONG_BINPUT 2^31-1: 32 GB memo table", "\x80\x02}r\xff\xff\xff\x7f."s, "skips ahead");
    row("BINGET unwritten: std::out_of_range", "\x80\x02}q\x00h\x06."s, "before it is written");
    row("BUILD on an empty stack: SIGSEGV",
        "\x80\x02"
        "b"s,
        "stack items");
    row("REDUCE on an empty stack: SIGSEGV", "\x80\x02R."s, "stack items");
    row("TUPLE2 on an empty stack: SIGSEGV", "\x80\x02\x86."s, "stack items");
    row("REDUCE with one item: invalid free", "\x80\x02K\x01R."s, "stack items");
    // The rest of what the check promises (LibTorch reads past its stack for some of them).
    row("APPEND with one item", "\x80\x02]a."s, "stack items");
    row("SETITEMS key without value", "\x80\x02}(X\x01\x00\x00\x00ku."s, "key but no value");
    row("TUPLE without MARK", "\x80\x02K\x01t."s, "MARK");
    row("no STOP", "\x80\x02}"s, "STOP");
    row("unknown opcode", "\x80\x02\xff."s, "unknown opcode");
    row("lists nested 200 deep", "\x80\x02"s + std::string(200, ']') + std::string(199, 'a') + ".",
        "levels deep");
}

void TestFuzzRegressions::hostilePickleIsAnError()
{
    QFETCH(QByteArray, pickle);
    QFETCH(QString, reason);
    const std::string file = path("hostile.bin");
    writeCheckpoint(file, pickle.toStdString());
    const std::string error = errorOf([&] { sentilab::loadStateDict(file); });
    QVERIFY2(error.find(file) != std::string::npos, error.c_str());
    QVERIFY2(error.find("data.pkl") != std::string::npos, error.c_str());
    QVERIFY2(error.find(reason.toStdString()) != std::string::npos, error.c_str());
}

void TestFuzzRegressions::recordClaimingMoreThanTheFileIsAnError()
{
    // Found by fuzz_pytorch_bin: LibTorch's zip reader allocated the 4 GB that the 2-byte version
    // record's directory entry claimed, before reading it.
    const std::string file = path("claims.bin");
    writeCheckpoint(file, memoizedStateDict());
    claimRecordSize(file, "/version", 0xfffff000u);
    const std::string error = errorOf([&] { sentilab::loadStateDict(file); });
    QVERIFY2(error.find(file) != std::string::npos, error.c_str());
    QVERIFY2(error.find("'archive/version' claims 4294963200 bytes") != std::string::npos,
             error.c_str());
}

void TestFuzzRegressions::quantizedTensorIsAnError()
{
    // Found by fuzz_pytorch_bin: a tensor on a torch.QInt8Storage has no quantizer, and its
    // conversion to float32 threw c10::Error out of core.
    const std::string file = path("quantized.bin");
    writeCheckpoint(file, memoizedStateDict("QInt8Storage"));
    const std::string error = errorOf([&] { sentilab::loadStateDict(file); });
    QVERIFY2(error.find(file) != std::string::npos, error.c_str());
    QVERIFY2(error.find("'a' has dtype QInt8") != std::string::npos, error.c_str());
}

void TestFuzzRegressions::jsonNumberOutOfRangeIsAnError_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QByteArray>("text");
    // Found by fuzz_dataset and fuzz_distilbert_config: nlohmann::json throws out_of_range 406 for
    // a number beyond double's range, not parse_error, and it ended the process.
    QTest::newRow("config.json") << "config" << QByteArray(R"({"dropout": 1e400})");
    QTest::newRow("dataset row") << "dataset" << QByteArray(R"({"text": "a", "label": 1e400})");
    QTest::newRow("negative, in an array") << "json" << QByteArray("[1, -8e308]");
}

void TestFuzzRegressions::jsonNumberOutOfRangeIsAnError()
{
    QFETCH(QString, kind);
    QFETCH(QByteArray, text);
    const std::string file = path(kind == "dataset" ? "split.jsonl" : "config.json");
    {
        std::ofstream out(file, std::ios::binary);
        out << text.toStdString() << '\n';
    }
    const std::string error = errorOf([&] {
        if (kind == "config")
            sentilab::DistilBertConfig::fromFile(file);
        else if (kind == "dataset")
            sentilab::readExamples(file);
        else
            sentilab::parseJson(text.toStdString(), file);
    });
    QVERIFY2(error.find(file) != std::string::npos, error.c_str());
    QVERIFY2(error.find("not valid JSON") != std::string::npos, error.c_str());
    QVERIFY2(error.size() < 1000, error.c_str());
}

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "tst_fuzzregressions.moc"
