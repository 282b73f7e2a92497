#pragma once
// The compare dashboard: configuration and results side by side, the validation-accuracy
// difference curve, confusion matrices, the test sentences where two runs disagree, and the
// user's discussion of the comparison.
#include <QList>
#include <QString>
#include <QWidget>

#include <memory>
#include <string>
#include <vector>

class QCustomPlot;
class QHBoxLayout;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QStackedWidget;
class QTableWidget;
class QTimer;
class QTreeWidget;
class QTreeWidgetItem;

namespace sentilab {
class RunStore;
struct Comparison;
} // namespace sentilab

namespace sentilab::ui {

class ConfusionMatrixWidget;
class StoreReader;

// Reads the store on the GUI thread through a StoreReader; every read failure is shown in the
// view, never thrown. What it shows comes from compareRuns() (sentilab/runanalysis.h), the
// read model the report and `sentilab-cli compare` use, over the checked runs in list order
// (newest first): the compared pair, the difference curve and the disagreements follow its rules.
// Each value cell of the table keeps the number behind its text in Qt::UserRole + 1. The discussion
// is saved with RunStore::saveComparison for exactly the checked set (together with
// AppSettings::starterSentences()), 800 ms after the last edit, on focus-out, when the checked
// set changes and on destruction; it is loaded back whenever that same set is checked again.
class CompareView : public QWidget
{
    Q_OBJECT

public:
    explicit CompareView(QWidget *parent = nullptr);
    ~CompareView() override;

    // Reads through `reader` (MainWindow's shared one) and refreshes when it reports a change.
    void setStoreReader(StoreReader *reader);
    // For a view on its own: reads `path` through a reader of its own.
    void setDatabasePath(const QString &path);
    // Re-reads the runs and the dashboard; keeps the checked runs that still exist.
    void refreshRuns();
    // Checks exactly these runs (ids not in the store are ignored) and shows the dashboard.
    void setCheckedRuns(const QList<qint64> &runIds);
    // Remember the checked runs between launches (the main window's view does): restores the
    // saved set now when nothing is checked, and saves every change.
    void setRememberSelection(bool remember);
    // Checked runs in list order (newest first).
    QList<qint64> checkedRuns() const;

Q_SIGNALS:
    // The user clicked or activated a disagreement: ask the two compared runs (A, B) about it.
    void sentenceChosen(const QString &text, qint64 runA, qint64 runB);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void buildUi();
    void fillRunList();
    void onItemChanged(QListWidgetItem *item);
    void checkedSetChanged();
    void rebuildDashboard();
    void fillDifferencePlot(const Comparison &comparison);
    void fillConfusionMatrices(const Comparison &comparison);
    void fillDisagreements(const Comparison &comparison);
    void showDisagreementDetail(QTreeWidgetItem *item); // the whole row in a wrapped line
    void styleDifferencePlot();
    void loadDiscussion();
    void saveDiscussion();
    void showError(const QString &message);

    RunStore *store() const; // the reader's connection, nullptr when it cannot be opened

    StoreReader *m_reader = nullptr;
    StoreReader *m_ownReader = nullptr; // made by setDatabasePath

    QListWidget *m_runList = nullptr;
    QStackedWidget *m_stack = nullptr; // 0: empty state, 1: dashboard
    QLabel *m_emptyLabel = nullptr;
    QLabel *m_errorLabel = nullptr;
    QTableWidget *m_configTable = nullptr;
    QCustomPlot *m_plot = nullptr;
    QWidget *m_matrixBox = nullptr;
    QHBoxLayout *m_matrixLayout = nullptr;
    QList<ConfusionMatrixWidget *> m_matrices;
    QLabel *m_disagreeSummary = nullptr;
    QTreeWidget *m_disagreements = nullptr;
    QLabel *m_disagreeDetail = nullptr;
    QLabel *m_discussionCaption = nullptr;
    QPlainTextEdit *m_discussion = nullptr;
    QTimer *m_saveTimer = nullptr;

    QList<qint64> m_shownSet;       // the checked set the dashboard and discussion belong to
    bool m_discussionDirty = false; // edited since the last save or load
    bool m_loadingDiscussion = false;
    bool m_rememberSelection = false;
};

} // namespace sentilab::ui
