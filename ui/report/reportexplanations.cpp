#include "reportexplanations.h"

#include <QColor>

#include <algorithm>
#include <cmath>

#include "common/colors.h"
#include "common/palettes.h"
#include "reportcharts.h"

namespace sentilab::ui {

namespace {

QString chip(const QString &text, const QColor &fill)
{
    const bool dark = contrastRatio(Qt::black, fill) >= contrastRatio(Qt::white, fill);
    return QStringLiteral("<span style=\"background-color:%1; color:%2\">&nbsp;%3&nbsp;</span> ")
        .arg(fill.name(), dark ? QStringLiteral("#000000") : QStringLiteral("#ffffff"),
             text.toHtmlEscaped());
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
    flow.space(flow.mm(4));
    return true;
}

} // namespace sentilab::ui
