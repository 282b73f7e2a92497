#include "trainingworker.h"

#include <sentilab/error.h>
#include <sentilab/runtime.h>

namespace sentilab::ui {

TrainingWorker::TrainingWorker(TrainingRequest request, QObject *parent)
    : QObject(parent), m_request(std::move(request))
{
    m_threads.store(m_request.threads >= 0 ? m_request.threads : 0);
}

void TrainingWorker::run()
{
    int currentThreads = m_threads.load();
    m_request.threads = currentThreads;
    TrainingCallbacks callbacks;
    callbacks.cancel = &m_cancel;
    callbacks.onStarted = [this](int64_t runId) {
        m_runId.store(runId);
        Q_EMIT started(runId);
    };
    callbacks.onStep = [&](const StepInfo &step) {
        // Rebalance cores between concurrent runs: applied on this (the training) thread.
        if (const int wanted = m_threads.load(); wanted != currentThreads) {
            setComputeThreads(wanted);
            currentThreads = wanted;
        }
        Q_EMIT stepReported(step);
    };
    callbacks.onEval = [this](const EvalInfo &eval) { Q_EMIT evalReported(eval); };
    callbacks.onLog = [this](const std::string &level, const std::string &message) {
        Q_EMIT logMessage(m_runId.load(), QString::fromStdString(level),
                          QString::fromStdString(message));
    };
    try {
        const TrainingResult r = runTraining(m_request, callbacks);
        Q_EMIT ended(r.runId, r.status, QString::fromStdString(r.error));
    } catch (const std::exception &e) {
        Q_EMIT ended(m_runId.load(), RunStatus::Failed, QString::fromUtf8(e.what()));
    }
}

} // namespace sentilab::ui
