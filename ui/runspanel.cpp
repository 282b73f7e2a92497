#include "runspanel.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QMessageBox>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <sentilab/error.h>
#include <sentilab/training.h>

#include "runstablemodel.h"
#include "storereader.h"

namespace sentilab::ui {
namespace {

// Draws the Progress column as a progress bar with the cell's text on it.
class ProgressDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override
    {
        QStyleOptionProgressBar bar;
        bar.rect = option.rect.adjusted(2, 3, -2, -3);
        bar.minimum = 0;
        bar.maximum = 1000;
        bar.progress = int(index.data(RunsTableModel::ProgressRole).toDouble() * 1000);
        bar.text = index.data(Qt::DisplayRole).toString();
        bar.textVisible = true;
        bar.state = option.state | QStyle::State_Horizontal;
        bar.palette = option.palette;
        if (option.state & QStyle::State_Selected)
            painter->fillRect(option.rect, option.palette.highlight());
        QApplication::style()->drawControl(QStyle::CE_ProgressBar, &bar, painter);
    }
};

QToolButton *makeButton(const QString &text, const QString &tip, QWidget *parent)
{
    auto *b = new QToolButton(parent);
    b->setText(text);
    b->setToolTip(tip);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return b;
}

} // namespace

RunsPanel::RunsPanel(RunsTableModel *model, StoreReader *reader, QWidget *parent)
    : QWidget(parent), m_model(model), m_reader(reader)
{
    m_view = new QTableView(this);
    m_view->setModel(model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setItemDelegateForColumn(RunsTableModel::Progress, new ProgressDelegate(m_view));
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->setColumnWidth(RunsTableModel::Name, 150);
    m_view->setColumnWidth(RunsTableModel::Kind, 62);
    m_view->setColumnWidth(RunsTableModel::Status, 72);
    m_view->setColumnWidth(RunsTableModel::Progress, 110);
    m_view->setColumnWidth(RunsTableModel::Speed, 56);
    m_view->setColumnWidth(RunsTableModel::Eta, 52);
    m_view->setColumnWidth(RunsTableModel::BestVal, 64);
    m_view->setColumnWidth(RunsTableModel::Test, 56);
    m_view->setAlternatingRowColors(true);
    m_view->setToolTip(
        tr("Every run in the store. Select runs to plot them; Ctrl+click overlays several."));

    m_resume =
        makeButton(tr("Resume"),
                   tr("Continue an interrupted or cancelled run from its last checkpoint"), this);
    m_stop = makeButton(tr("Stop"), tr("Stop the selected running run (it can be resumed)"), this);
    m_rename = makeButton(tr("Rename…"), tr("Rename the selected run (F2)"), this);
    m_note = makeButton(tr("Note…"), tr("Add or edit a note on the selected run"), this);
    m_delete =
        makeButton(tr("Delete…"),
                   tr("Delete the selected runs with their metrics and checkpoints (Del)"), this);

    auto *buttons = new QHBoxLayout;
    for (QToolButton *b : {m_resume, m_stop, m_rename, m_note, m_delete})
        buttons->addWidget(b);
    buttons->addStretch();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(buttons);
    layout->addWidget(m_view);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        Q_EMIT selectionChanged(selectedRuns());
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, &RunsPanel::updateActions);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &RunsPanel::updateActions);
    connect(m_resume, &QToolButton::clicked, this, [this] {
        for (qint64 id : selectedRuns())
            Q_EMIT resumeRequested(id);
    });
    connect(m_stop, &QToolButton::clicked, this, [this] {
        for (qint64 id : selectedRuns())
            Q_EMIT stopRequested(id);
    });
    connect(m_rename, &QToolButton::clicked, this, &RunsPanel::renameSelected);
    connect(m_note, &QToolButton::clicked, this, &RunsPanel::editNoteOfSelected);
    connect(m_delete, &QToolButton::clicked, this, &RunsPanel::deleteSelected);
    connect(m_view, &QTableView::activated, this, [this](const QModelIndex &index) {
        if (index.column() == RunsTableModel::Name)
            renameSelected();
        else if (index.column() == RunsTableModel::Note)
            editNoteOfSelected();
    });
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    updateActions();
}

QList<qint64> RunsPanel::selectedRuns() const
{
    QList<qint64> ids;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
        ids.append(m_model->runIdAt(index.row()));
    std::sort(ids.begin(), ids.end());
    return ids;
}

void RunsPanel::selectRun(qint64 runId, bool addToSelection)
{
    const int row = m_model->rowOf(runId);
    if (row < 0)
        return;
    const auto flags =
        (addToSelection ? QItemSelectionModel::Select : QItemSelectionModel::ClearAndSelect) |
        QItemSelectionModel::Rows;
    m_view->selectionModel()->select(m_model->index(row, 0), flags);
}

void RunsPanel::updateActions()
{
    const QList<qint64> ids = selectedRuns();
    bool anyResumable = false, anyActive = false, anyRunning = false;
    for (qint64 id : ids) {
        const auto info = m_model->runInfo(id);
        if (!info)
            continue;
        const bool active = m_isActive && m_isActive(id);
        anyActive |= active && !m_model->isStopping(id);
        anyRunning |= info->status == RunStatus::Running;
        anyResumable |= !active && (info->status == RunStatus::Interrupted ||
                                    info->status == RunStatus::Cancelled);
    }
    m_resume->setEnabled(anyResumable);
    m_stop->setEnabled(anyActive);
    m_rename->setEnabled(ids.size() == 1);
    m_note->setEnabled(ids.size() == 1);
    m_delete->setEnabled(!ids.isEmpty() && !anyActive && !anyRunning);
}

void RunsPanel::renameSelected()
{
    const QList<qint64> ids = selectedRuns();
    if (ids.size() != 1 || !m_reader->store())
        return;
    const auto info = m_model->runInfo(ids.first());
    bool ok = false;
    const QString name =
        QInputDialog::getText(this, tr("Rename run"), tr("New name of run %1:").arg(ids.first()),
                              QLineEdit::Normal, QString::fromStdString(info->name), &ok)
            .trimmed();
    if (!ok || name.isEmpty())
        return;
    try {
        m_reader->store()->renameRun(ids.first(), name.toStdString());
    } catch (const std::exception &e) {
        QMessageBox::warning(this, tr("Rename run"), QString::fromUtf8(e.what()));
    }
    m_reader->notifyChanged();
}

void RunsPanel::editNoteOfSelected()
{
    const QList<qint64> ids = selectedRuns();
    if (ids.size() != 1 || !m_reader->store())
        return;
    const auto info = m_model->runInfo(ids.first());
    bool ok = false;
    const QString note = QInputDialog::getMultiLineText(
        this, tr("Note"),
        tr("Note on run %1 (%2):").arg(ids.first()).arg(QString::fromStdString(info->name)),
        QString::fromStdString(info->note), &ok);
    if (!ok)
        return;
    try {
        m_reader->store()->setNote(ids.first(), note.toStdString());
    } catch (const std::exception &e) {
        QMessageBox::warning(this, tr("Note"), QString::fromUtf8(e.what()));
    }
    m_reader->notifyChanged();
}

void RunsPanel::deleteSelected()
{
    const QList<qint64> ids = selectedRuns();
    if (ids.isEmpty() || !m_reader->store())
        return;
    QStringList names;
    for (qint64 id : ids)
        names << QString::fromStdString(m_model->runInfo(id)->name);
    const auto answer =
        QMessageBox::question(this, tr("Delete runs"),
                              tr("Delete %n run(s) (%1) with all their metrics, evaluations and "
                                 "checkpoints? This cannot be undone.",
                                 nullptr, int(ids.size()))
                                  .arg(names.join(", ")),
                              QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes)
        return;
    RunStore *store = m_reader->store();
    QStringList kept;
    try {
        for (qint64 id : ids)
            for (const std::string &note : deleteRunWithCheckpoints(*store, id))
                if (note.rfind("removed ", 0) != 0)
                    kept << QString::fromStdString(note);
    } catch (const std::exception &e) {
        QMessageBox::warning(this, tr("Delete runs"), QString::fromUtf8(e.what()));
    }
    m_reader->notifyChanged();
    if (!kept.isEmpty())
        QMessageBox::information(this, tr("Delete runs"),
                                 tr("The runs were deleted from the store. Some folders were not "
                                    "removed because they are not provably the runs' own:\n\n%1")
                                     .arg(kept.join('\n')));
}

} // namespace sentilab::ui
