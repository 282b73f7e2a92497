// The "Pre-training value" tab (issue 12): a smoke study started from the view runs through the
// desktop's job queue to completion, is cancelled and resumed without repeating a finished cell;
// the curve shows each seed as a point and each size's min–max band; the table's numbers equal
// `sentilab-cli study show --json`; the PDF report's study section states the readout.
#include <QApplication>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <sentilab/study.h>

#include "chartview.h"
#include "common/qcpinclude.h"
#include "report/reportbuilder.h"
#include "shareddata.h"
#include "storereader.h"
#include "studyrunner.h"
#include "studyview.h"
#include "trainingcharts.h"
#include "trainingjobs.h"

using namespace sentilab;
using namespace sentilab::ui;

namespace {

const QString kSmokeStudy = QStringLiteral(SENTILAB_SOURCE_DIR "/experiments/studies/smoke.yaml");

bool waitUntil(const std::function<bool()> &done, int ms)
{
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < ms)
        QTest::qWait(20);
    return done();
}

} // namespace

class TestStudyView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void studyRunsCancelsResumesAndShows();
};

void TestStudyView::studyRunsCancelsResumesAndShows()
{
    SENTILAB_REQUIRE_SHARED(train, "data/sst2/train.jsonl");
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("runs.db"));
    StoreReader reader;
    reader.setDatabasePath(db, true);
    TrainingJobs jobs(db);
    jobs.setMaxConcurrent(1); // one cell at a time: the cancel lands between known cells
    StudyRunner runner(&jobs, &reader);
    StudyView view;
    view.setRunner(&runner);
    view.setStoreReader(&reader);
    view.resize(1100, 760);
    view.show();

    // Start from the view; stop once the first cell has finished.
    const qint64 id = view.startStudyFile(kSmokeStudy);
    QVERIFY2(id > 0, qPrintable(view.findChild<QLabel *>(QStringLiteral("error"))->text()));
    QCOMPARE(runner.activeStudy(), id);
    QVERIFY(
        waitUntil([&] { return studyProgress(*reader.store(), id).cellsFinished >= 1; }, 120000));
    runner.cancel();
    QVERIFY(waitUntil([&] { return runner.activeStudy() == 0; }, 60000));
    StudyProgress p = studyProgress(*reader.store(), id);
    QCOMPARE(p.status, std::string("cancelled"));
    QVERIFY(p.cellsFinished >= 1 && p.cellsFinished < 4);
    // What the main window says at start-up about a study left part-way.
    const QString unfinished = view.resumableStudiesText();
    QVERIFY2(
        unfinished.contains(QStringLiteral("“smoke-study” (%1 of 4 runs)").arg(p.cellsFinished)),
        qPrintable(unfinished));
    std::map<int64_t, int64_t> finished;
    for (const StudyCell &c : reader.store()->studyCells(id))
        if (c.runId && reader.store()->run(c.runId).status == RunStatus::Finished)
            finished[c.index] = c.runId;

    // Resume (the button): it finishes without repeating a finished cell.
    auto *resume = view.findChild<QPushButton *>(QStringLiteral("resumeStudy"));
    view.refresh();
    QVERIFY(resume->isEnabled());
    QTest::mouseClick(resume, Qt::LeftButton);
    QCOMPARE(runner.activeStudy(), id);
    QVERIFY(waitUntil([&] { return runner.activeStudy() == 0; }, 180000));
    p = studyProgress(*reader.store(), id);
    QCOMPARE(p.status, std::string("finished"));
    QCOMPARE(p.cellsFinished, int64_t(4));
    QVERIFY(view.resumableStudiesText().isEmpty());
    QCOMPARE(reader.store()->listRuns().size(), std::size_t(4));
    for (const StudyCell &c : reader.store()->studyCells(id))
        if (finished.count(c.index))
            QCOMPARE(c.runId, finished[c.index]);

    // The curve: scratch only; its seed points and min–max band are the summary's.
    view.refresh();
    const StudySummary *s = view.summary();
    QVERIFY(s);
    auto *plot = view.findChild<QCustomPlot *>(QStringLiteral("curve"));
    QCOMPARE(plot->graphCount(), 4);             // band low, band high, seeds, mean
    QCOMPARE(plot->graph(2)->data()->size(), 4); // 2 sizes x 2 seeds
    QCOMPARE(plot->graph(1)->channelFillGraph(), plot->graph(0));
    const StudyGroup *small = s->group("scratch", 32);
    QVERIFY(small && small->n() == 2);
    QCOMPARE(plot->graph(0)->data()->at(0)->value, 100 * small->min);
    QCOMPARE(plot->graph(1)->data()->at(0)->value, 100 * small->max);
    QCOMPARE(plot->graph(3)->data()->at(0)->value, 100 * small->mean);

    // The training charts draw a band for runs that differ only in their seed: the two seeds of
    // one size are one band, runs of two sizes (different subsets) none.
    TrainingCharts charts;
    charts.setStoreReader(&reader);
    const StudyGroup *large = s->group("scratch", 64);
    charts.showRuns({qint64(small->points[0].runId), qint64(small->points[1].runId)});
    QCOMPARE(charts.accuracyChart()->bandCount(), 1);
    QCOMPARE(charts.validationLossChart()->bandCount(), 1);
    charts.showRuns({qint64(small->points[0].runId), qint64(large->points[0].runId)});
    QCOMPARE(charts.accuracyChart()->bandCount(), 0);

    // The table equals the CLI's JSON.
    QProcess cli;
    cli.start(SENTILAB_CLI_PATH,
              {QStringLiteral("--db"), db, QStringLiteral("study"), QStringLiteral("show"),
               QString::number(id), QStringLiteral("--json")});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 0);
    const nlohmann::json json = nlohmann::json::parse(cli.readAllStandardOutput().toStdString());
    auto *table = view.findChild<QTableWidget *>(QStringLiteral("sizes"));
    QCOMPARE(table->rowCount(), int(json["sizes"].size()));
    for (const auto &g : json["groups"]) {
        const int row = g["train_size"] == 32 ? 0 : 1;
        QCOMPARE(table->item(row, 0)->data(Qt::UserRole + 1).toDouble(),
                 g["train_size"].get<double>());
        QCOMPARE(table->item(row, 3)->data(Qt::UserRole + 1).toDouble(), g["mean"].get<double>());
    }
    const QString readout = view.findChild<QLabel *>(QStringLiteral("readout"))->text();
    QVERIFY(readout.contains(
        QString::fromStdString(json["stability"].get<std::string>()).toHtmlEscaped()));

    // The report's study section (only with pdftotext).
    const QString pdftotext = QStandardPaths::findExecutable(QStringLiteral("pdftotext"));
    if (pdftotext.isEmpty())
        QSKIP("pdftotext not installed (poppler-utils): the report text is not checked");
    ReportOptions options;
    options.databasePath = db;
    options.studyId = id;
    options.attentionCases = 0;
    options.embeddingMaps = false;
    options.outputPath = dir.filePath(QStringLiteral("study.pdf"));
    writeReport(options);
    QProcess text;
    text.start(pdftotext, {QStringLiteral("-raw"), options.outputPath, QStringLiteral("-")});
    QVERIFY(text.waitForFinished(60000));
    const QString pdf = QString::fromUtf8(text.readAllStandardOutput()).simplified();
    for (const QString &needle :
         {QStringLiteral("Pre-training value: study smoke-study"), QStringLiteral("Method."),
          QStringLiteral("data seed 7"), QStringLiteral("at least 8 optimizer steps")})
        QVERIFY2(pdf.contains(needle), qPrintable(needle + QStringLiteral(" not in the report")));
    QVERIFY(pdf.contains(
        QString::fromStdString(json["readout"].get<std::string>()).left(40).simplified()));
}

QTEST_MAIN(TestStudyView)
#include "tst_studyview.moc"
