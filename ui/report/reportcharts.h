#pragma once
// Rendering for the PDF report (reportbuilder decides what it says, this draws it): vector charts
// and the page flow that places text, tables and charts on A4 pages. Each chart is an offscreen
// QCustomPlot (never shown) rendered with QCustomPlot::toPainter onto the report's painter. Part
// of sentilab_report, which does not link sentilab_ui (the CLI uses it offscreen).
//
// Requires a QApplication (QCustomPlot is a widget); GUI thread only.
#include <memory>

#include <QColor>
#include <QImage>
#include <QRectF>
#include <QString>
#include <QStringList>
#include <QVector>

class QCPPainter;
class QPdfWriter;
class QTextDocument;

namespace sentilab::ui {

struct ReportCurve
{
    QString name;         // legend text
    QColor color;         // line colour
    QVector<double> x, y; // same length; NaN y = gap
    bool faint = false;   // thin and translucent (raw values under a smoothed line)
    bool markers = false; // circles on every point (evaluations)
    bool inLegend = true; // false: drawn but not listed in the legend
    // How the points are drawn: joined by a line, or as unjoined dots or crosses (scatter plots).
    enum class Marks {
        Line,
        Dots,
        Crosses,
    };
    Marks marks = Marks::Line;
    // Same length as y: the curve is a translucent band from bandLow to y (no line, no legend).
    QVector<double> bandLow{};
};

struct ReportChart
{
    QString title;               // bold line above the plot; empty = none
    QString xLabel, yLabel;      // axis titles
    QVector<ReportCurve> curves; // drawn in order (later ones on top)
    QString emptyText;           // centred when no curve has a point, e.g. "not evaluated yet"
    bool zeroLine = false;       // dashed horizontal line at y = 0 (difference curves)
    bool logX = false;           // logarithmic x axis (x values must be > 0)
    QVector<double> xTicks{};    // with logX: ticks exactly here (e.g. a study's sizes)
    bool showLegend = true;      // a legend inside the axis rect when it has entries
    Qt::Alignment legendAlignment = Qt::AlignTop | Qt::AlignRight;
};

// Draws `chart` into `target` (the painter's coordinates). Text and line widths are sized for a
// `deviceDpi` device so that a chart reads like body text at print size. `painter` must be active;
// its state is restored on return.
void drawReportChart(QCPPainter *painter, const QRectF &target, const ReportChart &chart,
                     double deviceDpi);

// A cursor that lays a report out top to bottom over the pages of a QPdfWriter: HTML blocks
// (QTextDocument, laid out at the writer's resolution), tables split between rows with their
// header repeated, and rows of charts. A block that does not fit moves to the next page; every
// page gets a footer with `footer` and the page number. Lengths are device pixels of the writer
// (see mm()). `writer` and `painter` (active on `writer`) must outlive the flow; the first page
// starts in the constructor.
class ReportPageFlow
{
public:
    ReportPageFlow(QPdfWriter *writer, QCPPainter *painter, QString footer);

    double mm(double millimetres) const; // in device pixels
    double width() const { return m_width; }
    double remaining() const { return m_bottom - m_y; }
    bool atPageTop() const { return m_y <= m_top + 1; }

    void newPage();
    void space(double height);
    // Starts a new page unless `height` fits in what is left of this one (or would not fit on
    // any page): keeps a heading, its tables and its charts together.
    void keepTogether(double height);
    // `html` laid out at the content width with the report's fonts and style sheet.
    std::unique_ptr<QTextDocument> document(const QString &html) const;

    // A heading kept on one page with at least `keepWithNext` (device pixels) of what follows.
    void heading(const QString &html, double keepWithNext);
    // A text block, moved whole to the next page when it does not fit; a block taller than a
    // page is drawn in page-sized slices (QTextDocument keeps lines whole at slice borders).
    void html(const QString &html, double spaceAfter);
    // A table split between rows across pages, `headerRow` repeated on each page. `open` is the
    // <table ...> tag; every entry of `rows` is one <tr>...</tr>.
    void table(const QString &open, const QString &headerRow, const QStringList &rows,
               double spaceAfter);
    // Charts side by side in one row of the given height.
    void charts(const QVector<ReportChart> &charts, double height, double spaceAfter);
    // Pictures side by side in one row of the given height, each scaled to fit its share of the
    // width with its aspect kept and pixels left sharp (no smoothing), under a one-line caption.
    void images(const QVector<QImage> &images, const QStringList &captions, double height,
                double spaceAfter);

private:
    void draw(QTextDocument &doc);
    void startPage();

    QPdfWriter *m_writer;
    QCPPainter *m_painter;
    QString m_footer;
    double m_left = 0, m_width = 0, m_top = 0, m_bottom = 0, m_y = 0;
    int m_page = 0;
};

} // namespace sentilab::ui
