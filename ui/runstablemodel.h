#pragma once
#include <functional>
#include <optional>

#include <QAbstractTableModel>
#include <QHash>

#include <sentilab/runstore.h>
#include <sentilab/training.h>

namespace sentilab::ui {

class StoreReader;

// Every run of the store as a table row, newest first: name, kind, status, progress, speed, ETA,
// best validation and test accuracy, note. refresh() re-reads the store (GUI thread, own
// connection); live StepInfo values (speed, ETA, step) are merged in between refreshes.
class RunsTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Name, Kind, Status, Progress, Speed, Eta, BestVal, Test, Note, ColumnCount };
    static constexpr int ProgressRole = Qt::UserRole + 1; // double 0..1 for the progress bar
    static constexpr int RunIdRole = Qt::UserRole + 2;

    explicit RunsTableModel(QObject *parent = nullptr);

    // Reads the run list through `reader` and reloads it whenever the reader reports a change.
    void setStoreReader(StoreReader *reader);
    // Re-reads the run list (a failure to open the store leaves the list empty; the reader's
    // errorChanged says why).
    void refresh();
    void applyStep(const sentilab::StepInfo &step);
    // Runs for which stop was asked show 'stopping…' until they end.
    void setStoppingPredicate(std::function<bool(qint64)> isStopping);
    bool isStopping(qint64 runId) const { return m_isStopping && m_isStopping(runId); }

    qint64 runIdAt(int row) const;
    int rowOf(qint64 runId) const;
    std::optional<RunInfo> runInfo(qint64 runId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    StoreReader *m_reader = nullptr;
    std::function<bool(qint64)> m_isStopping;
    std::vector<RunInfo> m_runs;
    QHash<qint64, sentilab::StepInfo> m_live;
};

} // namespace sentilab::ui
