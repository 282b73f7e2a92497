#include "reportstudy.h"

#include <cmath>

#include "common/colors.h"
#include "common/formatting.h"
#include "reportcharts.h"

namespace sentilab::ui {
namespace {

QString points(double fraction, bool sign = false)
{
    if (!std::isfinite(fraction))
        return QStringLiteral("–");
    return QStringLiteral("%1%2")
        .arg(sign && fraction >= 0 ? QStringLiteral("+") : QString())
        .arg(100.0 * fraction, 0, 'f', 1);
}

QString cell(const QString &text, bool number = true)
{
    return number ? QStringLiteral("<td class=\"num\">%1</td>").arg(text)
                  : QStringLiteral("<td>%1</td>").arg(text);
}

ReportChart curveChart(const StudySummary &s)
{
    ReportChart chart;
    chart.xLabel = QStringLiteral("labelled training sentences (log scale)");
    chart.yLabel = QStringLiteral("test accuracy (%)");
    chart.logX = true;
    for (const int64_t n : s.sizes)
        chart.xTicks << double(n);
    chart.legendAlignment = Qt::AlignTop | Qt::AlignLeft; // the curve rises to the right
    chart.emptyText = QStringLiteral("no cell has finished yet");
    for (const std::string &kind : s.config.kinds) {
        ReportCurve band, seeds, mean;
        band.color = seeds.color = mean.color = kindColor(kind);
        seeds.marks = ReportCurve::Marks::Dots;
        seeds.faint = true;
        seeds.inLegend = false;
        mean.markers = true;
        mean.name = kind == "finetune" ? QStringLiteral("fine-tune: mean of seeds")
                                       : QStringLiteral("scratch: mean of seeds");
        for (const int64_t n : s.sizes) {
            const StudyGroup *g = s.group(kind, n);
            if (!g || g->n() == 0)
                continue;
            band.x << double(n);
            band.y << 100 * g->max;
            band.bandLow << 100 * g->min;
            mean.x << double(n);
            mean.y << 100 * g->mean;
            for (const StudyPoint &p : g->points) {
                seeds.x << double(n);
                seeds.y << 100 * p.value;
            }
        }
        chart.curves << band << seeds << mean;
    }
    return chart;
}

QString groupCells(const StudyGroup *g)
{
    if (!g || g->n() == 0)
        return cell(QStringLiteral("–")) + cell(QStringLiteral("–")) + cell(QStringLiteral("0"));
    return cell(points(g->mean)) + cell(points(g->sd)) + cell(QString::number(g->n()));
}

} // namespace

void studySection(ReportPageFlow &flow, const StudySummary &s, int number)
{
    flow.heading(QStringLiteral("<h2>%1. Pre-training value: study %2</h2>")
                     .arg(number)
                     .arg(QString::fromStdString(s.study.name).toHtmlEscaped()),
                 flow.mm(90));
    const StudyProgress &p = s.progress;
    flow.html(
        QStringLiteral("<p>Study #%1 (%2): %3 of %4 runs finished%5. Test accuracy of "
                       "each run's best validation checkpoint.</p>")
            .arg(s.study.id)
            .arg(QString::fromStdString(p.status))
            .arg(p.cellsFinished)
            .arg(p.cells)
            .arg(p.cellsFailed ? QStringLiteral(", %1 failed").arg(p.cellsFailed) : QString()),
        flow.mm(2));
    flow.charts({curveChart(s)}, flow.mm(75), flow.mm(3));
    flow.html(QStringLiteral("<p><b>%1</b></p><p>%2</p>")
                  .arg(QString::fromStdString(s.readoutText).toHtmlEscaped(),
                       QString::fromStdString(s.stabilityText).toHtmlEscaped()),
              flow.mm(3));

    QStringList rows;
    for (const int64_t n : s.sizes) {
        const StudyDifference *d = nullptr;
        for (const StudyDifference &x : s.differences)
            if (x.trainSize == n)
                d = &x;
        QString mcnemar = QStringLiteral("–");
        if (d) {
            QStringList ps;
            for (const StudyPair &pair : d->pairs)
                ps << (std::isfinite(pair.mcnemarP) ? QStringLiteral("%1 (%2/%3)")
                                                          .arg(pair.mcnemarP, 0, 'g', 2)
                                                          .arg(pair.onlyFinetune)
                                                          .arg(pair.onlyScratch)
                                                    : QStringLiteral("–"));
            mcnemar = ps.join(QStringLiteral(", "));
        }
        rows << QStringLiteral("<tr>") + cell(groupedNumber(double(n))) +
                    groupCells(s.group("finetune", n)) + groupCells(s.group("scratch", n)) +
                    cell(d ? points(d->mean, true) : QStringLiteral("–")) +
                    cell(d ? QStringLiteral("[%1, %2]%3")
                                 .arg(points(d->interval.low, true), points(d->interval.high, true),
                                      d->significant ? QString() : QStringLiteral(" n.s."))
                           : QStringLiteral("–")) +
                    cell(mcnemar, false) + QStringLiteral("</tr>");
    }
    flow.table(
        QStringLiteral("<table width=\"100%\" cellspacing=\"0\" cellpadding=\"3\" border=\"1\" "
                       "style=\"border-collapse: collapse; border-color: #b8c2cc;\">"),
        QStringLiteral("<tr><th>Sentences</th><th>Fine-tune mean %</th><th>sd</th><th>n</th>"
                       "<th>Scratch mean %</th><th>sd</th><th>n</th><th>Difference (points)</th>"
                       "<th>95% CI</th><th>McNemar p (only FT / only scratch right)</th></tr>"),
        rows, flow.mm(3));

    QStringList seeds;
    for (const uint64_t seed : s.config.seeds)
        seeds << QString::number(seed);
    flow.html(
        QStringLiteral(
            "<p class=\"muted\"><b>Method.</b> Training subsets are stratified by label and nested "
            "(each size contains the smaller ones), drawn once with data seed %1 from the %2 "
            "training sentences; both kinds and every seed (%3) train on the same sentences, and "
            "validation and test are the full splits. Step budget: each run trains its "
            "experiment's epochs, or more until it has at least %4 optimizer steps, and validates "
            "%5 times (and at its last step); its best validation checkpoint is tested. The "
            "difference is fine-tune minus scratch on matched seeds; its 95% interval is a "
            "percentile bootstrap over seeds (every resample enumerated up to 6 seeds); n.s. = "
            "the interval includes 0 (not significant). McNemar's exact test compares the two "
            "runs of a seed on their test predictions.</p>")
            .arg(s.config.dataSeed)
            .arg(groupedNumber(double(s.study.trainSplitSize)))
            .arg(seeds.join(QStringLiteral(", ")))
            .arg(s.config.minSteps)
            .arg(s.config.evalsPerRun),
        flow.mm(4));
}

} // namespace sentilab::ui
