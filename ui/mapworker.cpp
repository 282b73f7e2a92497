#include "mapworker.h"

#include <array>
#include <exception>

namespace sentilab::ui {

MapWorker::MapWorker(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<std::shared_ptr<const EmbeddingMap>>();
}

void MapWorker::compute(quint64 generation, qint64 runA, qint64 runB, const QString &databasePath)
{
    const std::string db = databasePath.toStdString();
    const std::array<qint64, 2> runs = {runA, runB};
    for (int slot = 0; slot < 2; ++slot) {
        const qint64 runId = runs[size_t(slot)];
        if (runId <= 0)
            continue;
        if (stale(generation))
            return;
        std::shared_ptr<const EmbeddingMap> shared;
        try {
            std::optional<EmbeddingMap> map = embeddingMapForRun(
                db, runId,
                [this, generation, slot](int64_t done, int64_t total) {
                    Q_EMIT mapProgress(generation, slot, done, total);
                },
                [this, generation] { return stale(generation); });
            if (!map)
                return; // superseded or stopping
            shared = std::make_shared<const EmbeddingMap>(std::move(*map));
        } catch (const std::exception &e) {
            Q_EMIT failed(tr("run %1: its embedding map could not be made: %2")
                              .arg(runId)
                              .arg(QString::fromStdString(e.what())));
        } catch (...) {
            Q_EMIT failed(tr("run %1: its embedding map could not be made").arg(runId));
        }
        Q_EMIT mapReady(generation, slot, runId, std::move(shared));
    }
}

} // namespace sentilab::ui
