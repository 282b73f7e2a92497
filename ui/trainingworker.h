#pragma once
#include <atomic>

#include <QObject>
#include <QString>

#include <sentilab/training.h>

namespace sentilab::ui {

// Runs one training run (sentilab::runTraining) on the thread it lives on. Created by
// TrainingJobs, moved to a fresh QThread, started through run(). Signals carry value types only
// and are emitted from the training thread (receivers get them queued). No exception escapes.
class TrainingWorker : public QObject
{
    Q_OBJECT

public:
    explicit TrainingWorker(TrainingRequest request, QObject *parent = nullptr);

    // Thread-safe. Stops the run within one step; it ends as "cancelled" (resumable).
    void cancel() { m_cancel.store(true); }
    // Thread-safe. LibTorch threads to use from the next step on (0 = all cores).
    void setThreads(int threads) { m_threads.store(threads); }
    qint64 runId() const { return m_runId.load(); }

public Q_SLOTS:
    void run();

Q_SIGNALS:
    void started(qint64 runId);
    void stepReported(const sentilab::StepInfo &step);
    void evalReported(const sentilab::EvalInfo &eval);
    void logMessage(qint64 runId, const QString &level, const QString &message);
    // status: "finished", "failed", "cancelled"; for a setup error (bad data, missing weights)
    // runId is 0 and `error` says what to fix.
    void ended(qint64 runId, sentilab::RunStatus status, const QString &error);

private:
    TrainingRequest m_request;
    std::atomic<bool> m_cancel{false};
    std::atomic<int> m_threads{0};
    std::atomic<qint64> m_runId{0};
};

} // namespace sentilab::ui
