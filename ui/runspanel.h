#pragma once
#include <QList>
#include <QWidget>

class QTableView;
class QToolButton;

namespace sentilab::ui {

class RunsTableModel;
class StoreReader;

// The runs panel: the table of every run with a progress bar column, and the per-run actions
// (resume, stop, rename, note, delete with confirmation). Emits the selected runs for the views.
class RunsPanel : public QWidget
{
    Q_OBJECT

public:
    // Writes (rename, note, delete) go through `reader`, which then tells every view.
    RunsPanel(RunsTableModel *model, StoreReader *reader, QWidget *parent = nullptr);

    QList<qint64> selectedRuns() const;
    void selectRun(qint64 runId, bool addToSelection = false);
    QTableView *view() const { return m_view; }
    // Whether a run is being trained by this process right now (disables delete/resume).
    void setActivePredicate(std::function<bool(qint64)> isActive)
    {
        m_isActive = std::move(isActive);
    }

public Q_SLOTS:
    void updateActions();
    void renameSelected();
    void editNoteOfSelected();
    void deleteSelected();

Q_SIGNALS:
    void selectionChanged(const QList<qint64> &runIds);
    void resumeRequested(qint64 runId);
    void stopRequested(qint64 runId);

private:
    RunsTableModel *m_model;
    StoreReader *m_reader;
    QTableView *m_view;
    QToolButton *m_resume, *m_stop, *m_rename, *m_note, *m_delete;
    std::function<bool(qint64)> m_isActive;
};

} // namespace sentilab::ui
