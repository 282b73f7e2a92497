#pragma once
// How long an experiment will train here, for the experiment dialog: its training examples
// (counted in the data file once per file version) and its steps, timed by a run measured on
// this machine (sentilab::measuredStepTime).
#include <optional>

#include <QString>

#include <sentilab/experimentconfig.h>
#include <sentilab/runanalysis.h>

namespace sentilab::ui {

class TrainExampleCounter
{
public:
    // Training examples `config` will use: the train file in `dataDir` (else where
    // resolveDataFile finds it), capped by data.max_train_examples; -1 when it cannot be read.
    qint64 count(const sentilab::ExperimentConfig &config, const QString &dataDir);

private:
    QString m_key; // absolute path @ modification time of the file counted
    qint64 m_examples = -1;
};

// "About 1 h 05 min of training here: 651 steps at 6 s per step, as measured in run #3 ..." or,
// without a measurement, the step count; empty when `examples` is unknown (< 0).
QString trainingDurationText(const sentilab::ExperimentConfig &config, qint64 examples,
                             const std::optional<sentilab::StepTime> &stepTime);

} // namespace sentilab::ui
