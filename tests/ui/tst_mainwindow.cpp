// The desktop app driven as a user would (issue: desktop app): click "Start scratch" on the smoke
// experiment, watch chart points and a finished status appear, ask both models, export the report.
// Also measures the worst GUI-thread stall while two runs train (reported, not asserted: timing
// targets live in benchmarks).
#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QtTest/QtTest>

#include <sentilab/runstore.h>

#include "appsettings.h"
#include "chartview.h"
#include "inferencepane.h"
#include "mainwindow.h"
#include "reportexport.h"
#include "runspanel.h"
#include "runstablemodel.h"
#include "stallmonitor.h"
#include "trainingcharts.h"
#include "trainingjobs.h"
#include "uitypes.h"

using namespace sentilab;
using namespace sentilab::ui;

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void startScratchRunFromToolbar();
    void twoRunsTrainWhileTheUiStaysResponsive();
    void inferencePaneShowsTwoPredictions();
    void reportContainsBothAccuracies();
    void reportExportRunsBesideTheEventLoop();
    void reportExportCanBeCancelled();
    void stopSaysStoppingAtOnce();
    void logNamesRunsAndSurvivesARestart();
    void experimentsMenuListsEveryFile();
    void cleanupTestCase();

private:
    // Accepts the experiment dialog that the next click opens.
    void acceptNextDialog();
    std::vector<RunInfo> finishedRuns() const;

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::initTestCase()
{
    if (qEnvironmentVariableIsEmpty("SENTILAB_SHARED_DIR") ||
        !QFile::exists(qEnvironmentVariable("SENTILAB_SHARED_DIR") + "/data/sst2/train.jsonl"))
        QSKIP(
            "SKIPPED: shared reference data not found (expected ../shared/data/sst2/train.jsonl)");
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("SentiLabTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    QSettings().clear();
    // "Start scratch" opens experiments/scratch.yaml: point it at the smoke experiment.
    QVERIFY(QDir().mkpath(m_dir.filePath("experiments")));
    QVERIFY(QFile::copy(SENTILAB_SOURCE_DIR "/experiments/smoke.yaml",
                        m_dir.filePath("experiments/scratch.yaml")));
    AppSettings::setExperimentsDir(m_dir.filePath("experiments"));
    AppSettings::setThreads(1);
    m_window = std::make_unique<MainWindow>(m_dir.filePath("runs.db"));
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindow::acceptNextDialog()
{
    QTimer::singleShot(200, this, [] {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        auto *buttons = dialog->findChild<QDialogButtonBox *>();
        QVERIFY(buttons);
        QPushButton *start = buttons->button(QDialogButtonBox::Ok);
        QVERIFY(start && start->isEnabled());
        QTest::mouseClick(start, Qt::LeftButton);
    });
}

std::vector<RunInfo> TestMainWindow::finishedRuns() const
{
    std::vector<RunInfo> done;
    for (const RunInfo &r : RunStore::open(m_dir.filePath("runs.db").toStdString()).listRuns())
        if (r.status == RunStatus::Finished)
            done.push_back(r);
    return done;
}

void TestMainWindow::startScratchRunFromToolbar()
{
    // First launch, no run in the store: the charts tab explains SentiLab and offers both starts.
    auto *welcome = m_window->charts()->findChild<QWidget *>("welcome");
    QVERIFY(welcome && welcome->isVisible());
    QVERIFY(m_window->charts()->findChild<QPushButton *>("welcomeScratch")->isVisible());
    QVERIFY(m_window->charts()->findChild<QPushButton *>("welcomeFinetune")->isVisible());
    QToolBar *toolbar = m_window->findChild<QToolBar *>(QStringLiteral("MainToolbar"));
    QVERIFY(toolbar);
    auto *button =
        qobject_cast<QToolButton *>(toolbar->widgetForAction(m_window->startScratchAction()));
    QVERIFY(button);
    // Every 4th step stored, every step reported live.
    QFile file(m_dir.filePath("experiments/scratch.yaml"));
    QVERIFY(file.open(QIODevice::ReadWrite));
    QByteArray yaml = file.readAll();
    QVERIFY(yaml.contains("log_every: 1"));
    yaml.replace("log_every: 1", "log_every: 4");
    file.resize(0);
    file.write(yaml);
    file.close();
    acceptNextDialog();
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(int(finishedRuns().size()), 1, 120000);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->jobs()->runningCount(), 0, 10000);

    // The run was shown live from its start; when it ended the charts re-read it, so they hold
    // what the store kept (steps 4, 8, ..., 32), not the 32 live points.
    const qint64 liveRunId = finishedRuns().front().id;
    const auto liveCharts = m_window->charts()->findChildren<ChartView *>();
    QVERIFY(!liveCharts.isEmpty());
    const auto stored =
        RunStore::open(m_dir.filePath("runs.db").toStdString()).metrics(liveRunId, "train/loss");
    QCOMPARE(int(stored.size()), 8);
    QTRY_COMPARE(int(liveCharts.front()->points(liveRunId).size()), int(stored.size()));

    // The runs table shows it finished; the run is selected, so the charts plot its points.
    m_window->refreshRuns();
    QTableView *view = m_window->runsPanel()->view();
    QCOMPARE(view->model()->rowCount(), 1);
    QCOMPARE(view->model()->index(0, 2).data().toString(), QStringLiteral("finished"));
    const qint64 runId = finishedRuns().front().id;
    m_window->runsPanel()->selectRun(runId);
    const auto charts = m_window->charts()->findChildren<ChartView *>();
    QVERIFY(!charts.isEmpty());
    QTRY_VERIFY(charts.front()->points(runId).size() == 8); // train loss: every 4th of 32 steps
    QVERIFY(!welcome->isVisible());                         // a run exists: the charts are back
}

void TestMainWindow::twoRunsTrainWhileTheUiStaysResponsive()
{
    // Longer smoke runs (10 epochs) so that the two surely overlap.
    QFile file(m_dir.filePath("experiments/scratch.yaml"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QByteArray yaml = file.readAll();
    file.close();
    QVERIFY(yaml.contains("epochs: 2"));
    yaml.replace("epochs: 2", "epochs: 10");
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(yaml);
    file.close();

    int mostRunning = 0;
    TrainingJobs *jobs = m_window->jobs();
    QObject scope; // ends the connection with this test (the lambda holds its locals)
    connect(jobs, &TrainingJobs::jobsChanged, &scope,
            [&] { mostRunning = std::max(mostRunning, jobs->runningCount()); });
    m_window->stallMonitor()->reset();
    for (int i = 0; i < 2; ++i) {
        acceptNextDialog();
        m_window->startScratchAction()->trigger(); // returns once the dialog was accepted
    }
    QTRY_COMPARE_WITH_TIMEOUT(int(finishedRuns().size()), 3, 300000);
    QTRY_COMPARE_WITH_TIMEOUT(jobs->runningCount(), 0, 10000);
    QCOMPARE(mostRunning, 2);
    qInfo("worst GUI-thread stall while two runs trained: %.1f ms",
          m_window->stallMonitor()->worstStallMs());
}

void TestMainWindow::inferencePaneShowsTwoPredictions()
{
    const auto runs = finishedRuns();
    QVERIFY(runs.size() >= 2);
    InferencePane *pane = m_window->inferencePane();
    m_window->tabs()->setCurrentWidget(pane);
    pane->refreshRuns();
    pane->setRuns(runs[0].id, runs[1].id);
    QSignalSpy shown(pane, &InferencePane::predictionsShown);
    pane->setSentence(QStringLiteral("a gorgeous , witty , seductive movie ."));
    QVERIFY(shown.wait(60000) || !shown.isEmpty());
}

void TestMainWindow::reportContainsBothAccuracies()
{
    const auto runs = finishedRuns();
    m_window->runsPanel()->selectRun(runs[0].id);
    m_window->runsPanel()->selectRun(runs[1].id, true);
    const QString pdf = m_dir.filePath("report.pdf");
    QString error;
    QVERIFY2(m_window->exportReportTo(pdf, &error), qPrintable(error));
    QProcess text;
    text.start(QStringLiteral("pdftotext"), {pdf, QStringLiteral("-")});
    if (!text.waitForStarted())
        QSKIP("pdftotext (poppler-utils) is not installed");
    QVERIFY(text.waitForFinished(60000));
    const QString content = QString::fromUtf8(text.readAllStandardOutput());
    for (const RunInfo &r : {runs[0], runs[1]}) {
        const QString accuracy = QString::number(r.testAccuracy * 100, 'f', 1) + "%";
        QVERIFY2(content.contains(accuracy), qPrintable(accuracy + " missing from the report"));
        QVERIFY2(content.contains(QString::fromStdString(r.name)), r.name.c_str());
    }
}

// Issue 10: the slow part of an export (checkpoints, attention check) runs on a worker thread,
// so the GUI thread keeps serving events: a 5 ms timer fires while the report is being built
// (with the export on the GUI thread it could fire only after the export returned).
void TestMainWindow::reportExportRunsBesideTheEventLoop()
{
    const auto runs = finishedRuns();
    m_window->runsPanel()->selectRun(runs[0].id);
    m_window->runsPanel()->selectRun(runs[1].id, true);
    int ticks = 0, ticksWhenDone = -1;
    QTimer timer;
    timer.setInterval(5);
    connect(&timer, &QTimer::timeout, &timer, [&] { ++ticks; });
    QSignalSpy progress(m_window->reportExport(), &ReportExport::progress);
    connect(m_window->reportExport(), &ReportExport::finished, &timer,
            [&] { ticksWhenDone = ticks; });
    timer.start();
    QString error;
    const QString pdf = m_dir.filePath("responsive.pdf");
    QVERIFY2(m_window->exportReportTo(pdf, &error), qPrintable(error));
    QVERIFY(QFile::exists(pdf));
    QVERIFY2(ticksWhenDone > 0, qPrintable(QString::number(ticksWhenDone)));
    QVERIFY(progress.count() >= 4); // reading, one per run, attention check, writing
    QCOMPARE(progress.last().at(0).toInt(), progress.last().at(1).toInt());
    qInfo("the GUI thread served %d timer ticks while the report was built", ticksWhenDone);

    // A bad output folder fails at once, before any work.
    QVERIFY(!m_window->exportReportTo(m_dir.filePath("missing/r.pdf"), &error));
    QVERIFY2(error.contains("does not exist"), qPrintable(error));
}

void TestMainWindow::reportExportCanBeCancelled()
{
    const auto runs = finishedRuns();
    m_window->runsPanel()->selectRun(runs[0].id);
    const QString pdf = m_dir.filePath("cancelled.pdf");
    QSignalSpy cancelled(m_window->reportExport(), &ReportExport::cancelled);
    QTimer::singleShot(0, m_window->reportExport(), &ReportExport::cancel);
    QString error;
    QVERIFY(!m_window->exportReportTo(pdf, &error));
    QCOMPARE(error, QStringLiteral("report cancelled"));
    QCOMPARE(cancelled.count(), 1);
    QVERIFY(!QFile::exists(pdf));
    QVERIFY(!m_window->reportExport()->isRunning());
}

// Issue 11: Stop answers at once (status "stopping…", the panel's Stop disabled) although the run
// ends only after its current step; then the run is cancelled and resumable.
void TestMainWindow::stopSaysStoppingAtOnce()
{
    QFile file(m_dir.filePath("experiments/scratch.yaml"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QByteArray yaml = file.readAll();
    file.close();
    yaml.replace("epochs: 10", "epochs: 400"); // long enough to be stopped while it trains
    QVERIFY(yaml.contains("epochs: 400"));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(yaml);
    file.close();

    TrainingJobs *jobs = m_window->jobs();
    QSignalSpy started(jobs, &TrainingJobs::runStarted);
    QSignalSpy steps(jobs, &TrainingJobs::stepReported);
    QSignalSpy ended(jobs, &TrainingJobs::runEnded);
    acceptNextDialog();
    m_window->startScratchAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty() && steps.count() > 2, 60000);
    const qint64 runId = started.first().at(0).toLongLong();
    m_window->runsPanel()->selectRun(runId);
    QToolButton *stop = nullptr;
    for (QToolButton *b : m_window->runsPanel()->findChildren<QToolButton *>())
        if (b->text() == QLatin1String("Stop"))
            stop = b;
    QVERIFY(stop && stop->isEnabled());
    QTest::mouseClick(stop, Qt::LeftButton);
    // At once, before the worker has ended the run:
    QVERIFY(ended.isEmpty());
    QAbstractItemModel *model = m_window->runsPanel()->view()->model();
    int row = -1;
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->index(r, 0).data(RunsTableModel::RunIdRole).toLongLong() == runId)
            row = r;
    QVERIFY(row >= 0);
    QCOMPARE(model->index(row, RunsTableModel::Status).data().toString(),
             QStringLiteral("stopping…"));
    QVERIFY(!stop->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(!ended.isEmpty(), 60000);
    QVERIFY(ended.first().at(1).value<RunStatus>() == RunStatus::Cancelled);
    QTRY_COMPARE(model->index(row, RunsTableModel::Status).data().toString(),
                 QStringLiteral("cancelled"));
}

// Issue 11: a new window starts with the store's recent events, each naming its run, instead of
// an empty Log panel.
void TestMainWindow::logNamesRunsAndSurvivesARestart()
{
    const RunStore store = RunStore::openExisting(m_dir.filePath("runs.db").toStdString());
    const RunInfo newest = store.listRuns().front();
    MainWindow restarted(m_dir.filePath("runs.db"));
    const QString log = restarted.findChild<QPlainTextEdit *>("log")->toPlainText();
    const std::vector<EventRecord> events = store.events(newest.id);
    QVERIFY(!events.empty());
    QVERIFY2(log.contains(QStringLiteral("run %1").arg(newest.id)) &&
                 log.contains(QString::fromStdString(events.back().message)),
             qPrintable(log));
    QVERIFY(log.contains(QLatin1String("events from the run store")));
}

// Issue 11: any experiment can be started, not only the two full-size ones: the Run menu lists
// every file of the experiments folder by name and kind, description as tooltip, plus Open….
void TestMainWindow::experimentsMenuListsEveryFile()
{
    auto *menu = m_window->findChild<QMenu *>("experimentsMenu");
    QVERIFY(menu);
    Q_EMIT menu->aboutToShow(); // refills from the folder, as when the user opens it
    QStringList titles;
    QString tooltip;
    for (QAction *a : menu->actions()) {
        titles << a->text();
        if (a->text().startsWith(QLatin1String("smoke")))
            tooltip = a->toolTip();
    }
    // experiments/scratch.yaml in this test is the smoke experiment.
    QVERIFY2(titles.contains(QStringLiteral("smoke (scratch)")), qPrintable(titles.join('|')));
    QVERIFY2(tooltip.contains(QLatin1String("Tiny scratch model")), qPrintable(tooltip));
    QVERIFY(titles.contains(QStringLiteral("&Open experiment file…")));
}

void TestMainWindow::cleanupTestCase()
{
    m_window.reset();
    QSettings().clear();
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
