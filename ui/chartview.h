#pragma once
// A live line chart: one QCustomPlot holding any number of series, one per run.
//
// Data contract: every point handed in is kept (points(), saveCsv()); nothing is ever dropped.
// Drawing uses a decimated copy when a series has more than about two points per pixel column of
// the visible x range: per column the minimum and the maximum are drawn, in x order (PlotJuggler's
// scheme), so a million points draw as fast as a thousand and no spike disappears. A NaN value is
// kept as data and drawn as a gap.
//
// Redraw contract (DESIGN.md rule 9): setSeries/appendPoint/... only mark the chart dirty; a 40 ms
// single-shot timer re-decimates and queues one replot (QCustomPlot::rpQueuedReplot). Call
// replotNow() to flush synchronously (tests, exports).
//
// View: the axes follow the data until the user zooms or pans (mouse wheel, drag); the view is
// then kept until resetView() (double-click, context menu).
//
// x per series is kept sorted: appending a larger x is O(1), an equal x replaces the stored value
// (the run store's upsert semantics) and a smaller x is inserted in place. A point whose x is
// NaN or infinite has no place on the axis and is ignored.
//
// GUI thread only.
#include <map>

#include <QColor>
#include <QList>
#include <QPointF>
#include <QString>
#include <QVector>
#include <QWidget>

#include "common/smoothing.h"

class QCPGraph;
class QCPItemText;
class QCPItemTracer;
class QCPLayer;
class QCPTextElement;
class QCustomPlot;
class QMouseEvent;
class QTimer;

namespace sentilab::ui {

class ChartView : public QWidget
{
    Q_OBJECT

public:
    explicit ChartView(QWidget *parent = nullptr);
    ~ChartView() override;

    // Creates or replaces the series of `runId` (name in the legend, colour). x and y must have the
    // same length (the longer one is truncated); they need not be sorted.
    void setSeries(qint64 runId, const QString &name, const QColor &color, QVector<double> x,
                   QVector<double> y);
    // Adds one point to an existing series; ignored when `runId` has no series.
    void appendPoint(qint64 runId, double x, double y);
    void removeSeries(qint64 runId);
    void clear(); // removes every series and band
    // A translucent band from low to high over x (the seed spread of runs that differ only in
    // their seed), drawn under the series and not in the legend; replaces the band of `key`.
    void setBand(qint64 key, const QColor &color, const QVector<double> &x,
                 const QVector<double> &low, const QVector<double> &high);
    void clearBands();
    int bandCount() const { return int(m_bands.size()); }
    bool hasSeries(qint64 runId) const;
    QList<qint64> seriesIds() const; // ascending
    // Every stored point of the series, sorted by x; empty for an unknown run.
    QVector<QPointF> points(qint64 runId) const;
    // Points currently handed to QCustomPlot for the raw series (after decimation); reflects the
    // last redraw, so call replotNow() first.
    int drawnPointCount(qint64 runId) const;

    // Exponential moving average weight of the previous value, in [0, 1); 0 turns smoothing off.
    // When on, each series is drawn faint (alpha 60) with its debiased EMA as a solid line on top.
    void setSmoothing(double emaAlpha);
    double smoothing() const { return m_smoothing; }
    // Circle markers on the drawn points, for sparse series such as evaluations.
    void setShowPoints(bool show);
    void setAxisLabels(const QString &x, const QString &y);
    void setTitle(const QString &title); // empty = no title row
    // Shown centred while the chart has no series at all, e.g. "Select a run".
    void setEmptyText(const QString &text);
    // Shown centred while every series is still empty.
    void setNoDataText(const QString &text);

    // Back to following the data (auto range), and redraws.
    void resetView();
    bool isAutoRange() const { return m_autoRange; }
    // Runs a pending throttled redraw now.
    void replotNow();

    // Writes the chart as an image chosen by suffix: .png (2x raster), .svg (vector, QSvgGenerator)
    // or .pdf (vector). Returns false and sets *error (when given) on an unknown suffix or a write
    // failure.
    bool saveImage(const QString &path, QString *error = nullptr);
    // Writes every stored point as CSV "series,x,y" (C locale, full precision).
    bool saveCsv(const QString &path, QString *error = nullptr) const;

    QCustomPlot *plot() const { return m_plot; }

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Series
    {
        QString name;
        QColor color;
        QVector<double> x, y;
        QVector<double> smooth; // debiased EMA of y, same length; empty while smoothing is off
        EmaSmoother ema;        // over y, with the view's smoothing weight
        QCPGraph *raw = nullptr;
        QCPGraph *smoothed = nullptr;
    };

    void scheduleRedraw();
    void redraw();
    void applyAutoRange();
    void applyStyle(Series &series);
    void recomputeSmoothing(Series &series);
    void updatePlaceholder();
    int pixelColumns() const;
    void onMouseMove(QMouseEvent *event);
    void hideHover();
    void showContextMenu(const QPoint &pos);
    void saveWithDialog(const QString &suffix);

    QCustomPlot *m_plot = nullptr;
    QTimer *m_redrawTimer = nullptr;
    std::map<qint64, Series> m_series;
    std::map<qint64, std::pair<QCPGraph *, QCPGraph *>> m_bands; // key -> (low, high)
    double m_smoothing = 0;
    bool m_showPoints = false;
    bool m_autoRange = true;
    bool m_settingRange = false; // our own setRange calls must not count as a user zoom
    QString m_emptyText;
    QString m_noDataText;
    QCPTextElement *m_title = nullptr;
    // Colours the plot's background, axes, grid, legend and read-out from the widget palette
    // (light or dark theme); called at construction and on palette changes.
    void applyPalette();
    QCPItemText *m_placeholder = nullptr;
    QCPLayer *m_overlay = nullptr;
    QCPItemTracer *m_tracer = nullptr;
    QCPItemText *m_readout = nullptr;
};

} // namespace sentilab::ui
