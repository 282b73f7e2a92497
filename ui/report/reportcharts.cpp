#include "reportcharts.h"

#include <algorithm>
#include <cmath>

#include <QAbstractTextDocumentLayout>
#include <QImage>
#include <QPdfWriter>
#include <QTextBlock>
#include <QTextDocument>

#include "common/formatting.h"
#include "common/qcpinclude.h"

namespace sentilab::ui {
namespace {

// Chart text in CSS pixels (1/96 inch) of the chart's logical coordinate system. Pixel sizes, not
// point sizes: the painter is scaled from logical pixels to the device, and a point-sized font
// would be converted at the device resolution first and then scaled a second time.
QFont chartFont(int pixelSize, bool bold = false)
{
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPixelSize(pixelSize);
    font.setBold(bold);
    return font;
}

void styleAxis(QCPAxis *axis)
{
    const QColor ink(60, 60, 60);
    axis->setLabelFont(chartFont(11));
    axis->setTickLabelFont(chartFont(10));
    axis->setLabelColor(ink);
    axis->setTickLabelColor(ink);
    axis->setBasePen(QPen(ink, 0.8));
    axis->setTickPen(QPen(ink, 0.8));
    axis->setSubTickPen(QPen(ink, 0.6));
    axis->setTickLengthOut(0);
    axis->setLabelPadding(2);
    axis->grid()->setPen(QPen(QColor(222, 222, 222), 0.6));
    axis->grid()->setZeroLinePen(Qt::NoPen);
    axis->grid()->setSubGridVisible(false);
}

} // namespace

void drawReportChart(QCPPainter *painter, const QRectF &target, const ReportChart &chart,
                     double deviceDpi)
{
    const double scale = deviceDpi / 96.0;
    const int width = std::max(60, int(target.width() / scale));
    const int height = std::max(40, int(target.height() / scale));

    QCustomPlot plot;
    plot.setBufferDevicePixelRatio(1);
    styleAxis(plot.xAxis);
    styleAxis(plot.yAxis);
    plot.xAxis->setLabel(chart.xLabel);
    plot.yAxis->setLabel(chart.yLabel);
    plot.axisRect()->setAutoMargins(QCP::msAll);
    if (!chart.title.isEmpty()) {
        plot.plotLayout()->insertRow(0);
        auto *title = new QCPTextElement(&plot, chart.title, chartFont(12, true));
        title->setMargins(QMargins(0, 2, 0, 2));
        plot.plotLayout()->addElement(0, 0, title);
    }

    double xMin = qInf(), xMax = -qInf(), yMin = qInf(), yMax = -qInf();
    int legendEntries = 0;
    for (const ReportCurve &curve : chart.curves) {
        const qsizetype n = std::min(curve.x.size(), curve.y.size());
        QCPGraph *graph = plot.addGraph();
        graph->setData(curve.x.mid(0, n), curve.y.mid(0, n));
        QColor color = curve.color;
        if (curve.faint)
            color.setAlpha(70);
        graph->setPen(QPen(color, curve.faint ? 0.8 : 1.6));
        if (curve.marks != ReportCurve::Marks::Line) {
            graph->setLineStyle(QCPGraph::lsNone);
            graph->setScatterStyle(curve.marks == ReportCurve::Marks::Dots
                                       ? QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 3)
                                       : QCPScatterStyle(QCPScatterStyle::ssCross, color, 5));
        } else if (curve.markers)
            graph->setScatterStyle(
                QCPScatterStyle(QCPScatterStyle::ssCircle, color, Qt::white, 4.5));
        const bool band = curve.bandLow.size() == n && n > 0;
        if (band) {
            QCPGraph *low = plot.addGraph();
            low->setData(curve.x.mid(0, n), curve.bandLow);
            low->setPen(Qt::NoPen);
            low->removeFromLegend();
            graph->setPen(Qt::NoPen);
            QColor fill = curve.color;
            fill.setAlpha(50);
            graph->setBrush(fill);
            graph->setChannelFillGraph(low);
            for (const double v : curve.bandLow)
                if (std::isfinite(v))
                    yMin = std::min(yMin, v);
        }
        graph->setName(curve.name);
        if (curve.inLegend && !band)
            ++legendEntries;
        else
            graph->removeFromLegend();
        for (qsizetype i = 0; i < n; ++i) {
            if (!std::isfinite(curve.x[i]) || !std::isfinite(curve.y[i]))
                continue;
            xMin = std::min(xMin, curve.x[i]);
            xMax = std::max(xMax, curve.x[i]);
            yMin = std::min(yMin, curve.y[i]);
            yMax = std::max(yMax, curve.y[i]);
        }
    }
    const bool hasData = std::isfinite(xMin);
    if (!hasData) {
        xMin = 0, xMax = 1, yMin = 0, yMax = 1;
    } else {
        if (chart.zeroLine) {
            yMin = std::min(yMin, 0.0);
            yMax = std::max(yMax, 0.0);
        }
        if (xMax - xMin <= 0)
            xMin -= 0.5, xMax += 0.5;
        const double pad =
            yMax - yMin > 0 ? (yMax - yMin) * 0.08 : std::max(std::abs(yMax) * 0.05, 0.5);
        yMin -= pad;
        yMax += pad;
    }
    if (chart.logX && hasData) {
        plot.xAxis->setScaleType(QCPAxis::stLogarithmic);
        if (chart.xTicks.isEmpty()) {
            plot.xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
            plot.xAxis->setNumberFormat(QStringLiteral("gb"));
        } else {
            QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
            for (const double x : chart.xTicks)
                ticks->addTick(x, groupedNumber(x));
            plot.xAxis->setTicker(ticks);
        }
        xMin /= 1.3;
        xMax *= 1.3;
    }
    plot.xAxis->setRange(xMin, xMax);
    plot.yAxis->setRange(yMin, yMax);

    if (chart.zeroLine && hasData) {
        auto *zero = new QCPItemStraightLine(&plot);
        zero->point1->setCoords(xMin, 0);
        zero->point2->setCoords(xMax, 0);
        zero->setPen(QPen(QColor(120, 120, 120), 0.8, Qt::DashLine));
    }
    if (!hasData && !chart.emptyText.isEmpty()) {
        auto *text = new QCPItemText(&plot);
        text->position->setType(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(0.5, 0.5);
        text->setPositionAlignment(Qt::AlignCenter);
        text->setFont(chartFont(12));
        text->setColor(QColor(120, 120, 120));
        text->setText(chart.emptyText);
    }
    plot.legend->setVisible(chart.showLegend && legendEntries > 0 && hasData);
    plot.legend->setFont(chartFont(9));
    plot.legend->setBrush(QColor(255, 255, 255, 225));
    plot.legend->setBorderPen(QPen(QColor(190, 190, 190), 0.6));
    plot.legend->setIconSize(18, 8);
    plot.legend->setRowSpacing(-2);
    plot.axisRect()->insetLayout()->setInsetAlignment(0, chart.legendAlignment);

    painter->save();
    painter->translate(target.topLeft());
    painter->scale(scale, scale);
    painter->setMode(QCPPainter::pmVectorized);
    painter->setMode(QCPPainter::pmNonCosmetic);
    painter->setClipRect(QRectF(0, 0, width, height));
    plot.toPainter(painter, width, height);
    painter->restore();
}

ReportPageFlow::ReportPageFlow(QPdfWriter *writer, QCPPainter *painter, QString footer)
    : m_writer(writer), m_painter(painter), m_footer(std::move(footer))
{
    m_left = mm(20);
    m_width = writer->width() - 2 * m_left;
    m_top = mm(18);
    m_bottom = writer->height() - mm(18);
    startPage();
}

double ReportPageFlow::mm(double millimetres) const
{
    return millimetres / 25.4 * m_writer->resolution();
}

void ReportPageFlow::newPage()
{
    m_writer->newPage();
    startPage();
}

void ReportPageFlow::space(double height)
{
    m_y = std::min(m_bottom, m_y + height);
}

void ReportPageFlow::keepTogether(double height)
{
    if (!atPageTop() && height > remaining() && height <= m_bottom - m_top)
        newPage();
}

std::unique_ptr<QTextDocument> ReportPageFlow::document(const QString &html) const
{
    auto doc = std::make_unique<QTextDocument>();
    doc->documentLayout()->setPaintDevice(m_writer);
    doc->setDocumentMargin(0);
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSizeF(9);
    // Any letter spacing turns off ligatures, so "fi" stays two letters and text copied from (or
    // searched in) the PDF reads as typed. QFixed needs at least 1/64 px to count it.
    font.setLetterSpacing(QFont::AbsoluteSpacing, 0.02);
    doc->setDefaultFont(font);
    doc->setDefaultStyleSheet(
        QStringLiteral("h1 { font-size: 22pt; color: #1f3a5f; margin: 0; }"
                       "h2 { font-size: 14pt; color: #1f3a5f; margin-top: 0; margin-bottom: 3px; }"
                       "h3 { font-size: 11pt; color: #1f3a5f; margin-top: 0; margin-bottom: 2px; }"
                       "p { margin-top: 0; margin-bottom: 5px; }"
                       ".muted { color: #666666; }"
                       ".small { font-size: 8pt; }"
                       ".pass { color: #1b7f3b; font-weight: bold; }"
                       ".fail { color: #b00020; font-weight: bold; }"
                       "th { background-color: #e4ebf3; font-weight: bold; text-align: left; }"
                       "td.num, th.num { text-align: right; }"
                       ".nowrap { white-space: nowrap; }"));
    doc->setHtml(html);
    doc->setTextWidth(m_width);
    return doc;
}

void ReportPageFlow::heading(const QString &html, double keepWithNext)
{
    auto doc = document(html);
    if (!atPageTop() && doc->size().height() + keepWithNext > remaining())
        newPage();
    draw(*doc);
}

void ReportPageFlow::html(const QString &html, double spaceAfter)
{
    auto doc = document(html);
    const double h = doc->size().height();
    const double pageHeight = m_bottom - m_top;
    if (h > pageHeight) {
        if (!atPageTop())
            newPage();
        doc->setPageSize(QSizeF(m_width, pageHeight));
        const int pages = doc->pageCount();
        for (int page = 0; page < pages; ++page) {
            const QRectF slice(0, page * pageHeight, m_width, pageHeight);
            m_painter->save();
            m_painter->translate(m_left, m_y - page * pageHeight);
            doc->drawContents(m_painter, slice);
            m_painter->restore();
            if (page + 1 < pages)
                newPage();
        }
        const QRectF last = doc->documentLayout()->blockBoundingRect(doc->lastBlock());
        m_y += std::clamp(last.bottom() - (pages - 1) * pageHeight, 0.0, pageHeight);
        space(spaceAfter);
        return;
    }
    if (h > remaining())
        newPage();
    draw(*doc);
    space(spaceAfter);
}

void ReportPageFlow::table(const QString &open, const QString &headerRow, const QStringList &rows,
                           double spaceAfter)
{
    const auto build = [&](qsizetype first, qsizetype count) {
        return document(open + headerRow + rows.mid(first, count).join(QString()) +
                        QStringLiteral("</table>"));
    };
    qsizetype first = 0;
    while (first < rows.size()) {
        qsizetype count = rows.size() - first;
        auto doc = build(first, count);
        if (doc->size().height() > remaining()) {
            qsizetype lo = 0, hi = count; // the largest row count that fits lies in [lo, hi)
            while (hi - lo > 1) {
                const qsizetype mid = (lo + hi) / 2;
                if (build(first, mid)->size().height() <= remaining())
                    lo = mid;
                else
                    hi = mid;
            }
            if (lo == 0 && !atPageTop()) {
                newPage();
                continue;
            }
            count = std::max<qsizetype>(lo, 1); // a row taller than a page is drawn clipped
            doc = build(first, count);
        }
        draw(*doc);
        first += count;
        if (first < rows.size())
            newPage();
    }
    space(spaceAfter);
}

void ReportPageFlow::charts(const QVector<ReportChart> &charts, double height, double spaceAfter)
{
    if (charts.isEmpty())
        return;
    if (height > remaining())
        newPage();
    const double gap = mm(6);
    const double w = (m_width - gap * double(charts.size() - 1)) / double(charts.size());
    for (qsizetype i = 0; i < charts.size(); ++i)
        drawReportChart(m_painter, QRectF(m_left + double(i) * (w + gap), m_y, w, height),
                        charts[i], m_writer->resolution());
    m_y += height;
    space(spaceAfter);
}

void ReportPageFlow::images(const QVector<QImage> &images, const QStringList &captions,
                            double height, double spaceAfter)
{
    if (images.isEmpty())
        return;
    if (height > remaining())
        newPage();
    const double gap = mm(6), captionHeight = mm(5);
    const double w = (m_width - gap * double(images.size() - 1)) / double(images.size());
    m_painter->save();
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSizeF(8);
    m_painter->setFont(font);
    m_painter->setRenderHint(QPainter::SmoothPixmapTransform, false);
    for (qsizetype i = 0; i < images.size(); ++i) {
        const double left = m_left + double(i) * (w + gap);
        m_painter->setPen(Qt::black);
        m_painter->drawText(QRectF(left, m_y, w, captionHeight), Qt::AlignLeft | Qt::AlignVCenter,
                            i < captions.size() ? captions[i] : QString());
        const QImage &image = images[i];
        if (image.isNull())
            continue;
        const double scale = std::min(w / image.width(), (height - captionHeight) / image.height());
        m_painter->drawImage(
            QRectF(left, m_y + captionHeight, image.width() * scale, image.height() * scale),
            image);
    }
    m_painter->restore();
    m_y += height;
    space(spaceAfter);
}

void ReportPageFlow::draw(QTextDocument &doc)
{
    m_painter->save();
    m_painter->translate(m_left, m_y);
    doc.drawContents(m_painter);
    m_painter->restore();
    m_y += doc.size().height();
}

void ReportPageFlow::startPage()
{
    ++m_page;
    m_y = m_top;
    m_painter->save();
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSizeF(7);
    m_painter->setFont(font);
    m_painter->setPen(QColor(120, 120, 120));
    const QRectF footer(m_left, m_writer->height() - mm(13), m_width, mm(5));
    m_painter->drawText(footer, Qt::AlignLeft | Qt::AlignVCenter, m_footer);
    m_painter->drawText(footer, Qt::AlignRight | Qt::AlignVCenter,
                        QStringLiteral("Page %1").arg(m_page));
    m_painter->setPen(QPen(QColor(200, 200, 200), mm(0.2)));
    m_painter->drawLine(QPointF(m_left, footer.top()), QPointF(m_left + m_width, footer.top()));
    m_painter->restore();
}

} // namespace sentilab::ui
