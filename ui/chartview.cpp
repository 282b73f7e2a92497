#include "chartview.h"

#include "plotstyle.h"
#include "uitypes.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QMouseEvent>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTextStream>
#include <QTimer>
#include <QVBoxLayout>

#include "common/qcpinclude.h"

namespace sentilab::ui {
namespace {

constexpr int kRedrawIntervalMs = 40;
constexpr double kHoverRadiusPx = 30;
constexpr int kMinColumns = 600; // decimation resolution while the widget is not laid out yet

// The drawn subset of (x, y) for the key range [lo, hi] at `columns` pixel columns: all points
// when there are few, else the minimum and maximum of each column in x order, plus a NaN (a gap)
// where a column holds one. One point beyond each edge is kept so lines reach the border.
QVector<QCPGraphData> decimate(const QVector<double> &x, const QVector<double> &y, double lo,
                               double hi, int columns)
{
    QVector<QCPGraphData> out;
    const int n = int(x.size());
    int begin = int(std::lower_bound(x.begin(), x.end(), lo) - x.begin());
    int end = int(std::upper_bound(x.begin(), x.end(), hi) - x.begin());
    begin = std::max(0, begin - 1);
    end = std::min(n, end + 1);
    if (end - begin <= 2 * columns || !(hi > lo)) {
        out.reserve(end - begin);
        for (int i = begin; i < end; ++i)
            out.append(QCPGraphData(x[i], y[i]));
        return out;
    }
    out.reserve(2 * columns + 8);
    const double width = (hi - lo) / columns;
    const auto columnOf = [&](double key) {
        return std::min<long>(columns - 1, long((key - lo) / width));
    };
    int i = begin;
    while (i < end) {
        if (x[i] < lo || x[i] > hi) {
            out.append(QCPGraphData(x[i], y[i]));
            ++i;
            continue;
        }
        const long column = columnOf(x[i]);
        int minIndex = -1, maxIndex = -1;
        bool gap = false;
        int j = i;
        for (; j < end && x[j] <= hi && columnOf(x[j]) == column; ++j) {
            const double v = y[j];
            if (std::isnan(v)) {
                gap = true;
                continue;
            }
            if (minIndex < 0 || v < y[minIndex])
                minIndex = j;
            if (maxIndex < 0 || v > y[maxIndex])
                maxIndex = j;
        }
        if (minIndex >= 0) {
            const int a = std::min(minIndex, maxIndex), b = std::max(minIndex, maxIndex);
            out.append(QCPGraphData(x[a], y[a]));
            if (b != a)
                out.append(QCPGraphData(x[b], y[b]));
        }
        if (gap)
            out.append(QCPGraphData(x[j - 1], qQNaN()));
        i = j;
    }
    return out;
}

QString formatNumber(double v)
{
    if (std::isnan(v))
        return QStringLiteral("NaN");
    return QString::number(v, 'g', 6);
}

} // namespace

ChartView::ChartView(QWidget *parent) : QWidget(parent)
{
    m_plot = new QCustomPlot(this);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);

    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setAutoAddPlottableToLegend(false);
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->legend->setVisible(false);
    QFont legendFont = font();
    legendFont.setPointSizeF(std::max(7.0, legendFont.pointSizeF() * 0.9));
    m_plot->legend->setFont(legendFont);
    m_plot->legend->setBrush(QColor(255, 255, 255, 215));
    // The legend has its own row under the axes, so it never covers a curve.
    auto *legendRow = new QCPLayoutGrid;
    m_plot->plotLayout()->addElement(1, 0, legendRow);
    legendRow->setMargins(QMargins(5, 0, 5, 4));
    legendRow->addElement(0, 0, m_plot->legend);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setWrap(3);
    m_plot->plotLayout()->setRowStretchFactor(1, 0.001);
    for (QCPAxis *axis : {m_plot->xAxis, m_plot->yAxis})
        axis->grid()->setSubGridVisible(false);

    m_plot->addLayer(QStringLiteral("smooth"), m_plot->layer(QStringLiteral("main")),
                     QCustomPlot::limAbove);
    // The hover read-out has its own buffered layer on top, so moving the mouse repaints only it.
    m_plot->addLayer(QStringLiteral("hover"), nullptr, QCustomPlot::limAbove);
    m_overlay = m_plot->layer(QStringLiteral("hover"));
    m_overlay->setMode(QCPLayer::lmBuffered);

    m_placeholder = new QCPItemText(m_plot);
    m_placeholder->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_placeholder->position->setCoords(0.5, 0.5);
    m_placeholder->setPositionAlignment(Qt::AlignCenter);
    m_placeholder->setColor(QColor(110, 110, 110));
    m_placeholder->setClipToAxisRect(false);
    m_placeholder->setVisible(false);

    m_tracer = new QCPItemTracer(m_plot);
    m_tracer->setLayer(m_overlay);
    m_tracer->setStyle(QCPItemTracer::tsCircle);
    m_tracer->setSize(9);
    m_tracer->setVisible(false);
    m_readout = new QCPItemText(m_plot);
    m_readout->setLayer(m_overlay);
    m_readout->setPadding(QMargins(6, 4, 6, 4));
    m_readout->setBrush(QColor(255, 255, 255, 235));
    m_readout->setPen(QPen(QColor(150, 150, 150)));
    m_readout->setTextAlignment(Qt::AlignLeft);
    applyPalette();
    m_readout->setVisible(false);

    m_redrawTimer = new QTimer(this);
    m_redrawTimer->setSingleShot(true);
    m_redrawTimer->setInterval(kRedrawIntervalMs);
    connect(m_redrawTimer, &QTimer::timeout, this, &ChartView::redraw);

    // A range change we did not make is the user zooming or panning: keep that view. Any x range
    // change needs a new decimation for the visible span.
    const auto userRange = [this] {
        if (m_settingRange)
            return; // redraw() itself; it decimates for the new range right after
        m_autoRange = false;
        scheduleRedraw();
    };
    connect(m_plot->xAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged), this, userRange);
    connect(m_plot->yAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged), this, userRange);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { resetView(); });
    connect(m_plot, &QCustomPlot::mouseMove, this, &ChartView::onMouseMove);
    connect(m_plot, &QCustomPlot::mousePress, this, [this] { hideHover(); });
    m_plot->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_plot, &QWidget::customContextMenuRequested, this, &ChartView::showContextMenu);
    m_plot->installEventFilter(this);
    updatePlaceholder();
}

ChartView::~ChartView() = default;

void ChartView::setSeries(qint64 runId, const QString &name, const QColor &color, QVector<double> x,
                          QVector<double> y)
{
    const qsizetype count = std::min(x.size(), y.size());
    qsizetype n = 0;
    for (qsizetype i = 0; i < count; ++i) {
        if (std::isfinite(x[i])) {
            x[n] = x[i];
            y[n++] = y[i];
        }
    }
    x.resize(n);
    y.resize(n);
    if (!std::is_sorted(x.begin(), x.end())) {
        QVector<int> order(n);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&x](int a, int b) { return x[a] < x[b]; });
        QVector<double> sx(n), sy(n);
        for (qsizetype i = 0; i < n; ++i) {
            sx[i] = x[order[i]];
            sy[i] = y[order[i]];
        }
        x.swap(sx);
        y.swap(sy);
    }
    Series &s = m_series[runId];
    if (!s.raw) {
        s.raw = m_plot->addGraph();
        s.raw->setLayer(QStringLiteral("main"));
    }
    s.name = name;
    s.color = color;
    s.x = std::move(x);
    s.y = std::move(y);
    recomputeSmoothing(s);
    applyStyle(s);
    scheduleRedraw();
}

void ChartView::appendPoint(qint64 runId, double x, double y)
{
    const auto it = m_series.find(runId);
    if (it == m_series.end() || !std::isfinite(x))
        return;
    Series &s = it->second;
    if (s.x.isEmpty() || x > s.x.last()) {
        s.x.append(x);
        s.y.append(y);
        if (m_smoothing > 0)
            s.smooth.append(s.ema.add(y));
    } else {
        const auto pos = std::lower_bound(s.x.begin(), s.x.end(), x);
        const qsizetype index = pos - s.x.begin();
        if (*pos == x) {
            s.y[index] = y;
        } else {
            s.x.insert(index, x);
            s.y.insert(index, y);
        }
        recomputeSmoothing(s);
    }
    scheduleRedraw();
}

void ChartView::removeSeries(qint64 runId)
{
    const auto it = m_series.find(runId);
    if (it == m_series.end())
        return;
    hideHover();
    m_plot->removeGraph(it->second.raw);
    if (it->second.smoothed)
        m_plot->removeGraph(it->second.smoothed);
    m_series.erase(it);
    scheduleRedraw();
}

void ChartView::clear()
{
    hideHover();
    for (auto &entry : m_series) {
        m_plot->removeGraph(entry.second.raw);
        if (entry.second.smoothed)
            m_plot->removeGraph(entry.second.smoothed);
    }
    m_series.clear();
    clearBands();
}

void ChartView::setBand(qint64 key, const QColor &color, const QVector<double> &x,
                        const QVector<double> &low, const QVector<double> &high)
{
    auto &[lo, hi] = m_bands[key];
    if (!lo) {
        lo = m_plot->addGraph();
        hi = m_plot->addGraph();
        for (QCPGraph *g : {lo, hi}) {
            g->setLayer(QStringLiteral("grid")); // under the series on "main"
            g->setPen(Qt::NoPen);
            g->removeFromLegend();
            g->setSelectable(QCP::stNone);
        }
        hi->setChannelFillGraph(lo);
    }
    QColor fill = color;
    fill.setAlpha(50);
    hi->setBrush(fill);
    lo->setData(x, low);
    hi->setData(x, high);
    scheduleRedraw();
}

void ChartView::clearBands()
{
    for (auto &[key, graphs] : m_bands) {
        m_plot->removeGraph(graphs.second);
        m_plot->removeGraph(graphs.first);
    }
    m_bands.clear();
    scheduleRedraw();
}

bool ChartView::hasSeries(qint64 runId) const
{
    return m_series.count(runId) > 0;
}

QList<qint64> ChartView::seriesIds() const
{
    QList<qint64> ids;
    for (const auto &entry : m_series)
        ids.append(entry.first);
    return ids;
}

QVector<QPointF> ChartView::points(qint64 runId) const
{
    QVector<QPointF> result;
    const auto it = m_series.find(runId);
    if (it == m_series.end())
        return result;
    result.reserve(it->second.x.size());
    for (qsizetype i = 0; i < it->second.x.size(); ++i)
        result.append(QPointF(it->second.x[i], it->second.y[i]));
    return result;
}

int ChartView::drawnPointCount(qint64 runId) const
{
    const auto it = m_series.find(runId);
    return it == m_series.end() ? 0 : it->second.raw->dataCount();
}

void ChartView::setSmoothing(double emaAlpha)
{
    emaAlpha = std::clamp(emaAlpha, 0.0, 0.999);
    if (qFuzzyCompare(emaAlpha + 1, m_smoothing + 1))
        return;
    m_smoothing = emaAlpha;
    for (auto &entry : m_series) {
        recomputeSmoothing(entry.second);
        applyStyle(entry.second);
    }
    scheduleRedraw();
}

void ChartView::setShowPoints(bool show)
{
    m_showPoints = show;
    for (auto &entry : m_series)
        applyStyle(entry.second);
    scheduleRedraw();
}

void ChartView::setAxisLabels(const QString &x, const QString &y)
{
    m_plot->xAxis->setLabel(x);
    m_plot->yAxis->setLabel(y);
    scheduleRedraw();
}

void ChartView::setTitle(const QString &title)
{
    if (title.isEmpty()) {
        if (m_title) {
            m_plot->plotLayout()->remove(m_title);
            m_plot->plotLayout()->simplify();
            m_title = nullptr;
        }
    } else if (m_title) {
        m_title->setText(title);
    } else {
        QFont titleFont = font();
        titleFont.setBold(true);
        m_plot->plotLayout()->insertRow(0);
        m_title = new QCPTextElement(m_plot, title, titleFont);
        m_title->setTextColor(palette().color(QPalette::Text));
        m_plot->plotLayout()->addElement(0, 0, m_title);
    }
    scheduleRedraw();
}

void ChartView::setEmptyText(const QString &text)
{
    m_emptyText = text;
    updatePlaceholder();
    scheduleRedraw();
}

void ChartView::setNoDataText(const QString &text)
{
    m_noDataText = text;
    updatePlaceholder();
    scheduleRedraw();
}

void ChartView::resetView()
{
    m_autoRange = true;
    hideHover();
    replotNow();
}

void ChartView::replotNow()
{
    m_redrawTimer->stop();
    redraw();
}

void ChartView::scheduleRedraw()
{
    // Not restarted while pending: a steady stream of points still redraws every 40 ms.
    if (!m_redrawTimer->isActive())
        m_redrawTimer->start();
}

int ChartView::pixelColumns() const
{
    return std::max(kMinColumns, m_plot->axisRect()->width());
}

void ChartView::applyAutoRange()
{
    double xMin = qInf(), xMax = -qInf(), yMin = qInf(), yMax = -qInf();
    for (const auto &entry : m_series) {
        const Series &s = entry.second;
        if (s.x.isEmpty())
            continue;
        xMin = std::min(xMin, s.x.first());
        xMax = std::max(xMax, s.x.last());
        for (double v : s.y) {
            if (std::isfinite(v)) {
                yMin = std::min(yMin, v);
                yMax = std::max(yMax, v);
            }
        }
    }
    if (!std::isfinite(xMin)) {
        xMin = 0;
        xMax = 1;
    } else if (xMax - xMin <= 0) {
        xMin -= 0.5;
        xMax += 0.5;
    } else if (m_showPoints) {
        // Room for the markers at both ends.
        const double pad = (xMax - xMin) * 0.02;
        xMin -= pad;
        xMax += pad;
    }
    if (!std::isfinite(yMin)) {
        yMin = 0;
        yMax = 1;
    } else if (yMax - yMin <= 0) {
        const double pad = std::max(std::abs(yMin) * 0.05, 1e-12);
        yMin -= pad;
        yMax += pad;
    } else {
        const double pad = (yMax - yMin) * 0.05;
        yMin -= pad;
        yMax += pad;
    }
    m_settingRange = true;
    m_plot->xAxis->setRange(xMin, xMax);
    m_plot->yAxis->setRange(yMin, yMax);
    m_settingRange = false;
}

void ChartView::redraw()
{
    if (m_autoRange)
        applyAutoRange();
    // Decimate over three screen widths so a short pan shows data before the next redraw.
    const QCPRange range = m_plot->xAxis->range();
    const double lo = range.lower - range.size(), hi = range.upper + range.size();
    const int columns = 3 * pixelColumns();
    for (auto &entry : m_series) {
        Series &s = entry.second;
        s.raw->data()->set(decimate(s.x, s.y, lo, hi, columns), true);
        if (s.smoothed)
            s.smoothed->data()->set(decimate(s.x, s.smooth, lo, hi, columns), true);
    }
    updatePlaceholder();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ChartView::applyStyle(Series &s)
{
    const bool smooth = m_smoothing > 0;
    QColor rawColor = s.color;
    if (smooth)
        rawColor.setAlpha(60);
    s.raw->setPen(QPen(rawColor, smooth ? 1.0 : 1.6));
    s.raw->setName(s.name);
    s.raw->setScatterStyle(m_showPoints
                               ? QCPScatterStyle(QCPScatterStyle::ssCircle, rawColor, Qt::white, 5)
                               : QCPScatterStyle());
    if (smooth && !s.smoothed) {
        s.smoothed = m_plot->addGraph();
        s.smoothed->setLayer(QStringLiteral("smooth"));
    } else if (!smooth && s.smoothed) {
        m_plot->removeGraph(s.smoothed);
        s.smoothed = nullptr;
    }
    if (s.smoothed) {
        s.smoothed->setPen(QPen(s.color, 2.0));
        s.smoothed->setName(s.name);
        s.raw->removeFromLegend();
        s.smoothed->addToLegend();
    } else {
        s.raw->addToLegend();
    }
}

void ChartView::recomputeSmoothing(Series &s)
{
    s.smooth.clear();
    s.ema = EmaSmoother(m_smoothing);
    if (m_smoothing <= 0)
        return;
    s.smooth.reserve(s.y.size());
    for (double v : s.y)
        s.smooth.append(s.ema.add(v));
}

void ChartView::updatePlaceholder()
{
    bool anyData = false;
    for (const auto &entry : m_series)
        anyData |= !entry.second.x.isEmpty();
    const QString text = m_series.empty() ? m_emptyText : anyData ? QString() : m_noDataText;
    m_placeholder->setText(text);
    m_placeholder->setVisible(!text.isEmpty());
    m_plot->legend->setVisible(!m_series.empty() && anyData);
}

void ChartView::onMouseMove(QMouseEvent *event)
{
    if (event->buttons() != Qt::NoButton || m_series.empty()) {
        hideHover();
        return;
    }
    const QPointF pos = event->position();
    QCPAxis *xAxis = m_plot->xAxis;
    QCPAxis *yAxis = m_plot->yAxis;
    if (!m_plot->axisRect()->rect().contains(pos.toPoint())) {
        hideHover();
        return;
    }
    double bestDistance = kHoverRadiusPx;
    const Series *best = nullptr;
    qsizetype bestIndex = -1;
    const double key = xAxis->pixelToCoord(pos.x());
    for (const auto &entry : m_series) {
        const Series &s = entry.second;
        const QVector<double> &values = s.smoothed ? s.smooth : s.y;
        const qsizetype start = std::lower_bound(s.x.begin(), s.x.end(), key) - s.x.begin();
        const auto consider = [&](qsizetype i) {
            const double dx = xAxis->coordToPixel(s.x[i]) - pos.x();
            if (std::abs(dx) > bestDistance)
                return false; // further points in this direction are further away
            if (std::isfinite(values[i])) {
                const double d = std::hypot(dx, yAxis->coordToPixel(values[i]) - pos.y());
                if (d < bestDistance) {
                    bestDistance = d;
                    best = &s;
                    bestIndex = i;
                }
            }
            return true;
        };
        for (qsizetype i = start; i < s.x.size() && consider(i); ++i) {
        }
        for (qsizetype i = start - 1; i >= 0 && consider(i); --i) {
        }
    }
    if (!best) {
        hideHover();
        return;
    }
    const double x = best->x[bestIndex];
    const double shown = best->smoothed ? best->smooth[bestIndex] : best->y[bestIndex];
    QString text =
        QStringLiteral("%1\n%2: %3\n%4: %5")
            .arg(best->name, xAxis->label().isEmpty() ? QStringLiteral("x") : xAxis->label(),
                 formatNumber(x), yAxis->label().isEmpty() ? QStringLiteral("y") : yAxis->label(),
                 formatNumber(best->y[bestIndex]));
    if (best->smoothed)
        text += tr(" (smoothed %1)").arg(formatNumber(best->smooth[bestIndex]));
    m_tracer->position->setCoords(x, shown);
    m_tracer->setPen(QPen(best->color, 2));
    m_tracer->setBrush(QColor(255, 255, 255, 200));
    m_tracer->setVisible(true);
    // Keep the read-out inside the plot: open it towards the larger free side.
    const QRect rect = m_plot->axisRect()->rect();
    const double px = xAxis->coordToPixel(x), py = yAxis->coordToPixel(shown);
    Qt::Alignment alignment = px > rect.center().x() ? Qt::AlignRight : Qt::AlignLeft;
    alignment |= py < rect.center().y() ? Qt::AlignTop : Qt::AlignBottom;
    m_readout->setPositionAlignment(alignment);
    m_readout->position->setType(QCPItemPosition::ptAbsolute);
    m_readout->position->setCoords(px + (alignment & Qt::AlignLeft ? 10 : -10),
                                   py + (alignment & Qt::AlignTop ? 10 : -10));
    m_readout->setText(text);
    m_readout->setVisible(true);
    m_overlay->replot();
}

void ChartView::hideHover()
{
    if (!m_tracer->visible() && !m_readout->visible())
        return;
    m_tracer->setVisible(false);
    m_readout->setVisible(false);
    m_overlay->replot();
}

bool ChartView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_plot && event->type() == QEvent::Leave)
        hideHover();
    return QWidget::eventFilter(watched, event);
}

void ChartView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

void ChartView::applyPalette()
{
    const QPalette pal = palette();
    const QColor base = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::Text);
    applyPaletteToPlot(m_plot, pal);
    for (QCPAxis *axis : {m_plot->xAxis, m_plot->yAxis}) // loss and accuracy have meaningful zeros
        axis->grid()->setZeroLinePen(QPen(blendColors(base, text, 0.35)));
    QColor legendBrush = base;
    legendBrush.setAlpha(215);
    m_plot->legend->setBrush(legendBrush);
    m_plot->legend->setTextColor(text);
    m_plot->legend->setBorderPen(Qt::NoPen); // a row under the plot, not a box over it
    m_readout->setBrush(legendBrush);
    m_readout->setColor(text);
    m_placeholder->setColor(blendColors(base, text, 0.55));
    if (m_title)
        m_title->setTextColor(text);
}

void ChartView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    scheduleRedraw(); // the decimation depends on the pixel width
}

void ChartView::showContextMenu(const QPoint &pos)
{
    hideHover();
    QMenu menu(this);
    menu.addAction(tr("Reset view"), this, &ChartView::resetView);
    menu.addSeparator();
    menu.addAction(tr("Save as PNG…"), this, [this] { saveWithDialog(QStringLiteral("png")); });
    menu.addAction(tr("Save as SVG…"), this, [this] { saveWithDialog(QStringLiteral("svg")); });
    menu.addAction(tr("Save as PDF…"), this, [this] { saveWithDialog(QStringLiteral("pdf")); });
    menu.addAction(tr("Export data as CSV…"), this,
                   [this] { saveWithDialog(QStringLiteral("csv")); });
    menu.exec(m_plot->mapToGlobal(pos));
}

void ChartView::saveWithDialog(const QString &suffix)
{
    const QString base = m_title
                             ? m_title->text().toLower().replace(QLatin1Char(' '), QLatin1Char('-'))
                             : QStringLiteral("chart");
    QString path =
        QFileDialog::getSaveFileName(this, tr("Save chart"), base + QLatin1Char('.') + suffix,
                                     tr("%1 files (*.%2)").arg(suffix.toUpper(), suffix));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QLatin1Char('.') + suffix;
    QString error;
    const bool ok =
        suffix == QLatin1String("csv") ? saveCsv(path, &error) : saveImage(path, &error);
    if (!ok)
        QMessageBox::warning(this, tr("Save chart"), error);
}

bool ChartView::saveImage(const QString &path, QString *error)
{
    const auto fail = [&](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    hideHover();
    replotNow();
    // A chart that was never laid out is tiny; export it at a readable size instead.
    int width = m_plot->width(), height = m_plot->height();
    if (width < 200 || height < 150) {
        width = 800;
        height = 500;
    }
    const QString suffix = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = m_plot->savePng(path, width, height, 2.0);
    } else if (suffix == QLatin1String("pdf")) {
        ok = m_plot->savePdf(path, width, height, QCP::epNoCosmetic);
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(QSize(width, height));
        generator.setViewBox(QRect(0, 0, width, height));
        generator.setResolution(logicalDpiX());
        generator.setTitle(m_title ? m_title->text() : QStringLiteral("SentiLab chart"));
        QCPPainter painter;
        if (painter.begin(&generator)) {
            painter.setMode(QCPPainter::pmVectorized);
            m_plot->toPainter(&painter, width, height);
            ok = painter.end();
        }
    } else {
        return fail(tr("cannot save %1: unknown image type '%2'; use .png, .svg or .pdf")
                        .arg(path, suffix));
    }
    // The replot above was sized for the widget; restore its on-screen state.
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    if (!ok || QFileInfo(path).size() == 0)
        return fail(
            tr("could not write %1; check that the folder exists and is writable").arg(path));
    return true;
}

bool ChartView::saveCsv(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error)
            *error = tr("could not write %1: %2").arg(path, file.errorString());
        return false;
    }
    QTextStream out(&file);
    out << "series,x,y\n";
    for (const auto &entry : m_series) {
        QString name = entry.second.name;
        name.replace(QLatin1Char('"'), QLatin1String("\"\""));
        for (qsizetype i = 0; i < entry.second.x.size(); ++i)
            out << '"' << name << "\"," << QString::number(entry.second.x[i], 'g', 17) << ','
                << QString::number(entry.second.y[i], 'g', 17) << '\n';
    }
    out.flush();
    if (!file.commit()) {
        if (error)
            *error = tr("could not write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace sentilab::ui
