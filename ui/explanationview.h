#pragma once
// "Why?" for one model in "Ask the models": its token attributions, attention rollout from
// [CLS], every head as a thumbnail and the chosen head in detail. Fed by the inference worker's
// explanationReady() in two parts (attention first, then the attributions).
#include <QWidget>

#include <memory>

#include <sentilab/explanation.h>

class QLabel;

namespace sentilab::ui {

class AttentionGrid;
class EmbeddingMapView;
class HeadMap;
class TokenStrip;

class ExplanationView : public QWidget
{
    Q_OBJECT

public:
    explicit ExplanationView(QWidget *parent = nullptr);

    // A new sentence is being explained: the old pictures go, "explaining…" shows.
    void showPending();
    void showMessage(const QString &message);
    // Part of the current sentence's explanation (see InferenceWorker::explanationReady).
    void addPart(std::shared_ptr<const Explanation> part);
    // The attribution colour scale: |score| at which a chip is fully coloured (shared by the
    // two models so that their colours compare).
    void setAttributionScale(double scale);
    double largestAttribution() const; // max |token score|, 0 when none

    // What is shown, for tests.
    std::shared_ptr<const Explanation> attention() const { return m_attention; }
    std::shared_ptr<const Explanation> attributions() const { return m_attributions; }
    TokenStrip *attributionStrip() const { return m_scores; }
    AttentionGrid *grid() const { return m_grid; }
    HeadMap *headMap() const { return m_head; }
    EmbeddingMapView *mapView() const { return m_map; }

private:
    void renderAttributions();
    void renderAttention();
    void chooseHead(int layer, int head);

    std::shared_ptr<const Explanation> m_attention, m_attributions;
    double m_scale = 1;
    QLabel *m_header = nullptr;
    TokenStrip *m_scores = nullptr;
    QLabel *m_rolloutCaption = nullptr;
    TokenStrip *m_rollout = nullptr;
    QLabel *m_headCaption = nullptr;
    AttentionGrid *m_grid = nullptr;
    HeadMap *m_head = nullptr;
    EmbeddingMapView *m_map = nullptr;
};

} // namespace sentilab::ui
