#pragma once
#include <QMainWindow>

class QAction;
class QDateTime;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressDialog;
class QTabWidget;
class QTimer;

namespace sentilab {
struct ExperimentConfig;
}

namespace sentilab::ui {

class CompareView;
class InferencePane;
class ReportExport;
class RunsPanel;
class RunsTableModel;
class StallMonitor;
class StoreReader;
class StudyRunner;
class StudyView;
class TrainingCharts;
class TrainingJobs;

// The application window. It only wires: actions and shortcuts, the runs panel (left), the
// Training / Compare / Ask / Pre-training value tabs, the log, the status bar, and the training
// jobs behind them.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    // Opens the run store at `databasePath` (a failure is shown in the window, not thrown).
    explicit MainWindow(const QString &databasePath, QWidget *parent = nullptr);
    ~MainWindow() override;

    TrainingJobs *jobs() const { return m_jobs; }
    RunsPanel *runsPanel() const { return m_runsPanel; }
    TrainingCharts *charts() const { return m_charts; }
    CompareView *compareView() const { return m_compare; }
    InferencePane *inferencePane() const { return m_inference; }
    StudyView *studyView() const { return m_study; }
    StudyRunner *studyRunner() const { return m_studyRunner; }
    QTabWidget *tabs() const { return m_tabs; }
    StallMonitor *stallMonitor() const { return m_stalls; }
    QAction *startFinetuneAction() const { return m_startFinetune; }
    QAction *startScratchAction() const { return m_startScratch; }
    QAction *stopAction() const { return m_stop; }
    QAction *exportReportAction() const { return m_exportReport; }
    ReportExport *reportExport() const { return m_reportExport; }

public Q_SLOTS:
    void startFinetune();
    void startScratch();
    // Opens the experiment dialog, then queues the run; `requestedKind` ("finetune"/"scratch",
    // empty = any) is what the user asked for, and the dialog warns when the file trains another.
    void startExperiment(const QString &yamlPath, const QString &requestedKind = {});
    void startFromFile(); // Ctrl+O: any experiment file
    void stopSelected();
    // Asks for runs and a file, then exports in the background with a progress dialog (Cancel)
    // and ends with a message that offers to open the report or its folder.
    void exportReport();
    // Exports the checked (else selected) runs to `pdfPath` and waits for it, the event loop
    // running meanwhile (the window stays responsive); false with *error on failure or cancel.
    bool exportReportTo(const QString &pdfPath, QString *error = nullptr);
    void openSettings();
    void refreshRuns();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createViews();
    void restoreWindowState();
    // The first-run dialog when the experiment needs downloads; false = the user gave up.
    bool ensureFirstRunFiles(const QString &yamlPath);
    void updateStatus();
    void appendLog(qint64 runId, const QString &level, const QString &message);
    void appendLogLine(const QDateTime &when, qint64 runId, const QString &level,
                       const QString &message);
    // The Log panel starts with the newest events of the newest runs, read from the store.
    void loadRecentLog();
    static constexpr size_t kLogRuns = 20, kLogLines = 200;
    void showKeyboardShortcuts();
    void showAbout();
    void fillExperimentsMenu(QMenu *menu);
    QList<qint64> reportRuns() const;
    bool startReportExport(const QString &pdfPath, QString *error);
    void reportWritten(const QString &pdfPath);

    QString m_databasePath;
    StoreReader *m_reader = nullptr; // the GUI thread's one store connection, shared by the views
    RunsTableModel *m_runsModel = nullptr;
    TrainingJobs *m_jobs = nullptr;
    RunsPanel *m_runsPanel = nullptr;
    TrainingCharts *m_charts = nullptr;
    CompareView *m_compare = nullptr;
    InferencePane *m_inference = nullptr;
    StudyView *m_study = nullptr;
    StudyRunner *m_studyRunner = nullptr;
    QTabWidget *m_tabs = nullptr;
    QPlainTextEdit *m_log = nullptr;
    QLabel *m_dbLabel = nullptr;
    QLabel *m_jobsLabel = nullptr;
    QTimer *m_refreshTimer = nullptr;
    StallMonitor *m_stalls = nullptr;
    ReportExport *m_reportExport = nullptr;
    QProgressDialog *m_reportProgress = nullptr;
    bool m_reportInteractive = false; // started from the menu: show progress and the result
    QAction *m_startFinetune = nullptr, *m_startScratch = nullptr, *m_stop = nullptr;
    QAction *m_stopAll = nullptr, *m_exportReport = nullptr, *m_settings = nullptr;
};

} // namespace sentilab::ui
