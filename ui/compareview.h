#pragma once
// The compare dashboard: configuration and results side by side, the validation-accuracy
// difference curve, confusion matrices, the test sentences where two runs disagree, and the
// user's discussion of the comparison.
#include <QHash>
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
struct RunInfo;
} // namespace sentilab

namespace sentilab::ui {

class ConfusionMatrixWidget;

// Reads the store on the GUI thread with its own RunStore connection; every read failure is shown
// in the view, never thrown. The two *compared* runs (difference curve and disagreements) are the
// first checked run of kind "finetune" (A) and the first of kind "scratch" (B), in list order
// (newest first), where a run with evaluations goes before runs without; without such a pair, the
// first and the second checked run. The discussion is
// saved with RunStore::saveComparison for exactly the checked set (together with
// AppSettings::starterSentences()), 800 ms after the last edit, on focus-out, when the checked
// set changes and on destruction; it is loaded back whenever that same set is checked again.
class CompareView : public QWidget
{
    Q_OBJECT

public:
    explicit CompareView(QWidget *parent = nullptr);
    ~CompareView() override;

    void setDatabasePath(const QString &path);
    // Re-reads the runs and the dashboard; keeps the checked runs that still exist.
    void refreshRuns();
    // Checks exactly these runs (ids not in the store are ignored) and shows the dashboard.
    void setCheckedRuns(const QList<qint64> &runIds);
    // Checked runs in list order (newest first).
    QList<qint64> checkedRuns() const;

Q_SIGNALS:
    // The user clicked or activated a disagreement: show this sentence in the inference pane.
    void sentenceChosen(const QString &text);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void buildUi();
    void fillRunList();
    void onItemChanged(QListWidgetItem *item);
    void checkedSetChanged();
    void rebuildDashboard();
    void fillConfigTable(const std::vector<RunInfo> &runs);
    void fillDifferencePlot(const RunInfo &a, const RunInfo &b);
    void fillConfusionMatrices(const std::vector<RunInfo> &runs);
    void fillDisagreements(const RunInfo &a, const RunInfo &b);
    void styleDifferencePlot();
    void loadDiscussion();
    void saveDiscussion();
    void showError(const QString &message);
    const std::vector<std::string> *testTexts(const RunInfo &run, QString *error);
    bool comparedPair(const std::vector<RunInfo> &runs, int *a, int *b) const;

    QString m_databasePath;
    std::unique_ptr<RunStore> m_store;

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
    QLabel *m_discussionCaption = nullptr;
    QPlainTextEdit *m_discussion = nullptr;
    QTimer *m_saveTimer = nullptr;

    QList<qint64> m_shownSet;       // the checked set the dashboard and discussion belong to
    bool m_discussionDirty = false; // edited since the last save or load
    bool m_loadingDiscussion = false;
    // Test split texts by resolved file path and example limit, read once.
    QHash<QString, std::vector<std::string>> m_textCache;
};

} // namespace sentilab::ui
