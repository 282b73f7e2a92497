#pragma once
// The inference pane's worker: loads the best checkpoint of up to two runs and classifies
// sentences with both, off the GUI thread.
#include <QObject>
#include <QString>
#include <QStringList>

#include <array>
#include <atomic>
#include <memory>

#include <sentilab/embeddingmap.h>
#include <sentilab/explanation.h>

Q_DECLARE_METATYPE(std::shared_ptr<const sentilab::Explanation>)

namespace sentilab::ui {

// Lives on its own QThread (owned by InferencePane); every slot must be called through a queued
// connection or QMetaObject::invokeMethod, never directly from another thread. It opens its own
// RunStore connection for each load and owns one Classifier per slot, used only on its thread.
// No exception leaves it: sentilab::Error and std::exception become modelMissing() or failed().
//
// Slots: 0 = the fine-tune card, 1 = the scratch card.
class InferenceWorker : public QObject
{
    Q_OBJECT

public:
    explicit InferenceWorker(QObject *parent = nullptr);
    ~InferenceWorker() override;

public Q_SLOTS:
    // Loads the best (else last) checkpoint of runA into slot 0 and of runB into slot 1; a run id
    // <= 0 means "no run chosen". A slot whose run, checkpoint folder and checkpoint step are
    // unchanged keeps its model (no reload). Emits modelMissing() for each slot without a usable
    // model, then modelsLoaded(). Every call is answered by exactly one modelsLoaded(); calls
    // queued behind a newer one are not loaded but answered together with it.
    void loadModels(qint64 runA, qint64 runB, const QString &databasePath);
    // Classifies `text` with every loaded model, emitting predictionReady() once per loaded slot.
    // Only the newest request counts: requests queued behind a newer one are skipped, unanswered.
    // With `explain` the verdicts are followed by explanations: first attention alone for each
    // slot (fast), then `options`' attributions, each as an explanationReady().
    void
    predict(quint64 requestId, const QString &text, bool explain = false,
            sentilab::AttributionMethod method = sentilab::AttributionMethod::IntegratedGradients,
            int steps = 32);

public:
    // Thread-safe, called directly from the GUI thread: work for requests older than
    // `requestId` stops at its next check (an explanation in progress is abandoned).
    void supersede(quint64 requestId) { m_newest.store(requestId); }
    // Called on the worker thread (QMetaObject::invokeMethod with a lambda; a plain method, so
    // moc need not know the map type). The embedding map MapWorker made for run `runId` is kept
    // for the slot when it still holds that run's checkpoint of the map's step (else dropped: a
    // newer map follows); then every predict() places its sentence on it, and the newest
    // sentence is placed at once (sentencePlaced).
    void setMap(int slot, qint64 runId, std::shared_ptr<const sentilab::EmbeddingMap> map);

    // Thread-safe: abandon long work (an explanation) before the thread is stopped.
    void stop() { m_stopping.store(true); }

Q_SIGNALS:
    // Both slots are settled; a summary is "best checkpoint, step N" (or "last ...") for a loaded
    // slot and empty for a missing one.
    void modelsLoaded(const QString &summaryA, const QString &summaryB);
    // Slot `slot` has no model; `message` says which run and how to get one.
    void modelMissing(int slot, const QString &message);
    // `label` is "positive" or "negative" (the checkpoint's id2label, lower case, when it names
    // them otherwise); `probability` is the softmax probability of the positive class (label 1),
    // in [0, 1]; `tokens` are the WordPiece tokens, [CLS] and [SEP] included; `milliseconds` is
    // the wall time of this model's forward pass, tokenisation included; `inputTokens` is the
    // text's token count before truncation (more than tokens.size() when the text was cut).
    void predictionReady(quint64 requestId, int slot, const QString &label, double probability,
                         const QStringList &tokens, int inputTokens, double milliseconds);
    // Part of the explanation of request `requestId` for `slot`: either its attention (scores
    // empty) or its attributions (attention empty).
    void explanationReady(quint64 requestId, int slot,
                          std::shared_ptr<const sentilab::Explanation> explanation);
    // Where request `requestId`'s sentence falls on slot's map.
    void sentencePlaced(quint64 requestId, int slot, double x, double y);
    // A request failed as a whole (e.g. the text could not be classified); the message says why.
    void failed(const QString &message);

private:
    struct Model;

    void processLoad();
    void processPredict();
    void processExplain(quint64 requestId, const QString &text);
    void loadSlot(int slot, qint64 runId, const QString &databasePath);

    std::array<std::unique_ptr<Model>, 2> m_models;

    // Coalescing: the slots record the newest request and post one process call.
    int m_loadCalls = 0; // loadModels calls not yet answered
    qint64 m_pendingRunA = 0;
    qint64 m_pendingRunB = 0;
    QString m_pendingDatabase;
    bool m_predictPosted = false;
    quint64 m_pendingRequest = 0;
    QString m_pendingText;
    bool m_pendingExplain = false;
    sentilab::ExplainOptions m_pendingOptions;
    std::atomic<quint64> m_newest{0};    // see supersede()
    std::atomic<bool> m_stopping{false}; // see stop()
};

} // namespace sentilab::ui
