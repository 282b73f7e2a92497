#include "studyrunner.h"

#include <set>

#include <sentilab/study.h>

#include "storereader.h"
#include "trainingjobs.h"

namespace sentilab::ui {

StudyRunner::StudyRunner(TrainingJobs *jobs, StoreReader *reader, QObject *parent)
    : QObject(parent), m_jobs(jobs), m_reader(reader)
{
    connect(m_jobs, &TrainingJobs::runStarted, this,
            [this](qint64) { Q_EMIT progressed(m_studyId); });
    connect(m_jobs, &TrainingJobs::runEnded, this,
            [this](qint64 runId, RunStatus status, const QString &error) {
                onRunEnded(runId, status, error);
            });
}

void StudyRunner::start(qint64 studyId)
{
    if (m_studyId != 0 && m_studyId != studyId) {
        Q_EMIT failed(tr("Study %1 is training; cancel it first (its finished cells are kept).")
                          .arg(m_studyId));
        return;
    }
    RunStore *store = m_reader->store();
    if (!store) {
        Q_EMIT failed(m_reader->error());
        return;
    }
    try {
        store->setStudyCancelled(studyId, false);
    } catch (const std::exception &e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
        return;
    }
    m_studyId = studyId;
    m_cancelling = false;
    Q_EMIT activeChanged(m_studyId);
    fill();
}

void StudyRunner::cancel()
{
    if (m_studyId == 0)
        return;
    m_cancelling = true;
    if (RunStore *store = m_reader->store()) {
        try {
            store->setStudyCancelled(m_studyId, true);
        } catch (const std::exception &e) {
            Q_EMIT failed(QString::fromStdString(e.what()));
        }
    }
    m_jobs->stopStudy(m_studyId);
    m_queuedCells.clear();
    if (m_jobs->studyJobs(m_studyId) == 0)
        finish();
}

void StudyRunner::finish()
{
    m_studyId = 0;
    m_queuedCells.clear();
    Q_EMIT activeChanged(0);
}

void StudyRunner::fill()
{
    RunStore *store = m_reader->store();
    if (!store || m_studyId == 0 || m_cancelling)
        return;
    try {
        // Keep as many cells queued as the queue runs at once: the next cells start as soon as
        // a slot frees, and cells already queued or running are not queued twice.
        while (m_jobs->studyJobs(m_studyId) < m_jobs->maxConcurrent()) {
            const std::set<int64_t> busy(m_queuedCells.begin(), m_queuedCells.end());
            const std::optional<StudyCell> cell = nextStudyCell(*store, m_studyId, busy);
            if (!cell)
                break;
            m_queuedCells.insert(cell->index);
            m_jobs->enqueue(studyCellRequest(*store, m_studyId, *cell, store->path(), {}));
        }
    } catch (const std::exception &e) {
        Q_EMIT failed(
            tr("Study %1 stopped: %2").arg(m_studyId).arg(QString::fromStdString(e.what())));
        finish();
        return;
    }
    if (m_jobs->studyJobs(m_studyId) == 0)
        finish(); // every cell has ended
}

void StudyRunner::onRunEnded(qint64 runId, RunStatus status, const QString &error)
{
    if (m_studyId == 0)
        return;
    RunStore *store = m_reader->store();
    if (!store)
        return;
    std::optional<std::pair<int64_t, int64_t>> cell;
    try {
        cell = store->studyCellOfRun(runId);
    } catch (const std::exception &) {
    }
    if (!cell && m_jobs->studyJobs(m_studyId) < int(m_queuedCells.size())) {
        // One of our cells left the queue without a run: it could not start (missing data or
        // weights). Stop rather than fail every remaining cell the same way.
        const qint64 id = m_studyId;
        m_jobs->stopStudy(id);
        Q_EMIT failed(tr("Study %1 stopped: a cell could not start: %2").arg(id).arg(error));
        finish();
        return;
    }
    if (!cell || cell->first != m_studyId)
        return;
    m_queuedCells.remove(cell->second);
    Q_EMIT progressed(m_studyId);
    // A cell stopped by the user (Stop, Stop all, closing the app) stops the study too: it stays
    // resumable, and nothing starts behind the user's back.
    if (status == RunStatus::Cancelled && !m_cancelling)
        m_cancelling = true;
    if (m_cancelling) {
        if (m_jobs->studyJobs(m_studyId) == 0)
            finish();
        return;
    }
    fill();
}

} // namespace sentilab::ui
