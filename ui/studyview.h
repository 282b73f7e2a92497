#pragma once
// The "Pre-training value" tab: a data-efficiency study's curve (the metric against the number of
// labelled sentences, log axis; per kind the mean over seeds, a min–max or ±1 sd band and every
// seed as a faint point), the readout in words, the per-size table with the paired difference, its
// 95% bootstrap interval and McNemar's test per seed, and the study's progress with its ETA.
// Everything shown comes from summarizeStudy() (sentilab/studyanalysis.h), the read model
// `sentilab-cli study show --json` and the report print; the view formats, never recomputes.
#include <QString>
#include <QWidget>

#include <memory>

#include <sentilab/studyanalysis.h>

class QComboBox;
class QCustomPlot;
class QLabel;
class QMouseEvent;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTableWidget;
class QTimer;

namespace sentilab::ui {

class StoreReader;
class StudyRunner;

class StudyView : public QWidget
{
    Q_OBJECT

public:
    explicit StudyView(QWidget *parent = nullptr);
    ~StudyView() override;

    void setStoreReader(StoreReader *reader);
    // Starting, resuming and cancelling go through `runner` (the main window's); without one the
    // view only shows studies.
    void setRunner(StudyRunner *runner);
    // Re-reads the list of studies and the shown study.
    void refresh();
    // Shows this study (if it exists).
    void showStudy(qint64 studyId);
    qint64 shownStudy() const;
    // The summary on display (the tests compare it with the CLI's JSON); nullptr when none.
    const StudySummary *summary() const { return m_summary.get(); }
    // "New study…": asks for a study file, shows its plan and estimated time, starts it.
    void newStudy();
    // Plans and starts the study in `path` without dialogs (`only`: "finetune"/"scratch"/"" ).
    // Returns the new study's id, or 0 with the error shown in the view.
    qint64 startStudyFile(const QString &path, const QString &only = {});
    // One line naming the studies that stopped part-way (closed, killed or cancelled) and can be
    // resumed, for the main window to say at start-up; empty when there are none.
    QString resumableStudiesText();

Q_SIGNALS:
    // A point of the curve was clicked: show this run.
    void openRun(qint64 runId);

protected:
    void changeEvent(QEvent *event) override;

private:
    void reloadList();
    void reloadSummary();
    void redraw();
    void fillTable();
    void updateProgress();
    void updateButtons();
    void showError(const QString &message);
    void plotClicked(QMouseEvent *event);
    void plotHovered(QMouseEvent *event);
    qint64 runAt(const QPoint &pos, QString *description) const;

    StoreReader *m_reader = nullptr;
    std::unique_ptr<StoreReader> m_ownReader;
    StudyRunner *m_runner = nullptr;
    std::unique_ptr<StudySummary> m_summary;

    QComboBox *m_studies = nullptr;
    QComboBox *m_metric = nullptr;
    QComboBox *m_band = nullptr;
    QPushButton *m_new = nullptr;
    QPushButton *m_resume = nullptr;
    QPushButton *m_cancel = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_progressText = nullptr;
    QLabel *m_error = nullptr;
    QCustomPlot *m_plot = nullptr;
    QLabel *m_readout = nullptr;
    QTableWidget *m_table = nullptr;
    QLabel *m_empty = nullptr;
    QStackedWidget *m_stack = nullptr; // the empty text, or the curve with its table
    QTimer *m_poll = nullptr;
};

} // namespace sentilab::ui
