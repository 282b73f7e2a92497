#pragma once
// One model's embedding map in "Ask the models": every validation and test sentence placed by the
// [CLS] vector the classifier reads (PCA to 2-D), coloured by its gold label, its misclassified
// points crossed, the typed sentence as a star; the separability under it. Hover shows a
// sentence, a click loads it.
#include <QWidget>

#include <memory>

#include <sentilab/embeddingmap.h>

class QCustomPlot;
class QLabel;

namespace sentilab::ui {

class EmbeddingMapView : public QWidget
{
    Q_OBJECT

public:
    explicit EmbeddingMapView(QWidget *parent = nullptr);

    void showMessage(const QString &message);
    void showProgress(qint64 done, qint64 total);
    void setMap(std::shared_ptr<const EmbeddingMap> map);
    // The typed sentence's position (a star); hidden when `shown` is false.
    void setSentencePosition(bool shown, double x, double y);

    std::shared_ptr<const EmbeddingMap> map() const { return m_map; }
    QString summaryText() const;
    bool sentenceShown() const { return m_sentenceShown; }
    QPointF sentencePosition() const { return m_sentence; }
    // The map point nearest to `pixel` within a few pixels, -1 when none (for tests and hover).
    int pointAt(const QPoint &pixel) const;
    QCustomPlot *plot() const { return m_plot; }

Q_SIGNALS:
    void sentenceClicked(const QString &text);

protected:
    void changeEvent(QEvent *event) override; // follows a live change of appearance

private:
    void replot();

    std::shared_ptr<const EmbeddingMap> m_map;
    bool m_sentenceShown = false;
    QPointF m_sentence;
    QCustomPlot *m_plot = nullptr;
    QLabel *m_message = nullptr;
    QLabel *m_summary = nullptr;
};

} // namespace sentilab::ui
