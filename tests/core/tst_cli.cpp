// sentilab-cli end to end as a user runs it: --help/--version, tokenize, forward, check-attention,
// and clear errors on bad input. Runs the real executable with QProcess.
#include <cstdlib>
#include <cstring>
#include <malloc.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <sentilab/runstore.h>
#include <sentilab/runtime.h>

#include "shareddata.h"

namespace {

struct Result
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Result runCli(const QStringList &args, const QByteArray &stdinData = {},
              const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(SENTILAB_CLI_PATH), args);
    if (!p.waitForStarted())
        return {};
    p.write(stdinData);
    p.closeWriteChannel();
    p.waitForFinished(300000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void versionAndHelp();
    void openBlasKernelChoice_data();
    void openBlasKernelChoice();
    void runsShowPrintsTrainingTime();
    void compareNamesThePairAndRejectsBadRuns();
    void freedLargeBlocksStayInTheHeap();
    void versionVerboseNamesBlasKernel();
    void unknownGemmKernelWarnsOnceAndKeepsTheBest();
    void everySubcommandHasHelp_data();
    void everySubcommandHasHelp();
    void tokenizeMatchesGolden();
    void tokenizeBadLineNamesLine();
    void forwardPrintsHiddenStatesAndLogits();
    void forwardErrorsAreClear();
    void checkAttentionPrintsTable();
    void globalOptionsAfterSubcommand();
};

void TestCli::versionAndHelp()
{
    const Result version = runCli({"--version"});
    QCOMPARE(version.exitCode, 0);
    QVERIFY(version.out.startsWith("sentilab-cli 0."));
    const Result help = runCli({"--help"});
    QCOMPARE(help.exitCode, 0);
    for (const char *cmd : {"tokenize", "forward", "check-attention", "bench"})
        QVERIFY2(help.out.contains(cmd), cmd);
    const Result none = runCli({});
    QVERIFY(none.exitCode != 0); // a subcommand is required
}

void TestCli::openBlasKernelChoice_data()
{
    using sentilab::CpuFeatures;
    QTest::addColumn<QString>("picked");
    QTest::addColumn<bool>("amd");
    QTest::addColumn<int>("level"); // 0 SSE only, 1 AVX, 2 AVX2+FMA, 3 AVX-512
    QTest::addColumn<QString>("expected");
    QTest::addRow("new Xeon, generic fallback") << "Prescott" << false << 3 << "SkylakeX";
    QTest::addRow("AVX2 Intel, Nehalem") << "Nehalem" << false << 2 << "Haswell";
    QTest::addRow("AVX2 AMD, Prescott") << "Prescott" << true << 2 << "Zen";
    QTest::addRow("Zen 4/5 given Haswell") << "Haswell" << true << 3 << "SkylakeX";
    QTest::addRow("AVX only") << "Core2" << false << 1 << "Sandybridge";
    QTest::addRow("already right") << "SkylakeX" << false << 3 << "";
    QTest::addRow("Zen on AVX2 AMD") << "Zen" << true << 2 << "";
    QTest::addRow("better than the CPU") << "Haswell" << false << 1 << "";
    QTest::addRow("SSE-only CPU") << "Prescott" << false << 0 << "";
    QTest::addRow("case-insensitive") << "prescott" << false << 2 << "Haswell";
    QTest::addRow("unknown kernel left alone") << "Neoverse" << false << 3 << "";
}

void TestCli::openBlasKernelChoice()
{
    QFETCH(QString, picked);
    QFETCH(bool, amd);
    QFETCH(int, level);
    QFETCH(QString, expected);
    sentilab::CpuFeatures cpu;
    cpu.amd = amd;
    cpu.avx = level >= 1;
    cpu.avx2 = cpu.fma = level >= 2;
    cpu.avx512 = level >= 3;
    const std::string choice = sentilab::preferredOpenBlasKernel(picked.toStdString(), cpu);
    QCOMPARE(QString::fromStdString(choice), expected);
    if (!choice.empty())
        QVERIFY(sentilab::cpuRunsOpenBlasKernel(choice, cpu));
}

// keepFreedMemoryForReuse(): a 100 MB block comes from the heap, not from its own mmap, and its
// memory stays with the process after free() (what makes training steps stop page-faulting).
void TestCli::freedLargeBlocksStayInTheHeap()
{
#if defined(__SANITIZE_ADDRESS__)
    QSKIP("SKIPPED: AddressSanitizer replaces glibc's malloc");
#else
    if (qEnvironmentVariableIsSet("GLIBC_TUNABLES"))
        QSKIP("SKIPPED: GLIBC_TUNABLES is set; SentiLab then leaves malloc alone");
    sentilab::keepFreedMemoryForReuse();
    constexpr size_t kBytes = 100u << 20;
    const size_t mappedBefore = mallinfo2().hblkhd;
    char *block = static_cast<char *>(std::malloc(kBytes));
    QVERIFY(block);
    std::memset(block, 1, kBytes);
    QCOMPARE(mallinfo2().hblkhd, mappedBefore); // not an mmap of its own
    std::free(block);
    QVERIFY2(mallinfo2().fordblks >= kBytes, "the freed block left the heap");
    sentilab::releaseFreedMemory(); // must not crash; returns memory to the system
#endif
}

// Out of the box (no OPENBLAS_CORETYPE), the executable must not run a kernel below what the CPU
// supports; a user's own OPENBLAS_CORETYPE is kept and reported as theirs.
void TestCli::unknownGemmKernelWarnsOnceAndKeepsTheBest()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SENTILAB_GEMM_KERNEL"), QStringLiteral("avx9000"));
    env.remove(QStringLiteral("OMP_WAIT_POLICY"));
    const Result r = runCli({"--version", "--verbose"}, {}, env);
    QCOMPARE(r.exitCode, 0);
    if (r.out.contains("this CPU has neither AVX2 nor AVX-512"))
        QSKIP("no packed kernel runs on this CPU, so the variable is never read");
    QCOMPARE(r.err.count("SENTILAB_GEMM_KERNEL=avx9000 is not one this CPU runs"), 1);
    QVERIFY2(r.out.contains("inference products pre-packed"), r.out.constData());
    // Forcing the BLAS is honoured and said so.
    env.insert(QStringLiteral("SENTILAB_GEMM_KERNEL"), QStringLiteral("blas"));
    const Result blas = runCli({"--version", "--verbose"}, {}, env);
    QVERIFY2(blas.out.contains("inference products through the BLAS (SENTILAB_GEMM_KERNEL=blas)"),
             blas.out.constData());
    QVERIFY2(blas.out.contains("OMP_WAIT_POLICY=PASSIVE"), blas.out.constData());
}

void TestCli::versionVerboseNamesBlasKernel()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("OPENBLAS_CORETYPE"));
    env.remove(QStringLiteral("SENTILAB_OPENBLAS_PICKED"));
    env.remove(QStringLiteral("OMP_WAIT_POLICY"));
    env.remove(QStringLiteral("GOMP_SPINCOUNT"));
    env.remove(QStringLiteral("SENTILAB_GEMM_KERNEL"));
    const Result r = runCli({"--version", "--verbose"}, {}, env);
    QCOMPARE(r.exitCode, 0);
    // The wait policy follows whether the packed products run on this CPU (runtime.h).
    const bool packed = r.out.contains("inference products pre-packed");
    QVERIFY2(r.out.contains(packed ? "OMP_WAIT_POLICY=ACTIVE GOMP_SPINCOUNT=20000"
                                   : "OMP_WAIT_POLICY=PASSIVE"),
             r.out.constData());
    if (sentilab::openBlasKernel().empty())
        QSKIP("SKIPPED: LibTorch's BLAS here is not OpenBLAS");
    const QRegularExpressionMatch m =
        QRegularExpression(QStringLiteral("kernel (\\w+)")).match(QString::fromUtf8(r.out));
    QVERIFY2(m.hasMatch(), r.out.constData());
    const std::string kernel = m.captured(1).toStdString();
    QVERIFY2(sentilab::preferredOpenBlasKernel(kernel, sentilab::hostCpuFeatures()).empty(),
             r.out.constData());

    env.insert(QStringLiteral("OPENBLAS_CORETYPE"), QStringLiteral("Prescott"));
    const Result forced = runCli({"--version", "--verbose"}, {}, env);
    QVERIFY2(forced.out.contains("kernel Prescott (OPENBLAS_CORETYPE=Prescott)"),
             forced.out.constData());
}

void TestCli::everySubcommandHasHelp_data()
{
    QTest::addColumn<QString>("command");
    for (const char *cmd : {"tokenize", "forward", "check-attention", "bench", "compare"})
        QTest::newRow(cmd) << QString(cmd);
}

void TestCli::everySubcommandHasHelp()
{
    QFETCH(QString, command);
    const Result r = runCli({command, "--help"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("Usage") || r.out.contains("USAGE"));
    QVERIFY(r.out.size() > 120);
}

void TestCli::tokenizeMatchesGolden()
{
    SENTILAB_REQUIRE_SHARED(vocab, "models/distilbert-base-uncased/vocab.txt");
    SENTILAB_REQUIRE_SHARED(cases, "golden/tokenizer/cases.jsonl");
    QFile file(cases);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QList<QJsonObject> expected;
    QByteArray input;
    // Tricky strings 1-60 (the over-long words come later and follow HF's 100-char rule).
    while (!file.atEnd() && expected.size() < 60) {
        const QJsonObject o = QJsonDocument::fromJson(file.readLine()).object();
        expected.append(o);
        input +=
            QJsonDocument(QJsonObject{{"text", o["text"]}}).toJson(QJsonDocument::Compact) + "\n";
    }
    const Result r = runCli({"tokenize", "--vocab", vocab}, input);
    QCOMPARE(r.exitCode, 0);
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), expected.size());
    for (int i = 0; i < lines.size(); ++i) {
        const QJsonObject got = QJsonDocument::fromJson(lines[i]).object();
        QVERIFY2(got["ids"] == expected[i]["ids"], lines[i].constData());
        QVERIFY2(got["tokens"] == expected[i]["tokens"], lines[i].constData());
    }
}

void TestCli::tokenizeBadLineNamesLine()
{
    SENTILAB_REQUIRE_SHARED(vocab, "models/distilbert-base-uncased/vocab.txt");
    const Result r = runCli({"tokenize", "--vocab", vocab}, "{\"text\": \"fine\"}\n{not json\n");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("line 2"), r.err.constData());
    QVERIFY(r.out.contains("\"fine\""));
    const Result missing = runCli({"tokenize", "--vocab", "/nonexistent/vocab.txt"}, "{}");
    QVERIFY(missing.exitCode != 0);
    QVERIFY2(missing.err.contains("/nonexistent/vocab.txt"), missing.err.constData());
}

void TestCli::forwardPrintsHiddenStatesAndLogits()
{
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    SENTILAB_REQUIRE_SHARED(casesPath, "golden/model/cases.json");
    QFile casesFile(casesPath);
    QVERIFY(casesFile.open(QIODevice::ReadOnly));
    const QJsonObject c =
        QJsonDocument::fromJson(casesFile.readAll()).object()["eval_cases"].toArray()[1].toObject();
    const QJsonObject input{{"input_ids", c["input_ids"]}, {"attention_mask", c["attention_mask"]}};
    const Result r = runCli({"forward", "--model", dir}, QJsonDocument(input).toJson());
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonObject out = QJsonDocument::fromJson(r.out).object();
    const QJsonArray logits = out["logits"].toArray();
    const QJsonArray want = c["logits"].toArray();
    QCOMPARE(logits.size(), 3);
    for (int b = 0; b < 3; ++b)
        for (int k = 0; k < 2; ++k)
            QVERIFY(std::abs(logits[b][k].toDouble() - want[b][k].toDouble()) <= 1e-5);
    const QJsonArray hidden = out["last_hidden_state"].toArray();
    QCOMPARE(hidden.size(), 3);
    QCOMPARE(hidden[0].toArray().size(), 12);
    QCOMPARE(hidden[0][0].toArray().size(), 32);
    QVERIFY(std::abs(hidden[2][11][5].toDouble() - c["last_hidden_state"][2][11][5].toDouble()) <=
            1e-5);
}

void TestCli::forwardErrorsAreClear()
{
    SENTILAB_REQUIRE_SHARED(dir, "golden/model/tiny-seqcls");
    Result r = runCli({"forward", "--model", dir}, "{\"input_ids\": [[1, 5000, 2]]}");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("5000") && r.err.contains("vocabulary"), r.err.constData());
    r = runCli({"forward", "--model", dir}, "{\"input_ids\": [[1, 5, 2], [1, 2]]}");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("row 1"), r.err.constData());
    r = runCli({"forward", "--model", dir}, "[1, 2");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("JSON"), r.err.constData());

    // Issue 8, defect 8: ids are integers, masks are 0 or 1; nothing is truncated or clamped.
    r = runCli({"forward", "--model", dir}, "{\"input_ids\": [[1, 5.7, 2]]}");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("integer") && r.err.contains("5.7"), r.err.constData());
    r = runCli({"forward", "--model", dir},
               "{\"input_ids\": [[1, 5, 2]], \"attention_mask\": [[1, 7, 1]]}");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("attention_mask[0][1] = 7") && r.err.contains("0 (padding)"),
             r.err.constData());
    r = runCli({"forward", "--model", dir},
               "{\"input_ids\": [[1, 5, 2]], \"attention_mask\": [[1, -1, 1]]}");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("attention_mask"), r.err.constData());
    r = runCli({"forward", "--model", dir}, "{\"input_ids\": [[-3, 5, 2]]}");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("-3"), r.err.constData());
    r = runCli({"forward", "--model", dir}, QByteArray(200000, '[') + "1");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("deep") && r.err.size() < 600, r.err.left(600).constData());

    QTemporaryDir empty;
    r = runCli({"forward", "--model", empty.path()}, "{\"input_ids\": [[1, 2]]}");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("config.json"), r.err.constData());
}

void TestCli::checkAttentionPrintsTable()
{
    const Result r = runCli({"check-attention", "--cases", "10", "--seed", "3"});
    QVERIFY2(r.exitCode == 0, r.out.constData());
    QVERIFY(r.out.contains("10 cases, 0 failed"));
    QCOMPARE(r.out.count("pass"), 10);
    QVERIFY(r.out.contains("B=1 L=1 E=768 H=12"));
}

// `runs show` reports the training time every view shows (RunStore::trainingSeconds).
void TestCli::runsShowPrintsTrainingTime()
{
    QTemporaryDir dir;
    const QString db = dir.filePath("runs.db");
    {
        sentilab::RunStore store = sentilab::RunStore::open(db.toStdString());
        sentilab::RunInfo info;
        info.name = "timed";
        info.kind = "scratch";
        info.status = sentilab::RunStatus::Running;
        info.totalSteps = 10;
        const int64_t id = store.createRun(info);
        store.logMetrics(id, {{"train/loss", 5, 90000, 0.5}});
        store.setStatus(id, sentilab::RunStatus::Finished);
    }
    const Result r = runCli({"--db", db, "runs", "show", "1"});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(r.out.contains("training time: 90 s\n"), r.out.constData());
}

// `compare` prints the read model's table and pair; too few or unknown runs are clear errors.
void TestCli::compareNamesThePairAndRejectsBadRuns()
{
    QTemporaryDir dir;
    const QString db = dir.filePath("runs.db");
    {
        sentilab::RunStore store = sentilab::RunStore::open(db.toStdString());
        for (const char *kind : {"scratch", "finetune"}) {
            sentilab::RunInfo info;
            info.name = std::string("a-") + kind;
            info.kind = kind;
            info.status = sentilab::RunStatus::Running;
            const int64_t id = store.createRun(info);
            sentilab::EvalRecord e;
            e.split = "val";
            e.step = 10;
            e.accuracy = std::string(kind) == "finetune" ? 0.9 : 0.6;
            store.logEval(id, e);
            store.setStatus(id, sentilab::RunStatus::Finished);
        }
    }
    const Result r = runCli({"compare", "1", "2", "--db", db});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(r.out.contains("compared: #2 a-finetune minus #1 a-scratch (fine-tune minus scratch)"),
             r.out.constData());
    QVERIFY2(r.out.contains("at 1 steps: 10:+30.00\n"), r.out.constData());
    QVERIFY2(r.out.contains("90.00% @10"), r.out.constData());

    const Result one = runCli({"compare", "1", "--db", db});
    QVERIFY(one.exitCode != 0);
    QVERIFY2(one.err.contains("runs"), one.err.constData());
    const Result unknown = runCli({"compare", "1", "7", "--db", db});
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains("no run '7'") && unknown.err.contains("runs list"),
             unknown.err.constData());
}

void TestCli::globalOptionsAfterSubcommand()
{
    // `--db` and `--threads` are accepted before or after the subcommand; a mistyped database
    // is reported and not created.
    QTemporaryDir dir;
    const QString db = dir.filePath("typo.db");
    for (const QStringList &args : {QStringList{"--db", db, "runs", "list"},
                                    QStringList{"runs", "list", "--db", db, "--threads", "1"}}) {
        const Result r = runCli(args);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("no run store at " + db.toUtf8()), r.out.constData());
    }
    QVERIFY(!QFile::exists(db));
    const Result bad = runCli({"runs", "list", "--no-such-option"});
    QCOMPARE(bad.exitCode, 109); // CLI11's "extras" exit code
    QVERIFY2(bad.err.contains("--no-such-option"), bad.err.constData());
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
