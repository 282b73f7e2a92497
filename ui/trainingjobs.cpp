#include "trainingjobs.h"

#include <algorithm>

#include <QThread>

#include "trainingworker.h"
#include "uitypes.h"

namespace sentilab::ui {

TrainingJobs::TrainingJobs(const QString &databasePath, QObject *parent)
    : QObject(parent), m_databasePath(databasePath)
{
    registerMetaTypes();
}

TrainingJobs::~TrainingJobs()
{
    m_queue.clear();
    for (Job &job : m_running)
        job.worker->cancel();
    for (Job &job : m_running) {
        job.thread->quit();
        job.thread->wait();
        delete job.worker;
        delete job.thread;
    }
}

void TrainingJobs::start(const ExperimentConfig &config, const QString &runName, int threads)
{
    Job job;
    job.request.config = config;
    job.request.dbPath = m_databasePath.toStdString();
    job.request.runName = runName.toStdString();
    job.fixedThreads = threads;
    m_queue.append(job);
    launchQueued();
    Q_EMIT jobsChanged();
}

void TrainingJobs::resume(qint64 runId, int threads)
{
    Job job;
    job.request.dbPath = m_databasePath.toStdString();
    job.request.resumeRunId = runId;
    job.fixedThreads = threads;
    job.runId = runId;
    m_queue.append(job);
    launchQueued();
    Q_EMIT jobsChanged();
}

void TrainingJobs::enqueue(TrainingRequest request, int threads)
{
    Job job;
    job.request = std::move(request);
    job.request.dbPath = m_databasePath.toStdString();
    job.fixedThreads = threads;
    job.runId = job.request.resumeRunId;
    m_queue.append(job);
    launchQueued();
    Q_EMIT jobsChanged();
}

void TrainingJobs::stopStudy(qint64 studyId)
{
    const auto before = m_queue.size();
    m_queue.erase(
        std::remove_if(m_queue.begin(), m_queue.end(),
                       [studyId](const Job &job) { return job.request.studyId == studyId; }),
        m_queue.end());
    for (const Job &job : m_running)
        if (job.request.studyId == studyId && job.worker->runId())
            stop(job.worker->runId());
        else if (job.request.studyId == studyId)
            job.worker->cancel(); // not started yet: it ends cancelled before its first step
    if (m_queue.size() != before)
        Q_EMIT jobsChanged();
}

int TrainingJobs::studyJobs(qint64 studyId) const
{
    int n = 0;
    for (const QList<Job> *list : {&m_queue, &m_running})
        for (const Job &job : *list)
            n += job.request.studyId == studyId;
    return n;
}

void TrainingJobs::stop(qint64 runId)
{
    for (int i = 0; i < m_queue.size(); ++i) {
        if (m_queue[i].runId == runId && runId != 0) {
            m_queue.removeAt(i);
            Q_EMIT jobsChanged();
            return;
        }
    }
    for (Job &job : m_running) {
        if (job.worker->runId() == runId && !m_stopping.contains(runId)) {
            job.worker->cancel();
            m_stopping.insert(runId);
            Q_EMIT stopping(runId);
            Q_EMIT jobsChanged();
        }
    }
}

void TrainingJobs::stopAll()
{
    m_queue.clear();
    for (Job &job : m_running) {
        job.worker->cancel();
        if (const qint64 runId = job.worker->runId(); runId && !m_stopping.contains(runId)) {
            m_stopping.insert(runId);
            Q_EMIT stopping(runId);
        }
    }
    Q_EMIT jobsChanged();
}

int TrainingJobs::runningCount() const
{
    return int(m_running.size());
}

bool TrainingJobs::isActive(qint64 runId) const
{
    for (const Job &job : m_running) {
        if (job.worker->runId() == runId || job.runId == runId)
            return true;
    }
    return false;
}

void TrainingJobs::setMaxConcurrent(int jobs)
{
    m_maxConcurrent = std::max(1, jobs);
    launchQueued();
}

void TrainingJobs::launchQueued()
{
    while (!m_queue.isEmpty() && m_running.size() < m_maxConcurrent) {
        Job job = m_queue.takeFirst();
        job.request.threads = 0;
        job.thread = new QThread;
        job.thread->setObjectName(QStringLiteral("training"));
        job.worker = new TrainingWorker(job.request);
        job.worker->moveToThread(job.thread);
        TrainingWorker *worker = job.worker;
        connect(job.thread, &QThread::started, worker, &TrainingWorker::run);
        connect(worker, &TrainingWorker::started, this, &TrainingJobs::runStarted);
        connect(worker, &TrainingWorker::stepReported, this, &TrainingJobs::stepReported);
        connect(worker, &TrainingWorker::evalReported, this, &TrainingJobs::evalReported);
        connect(worker, &TrainingWorker::logMessage, this, &TrainingJobs::logMessage);
        connect(worker, &TrainingWorker::ended, this,
                [this, worker](qint64 runId, RunStatus status, const QString &error) {
                    onEnded(worker, runId, status, error);
                });
        m_running.append(job);
        rebalanceThreads();
        job.thread->start();
    }
}

void TrainingJobs::rebalanceThreads()
{
    const int cores = std::max(1, QThread::idealThreadCount());
    const int share = std::max(1, cores / std::max<int>(1, int(m_running.size())));
    for (Job &job : m_running)
        job.worker->setThreads(job.fixedThreads > 0 ? job.fixedThreads : share);
}

void TrainingJobs::onEnded(TrainingWorker *worker, qint64 runId, RunStatus status,
                           const QString &error)
{
    for (int i = 0; i < m_running.size(); ++i) {
        if (m_running[i].worker != worker)
            continue;
        Job job = m_running.takeAt(i);
        job.thread->quit();
        job.thread->wait(); // run() has returned: the thread's event loop exits at once
        // The thread is finished, so nothing runs on the worker any more: delete both here
        // (deleteLater would never run on the worker's stopped thread).
        delete job.worker;
        delete job.thread;
        break;
    }
    rebalanceThreads();
    m_stopping.remove(runId);
    Q_EMIT runEnded(runId, status, error);
    launchQueued();
    Q_EMIT jobsChanged();
}

} // namespace sentilab::ui
