#include "runstablemodel.h"

#include <QBrush>
#include <QColor>
#include <QGuiApplication>
#include <QPalette>

#include "common/formatting.h"
#include "common/palettes.h"
#include "storereader.h"
#include "uitypes.h"

namespace sentilab::ui {
namespace {

QColor statusColor(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return QColor(0, 114, 178);
    case RunStatus::Finished:
        return QColor(0, 140, 90);
    case RunStatus::Failed:
        return QColor(200, 40, 40);
    case RunStatus::Interrupted:
        return QColor(200, 120, 0);
    default:
        return {};
    }
}

} // namespace

RunsTableModel::RunsTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void RunsTableModel::setStoreReader(StoreReader *reader)
{
    if (m_reader)
        disconnect(m_reader, nullptr, this, nullptr);
    m_reader = reader;
    connect(m_reader, &StoreReader::changed, this, &RunsTableModel::refresh);
    connect(m_reader, &StoreReader::databaseChanged, this, [this] {
        m_live.clear();
        refresh();
    });
    m_live.clear();
    refresh();
}

void RunsTableModel::setStoppingPredicate(std::function<bool(qint64)> isStopping)
{
    m_isStopping = std::move(isStopping);
}

void RunsTableModel::refresh()
{
    RunStore *store = m_reader ? m_reader->store() : nullptr;
    std::vector<RunInfo> runs = store ? store->listRuns() : std::vector<RunInfo>{};
    const bool sameRows =
        runs.size() == m_runs.size() &&
        std::equal(runs.begin(), runs.end(), m_runs.begin(),
                   [](const RunInfo &a, const RunInfo &b) { return a.id == b.id; });
    if (sameRows) { // keep the selection and scroll position: only the cells change
        m_runs = std::move(runs);
        if (!m_runs.empty())
            Q_EMIT dataChanged(index(0, 0), index(int(m_runs.size()) - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_runs = std::move(runs);
    endResetModel();
}

void RunsTableModel::applyStep(const sentilab::StepInfo &step)
{
    m_live[step.runId] = step;
    const int row = rowOf(step.runId);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, Progress), index(row, Eta));
}

qint64 RunsTableModel::runIdAt(int row) const
{
    return row >= 0 && row < int(m_runs.size()) ? m_runs[size_t(row)].id : 0;
}

int RunsTableModel::rowOf(qint64 runId) const
{
    for (size_t i = 0; i < m_runs.size(); ++i) {
        if (m_runs[i].id == runId)
            return int(i);
    }
    return -1;
}

std::optional<RunInfo> RunsTableModel::runInfo(qint64 runId) const
{
    const int row = rowOf(runId);
    return row < 0 ? std::nullopt : std::optional<RunInfo>(m_runs[size_t(row)]);
}

int RunsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_runs.size()))
        return {};
    const RunInfo &r = m_runs[size_t(index.row())];
    const bool running = r.status == RunStatus::Running;
    const auto live = m_live.constFind(r.id);
    const bool hasLive = running && live != m_live.constEnd();
    const int64_t step = hasLive ? std::max<int64_t>(live->step, r.lastStep) : r.lastStep;
    const int64_t total = hasLive ? live->totalSteps : r.totalSteps;

    if (role == RunIdRole)
        return qint64(r.id);
    if (role == ProgressRole)
        return total > 0 ? double(step) / double(total) : 0.0;
    if (role == Qt::DecorationRole && index.column() == Name)
        return runColor(r.id);
    if (role == Qt::ForegroundRole && index.column() == Status) {
        const QColor c = statusColor(r.status);
        if (!c.isValid())
            return {};
        // Readable (WCAG AA) on both row colours of the palette in use, light or dark.
        const QPalette pal = QGuiApplication::palette();
        return QBrush(readableOn(c, pal.color(QPalette::Base), pal.color(QPalette::AlternateBase)));
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == Status && !r.error.empty())
            return QString::fromStdString(r.error);
        if (index.column() == Note)
            return QString::fromStdString(r.note);
        if (index.column() == Progress)
            return hasLive ? tr("epoch %1 · step %2 of %3")
                                 .arg(live->epochProgress, 0, 'f', 2)
                                 .arg(step)
                                 .arg(total)
                           : tr("step %1 of %2").arg(step).arg(total);
        return QStringLiteral("%1 — started %2")
            .arg(QString::fromStdString(r.name), QString::fromStdString(r.startedAt));
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Progress && index.column() <= Test)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case Name:
        return QString::fromStdString(r.name);
    case Kind:
        return QString::fromStdString(r.kind);
    case Status:
        if (running && isStopping(r.id))
            return tr("stopping…");
        return QString::fromStdString(toString(r.status));
    case Progress: // short enough for the bar at any width; the epoch is in the tooltip
        return QStringLiteral("%1/%2").arg(step).arg(total);
    case Speed:
        return hasLive ? QStringLiteral("%1/s").arg(live->samplesPerSecond, 0, 'f', 1) : QString();
    case Eta:
        return hasLive ? formatDuration(live->etaSeconds) : QString();
    case BestVal:
        return formatPercent(r.bestValAccuracy);
    case Test:
        return formatPercent(r.testAccuracy);
    case Note:
        return QString::fromStdString(r.note).section('\n', 0, 0);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *names[] = {"Run", "Kind",     "Status", "Progress", "Speed",
                                  "ETA", "Best val", "Test",   "Note"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace sentilab::ui
