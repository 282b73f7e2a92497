#pragma once
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>

#include <sentilab/training.h>

class QThread;

namespace sentilab::ui {

class TrainingWorker;

// Runs training jobs on worker threads: at most maxConcurrent() at once (default 2), the rest
// wait in a queue. The machine's cores are split evenly between running jobs (rebalanced when
// one starts or ends) unless the user fixed a thread count. GUI-thread object.
class TrainingJobs : public QObject
{
    Q_OBJECT

public:
    explicit TrainingJobs(const QString &databasePath, QObject *parent = nullptr);
    ~TrainingJobs() override; // cancels running jobs and waits for their threads

    // Queues a new run of `config` (name may be empty). `threads` 0 = share all cores.
    void start(const ExperimentConfig &config, const QString &runName, int threads = 0);
    // Queues the continuation of an interrupted or cancelled run.
    void resume(qint64 runId, int threads = 0);
    // Queues a prepared request (a study cell: tagged with its study, perhaps resuming its run);
    // its dbPath is replaced by this queue's database.
    void enqueue(TrainingRequest request, int threads = 0);
    // Drops the study's queued cells and cancels its running ones.
    void stopStudy(qint64 studyId);
    // Cells of the study queued or running now.
    int studyJobs(qint64 studyId) const;
    // Cancels a running run (it ends "cancelled" within one step) or drops it from the queue.
    void stop(qint64 runId);
    void stopAll();

    int runningCount() const;
    int queuedCount() const { return int(m_queue.size()); }
    bool isActive(qint64 runId) const; // running (or resuming) now
    // Stop was asked for and the run has not ended yet (it finishes its current step or
    // evaluation batch first).
    bool isStopping(qint64 runId) const { return m_stopping.contains(runId); }
    void setMaxConcurrent(int jobs);
    int maxConcurrent() const { return m_maxConcurrent; }
    void setDatabasePath(const QString &path) { m_databasePath = path; }

Q_SIGNALS:
    void runStarted(qint64 runId);
    void stepReported(const sentilab::StepInfo &step);
    void evalReported(const sentilab::EvalInfo &eval);
    void logMessage(qint64 runId, const QString &level, const QString &message);
    void runEnded(qint64 runId, sentilab::RunStatus status, const QString &error);
    void jobsChanged();          // running or queued counts changed, or a run is stopping
    void stopping(qint64 runId); // stop was asked for a running run: it ends shortly

private:
    struct Job
    {
        TrainingRequest request;
        int fixedThreads = 0; // > 0: the user chose; 0: share the cores
        TrainingWorker *worker = nullptr;
        QThread *thread = nullptr;
        qint64 runId = 0;
    };
    void launchQueued();
    void rebalanceThreads();
    void onEnded(TrainingWorker *worker, qint64 runId, sentilab::RunStatus status,
                 const QString &error);

    QString m_databasePath;
    QSet<qint64> m_stopping;
    int m_maxConcurrent = 2;
    QList<Job> m_queue;
    QList<Job> m_running;
};

} // namespace sentilab::ui
