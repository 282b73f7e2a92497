// The live charts (ChartView, TrainingCharts) and the PDF report (writeReport, `sentilab-cli
// report`) on two real smoke runs. Offscreen. The PDF is checked with poppler's pdfinfo and
// pdftotext; those checks skip when the tools are not installed (package poppler-utils).
#include <cmath>

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <qcustomplot.h>

#include <sentilab/embeddingmap.h>
#include <sentilab/error.h>
#include <sentilab/runstore.h>
#include <sentilab/training.h>

#include "chartview.h"
#include "common/formatting.h"
#include "report/reportbuilder.h"
#include "report/reportcharts.h"
#include "shareddata.h"
#include "smokerun.h"
#include "trainingcharts.h"
#include "uitypes.h"

using namespace sentilab;
using namespace sentilab::ui;

namespace {

const QString kDiscussion =
    QStringLiteral("Pre-training pays off: this discussion paragraph was written by tst_report.");

// The text of a PDF with runs of white space folded to one space (table cells wrap).
QString pdfText(const QString &pdf)
{
    QProcess p;
    // -raw keeps the content-stream order: a wrapped table cell stays in one piece.
    p.start(QStandardPaths::findExecutable(QStringLiteral("pdftotext")),
            {QStringLiteral("-raw"), pdf, QStringLiteral("-")});
    if (!p.waitForFinished(60000) || p.exitCode() != 0)
        return QString();
    // NFKC folds ligatures (U+FB01 "fi") should the font have used any.
    return QString::fromUtf8(p.readAllStandardOutput())
        .normalized(QString::NormalizationForm_KC)
        .simplified();
}

int pdfPages(const QString &pdf)
{
    QProcess p;
    p.start(QStandardPaths::findExecutable(QStringLiteral("pdfinfo")), {pdf});
    if (!p.waitForFinished(60000) || p.exitCode() != 0)
        return -1;
    const auto match = QRegularExpression(QStringLiteral("Pages:\\s+(\\d+)"))
                           .match(QString::fromUtf8(p.readAllStandardOutput()));
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

// The raster images embedded in a PDF as `pdfimages -list` lists them: width x height each.
QList<QSize> pdfImageSizes(const QString &pdf)
{
    QProcess p;
    p.start(QStandardPaths::findExecutable(QStringLiteral("pdfimages")),
            {QStringLiteral("-list"), pdf});
    QList<QSize> sizes;
    if (!p.waitForFinished(60000) || p.exitCode() != 0)
        return sizes;
    // "page num type width height ...", after two header lines.
    const QStringList lines = QString::fromUtf8(p.readAllStandardOutput()).split(u'\n');
    for (qsizetype i = 2; i < lines.size(); ++i) {
        const QStringList f = lines[i].simplified().split(u' ');
        if (f.size() > 4)
            sizes << QSize(f[3].toInt(), f[4].toInt());
    }
    return sizes;
}

bool havePoppler()
{
    return !QStandardPaths::findExecutable(QStringLiteral("pdftotext")).isEmpty() &&
           !QStandardPaths::findExecutable(QStringLiteral("pdfinfo")).isEmpty() &&
           !QStandardPaths::findExecutable(QStringLiteral("pdfimages")).isEmpty();
}

#define REQUIRE_POPPLER()                                                                          \
    if (!havePoppler())                                                                            \
        QSKIP("SKIPPED: pdfinfo/pdftotext not found (install poppler-utils)");

#define REQUIRE_RUNS()                                                                             \
    SENTILAB_REQUIRE_SHARED(sst2Train, "data/sst2/train.jsonl");                                   \
    QVERIFY2(m_runA > 0 && m_runB > 0, "the smoke runs did not train");

} // namespace

class TestReport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void chartViewKeepsEveryPointAndDecimates();
    void chartViewThrottlesRedraws();
    void chartViewSmoothingAndZoom();
    void chartViewHoverAndDoubleClick();
    void chartViewSavesImages_data();
    void chartViewSavesImages();

    void trainingChartsShowStoredRuns();
    void chartChoicesLastBetweenLaunches();
    void trainingChartsFollowLiveTraining();

    void reportHasEverySection();
    void reportRendersRunsWithoutData();
    void reportErrorsSayWhatFailed();
    void cliWritesReport();

private:
    QTemporaryDir m_dir;
    QString m_db;
    qint64 m_runA = 0, m_runB = 0;
    double m_testA = -1, m_testB = -1;
};

void TestReport::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // settings written by the chart tests stay apart
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("runs.db"));
    if (sentilab::test::sharedFile(QStringLiteral("data/sst2/train.jsonl")).isEmpty())
        return; // the tests that need runs skip with the expected path
    qputenv("SENTILAB_SHARED_DIR",
            QFileInfo(sentilab::test::sharedDir()).absoluteFilePath().toUtf8());
    m_runA = sentilab::test::trainSmoke(m_db, 42);
    m_runB = sentilab::test::trainSmoke(m_db, 7);
    QVERIFY(m_runA > 0 && m_runB > 0);
    const RunStore store = RunStore::open(m_db.toStdString());
    m_testA = store.run(m_runA).testAccuracy;
    m_testB = store.run(m_runB).testAccuracy;
}

void TestReport::chartViewKeepsEveryPointAndDecimates()
{
    ChartView view;
    view.resize(800, 400);
    view.setSeries(1, QStringLiteral("run 1"), runColor(1), {}, {});
    const int n = 100000;
    for (int i = 0; i < n; ++i)
        view.appendPoint(1, i, std::sin(i * 0.001) + (i == 54321 ? 100.0 : 0.0));
    const QVector<QPointF> points = view.points(1);
    QCOMPARE(points.size(), n);
    QCOMPARE(points.first(), QPointF(0, 0));
    QCOMPARE(points[54321].y(), std::sin(54321 * 0.001) + 100.0);
    QCOMPARE(points.last().x(), double(n - 1));

    view.replotNow();
    const int drawn = view.drawnPointCount(1);
    QVERIFY2(drawn > 0 && drawn < n / 10, qPrintable(QString::number(drawn)));
    // Min/max decimation keeps the spike.
    double maxDrawn = -1;
    for (auto it = view.plot()->graph(0)->data()->constBegin();
         it != view.plot()->graph(0)->data()->constEnd(); ++it)
        maxDrawn = std::max(maxDrawn, it->value);
    QCOMPARE(maxDrawn, std::sin(54321 * 0.001) + 100.0);

    // Zoomed in, the visible span is drawn at full resolution.
    view.plot()->xAxis->setRange(1000, 1100);
    view.replotNow();
    QVERIFY(view.drawnPointCount(1) >= 101);
    QVERIFY(!view.isAutoRange());
    QCOMPARE(view.points(1).size(), n); // still every point
}

void TestReport::chartViewThrottlesRedraws()
{
    ChartView view;
    view.setSeries(3, QStringLiteral("run 3"), runColor(3), {1, 2, 3}, {0.5, 0.4, 0.3});
    view.replotNow();
    QCOMPARE(view.drawnPointCount(3), 3);
    view.appendPoint(3, 4, 0.2);
    view.appendPoint(3, 5, 0.1);
    view.appendPoint(99, 1, 1);           // no such series: ignored
    QCOMPARE(view.drawnPointCount(3), 3); // not per point: on the timer
    QTRY_COMPARE_WITH_TIMEOUT(view.drawnPointCount(3), 5, 1000);
    QVERIFY(!view.hasSeries(99));
    // An equal x replaces (upsert), a smaller x is inserted in order.
    view.appendPoint(3, 5, 0.15);
    view.appendPoint(3, 2.5, 0.35);
    const QVector<QPointF> points = view.points(3);
    QCOMPARE(points.size(), 6);
    QCOMPARE(points[2], QPointF(2.5, 0.35));
    QCOMPARE(points.last(), QPointF(5, 0.15));
    view.removeSeries(3);
    QVERIFY(view.seriesIds().isEmpty());
}

void TestReport::chartViewSmoothingAndZoom()
{
    ChartView view;
    view.setSeries(1, QStringLiteral("a"), runColor(1), {0, 1, 2, 3}, {4, 2, 3, 1});
    view.setSeries(2, QStringLiteral("b"), runColor(2), {0, 1, 2, 3}, {1, 1, 1, 1});
    QCOMPARE(view.plot()->graphCount(), 2);
    view.setSmoothing(0.9);
    QCOMPARE(view.plot()->graphCount(), 4); // faint raw + smoothed per series
    view.setSmoothing(0);
    QCOMPARE(view.plot()->graphCount(), 2);

    view.replotNow();
    QVERIFY(view.isAutoRange());
    QVERIFY(view.plot()->xAxis->range().contains(3));
    view.plot()->xAxis->setRange(0, 1); // as a mouse zoom does
    QVERIFY(!view.isAutoRange());
    view.appendPoint(1, 10, 0);
    view.replotNow();
    QCOMPARE(view.plot()->xAxis->range().upper, 1.0); // the user's view is kept
    view.resetView();
    QVERIFY(view.isAutoRange());
    QVERIFY(view.plot()->xAxis->range().contains(10));
    view.clear();
    QVERIFY(view.seriesIds().isEmpty());
}

void TestReport::chartViewHoverAndDoubleClick()
{
    ChartView view;
    view.resize(600, 400);
    view.setSeries(1, QStringLiteral("hover run"), runColor(1), {0, 10, 20}, {1, 2, 3});
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.replotNow();
    view.plot()->replot(QCustomPlot::rpImmediateRefresh); // lay out, so pixel positions are final
    QCPItemText *readout = nullptr;
    for (int i = 0; i < view.plot()->itemCount(); ++i) {
        auto *text = qobject_cast<QCPItemText *>(view.plot()->item(i));
        if (text && text->layer()->name() == QLatin1String("hover"))
            readout = text;
    }
    QVERIFY(readout);
    const QPointF at(view.plot()->xAxis->coordToPixel(10) + 3,
                     view.plot()->yAxis->coordToPixel(2) - 3);
    const auto send = [&](QEvent::Type type, Qt::MouseButton button) {
        QMouseEvent event(type, at, view.plot()->mapToGlobal(at), button,
                          type == QEvent::MouseMove ? Qt::NoButton : button, Qt::NoModifier);
        QCoreApplication::sendEvent(view.plot(), &event);
    };
    send(QEvent::MouseMove, Qt::NoButton);
    QVERIFY(readout->visible());
    QVERIFY2(readout->text().contains(QLatin1String("hover run")) &&
                 readout->text().contains(QLatin1String("10")),
             qPrintable(readout->text()));

    const QString shots = qEnvironmentVariable("SENTILAB_TEST_SCREENSHOTS");
    if (!shots.isEmpty())
        view.grab().save(QDir(shots).filePath(QStringLiteral("chartview-hover.png")));

    view.plot()->xAxis->setRange(0, 5); // as a mouse zoom does
    QVERIFY(!view.isAutoRange());
    send(QEvent::MouseButtonDblClick, Qt::LeftButton);
    QVERIFY(view.isAutoRange());
    QVERIFY(!readout->visible());
    QVERIFY(view.plot()->xAxis->range().contains(20));
}

void TestReport::chartViewSavesImages_data()
{
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QByteArray>("magic");
    QTest::newRow("png") << "png" << QByteArray("\x89PNG");
    QTest::newRow("svg") << "svg" << QByteArray("<?xml");
    QTest::newRow("pdf") << "pdf" << QByteArray("%PDF");
}

void TestReport::chartViewSavesImages()
{
    QFETCH(QString, suffix);
    QFETCH(QByteArray, magic);
    ChartView view;
    view.resize(640, 400);
    view.setTitle(QStringLiteral("Training loss"));
    view.setAxisLabels(QStringLiteral("Step"), QStringLiteral("Loss"));
    QVector<double> x, y;
    for (int i = 0; i < 5000; ++i) {
        x << i;
        y << 1.0 / (1 + i * 0.01);
    }
    view.setSeries(1, QStringLiteral("run 1"), runColor(1), x, y);
    view.setSmoothing(0.9);
    const QString path = m_dir.filePath(QStringLiteral("chart.") + suffix);
    QString error;
    QVERIFY2(view.saveImage(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.size() > 100);
    QVERIFY(file.read(magic.size()) == magic);

    QVERIFY(!view.saveImage(m_dir.filePath(QStringLiteral("chart.bmpx")), &error));
    QVERIFY2(error.contains(QLatin1String(".png, .svg or .pdf")), qPrintable(error));
    QVERIFY(!view.saveImage(m_dir.filePath(QStringLiteral("missing/dir/chart.")) + suffix, &error));
    QVERIFY2(error.contains(QLatin1String("could not write")), qPrintable(error));
}

// Issue 11: the x axis and smoothing the user chose come back in the next window; values set by
// code are not saved.
void TestReport::chartChoicesLastBetweenLaunches()
{
    QSettings().remove(QStringLiteral("charts"));
    {
        TrainingCharts charts;
        charts.setXAxis(TrainingCharts::XAxis::Epoch); // code, not the user: not remembered
        TrainingCharts fresh;
        QCOMPARE(fresh.xAxis(), TrainingCharts::XAxis::Step);
        auto *axis = charts.findChild<QComboBox *>();
        axis->setCurrentIndex(axis->findData(int(TrainingCharts::XAxis::WallMinutes)));
        charts.findChild<QDoubleSpinBox *>()->setValue(0.5); // as the user types it
    }
    TrainingCharts next;
    QCOMPARE(next.xAxis(), TrainingCharts::XAxis::WallMinutes);
    QCOMPARE(next.smoothing(), 0.5);
    QSettings().remove(QStringLiteral("charts"));
}

void TestReport::trainingChartsShowStoredRuns()
{
    REQUIRE_RUNS();
    const RunStore store = RunStore::open(m_db.toStdString());
    TrainingCharts charts;
    charts.resize(1100, 750);
    QVERIFY(charts.lossChart()->seriesIds().isEmpty());
    charts.setDatabasePath(m_db);
    charts.showRuns({m_runA, 424242}); // an unknown run is skipped
    QCOMPARE(charts.shownRuns(), QList<qint64>{m_runA});
    const int steps = int(store.metrics(m_runA, "train/loss").size());
    QCOMPARE(steps, 32);
    QCOMPARE(charts.lossChart()->points(m_runA).size(), steps);
    QCOMPARE(charts.learningRateChart()->points(m_runA).size(), steps);
    QCOMPARE(charts.accuracyChart()->points(m_runA).size(), 4);
    QCOMPARE(charts.validationLossChart()->points(m_runA).size(), 4);
    QCOMPARE(charts.accuracyChart()->points(m_runA).last().y(),
             store.evals(m_runA, "validation").back().accuracy * 100);

    charts.setXAxis(TrainingCharts::XAxis::Epoch);
    QCOMPARE(charts.lossChart()->points(m_runA).last().x(), 2.0);
    QCOMPARE(charts.accuracyChart()->points(m_runA).last().x(), 2.0);
    charts.setXAxis(TrainingCharts::XAxis::WallMinutes);
    QCOMPARE(charts.lossChart()->points(m_runA).last().x(),
             store.metrics(m_runA, "train/loss").back().wallMs / 60000.0);
    charts.setXAxis(TrainingCharts::XAxis::Step);
    QCOMPARE(charts.lossChart()->points(m_runA).last().x(), 32.0);

    charts.showRuns({m_runA, m_runB});
    QCOMPARE(charts.lossChart()->seriesIds().size(), 2);
    charts.showRuns({m_runB});
    QCOMPARE(charts.lossChart()->seriesIds(), QList<qint64>{m_runB});

    // For a human look: SENTILAB_TEST_SCREENSHOTS=<folder> saves the widget.
    const QByteArray shots = qgetenv("SENTILAB_TEST_SCREENSHOTS");
    if (!shots.isEmpty()) {
        charts.showRuns({m_runA, m_runB});
        charts.show();
        QVERIFY(QTest::qWaitForWindowExposed(&charts));
        for (ChartView *chart : {charts.lossChart(), charts.accuracyChart(),
                                 charts.validationLossChart(), charts.learningRateChart()})
            chart->replotNow();
        QTest::qWait(100);
        QVERIFY(charts.grab().save(
            QDir(QString::fromLocal8Bit(shots)).filePath(QStringLiteral("trainingcharts.png"))));
    }
}

void TestReport::trainingChartsFollowLiveTraining()
{
    REQUIRE_RUNS();
    TrainingCharts charts;
    charts.setDatabasePath(m_db);
    charts.showRuns({m_runA});
    StepInfo step;
    step.runId = m_runB; // not shown: not drawn...
    step.step = 33;
    step.loss = 0.5;
    charts.addStep(step);
    QCOMPARE(charts.lossChart()->points(m_runB).size(), 0);
    // ... but kept: shown later, before the store has it, the run has no gap (issue 11).
    const qsizetype stored =
        qsizetype(RunStore::open(m_db.toStdString()).metrics(m_runB, "train/loss").size());
    charts.showRuns({m_runA, m_runB});
    QCOMPARE(charts.lossChart()->points(m_runB).size(), stored + 1);
    QCOMPARE(charts.lossChart()->points(m_runB).last(), QPointF(33, 0.5));
    charts.reloadRun(m_runB); // the run ended: exactly what the store holds
    QCOMPARE(charts.lossChart()->points(m_runB).size(), stored);
    charts.showRuns({m_runA});

    step.runId = m_runA;
    step.epochProgress = 2.0625;
    step.loss = 0.25;
    step.lr = 1e-4;
    step.elapsedSeconds = 100;
    step.wallMs = 6e6; // 100 min into the run, as the trainer reports it
    charts.addStep(step);
    QCOMPARE(charts.lossChart()->points(m_runA).size(), 33);
    QCOMPARE(charts.lossChart()->points(m_runA).last(), QPointF(33, 0.25));

    EvalInfo eval;
    eval.runId = m_runA;
    eval.split = "test"; // not a curve
    eval.step = 33;
    eval.accuracy = 0.5;
    eval.wallMs = 6.06e6;
    charts.addEval(eval);
    QCOMPARE(charts.accuracyChart()->points(m_runA).size(), 4);
    eval.split = "validation";
    charts.addEval(eval);
    QCOMPARE(charts.accuracyChart()->points(m_runA).size(), 5);
    QCOMPARE(charts.accuracyChart()->points(m_runA).last(), QPointF(33, 50));

    // Live points survive an x-axis switch and sit at the wall time the trainer reported.
    charts.setXAxis(TrainingCharts::XAxis::WallMinutes);
    const QVector<QPointF> wall = charts.lossChart()->points(m_runA);
    QCOMPARE(wall.size(), 33);
    QCOMPARE(wall.last().x(), 100.0);
    QCOMPARE(charts.accuracyChart()->points(m_runA).last().x(), 101.0);
    charts.setXAxis(TrainingCharts::XAxis::Epoch);
    QCOMPARE(charts.lossChart()->points(m_runA).last().x(), 2.0625);

    // A resumed run restarts at an earlier step: the later points are replaced.
    charts.setXAxis(TrainingCharts::XAxis::Step);
    step.step = 25;
    step.elapsedSeconds = 1;
    charts.addStep(step);
    QCOMPARE(charts.lossChart()->points(m_runA).size(), 25);
    QCOMPARE(charts.accuracyChart()->points(m_runA).size(), 3); // evaluations at 8, 16, 24

    charts.reloadRun(m_runA);
    QCOMPARE(charts.lossChart()->points(m_runA).size(), 32);
}

void TestReport::reportHasEverySection()
{
    REQUIRE_RUNS();
    REQUIRE_POPPLER();
    ReportOptions options;
    options.databasePath = m_db;
    options.runIds = {m_runA, m_runB};
    options.discussion = kDiscussion;
    options.outputPath = m_dir.filePath(QStringLiteral("report.pdf"));
    options.attentionCases = 20;
    writeReport(options);

    QVERIFY(pdfPages(options.outputPath) >= 3);
    const QString text = pdfText(options.outputPath);
    QVERIFY(!text.isEmpty());
    const auto expect = [&text](const QString &needle) {
        QVERIFY2(text.contains(needle),
                 qPrintable(QStringLiteral("'%1' not in the report").arg(needle)));
    };
    expect(formatPercent(m_testA));
    expect(formatPercent(m_testB));
    expect(QStringLiteral("Max diff (output)"));
    expect(QStringLiteral("20 of 20 cases pass"));
    expect(QStringLiteral("pass"));
    for (const QString &sentence : defaultStarterSentences())
        expect(sentence);
    expect(kDiscussion);
    expect(QStringLiteral("test accuracy versus"));
    expect(QStringLiteral("Confusion matrix"));
    expect(QStringLiteral("Comparison"));
    // Issue 11: every run's validation loss and learning rate, its initial weights, and whether
    // the pair differs in more than its initialisation (two smoke runs: only the seed).
    expect(QStringLiteral("Validation loss"));
    expect(QStringLiteral("Learning rate"));
    expect(QStringLiteral("Initial weights"));
    expect(QStringLiteral("random initialisation"));
    expect(QStringLiteral("comes from the seed alone"));
    QVERIFY(!text.contains(QLatin1String("no checkpoint")));
    // Issue 13: each run's attributions and rollout for the example sentences.
    expect(QStringLiteral("5. Why the models decide"));
    expect(QStringLiteral("Integrated Gradients"));
    expect(QStringLiteral("completeness residual"));
    expect(QStringLiteral("rollout:"));
    expect(QStringLiteral("6. Discussion"));
    // Every attention head of both runs for the first sentence, drawn as a layers x heads grid
    // of 24-pixel squares 3 pixels apart (the only raster images in the report).
    expect(QStringLiteral("Attention heads"));
    expect(QStringLiteral("2 layers x 4 heads")); // smoke.yaml's model
    const QList<QSize> images = pdfImageSizes(options.outputPath);
    QCOMPARE(images.count(QSize(4 * 24 + 5 * 3, 2 * 24 + 3 * 3)), 2);
    expect(QStringLiteral("Embedding maps"));
    for (const qint64 run : {m_runA, m_runB}) {
        // The report's separability is the store's cached map's.
        const EmbeddingMap map = *embeddingMapForRun(m_db.toStdString(), run);
        expect(QStringLiteral("silhouette %1").arg(map.silhouette, 0, 'f', 3));
    }

    const QString renders = qEnvironmentVariable("SENTILAB_TEST_SCREENSHOTS");
    if (!renders.isEmpty())
        QFile::copy(options.outputPath, QDir(renders).filePath(QStringLiteral("report.pdf")));
}

void TestReport::reportRendersRunsWithoutData()
{
    REQUIRE_POPPLER();
    const QString db = m_dir.filePath(QStringLiteral("empty.db"));
    qint64 queued = 0;
    {
        RunStore store = RunStore::open(db.toStdString());
        RunInfo info;
        info.kind = "finetune";
        queued = store.createRun(info);
    }
    ReportOptions options;
    options.databasePath = db;
    options.runIds = {queued};
    options.sentences = {QStringLiteral("Nothing to predict with yet.")};
    options.outputPath = m_dir.filePath(QStringLiteral("empty.pdf"));
    options.attentionCases = 0;
    writeReport(options);
    const QString text = pdfText(options.outputPath);
    QVERIFY(text.contains(QLatin1String("not evaluated yet")));
    QVERIFY(text.contains(QLatin1String("no checkpoint")));
    QVERIFY(text.contains(QLatin1String("Nothing to predict with yet.")));
    QVERIFY(text.contains(QLatin1String("No discussion written yet")));
    const QString renders = qEnvironmentVariable("SENTILAB_TEST_SCREENSHOTS");
    if (!renders.isEmpty())
        QFile::copy(options.outputPath, QDir(renders).filePath(QStringLiteral("empty.pdf")));
}

void TestReport::reportErrorsSayWhatFailed()
{
    ReportOptions options;
    options.databasePath = m_dir.filePath(QStringLiteral("errors.db"));
    options.outputPath = m_dir.filePath(QStringLiteral("never.pdf"));
    const auto messageOf = [](const ReportOptions &o) {
        try {
            writeReport(o);
        } catch (const Error &e) {
            return QString::fromUtf8(e.what());
        }
        return QString();
    };
    QVERIFY(messageOf(options).contains(QLatin1String("no runs given")));
    options.runIds = {7};
    QVERIFY(messageOf(options).contains(QLatin1String("no run store at")));
    (void)RunStore::open(options.databasePath.toStdString());
    QVERIFY2(messageOf(options).contains(QLatin1String("no run 7")),
             qPrintable(messageOf(options)));
    {
        RunStore store = RunStore::open(options.databasePath.toStdString());
        RunInfo info;
        info.kind = "scratch";
        options.runIds = {store.createRun(info)};
    }
    options.outputPath = m_dir.filePath(QStringLiteral("no/such/folder/report.pdf"));
    const QString message = messageOf(options);
    QVERIFY2(message.contains(QLatin1String("cannot write")) &&
                 message.contains(options.outputPath),
             qPrintable(message));
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("never.pdf"))));
}

void TestReport::cliWritesReport()
{
    REQUIRE_RUNS();
    REQUIRE_POPPLER();
    const RunStore store = RunStore::open(m_db.toStdString());
    const QString nameB = QString::fromStdString(store.run(m_runB).name);
    const QString pdf = m_dir.filePath(QStringLiteral("cli report.pdf"));
    QProcess cli;
    cli.start(QStringLiteral(SENTILAB_CLI_PATH),
              {QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--db"), m_db,
               QStringLiteral("report"), QStringLiteral("--runs"),
               QStringLiteral("%1,%2").arg(m_runA).arg(nameB), QStringLiteral("--out"), pdf,
               QStringLiteral("--sentence"), QStringLiteral("An utterly charming little film."),
               QStringLiteral("--sentence"), QStringLiteral("Two hours I will never get back."),
               QStringLiteral("--discussion"), QStringLiteral("Written on the command line."),
               QStringLiteral("--attention-cases"), QStringLiteral("3")});
    QVERIFY(cli.waitForFinished(300000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    QVERIFY(QString::fromUtf8(cli.readAllStandardOutput()).contains(QLatin1String("wrote")));
    const QString text = pdfText(pdf);
    for (const char *needle :
         {"An utterly charming little film.", "Two hours I will never get back.",
          "Written on the command line.", "3 of 3 cases pass"})
        QVERIFY2(text.contains(QLatin1String(needle)), needle);
    QVERIFY(text.contains(formatPercent(m_testA)) && text.contains(formatPercent(m_testB)));

    cli.start(QStringLiteral(SENTILAB_CLI_PATH),
              {QStringLiteral("--db"), m_db, QStringLiteral("report"), QStringLiteral("--runs"),
               QStringLiteral("999"), QStringLiteral("--out"), pdf});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 1);
    QVERIFY(QString::fromUtf8(cli.readAllStandardError()).contains(QLatin1String("no run '999'")));
}

QTEST_MAIN(TestReport)
#include "tst_report.moc"
