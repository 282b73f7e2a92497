#include "inferenceworker.h"

#include <QElapsedTimer>
#include <QMetaObject>

#include <exception>
#include <string>
#include <vector>

#include <sentilab/classifier.h>
#include <sentilab/error.h>
#include <sentilab/runstore.h>
#include <sentilab/training.h>

#include "common/formatting.h"

namespace sentilab::ui {

struct InferenceWorker::Model
{
    qint64 runId = 0;
    std::string dir;
    int64_t step = -1; // checkpoint step when loaded: a newer best checkpoint means reload
    QString summary;
    Classifier classifier;
    std::shared_ptr<const EmbeddingMap> map; // computed on request, for this checkpoint
};

namespace {

QString fromStd(const std::string &s)
{
    return QString::fromStdString(s);
}

QString slotDescription(int slot)
{
    return slot == 0 ? InferenceWorker::tr("no fine-tune run yet: click Start fine-tune")
                     : InferenceWorker::tr("no scratch run yet: click Start scratch");
}

} // namespace

InferenceWorker::InferenceWorker(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<std::shared_ptr<const Explanation>>();
}

InferenceWorker::~InferenceWorker() = default;

void InferenceWorker::loadModels(qint64 runA, qint64 runB, const QString &databasePath)
{
    m_pendingRunA = runA;
    m_pendingRunB = runB;
    m_pendingDatabase = databasePath;
    if (m_loadCalls++ == 0) {
        QMetaObject::invokeMethod(this, &InferenceWorker::processLoad, Qt::QueuedConnection);
    }
}

void InferenceWorker::predict(quint64 requestId, const QString &text, bool explain,
                              AttributionMethod method, int steps)
{
    if (requestId < m_pendingRequest)
        return; // an older request arriving late
    m_pendingRequest = requestId;
    m_pendingText = text;
    m_pendingExplain = explain;
    m_pendingOptions.method = method;
    m_pendingOptions.steps = steps;
    if (!m_predictPosted) {
        m_predictPosted = true;
        QMetaObject::invokeMethod(this, &InferenceWorker::processPredict, Qt::QueuedConnection);
    }
}

void InferenceWorker::processLoad()
{
    const int calls = m_loadCalls;
    m_loadCalls = 0;
    loadSlot(0, m_pendingRunA, m_pendingDatabase);
    loadSlot(1, m_pendingRunB, m_pendingDatabase);
    const QString summaryA = m_models[0] ? m_models[0]->summary : QString();
    const QString summaryB = m_models[1] ? m_models[1]->summary : QString();
    for (int i = 0; i < calls; ++i)
        Q_EMIT modelsLoaded(summaryA, summaryB);
}

void InferenceWorker::loadSlot(int slot, qint64 runId, const QString &databasePath)
{
    std::unique_ptr<Model> &model = m_models[size_t(slot)];
    if (runId <= 0) {
        model.reset();
        Q_EMIT modelMissing(slot, slotDescription(slot));
        return;
    }
    std::string dir;
    int64_t step = -1;
    std::string kind;
    try {
        const RunStore store = RunStore::openExisting(databasePath.toStdString());
        store.run(runId); // throws "no run N" for a deleted run
        try {
            dir = bestCheckpointDir(store, runId);
        } catch (const Error &) {
            model.reset();
            Q_EMIT modelMissing(slot, tr("run %1 has no checkpoint yet: train it until its first "
                                         "evaluation")
                                          .arg(runId));
            return;
        }
        for (const CheckpointRecord &c : store.checkpoints(runId)) {
            if (c.path == dir) {
                step = c.step;
                kind = c.kind;
            }
        }
    } catch (const std::exception &e) {
        model.reset();
        Q_EMIT modelMissing(slot,
                            tr("run %1 cannot be read: %2").arg(runId).arg(fromStd(e.what())));
        return;
    } catch (...) {
        model.reset();
        Q_EMIT modelMissing(slot, tr("run %1 cannot be read: unknown error").arg(runId));
        return;
    }
    if (model && model->runId == runId && model->dir == dir && model->step == step)
        return; // unchanged: keep the loaded model

    model.reset(); // free the old model before loading the next one
    try {
        Classifier classifier = Classifier::load(dir);
        const QString summary =
            tr("%1 checkpoint, step %2").arg(kind == "best" ? tr("best") : tr("last")).arg(step);
        model.reset(new Model{runId, dir, step, summary, std::move(classifier), nullptr});
    } catch (const std::exception &e) {
        Q_EMIT modelMissing(
            slot,
            tr("run %1: its checkpoint could not be loaded: %2").arg(runId).arg(fromStd(e.what())));
    } catch (...) {
        Q_EMIT modelMissing(slot, tr("run %1: its checkpoint could not be loaded").arg(runId));
    }
}

void InferenceWorker::processPredict()
{
    m_predictPosted = false;
    const quint64 requestId = m_pendingRequest;
    const std::vector<std::string> texts{m_pendingText.toStdString()};
    for (int slot = 0; slot < 2; ++slot) {
        const Model *model = m_models[size_t(slot)].get();
        if (!model)
            continue;
        try {
            QElapsedTimer timer;
            timer.start();
            const std::vector<Prediction> predictions = model->classifier.predict(texts);
            const double ms = double(timer.nsecsElapsed()) / 1e6;
            if (predictions.empty())
                throw Error("the model returned no prediction");
            const Prediction &p = predictions.front();
            const double positive =
                p.probabilities.size() > 1 ? double(p.probabilities[1]) : double(p.label == 1);
            QStringList tokens;
            tokens.reserve(int(p.tokens.size()));
            for (const std::string &t : p.tokens)
                tokens << fromStd(t);
            Q_EMIT predictionReady(requestId, slot, labelText(p), positive, tokens,
                                   int(p.inputTokens), ms);
            if (model->map) {
                const auto [x, y] = model->map->project(model->classifier.represent(texts).vectors);
                Q_EMIT sentencePlaced(requestId, slot, x, y);
            }
        } catch (const std::exception &e) {
            Q_EMIT failed(tr("run %1 could not classify the sentence: %2")
                              .arg(model->runId)
                              .arg(fromStd(e.what())));
        } catch (...) {
            Q_EMIT failed(tr("run %1 could not classify the sentence").arg(model->runId));
        }
    }
    if (m_pendingExplain) {
        const QString text = m_pendingText;
        // Queued, so that a newer request arriving meanwhile is seen before the slow part.
        QMetaObject::invokeMethod(
            this, [this, requestId, text] { processExplain(requestId, text); },
            Qt::QueuedConnection);
    }
}

void InferenceWorker::processExplain(quint64 requestId, const QString &text)
{
    const std::string sentence = text.toStdString();
    const auto stale = [this, requestId] {
        return m_stopping.load() || m_newest.load() > requestId || m_pendingRequest > requestId;
    };
    if (stale())
        return;
    // Attention first for both slots (tens of ms), then the attributions (up to seconds).
    for (const bool attributions : {false, true}) {
        for (int slot = 0; slot < 2; ++slot) {
            const Model *model = m_models[size_t(slot)].get();
            if (!model)
                continue;
            ExplainOptions options = m_pendingOptions;
            options.attention = !attributions;
            options.attributions = attributions;
            options.cancelled = stale;
            try {
                std::optional<Explanation> e = model->classifier.explain(sentence, options);
                if (!e)
                    return; // superseded
                Q_EMIT explanationReady(requestId, slot,
                                        std::make_shared<const Explanation>(std::move(*e)));
            } catch (const std::exception &e) {
                Q_EMIT failed(tr("run %1 could not explain the sentence: %2")
                                  .arg(model->runId)
                                  .arg(fromStd(e.what())));
                return;
            } catch (...) {
                Q_EMIT failed(tr("run %1 could not explain the sentence").arg(model->runId));
                return;
            }
        }
    }
}

void InferenceWorker::setMap(int slot, qint64 runId, std::shared_ptr<const EmbeddingMap> map)
{
    Model *model = slot == 0 || slot == 1 ? m_models[size_t(slot)].get() : nullptr;
    if (!model || !map || model->runId != runId || model->step != map->step)
        return; // the slot moved on (another run or a newer checkpoint) since the map was asked
    model->map = std::move(map);
    if (m_pendingText.trimmed().isEmpty())
        return;
    try { // the sentence shown now, on the map
        const auto [x, y] =
            model->map->project(model->classifier.represent({m_pendingText.toStdString()}).vectors);
        Q_EMIT sentencePlaced(m_pendingRequest, slot, x, y);
    } catch (const std::exception &e) {
        Q_EMIT failed(tr("run %1 could not place the sentence on its map: %2")
                          .arg(model->runId)
                          .arg(fromStd(e.what())));
    }
}

} // namespace sentilab::ui
