#include "embeddingmapview.h"

#include <QEvent>
#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>

#include "common/colors.h"
#include "common/formatting.h"
#include "common/qcpinclude.h"
#include "plotstyle.h"
#include "uitypes.h"

namespace sentilab::ui {

namespace {

constexpr double kHoverPixels = 6;

QString separabilityWords(double silhouette)
{
    if (silhouette >= 0.5)
        return EmbeddingMapView::tr("classes well apart");
    if (silhouette >= 0.2)
        return EmbeddingMapView::tr("classes partly apart");
    if (silhouette > 0)
        return EmbeddingMapView::tr("classes mostly overlap");
    return EmbeddingMapView::tr("classes overlap");
}

} // namespace

EmbeddingMapView::EmbeddingMapView(QWidget *parent) : QWidget(parent)
{
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName("embeddingPlot");
    m_plot->setMinimumHeight(220);
    m_plot->setMouseTracking(true);
    m_plot->xAxis->setLabel(tr("first principal axis"));
    m_plot->yAxis->setLabel(tr("second principal axis"));
    // The legend in a row under the plot: points fill the whole plot area.
    m_plot->legend->setVisible(true);
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_plot->plotLayout()->addElement(1, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(1, 0.001);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_summary = new QLabel(this);
    m_summary->setObjectName("mapSummary");
    m_summary->setWordWrap(true);
    setSecondaryText(m_summary);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_message);
    layout->addWidget(m_plot, 1);
    layout->addWidget(m_summary);

    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent *event) {
        const int i = pointAt(event->pos());
        if (i < 0) {
            QToolTip::hideText();
            return;
        }
        const MapPoint &p = m_map->points[size_t(i)];
        QToolTip::showText(event->globalPosition().toPoint(),
                           tr("%1 (%2 #%3)\ngold %4, model says %5\nclick to ask both models")
                               .arg(QString::fromStdString(p.text), QString::fromStdString(p.split))
                               .arg(p.index)
                               .arg(labelName(p.gold), labelName(p.predicted)),
                           m_plot);
    });
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent *event) {
        const int i = pointAt(event->pos());
        if (i >= 0)
            Q_EMIT sentenceClicked(QString::fromStdString(m_map->points[size_t(i)].text));
    });
    showMessage(tr("Not computed yet."));
}

void EmbeddingMapView::showMessage(const QString &message)
{
    m_map.reset();
    m_message->setText(message);
    m_message->show();
    m_plot->hide();
    m_summary->clear();
}

void EmbeddingMapView::showProgress(qint64 done, qint64 total)
{
    showMessage(tr("Placing the sentences: %1 of %2…")
                    .arg(groupedNumber(double(done)), groupedNumber(double(total))));
}

void EmbeddingMapView::setMap(std::shared_ptr<const EmbeddingMap> map)
{
    m_map = std::move(map);
    if (!m_map) {
        showMessage(tr("No map."));
        return;
    }
    m_message->hide();
    m_plot->show();
    m_summary->setText(summaryText());
    replot();
}

QString EmbeddingMapView::summaryText() const
{
    if (!m_map)
        return {};
    return tr("%1 sentences · silhouette %2 in the full %3-d space (%4) · the axes show %5 of the "
              "variance · the model is right on %6")
        .arg(groupedNumber(double(m_map->points.size())))
        .arg(m_map->silhouette, 0, 'f', 3)
        .arg(m_map->dim)
        .arg(separabilityWords(m_map->silhouette),
             formatPercent(m_map->explained[0] + m_map->explained[1], 0),
             formatPercent(m_map->accuracy, 1));
}

void EmbeddingMapView::setSentencePosition(bool shown, double x, double y)
{
    m_sentenceShown = shown;
    m_sentence = QPointF(x, y);
    if (m_map)
        replot();
}

int EmbeddingMapView::pointAt(const QPoint &pixel) const
{
    if (!m_map || !m_plot->isVisible())
        return -1;
    int best = -1;
    double bestDistance = kHoverPixels * kHoverPixels;
    for (size_t i = 0; i < m_map->points.size(); ++i) {
        const MapPoint &p = m_map->points[i];
        const double dx = m_plot->xAxis->coordToPixel(p.x) - pixel.x();
        const double dy = m_plot->yAxis->coordToPixel(p.y) - pixel.y();
        if (dx * dx + dy * dy <= bestDistance) {
            bestDistance = dx * dx + dy * dy;
            best = int(i);
        }
    }
    return best;
}

void EmbeddingMapView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_map)
        replot();
}

void EmbeddingMapView::replot()
{
    applyPaletteToPlot(m_plot, palette());
    m_plot->clearGraphs();
    const auto addSeries = [this](const QString &name, const QColor &color,
                                  QCPScatterStyle::ScatterShape shape, double size) {
        QCPGraph *g = m_plot->addGraph();
        g->setName(name);
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(shape, color, color, size));
        return g;
    };
    QCPGraph *negative =
        addSeries(tr("negative"), sentimentColor(false), QCPScatterStyle::ssDisc, 4);
    QCPGraph *positive =
        addSeries(tr("positive"), sentimentColor(true), QCPScatterStyle::ssDisc, 4);
    QCPGraph *wrong = addSeries(tr("misclassified"), palette().color(QPalette::Text),
                                QCPScatterStyle::ssCross, 6);
    for (const MapPoint &p : m_map->points) {
        (p.gold == 1 ? positive : negative)->addData(p.x, p.y);
        if (p.gold != p.predicted)
            wrong->addData(p.x, p.y);
    }
    if (m_sentenceShown) {
        QCPGraph *typed = addSeries(tr("your sentence"), palette().color(QPalette::Highlight),
                                    QCPScatterStyle::ssStar, 16);
        typed->addData(m_sentence.x(), m_sentence.y());
    }
    m_plot->rescaleAxes();
    m_plot->xAxis->scaleRange(1.1);
    m_plot->yAxis->scaleRange(1.1);
    m_plot->replot();
}

} // namespace sentilab::ui
