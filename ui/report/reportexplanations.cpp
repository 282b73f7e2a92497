#include "reportexplanations.h"

#include <QColor>

#include <algorithm>
#include <cmath>

#include "common/attentionimage.h"
#include "common/colors.h"
#include "common/palettes.h"
#include "reportcharts.h"

namespace sentilab::ui {

namespace {

QString chip(const QString &text, const QColor &fill)
{
    return QStringLiteral("<span style=\"background-color:%1; color:%2\">&nbsp;%3&nbsp;</span> ")
        .arg(fill.name(), textColorOn(fill).name(), text.toHtmlEscaped());
}

ReportChart mapChart(const ExplainedRun &r)
{
    ReportChart chart;
    chart.title = QStringLiteral("%1: silhouette %2").arg(r.name).arg(r.map->silhouette, 0, 'f', 3);
    chart.xLabel = QStringLiteral("first principal axis");
    chart.yLabel = QStringLiteral("second principal axis");
    ReportCurve negative, positive, wrong;
    negative.name = QStringLiteral("negative");
    negative.color = sentimentColor(false);
    positive.name = QStringLiteral("positive");
    positive.color = sentimentColor(true);
    wrong.name = QStringLiteral("misclassified");
    wrong.color = Qt::black;
    for (ReportCurve *c : {&negative, &positive})
        c->marks = ReportCurve::Marks::Dots;
    wrong.marks = ReportCurve::Marks::Crosses;
    for (const MapPoint &p : r.map->points) {
        ReportCurve &c = p.gold == 1 ? positive : negative;
        c.x << p.x;
        c.y << p.y;
        if (p.gold != p.predicted)
            wrong.x << p.x, wrong.y << p.y;
    }
    chart.curves = {negative, positive, wrong};
    return chart;
}

// Every attention head of each run for the first example sentence: the point of showing both
// side by side is that a pre-trained model's heads have visible roles and a scratch model's
// mostly do not.
void headsSubsection(ReportPageFlow &flow, const std::vector<ExplainedRun> &runs,
                     const QString &sentence)
{
    QVector<QImage> grids;
    QStringList captions;
    int layers = 0, heads = 0;
    for (const ExplainedRun &r : runs) {
        if (r.explanations.empty() || r.explanations.front().attention.empty())
            continue;
        const Explanation &e = r.explanations.front();
        // 24-pixel heads: enough for a 30-token sentence's pattern at 8 cm, small in the file.
        grids << attentionGridImage(e, 24, 3, Qt::white, QColor(170, 170, 170));
        captions
            << QStringLiteral("%1: %2 layers x %3 heads").arg(r.name).arg(e.layers).arg(e.heads);
        layers = std::max(layers, int(e.layers));
        heads = std::max(heads, int(e.heads));
    }
    if (grids.isEmpty())
        return;
    flow.heading(
        QStringLiteral("<h3>Attention heads</h3><p>Every head of each run for “%1”: one square "
                       "per head, layers top to bottom, heads left to right; in each square the "
                       "rows are the attending tokens and the columns the attended ones, shaded "
                       "relative to that head's largest weight (darker = more). A diagonal band is "
                       "a head that "
                       "looks at a neighbouring token, a bright column one that gathers on a "
                       "single token such as [SEP] or a full stop: such roles are learned in "
                       "pre-training.</p>")
            .arg(sentence.toHtmlEscaped()),
        flow.mm(60));
    // Heads are square: the row is as tall as the grid is at its share of the width.
    const double share = (flow.width() - flow.mm(6) * double(grids.size() - 1)) / grids.size();
    const double height = std::min(flow.mm(90), share * layers / std::max(1, heads)) + flow.mm(5);
    flow.images(grids, captions, height, flow.mm(3));
}

void mapsSubsection(ReportPageFlow &flow, const std::vector<ExplainedRun> &runs)
{
    QVector<ReportChart> charts;
    QStringList notes;
    for (const ExplainedRun &r : runs) {
        if (r.map) {
            charts << mapChart(r);
            notes << QStringLiteral("%1 %2: %3 sentences, silhouette %4 in the full %5-d space, "
                                    "the two axes carry %6% of the variance, the model is right "
                                    "on %7%.")
                         .arg(r.colorHtml, r.name.toHtmlEscaped())
                         .arg(r.map->points.size())
                         .arg(r.map->silhouette, 0, 'f', 3)
                         .arg(r.map->dim)
                         .arg(100 * (r.map->explained[0] + r.map->explained[1]), 0, 'f', 0)
                         .arg(100 * r.map->accuracy, 0, 'f', 1);
        } else if (!r.mapError.isEmpty()) {
            notes << QStringLiteral("%1: no embedding map: %2")
                         .arg(r.name.toHtmlEscaped(), r.mapError.toHtmlEscaped());
        }
    }
    if (charts.isEmpty() && notes.isEmpty())
        return;
    flow.heading(
        QStringLiteral("<h3>Embedding maps</h3><p>Every validation and test sentence placed by "
                       "the [CLS] vector the run's classifier reads, projected on its first two "
                       "principal axes; colour = gold label, cross = misclassified. The "
                       "silhouette (1 = classes apart, 0 = overlapping) is measured in the full "
                       "space, not in the picture.</p>"),
        flow.mm(70));
    for (qsizetype i = 0; i < charts.size(); i += 2)
        flow.charts(charts.mid(i, 2), flow.mm(65), flow.mm(2));
    flow.html(QStringLiteral("<p class=\"small\">%1</p>").arg(notes.join(QStringLiteral("<br/>"))),
              flow.mm(3));
}

} // namespace

QString attributionHtml(const Explanation &e, double scale)
{
    const double full = scale > 0 ? scale : 1;
    QString html;
    for (size_t w = 0; w < e.words.size() && w < e.wordScores.size(); ++w)
        html += chip(QString::fromStdString(e.words[w]),
                     attributionColor(e.wordScores[w] / full, Qt::white));
    return html;
}

QString rolloutHtml(const Explanation &e)
{
    float largest = 1e-6f;
    for (float r : e.rollout)
        largest = std::max(largest, r);
    QString html;
    for (size_t t = 0; t < e.tokens.size() && t < e.rollout.size(); ++t)
        html += chip(QString::fromStdString(e.tokens[t]),
                     attentionColor(e.rollout[t] / largest, Qt::white));
    return html;
}

bool explanationsSection(ReportPageFlow &flow, const std::vector<ExplainedRun> &runs,
                         const QStringList &sentences, int number)
{
    double scale = 0;
    bool any = false;
    for (const ExplainedRun &r : runs)
        for (const Explanation &e : r.explanations) {
            any = true;
            for (float s : e.wordScores)
                scale = std::max(scale, double(std::abs(s)));
        }
    for (const ExplainedRun &r : runs)
        any = any || r.map != nullptr;
    if (!any)
        return false;
    flow.heading(QStringLiteral("<h2>%1. Why the models decide</h2>").arg(number), flow.mm(40));
    flow.html(
        QStringLiteral(
            "<p>For each example sentence, each run's words coloured by their Integrated "
            "Gradients attribution (32 steps) to the log-odds of the run's own verdict: "
            "<span style=\"background-color:#0072B2; color:#ffffff\">&nbsp;blue&nbsp;</span> "
            "pushed towards the verdict, <span style=\"background-color:#E69F00\">&nbsp;orange"
            "&nbsp;</span> against it; full colour at %1 (one scale for all runs). Below each, "
            "the attention rollout from [CLS] over all layers (darker = more of [CLS]'s "
            "attention).</p>")
            .arg(scale, 0, 'g', 2),
        flow.mm(3));
    for (qsizetype i = 0; i < sentences.size(); ++i) {
        QString html = QStringLiteral("<p><b>“%1”</b></p>").arg(sentences[i].toHtmlEscaped());
        for (const ExplainedRun &r : runs) {
            if (size_t(i) >= r.explanations.size())
                continue;
            const Explanation &e = r.explanations[size_t(i)];
            html += QStringLiteral("<p>%1 %2: %3 (log-odds %4; completeness residual %5)<br/>%6"
                                   "<br/><span class=\"muted small\">rollout:</span> %7</p>")
                        .arg(r.colorHtml, r.name.toHtmlEscaped(),
                             QString::fromStdString(e.labelName).toHtmlEscaped())
                        .arg(e.target, 0, 'f', 2)
                        .arg(e.residual, 0, 'g', 2)
                        .arg(attributionHtml(e, scale), rolloutHtml(e));
        }
        flow.html(html, flow.mm(3));
    }
    if (!sentences.isEmpty())
        headsSubsection(flow, runs, sentences.front());
    mapsSubsection(flow, runs);
    flow.space(flow.mm(4));
    return true;
}

} // namespace sentilab::ui
