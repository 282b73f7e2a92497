#pragma once
// The inference pane's embedding-map worker: makes (or reads from the store's cache) the map of
// each chosen run's best checkpoint on a thread of its own, so that a new checkpoint's map (a
// pass over every validation and test sentence, about a minute at full size) never holds up the
// verdicts and explanations of the inference worker.
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

#include <sentilab/embeddingmap.h>

Q_DECLARE_METATYPE(std::shared_ptr<const sentilab::EmbeddingMap>)

namespace sentilab::ui {

// Lives on its own QThread (owned by InferencePane); compute() must be called through a queued
// connection. It opens its own store connection and loads its own copy of each checkpoint. No
// exception leaves it: failures become failed() and a null mapReady().
class MapWorker : public QObject
{
    Q_OBJECT

public:
    explicit MapWorker(QObject *parent = nullptr);

    // Thread-safe, from the GUI thread: requests older than `generation` stop at their next
    // batch and report nothing more.
    void supersede(quint64 generation) { m_newest.store(generation); }
    // Thread-safe: abandon the map being computed before the thread is stopped.
    void stop() { m_stopping.store(true); }

public Q_SLOTS:
    // The maps of runA (slot 0) and runB (slot 1); a run id <= 0 skips its slot. Emits
    // mapProgress() on the way and one mapReady() per computed slot, all tagged `generation`.
    void compute(quint64 generation, qint64 runA, qint64 runB, const QString &databasePath);

Q_SIGNALS:
    void mapProgress(quint64 generation, int slot, qint64 done, qint64 total);
    // `map` is null when it could not be made (failed() said why).
    void mapReady(quint64 generation, int slot, qint64 runId,
                  std::shared_ptr<const sentilab::EmbeddingMap> map);
    void failed(const QString &message);

private:
    bool stale(quint64 generation) const
    {
        return m_stopping.load() || m_newest.load() > generation;
    }

    std::atomic<quint64> m_newest{0};
    std::atomic<bool> m_stopping{false};
};

} // namespace sentilab::ui
