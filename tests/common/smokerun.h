#pragma once
// Trains experiments/smoke.yaml for real (a few seconds) so UI suites have runs with checkpoints,
// evaluations and predictions. Needs SENTILAB_SOURCE_DIR and the shared SST-2 data.
#include <QString>
#include <QtGlobal>

#include <sentilab/training.h>

namespace sentilab::test {

// The finished run's id, or 0 (with a warning) when it did not finish.
inline qint64 trainSmoke(const QString &db, uint64_t seed)
{
    TrainingRequest r;
    r.config = ExperimentConfig::fromFile(SENTILAB_SOURCE_DIR "/experiments/smoke.yaml",
                                          {"train.seed=" + std::to_string(seed)});
    r.config.train.threads = 1; // one thread: identical results on every run of the suite
    r.dbPath = db.toStdString();
    const TrainingResult result = runTraining(r);
    if (result.status != RunStatus::Finished)
        qWarning("smoke run failed: %s", result.error.c_str());
    return result.status == RunStatus::Finished ? result.runId : 0;
}

} // namespace sentilab::test
