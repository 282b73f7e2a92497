#include "mainwindow.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QEventLoop>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QUrl>

#include <algorithm>
#include <utility>
#include <vector>

#include <sentilab/error.h>
#include <sentilab/runstore.h>
#include <sentilab/runtime.h>
#include <sentilab/version.h>

#include "appsettings.h"
#include "compareview.h"
#include "experimentdialog.h"
#include "firstrundialog.h"
#include "inferencepane.h"
#include "reportexport.h"
#include "runspanel.h"
#include "runstablemodel.h"
#include "settingsdialog.h"
#include "stallmonitor.h"
#include "storereader.h"
#include "studyrunner.h"
#include "studyview.h"
#include "trainingcharts.h"
#include "trainingjobs.h"
#include "uitypes.h"

namespace sentilab::ui {

MainWindow::MainWindow(const QString &databasePath, QWidget *parent)
    : QMainWindow(parent), m_databasePath(databasePath)
{
    registerMetaTypes();
    setWindowTitle(tr("SentiLab — how much does pre-training buy you?"));
    setObjectName(QStringLiteral("MainWindow"));
    m_reader = new StoreReader(this);
    m_runsModel = new RunsTableModel(this);
    m_jobs = new TrainingJobs(databasePath, this);
    m_stalls = new StallMonitor(10, this);
    m_reportExport = new ReportExport(this);
    connect(m_reportExport, &ReportExport::progress, this,
            [this](int done, int total, const QString &what) {
                statusBar()->showMessage(what + QStringLiteral("…"));
                if (m_reportProgress && m_reportProgress->isVisible()) {
                    m_reportProgress->setRange(0, total);
                    m_reportProgress->setValue(done);
                    m_reportProgress->setLabelText(what + QStringLiteral("…"));
                }
            });
    connect(m_reportExport, &ReportExport::finished, this, &MainWindow::reportWritten);
    connect(m_reportExport, &ReportExport::failed, this, [this](const QString &message) {
        statusBar()->showMessage(tr("The report was not written"), 8000);
        if (m_reportProgress)
            m_reportProgress->hide();
        if (std::exchange(m_reportInteractive, false))
            QMessageBox::warning(this, tr("Export report"), message);
    });
    connect(m_reportExport, &ReportExport::cancelled, this, [this] {
        statusBar()->showMessage(tr("Report export cancelled"), 8000);
        if (m_reportProgress)
            m_reportProgress->hide();
        m_reportInteractive = false;
    });
    createViews();
    createActions();

    // One GUI-thread connection for every view; this window's store is created when missing.
    m_reader->setDatabasePath(databasePath, true);
    m_reader->store();
    const QString storeError = m_reader->error();
    m_runsModel->setStoreReader(m_reader);
    m_charts->setStoreReader(m_reader);
    m_compare->setStoreReader(m_reader);
    m_compare->setRememberSelection(true);
    m_inference->setStoreReader(m_reader);
    m_inference->setRememberRuns(true);
    m_studyRunner = new StudyRunner(m_jobs, m_reader, this);
    m_study->setRunner(m_studyRunner);
    m_study->setStoreReader(m_reader);
    connect(m_study, &StudyView::openRun, this, [this](qint64 runId) {
        m_runsPanel->selectRun(runId, false);
        m_tabs->setCurrentWidget(m_charts);
    });
    connect(m_reader, &StoreReader::changed, this, [this] {
        m_charts->showRuns(m_runsPanel->selectedRuns());
        updateStatus();
    });

    connect(m_jobs, &TrainingJobs::runStarted, this, [this](qint64 runId) {
        m_reader->notifyChanged();
        // A study's cells are many: they show in its own tab, not added to the charts one by one.
        const RunStore *store = m_reader->store();
        if (!store || !store->studyCellOfRun(runId))
            m_runsPanel->selectRun(runId, true);
        appendLog(runId, QStringLiteral("info"), tr("run %1 started").arg(runId));
    });
    connect(m_jobs, &TrainingJobs::stepReported, m_runsModel, &RunsTableModel::applyStep);
    connect(m_jobs, &TrainingJobs::stepReported, m_charts, &TrainingCharts::addStep);
    connect(m_jobs, &TrainingJobs::evalReported, m_charts, &TrainingCharts::addEval);
    connect(m_jobs, &TrainingJobs::evalReported, this, [this](const EvalInfo &) { refreshRuns(); });
    connect(m_jobs, &TrainingJobs::logMessage, this, &MainWindow::appendLog);
    connect(m_jobs, &TrainingJobs::runEnded, this,
            [this](qint64 runId, RunStatus status, const QString &error) {
                m_reader->notifyChanged();
                m_charts->reloadRun(runId); // live points -> exactly what the store kept
                const QString statusText = QString::fromStdString(toString(status));
                if (status == RunStatus::Failed) {
                    appendLog(runId, QStringLiteral("error"), error);
                    QMessageBox::warning(this, tr("Training failed"),
                                         runId ? tr("Run %1 failed:\n\n%2").arg(runId).arg(error)
                                               : tr("The run could not start:\n\n%1").arg(error));
                } else {
                    appendLog(runId, QStringLiteral("info"),
                              tr("run %1 %2").arg(runId).arg(statusText));
                    statusBar()->showMessage(tr("Run %1 %2").arg(runId).arg(statusText), 8000);
                }
            });
    connect(m_jobs, &TrainingJobs::jobsChanged, this, &MainWindow::updateStatus);
    connect(m_runsPanel, &RunsPanel::selectionChanged, m_charts, &TrainingCharts::showRuns);
    connect(m_runsPanel, &RunsPanel::resumeRequested, this,
            [this](qint64 runId) { m_jobs->resume(runId, AppSettings::threads()); });
    connect(m_runsPanel, &RunsPanel::stopRequested, m_jobs, &TrainingJobs::stop);
    connect(m_compare, &CompareView::sentenceChosen, this,
            [this](const QString &text, qint64 runA, qint64 runB) {
                // Exactly the compared pair: A (the fine-tune run when the kinds differ) in the
                // first card.
                m_inference->setRuns(runA, runB);
                m_inference->setSentence(text);
                m_tabs->setCurrentWidget(m_inference);
            });
    connect(m_charts, &TrainingCharts::startFinetuneRequested, this, &MainWindow::startFinetune);
    connect(m_charts, &TrainingCharts::startScratchRequested, this, &MainWindow::startScratch);
    m_runsPanel->setActivePredicate([this](qint64 runId) { return m_jobs->isActive(runId); });
    m_runsModel->setStoppingPredicate([this](qint64 runId) { return m_jobs->isStopping(runId); });
    connect(m_jobs, &TrainingJobs::stopping, this, [this](qint64 runId) {
        refreshRuns(); // the status cell says "stopping…" at once
        m_runsPanel->updateActions();
        statusBar()->showMessage(
            tr("Stopping run %1: it finishes the current step, then saves and ends").arg(runId),
            8000);
    });

    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setInterval(2000);
    connect(m_refreshTimer, &QTimer::timeout, this, &MainWindow::refreshRuns);
    m_refreshTimer->start();

    restoreWindowState();
    loadRecentLog();
    updateStatus();
    if (const QString studies = m_study->resumableStudiesText(); !studies.isEmpty()) {
        m_log->appendPlainText(studies);
        statusBar()->showMessage(studies, 15000);
    }
    if (!storeError.isEmpty()) {
        QTimer::singleShot(0, this, [this, storeError] {
            QMessageBox::critical(
                this, tr("Run store"),
                tr("%1\n\nChoose another database file in Settings.").arg(storeError));
        });
    }
}

MainWindow::~MainWindow() = default;

void MainWindow::createViews()
{
    m_runsPanel = new RunsPanel(m_runsModel, m_reader, this);
    auto *runsDock = new QDockWidget(tr("Runs"), this);
    runsDock->setObjectName(QStringLiteral("RunsDock"));
    runsDock->setWidget(m_runsPanel);
    runsDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, runsDock);

    m_charts = new TrainingCharts(this);
    m_compare = new CompareView(this);
    m_inference = new InferencePane(this);
    m_study = new StudyView(this);
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_charts, tr("&Training"));
    m_tabs->addTab(m_compare, tr("&Compare"));
    m_tabs->addTab(m_inference, tr("&Ask the models"));
    m_tabs->addTab(m_study, tr("&Pre-training value"));
    setCentralWidget(m_tabs);

    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("log"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setPlaceholderText(tr("Training events appear here."));
    auto *logDock = new QDockWidget(tr("Log"), this);
    logDock->setObjectName(QStringLiteral("LogDock"));
    logDock->setWidget(m_log);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);

    m_dbLabel = new QLabel(this);
    m_jobsLabel = new QLabel(this);
    statusBar()->addPermanentWidget(m_jobsLabel);
    statusBar()->addPermanentWidget(m_dbLabel);
}

void MainWindow::createActions()
{
    const auto action = [this](const QString &text, const QKeySequence &key, const QString &tip,
                               auto slot) {
        auto *a = new QAction(text, this);
        a->setShortcut(key);
        a->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        a->setStatusTip(tip);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    m_startFinetune =
        action(tr("Start &fine-tune…"), QKeySequence(tr("Ctrl+1")),
               tr("Fine-tune pre-trained DistilBERT on SST-2"), &MainWindow::startFinetune);
    m_startScratch = action(tr("Start &scratch…"), QKeySequence(tr("Ctrl+2")),
                            tr("Train the same architecture from random initialisation"),
                            &MainWindow::startScratch);
    m_stop = action(tr("S&top"), QKeySequence(tr("Ctrl+.")),
                    tr("Stop the selected running run (resumable)"), &MainWindow::stopSelected);
    m_stopAll = action(tr("Stop &all"), QKeySequence(tr("Ctrl+Shift+.")),
                       tr("Stop every running and queued run"), [this] { m_jobs->stopAll(); });
    m_exportReport =
        action(tr("&Export report…"), QKeySequence(tr("Ctrl+E")),
               tr("Write a PDF report of the selected runs"), &MainWindow::exportReport);
    m_settings =
        action(tr("Se&ttings…"), QKeySequence::Preferences,
               tr("Data, model and database locations, threads"), &MainWindow::openSettings);
    if (m_settings->shortcut().isEmpty())
        m_settings->setShortcut(QKeySequence(tr("Ctrl+,")));

    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("MainToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addAction(m_startFinetune);
    toolbar->addAction(m_startScratch);
    toolbar->addAction(m_stop);
    toolbar->addSeparator();
    toolbar->addAction(m_exportReport);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_exportReport);
    file->addAction(m_settings);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    QMenu *run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_startFinetune);
    run->addAction(m_startScratch);
    QMenu *experiments = run->addMenu(tr("Start e&xperiment"));
    experiments->setObjectName(QStringLiteral("experimentsMenu"));
    experiments->setToolTipsVisible(true);
    connect(experiments, &QMenu::aboutToShow, this,
            [this, experiments] { fillExperimentsMenu(experiments); });
    fillExperimentsMenu(experiments);
    run->addAction(action(tr("Start stu&dy…"), QKeySequence(tr("Ctrl+3")),
                          tr("A data-efficiency study: fine-tune and scratch runs over training-"
                             "set sizes and seeds (Pre-training value tab)"),
                          [this] {
                              m_tabs->setCurrentWidget(m_study);
                              m_study->newStudy();
                          }));
    run->addSeparator();
    run->addAction(m_stop);
    run->addAction(m_stopAll);
    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        QAction *a = view->addAction(m_tabs->tabText(i).remove('&'), this,
                                     [this, i] { m_tabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(QStringLiteral("Alt+%1").arg(i + 1)));
    }
    view->addAction(tr("&Refresh runs"), QKeySequence::Refresh, m_reader,
                    &StoreReader::notifyChanged);
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), QKeySequence::HelpContents, this,
                    &MainWindow::showKeyboardShortcuts);
    help->addAction(tr("&About SentiLab"), this, &MainWindow::showAbout);
}

void MainWindow::restoreWindowState()
{
    QSettings settings;
    if (!restoreGeometry(settings.value("window/geometry").toByteArray()))
        resize(1500, 940);
    if (!restoreState(settings.value("window/state").toByteArray())) {
        // First start: a runs panel wide enough for its columns, a short log.
        resizeDocks({findChild<QDockWidget *>(QStringLiteral("RunsDock"))}, {640}, Qt::Horizontal);
        resizeDocks({findChild<QDockWidget *>(QStringLiteral("LogDock"))}, {130}, Qt::Vertical);
    }
    m_tabs->setCurrentIndex(settings.value("window/tab", 0).toInt());
    // Show something at once: the newest run of each kind.
    QList<qint64> newest;
    QStringList kinds;
    for (int row = 0; row < m_runsModel->rowCount(); ++row) {
        const auto info = m_runsModel->runInfo(m_runsModel->runIdAt(row));
        if (info && !kinds.contains(QString::fromStdString(info->kind))) {
            kinds << QString::fromStdString(info->kind);
            m_runsPanel->selectRun(info->id, !newest.isEmpty());
            newest << info->id;
        }
    }
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_jobs->runningCount() > 0) {
        const auto answer = QMessageBox::question(
            this, tr("Training in progress"),
            tr("%n run(s) are training. Stop them and quit? They can be resumed later from their "
               "last checkpoint.",
               nullptr, m_jobs->runningCount()),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        m_jobs->stopAll();
    }
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    settings.setValue("window/tab", m_tabs->currentIndex());
    event->accept();
}

bool MainWindow::ensureFirstRunFiles(const QString &yamlPath)
{
    ExperimentConfig config;
    try {
        config = ExperimentConfig::fromFile(yamlPath.toStdString());
    } catch (const std::exception &) {
        return true; // the experiment dialog shows the file's error and the YAML to fix
    }
    if (FirstRunDialog::missingFor(config).empty())
        return true;
    FirstRunDialog dialog(config, this);
    const int result = dialog.exec();
    if (result == FirstRunDialog::ScratchInstead)
        QTimer::singleShot(0, this, &MainWindow::startScratch); // after this dialog has closed
    return result == QDialog::Accepted;
}

void MainWindow::startFinetune()
{
    const QString yaml =
        QDir(AppSettings::experimentsDir()).filePath(QStringLiteral("finetune.yaml"));
    if (QFileInfo::exists(yaml) && !ensureFirstRunFiles(yaml))
        return;
    startExperiment(yaml, QStringLiteral("finetune"));
}

void MainWindow::startScratch()
{
    const QString yaml =
        QDir(AppSettings::experimentsDir()).filePath(QStringLiteral("scratch.yaml"));
    if (QFileInfo::exists(yaml) && !ensureFirstRunFiles(yaml))
        return;
    startExperiment(yaml, QStringLiteral("scratch"));
}

void MainWindow::startFromFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Start from an experiment file"),
                                                      AppSettings::experimentsDir(),
                                                      tr("Experiments (*.yaml *.yml)"));
    if (path.isEmpty() || !ensureFirstRunFiles(path))
        return;
    startExperiment(path);
}

void MainWindow::fillExperimentsMenu(QMenu *menu)
{
    // Every experiment in the experiments folder, by its name and description.
    menu->clear();
    const QDir dir(AppSettings::experimentsDir());
    for (const QFileInfo &file : dir.entryInfoList(
             {QStringLiteral("*.yaml"), QStringLiteral("*.yml")}, QDir::Files, QDir::Name)) {
        QString title = file.completeBaseName(), description;
        try {
            const ExperimentConfig c = ExperimentConfig::fromFile(file.filePath().toStdString());
            title = QStringLiteral("%1 (%2)").arg(QString::fromStdString(c.name),
                                                  QString::fromStdString(c.kind));
            description = QString::fromStdString(c.description);
        } catch (const std::exception &e) {
            description = QString::fromUtf8(e.what()); // opens with its error, to fix in place
        }
        QAction *a = menu->addAction(title);
        a->setToolTip(description);
        a->setStatusTip(description);
        const QString path = file.filePath();
        connect(a, &QAction::triggered, this, [this, path] {
            if (ensureFirstRunFiles(path))
                startExperiment(path);
        });
    }
    if (menu->isEmpty())
        menu->addAction(tr("(no experiments in %1)").arg(dir.path()))->setEnabled(false);
    menu->addSeparator();
    menu->addAction(tr("&Open experiment file…"), QKeySequence::Open, this,
                    &MainWindow::startFromFile);
}

void MainWindow::startExperiment(const QString &yamlPath, const QString &requestedKind)
{
    if (!QFileInfo::exists(yamlPath)) {
        QMessageBox::warning(
            this, tr("Experiment not found"),
            tr("%1 does not exist. Set the experiments folder in Settings.").arg(yamlPath));
        return;
    }
    ExperimentDialog dialog(yamlPath, this);
    dialog.setRequestedKind(requestedKind);
    dialog.setStepTimeLookup([this](const std::string &kind, int64_t batch, int64_t dim) {
        RunStore *store = m_reader->store();
        try {
            return store ? measuredStepTime(*store, kind, batch, dim) : std::nullopt;
        } catch (const std::exception &) {
            return std::optional<StepTime>(); // no estimate beats a dialog that fails to open
        }
    });
    if (dialog.exec() != QDialog::Accepted)
        return;
    const ExperimentConfig config = dialog.config();
    m_jobs->start(config, dialog.runName(), config.train.threads);
    statusBar()->showMessage(tr("Starting %1…").arg(QFileInfo(yamlPath).baseName()), 4000);
    m_tabs->setCurrentWidget(m_charts);
}

void MainWindow::stopSelected()
{
    for (qint64 runId : m_runsPanel->selectedRuns())
        m_jobs->stop(runId);
}

QList<qint64> MainWindow::reportRuns() const
{
    QList<qint64> runs = m_compare->checkedRuns();
    return runs.isEmpty() ? m_runsPanel->selectedRuns() : runs;
}

void MainWindow::exportReport()
{
    if (m_reportExport->isRunning()) {
        if (m_reportProgress)
            m_reportProgress->show();
        return;
    }
    if (reportRuns().isEmpty()) {
        QMessageBox::information(
            this, tr("Export report"),
            tr("Select the runs to report in the Runs panel (Ctrl+click for several) "
               "or check them in the Compare tab."));
        return;
    }
    const QString suggested = QDir::home().filePath(
        QStringLiteral("sentilab-report-%1.pdf").arg(QDate::currentDate().toString(Qt::ISODate)));
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export report"), suggested, tr("PDF (*.pdf)"));
    if (path.isEmpty())
        return;
    QString error;
    m_reportInteractive = true;
    if (!startReportExport(path, &error)) {
        m_reportInteractive = false;
        QMessageBox::warning(this, tr("Export report"), error);
        return;
    }
    if (!m_reportProgress) {
        m_reportProgress = new QProgressDialog(this);
        m_reportProgress->setObjectName(QStringLiteral("reportProgress"));
        m_reportProgress->setWindowTitle(tr("Export report"));
        m_reportProgress->setAutoClose(false);
        m_reportProgress->setAutoReset(false);
        m_reportProgress->setMinimumDuration(0);
        connect(m_reportProgress, &QProgressDialog::canceled, m_reportExport,
                &ReportExport::cancel);
    }
    m_reportProgress->setLabelText(tr("Reading the runs…"));
    m_reportProgress->setRange(0, 0);
    m_reportProgress->show();
}

bool MainWindow::startReportExport(const QString &pdfPath, QString *error)
{
    ReportOptions options;
    options.databasePath = m_databasePath;
    options.runIds = reportRuns();
    options.sentences = AppSettings::starterSentences();
    options.outputPath = pdfPath;
    options.studyId = m_study->shownStudy(); // the study in "Pre-training value", if any
    if (options.runIds.isEmpty() && options.studyId == 0) {
        *error = tr("No runs are checked in Compare or selected in the Runs panel.");
        return false;
    }
    if (!m_reportExport->start(options, error))
        return false;
    statusBar()->showMessage(tr("Writing the report %1…").arg(pdfPath));
    return true;
}

bool MainWindow::exportReportTo(const QString &pdfPath, QString *error)
{
    QString message;
    if (!startReportExport(pdfPath, &message)) {
        if (error)
            *error = message;
        return false;
    }
    QEventLoop loop;
    bool ok = false;
    const auto done = [&](bool success, const QString &text) {
        ok = success;
        message = text;
        loop.quit();
    };
    connect(m_reportExport, &ReportExport::finished, &loop,
            [&](const QString &) { done(true, {}); });
    connect(m_reportExport, &ReportExport::failed, &loop,
            [&](const QString &e) { done(false, e); });
    connect(m_reportExport, &ReportExport::cancelled, &loop,
            [&] { done(false, tr("report cancelled")); });
    loop.exec();
    if (error)
        *error = message;
    return ok;
}

void MainWindow::reportWritten(const QString &pdfPath)
{
    statusBar()->showMessage(tr("Report written to %1").arg(pdfPath), 8000);
    if (!std::exchange(m_reportInteractive, false))
        return;
    if (m_reportProgress)
        m_reportProgress->hide();
    QMessageBox box(QMessageBox::Information, tr("Export report"),
                    tr("The report was written to %1.").arg(QDir::toNativeSeparators(pdfPath)),
                    QMessageBox::Close, this);
    QPushButton *open = box.addButton(tr("&Open report"), QMessageBox::AcceptRole);
    QPushButton *folder = box.addButton(tr("Show &folder"), QMessageBox::ActionRole);
    box.setDefaultButton(open);
    box.exec();
    if (box.clickedButton() == open)
        QDesktopServices::openUrl(QUrl::fromLocalFile(pdfPath));
    else if (box.clickedButton() == folder)
        QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(pdfPath).absolutePath()));
}

void MainWindow::openSettings()
{
    SettingsDialog dialog(this);
    dialog.setDatabaseInUse(m_databasePath);
    connect(&dialog, &SettingsDialog::databaseChanged, this, [this](const QString &path) {
        QMessageBox::information(this, tr("Database changed"),
                                 tr("SentiLab will use %1 from the next start.").arg(path));
    });
    dialog.exec();
}

void MainWindow::refreshRuns()
{
    try {
        m_runsModel->refresh();
    } catch (const std::exception &e) {
        statusBar()->showMessage(QString::fromUtf8(e.what()), 8000);
    }
    updateStatus();
}

void MainWindow::updateStatus()
{
    m_dbLabel->setText(tr("Database: %1").arg(QDir::toNativeSeparators(m_databasePath)));
    m_jobsLabel->setText(
        tr("%1 running, %2 queued").arg(m_jobs->runningCount()).arg(m_jobs->queuedCount()));
    m_stop->setEnabled(m_jobs->runningCount() > 0 || m_jobs->queuedCount() > 0);
    m_stopAll->setEnabled(m_jobs->runningCount() > 0 || m_jobs->queuedCount() > 0);
}

void MainWindow::appendLog(qint64 runId, const QString &level, const QString &message)
{
    appendLogLine(QDateTime::currentDateTime(), runId, level, message);
}

void MainWindow::appendLogLine(const QDateTime &when, qint64 runId, const QString &level,
                               const QString &message)
{
    const QDateTime local = when.toLocalTime();
    const QString time = local.date() == QDate::currentDate()
                             ? local.toString(QStringLiteral("HH:mm:ss"))
                             : local.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    // Lines logged before the run exists (reading data and model files) have no run id yet.
    const QString run = runId > 0 ? tr("run %1").arg(runId) : tr("new run");
    m_log->appendPlainText(
        QStringLiteral("%1  %2  %3  %4").arg(time, run, level.leftJustified(5), message));
}

void MainWindow::loadRecentLog()
{
    RunStore *store = m_reader->store();
    if (!store)
        return;
    struct Line
    {
        QDateTime when;
        qint64 runId;
        QString level, message;
    };
    std::vector<Line> lines;
    try {
        const std::vector<RunInfo> runs = store->listRuns(); // newest first
        for (size_t i = 0; i < runs.size() && i < kLogRuns; ++i)
            for (const EventRecord &e : store->events(runs[i].id))
                lines.push_back(
                    {QDateTime::fromString(QString::fromStdString(e.time), Qt::ISODateWithMs),
                     runs[i].id, QString::fromStdString(e.level),
                     QString::fromStdString(e.message)});
    } catch (const std::exception &e) {
        appendLog(0, QStringLiteral("error"),
                  tr("the earlier log could not be read: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    std::stable_sort(lines.begin(), lines.end(),
                     [](const Line &a, const Line &b) { return a.when < b.when; });
    const size_t from = lines.size() > kLogLines ? lines.size() - kLogLines : 0;
    for (size_t i = from; i < lines.size(); ++i)
        appendLogLine(lines[i].when, lines[i].runId, lines[i].level, lines[i].message);
    if (!lines.empty())
        m_log->appendPlainText(
            tr("— above: the last %1 events from the run store —").arg(lines.size() - from));
}

void MainWindow::showKeyboardShortcuts()
{
    QStringList rows;
    for (QAction *a :
         {m_startFinetune, m_startScratch, m_stop, m_stopAll, m_exportReport, m_settings})
        rows << QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                    .arg(a->shortcut().toString(QKeySequence::NativeText), a->text().remove('&'));
    rows << tr("<tr><td><b>Ctrl+3</b></td><td>Start a study</td></tr>")
         << tr("<tr><td><b>Alt+1 / 2 / 3 / 4</b></td><td>Training / Compare / Ask the models / "
               "Pre-training value</td></tr>")
         << tr("<tr><td><b>Double-click</b></td><td>on a chart: reset the view</td></tr>")
         << tr("<tr><td><b>Enter</b></td><td>in the sentence box: ask both models</td></tr>");
    QMessageBox::information(this, tr("Keyboard shortcuts"),
                             QStringLiteral("<table>%1</table>").arg(rows.join(QString())));
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About SentiLab"),
        tr("<h3>SentiLab %1</h3><p>How much does pre-training buy you? SentiLab fine-tunes "
           "pre-trained DistilBERT and trains the same architecture from scratch on SST-2, "
           "tracks both, compares them and reports.</p><p>%2</p>")
            .arg(QString::fromLatin1(kVersion), QString::fromStdString(environmentSummary())));
}

} // namespace sentilab::ui
