#include "experimentestimate.h"

#include <algorithm>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <sentilab/dataset.h>

#include "common/formatting.h"

namespace sentilab::ui {

qint64 TrainExampleCounter::count(const ExperimentConfig &config, const QString &dataDir)
{
    const QString name = QString::fromStdString(config.data.train);
    QString path = QDir(dataDir).filePath(name);
    if (dataDir.isEmpty() || !QFileInfo(path).isFile()) {
        try {
            path = QString::fromStdString(resolveDataFile(config.data, config.data.train));
        } catch (const std::exception &) {
            return -1; // no data yet: the dialog's warning says so
        }
    }
    const QFileInfo info(path);
    const QString key = info.absoluteFilePath() + QLatin1Char('@') +
                        QString::number(info.lastModified().toMSecsSinceEpoch());
    if (key != m_key) {
        m_key = key;
        m_examples = -1;
        try {
            m_examples = qint64(readExamples(path.toStdString()).size());
        } catch (const std::exception &) {
            // a broken file fails the run with its own message; no estimate here
        }
    }
    if (m_examples < 0)
        return -1;
    const int64_t limit = config.data.maxTrainExamples;
    return limit > 0 ? std::min<qint64>(limit, m_examples) : m_examples;
}

QString trainingDurationText(const ExperimentConfig &config, qint64 examples,
                             const std::optional<StepTime> &stepTime)
{
    if (examples <= 0)
        return {};
    const int64_t batch = std::max<int64_t>(1, config.train.batchSize);
    const qint64 steps = (examples + batch - 1) / batch * config.train.epochs;
    const auto tr = [](const char *text) {
        return QCoreApplication::translate("ExperimentDialog", text);
    };
    if (stepTime)
        return tr("About %1 of training here: %2 steps at %3 s per step, as measured in run #%4 "
                  "(evaluations come on top).")
            .arg(formatDuration(double(steps) * stepTime->secondsPerStep))
            .arg(steps)
            .arg(stepTime->secondsPerStep, 0, 'g', 3)
            .arg(stepTime->runId);
    return tr("%1 steps (%2 examples, batch %3, %4 epochs). The duration is estimated once a run "
              "of this kind and batch size has finished here.")
        .arg(steps)
        .arg(examples)
        .arg(batch)
        .arg(config.train.epochs);
}

} // namespace sentilab::ui
