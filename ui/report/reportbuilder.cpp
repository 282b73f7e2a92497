#include "reportbuilder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include <QDateTime>
#include <QFileInfo>
#include <QLocale>
#include <QPageSize>
#include <QPdfWriter>
#include <QSaveFile>

#include "common/qcpinclude.h"

#include <sentilab/attentioncheck.h>
#include <sentilab/classifier.h>
#include <sentilab/error.h>
#include <sentilab/runstore.h>
#include <sentilab/runtime.h>
#include <sentilab/training.h>
#include <sentilab/version.h>

#include "common/colors.h"
#include "common/formatting.h"
#include "common/smoothing.h"
#include "reportcharts.h"
#include "reportexplanations.h"
#include "reportstudy.h"

namespace sentilab::ui {
namespace {

constexpr int kDpi = 300;

double mm(double millimetres)
{
    return millimetres / 25.4 * kDpi;
}

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString esc(const std::string &text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

QString grouped(double value)
{
    return groupedNumber(value);
}

QString pct(double fraction)
{
    return formatPercent(fraction, 1);
}

QString pointsDifference(double fractionA, double fractionB)
{
    const double d = (fractionA - fractionB) * 100;
    return QStringLiteral("%1%2 percentage points")
        .arg(d >= 0 ? QStringLiteral("+") : QStringLiteral("-"))
        .arg(std::abs(d), 0, 'f', 1);
}

QString swatch(qint64 runId)
{
    return QStringLiteral("<span style=\"color:%1\">&#9632;</span>").arg(runColor(runId).name());
}

// A run as the report shows it: its summary from the read model and its verdicts on the sentences.
struct RunData : RunSummary
{
    RunVerdicts verdicts;

    QString name() const { return QString::fromStdString(info.name); }
    QString param(const std::string &key, const QString &fallback = QStringLiteral("n/a")) const
    {
        const std::string v = RunSummary::param(key);
        return v.empty() ? fallback : QString::fromStdString(v);
    }
    bool hasCheckpoint() const { return !checkpointDir.empty(); }
};

QString examplesText(int64_t count, bool evaluated)
{
    if (count >= 0)
        return grouped(double(count));
    return evaluated ? QStringLiteral("n/a") : QStringLiteral("not evaluated yet");
}

// A ruled table: thin single lines (collapsed borders), full width.
const QString kGrid = QStringLiteral(
    "<table width=\"100%\" cellspacing=\"0\" cellpadding=\"3\" border=\"1\" "
    "style=\"border-collapse: collapse; border-style: solid; border-color: #b8c2cc;\">");

QString row(const QStringList &cells, const QString &tag = QStringLiteral("td"))
{
    QString html = QStringLiteral("<tr>");
    for (const QString &cell : cells)
        html += cell.startsWith(QLatin1String("<td")) || cell.startsWith(QLatin1String("<th"))
                    ? cell
                    : QStringLiteral("<%1>%2</%1>").arg(tag, cell);
    return html + QStringLiteral("</tr>");
}

QString num(const QString &text)
{
    return QStringLiteral("<td class=\"num\">%1</td>").arg(text);
}

// ---- sections ----

QString testSentence(const RunData &r)
{
    return QStringLiteral("%1 has no test evaluation yet (%2, step %3 of %4).")
        .arg(esc(r.name()), esc(toString(r.info.status)), grouped(double(r.info.lastStep)),
             grouped(double(r.info.totalSteps)));
}

QString summaryHtml(const std::vector<RunData> &runs, const Comparison &pair)
{
    QStringList parts;
    if (pair.a < 0) {
        for (const RunData &r : runs) {
            if (r.test)
                parts << QStringLiteral("%1 (%2) reached <b>%3</b> test accuracy (F1 %4).")
                             .arg(esc(r.name()), esc(r.info.kind), pct(r.test->accuracy))
                             .arg(r.test->f1, 0, 'f', 3);
            else
                parts << testSentence(r);
            if (r.bestValidation)
                parts << QStringLiteral("Best validation accuracy: %1 at step %2.")
                             .arg(pct(r.bestValidation->accuracy),
                                  grouped(double(r.bestValidation->step)));
        }
        return parts.join(QLatin1Char(' '));
    }
    const RunData &a = runs[size_t(pair.a)];
    const RunData &b = runs[size_t(pair.b)];
    const QString nameA = QStringLiteral("<i>%1</i>").arg(esc(a.name()));
    const QString nameB = QStringLiteral("<i>%1</i>").arg(esc(b.name()));
    if (a.test && b.test) {
        const QString diff = pointsDifference(a.test->accuracy, b.test->accuracy);
        if (pair.kindsDiffer)
            parts << QStringLiteral(
                         "Fine-tuning (%1) reached <b>%2</b> test accuracy versus <b>%3</b> from "
                         "scratch (%4): <b>%5</b>.")
                         .arg(nameA, pct(a.test->accuracy), pct(b.test->accuracy), nameB, diff);
        else
            parts << QStringLiteral(
                         "%1 reached <b>%2</b> test accuracy versus <b>%3</b> for %4: <b>%5</b>.")
                         .arg(nameA, pct(a.test->accuracy), pct(b.test->accuracy), nameB, diff);
        parts << QStringLiteral("Test F1: %1 versus %2.")
                     .arg(a.test->f1, 0, 'f', 3)
                     .arg(b.test->f1, 0, 'f', 3);
    } else {
        for (const RunData *r : {&a, &b}) {
            if (r->test)
                parts << QStringLiteral("%1 reached <b>%2</b> test accuracy.")
                             .arg(esc(r->name()), pct(r->test->accuracy));
            else
                parts << testSentence(*r);
        }
    }
    if (a.bestValidation && b.bestValidation) {
        parts << QStringLiteral("Best validation accuracy: %1 (step %2) versus %3 (step %4).")
                     .arg(pct(a.bestValidation->accuracy), grouped(double(a.bestValidation->step)),
                          pct(b.bestValidation->accuracy), grouped(double(b.bestValidation->step)));
        // How soon did A reach what B reached at its best?
        if (const std::optional<EvalRecord> &reached = pair.aMatchedBestOfB;
            reached && b.bestValidation->step > 0) {
            parts << QStringLiteral(
                         "%1 first matched that best of %2 (%3) at step %4 (epoch %5), %6% of the "
                         "%7 steps %2 needed.")
                         .arg(nameA, nameB, pct(b.bestValidation->accuracy),
                              grouped(double(reached->step)))
                         .arg(reached->epoch, 0, 'f', 2)
                         .arg(100.0 * double(reached->step) / double(b.bestValidation->step), 0,
                              'f', 0)
                         .arg(grouped(double(b.bestValidation->step)));
        }
    }
    if (a.trainingSeconds >= 0 && b.trainingSeconds >= 0)
        parts << QStringLiteral("Training time: %1 versus %2.")
                     .arg(formatDuration(a.trainingSeconds), formatDuration(b.trainingSeconds));
    for (int i = 0; i < int(runs.size()); ++i) {
        if (i == pair.a || i == pair.b)
            continue;
        const RunData &r = runs[size_t(i)];
        parts << (r.test ? QStringLiteral("Also reported: %1 (%2), %3 test accuracy.")
                               .arg(esc(r.name()), esc(r.info.kind), pct(r.test->accuracy))
                         : testSentence(r));
    }
    return parts.join(QLatin1Char(' '));
}

void titlePage(ReportPageFlow &flow, const std::vector<RunData> &runs, const QString &databasePath,
               const Comparison &pair)
{
    flow.space(mm(25));
    flow.html(
        QStringLiteral(
            "<h1>SentiLab report</h1>"
            "<p style=\"font-size: 13pt; color: #444444;\">How much does pre-training buy you? "
            "DistilBERT fine-tuning versus training from scratch on SST-2.</p>"),
        mm(8));
    flow.html(QStringLiteral("<table cellspacing=\"0\" cellpadding=\"2\">"
                             "<tr><td class=\"muted\" width=\"22%\">Generated</td><td>%1</td></tr>"
                             "<tr><td class=\"muted\">SentiLab</td><td>%2</td></tr>"
                             "<tr><td class=\"muted\">Environment</td><td>%3</td></tr>"
                             "<tr><td class=\"muted\">Run store</td><td>%4</td></tr></table>")
                  .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                       QString::fromLatin1(kVersion), esc(environmentSummary()), esc(databasePath)),
              mm(8));
    flow.heading(QStringLiteral("<h2>Runs</h2>"), mm(45));
    QStringList rows;
    for (const RunData &r : runs) {
        rows << row({swatch(r.info.id) + QStringLiteral(" %1").arg(r.info.id), esc(r.name()),
                     esc(r.info.kind), esc(toString(r.info.status)),
                     QStringLiteral("%1 / %2").arg(grouped(double(r.info.lastStep)),
                                                   grouped(double(r.info.totalSteps))),
                     r.bestValidation ? pct(r.bestValidation->accuracy)
                                      : QStringLiteral("not evaluated yet"),
                     r.test ? pct(r.test->accuracy) : QStringLiteral("not evaluated yet"),
                     esc(r.info.startedAt.substr(0, 16))});
    }
    flow.table(
        kGrid,
        row({QStringLiteral("Id"), QStringLiteral("Name"), QStringLiteral("Kind"),
             QStringLiteral("Status"), QStringLiteral("Steps"), QStringLiteral("Best val. acc."),
             QStringLiteral("Test acc."), QStringLiteral("Started (UTC)")},
            QStringLiteral("th")),
        rows, mm(8));
    flow.heading(QStringLiteral("<h2>Summary</h2>"), mm(20));
    flow.html(QStringLiteral("<p>%1</p>").arg(summaryHtml(runs, pair)), mm(3));
}

void attentionSection(ReportPageFlow &flow, const ReportData &data)
{
    flow.heading(QStringLiteral("<h2>1. Self-attention check</h2>"), mm(45));
    if (data.attentionCases <= 0) {
        flow.html(QStringLiteral("<p class=\"muted\">Skipped (0 cases requested).</p>"), mm(3));
        return;
    }
    if (!data.attentionError.isEmpty()) {
        flow.html(QStringLiteral("<p class=\"fail\">The check could not run: %1</p>")
                      .arg(esc(data.attentionError)),
                  mm(3));
        return;
    }
    const std::vector<AttentionCheckCase> &results = data.attention;
    flow.html(QStringLiteral(
                  "<p>Our multi-head self-attention (linear maps, scaled dot products, masking and "
                  "softmax written "
                  "by hand) against <tt>torch::nn::MultiheadAttention</tt> with the same weights, "
                  "on %1 randomised "
                  "cases. <i>Max diff</i> is the largest absolute difference between the two.</p>")
                  .arg(results.size()),
              mm(3));
    QStringList rows;
    int passed = 0;
    double tol32 = 0, tol64 = 0;
    for (const AttentionCheckCase &c : results) {
        passed += c.passed;
        (c.float64 ? tol64 : tol32) = c.tolerance;
        QStringList masks;
        if (c.keyPaddingMask)
            masks << QStringLiteral("padding");
        if (c.attentionMask)
            masks << QStringLiteral("additive");
        rows << row({num(QString::number(c.index)),
                     QStringLiteral("<td class=\"nowrap\">%1</td>").arg(esc(c.shape())),
                     c.float64 ? QStringLiteral("float64") : QStringLiteral("float32"),
                     c.bias ? QStringLiteral("yes") : QStringLiteral("no"),
                     masks.isEmpty() ? QStringLiteral("none") : masks.join(QStringLiteral(", ")),
                     num(QString::number(c.maxDiffOutput, 'e', 2)),
                     num(QString::number(c.maxDiffWeights, 'e', 2)),
                     num(QString::number(c.tolerance, 'e', 0)),
                     c.passed ? QStringLiteral("<td class=\"pass\">pass</td>")
                              : QStringLiteral("<td class=\"fail\">FAIL</td>")});
    }
    const QString header =
        row({QStringLiteral("<th class=\"num\" width=\"6%\">Case</th>"),
             QStringLiteral("<th width=\"20%\">Shape</th>"),
             QStringLiteral("<th width=\"8%\">Dtype</th>"),
             QStringLiteral("<th class=\"nowrap\" width=\"5%\">Bias</th>"),
             QStringLiteral("<th width=\"15%\">Masks</th>"),
             QStringLiteral("<th class=\"num\" width=\"13%\">Max diff (output)</th>"),
             QStringLiteral("<th class=\"num\" width=\"13%\">Max diff (weights)</th>"),
             QStringLiteral("<th class=\"num\" width=\"11%\">Tolerance</th>"),
             QStringLiteral("<th class=\"nowrap\" width=\"7%\">Result</th>")},
            QStringLiteral("th"));
    flow.table(QString(kGrid).replace(QLatin1String("style=\""),
                                      QLatin1String("style=\"font-size: 8pt; ")),
               header, rows, mm(2));
    const bool allPassed = passed == int(results.size());
    flow.html(
        QStringLiteral("<p class=\"%1\">%2 of %3 cases pass%4.</p>")
            .arg(allPassed ? QStringLiteral("pass") : QStringLiteral("fail"))
            .arg(passed)
            .arg(results.size())
            .arg(allPassed
                     ? QStringLiteral(": our attention matches torch::nn::MultiheadAttention "
                                      "within %1 (float32) "
                                      "and %2 (float64)")
                           .arg(QString::number(tol32, 'g', 2), QString::number(tol64, 'g', 2))
                     : QStringLiteral(": see the failing cases above")),
        mm(6));
}

QString confusionHtml(const EvalRecord &e, const QString &caption)
{
    const auto &c = e.confusion; // tn, fp, fn, tp
    const double total = std::max<double>(1, double(c[0] + c[1] + c[2] + c[3]));
    const auto cell = [&](int64_t count, bool correct) {
        const int shade = int(std::lround(200 * double(count) / total));
        const QColor color = correct ? QColor(255 - shade / 2, 255 - shade / 4, 255 - shade / 2)
                                     : QColor(255 - shade / 4, 255 - shade / 2, 255 - shade / 2);
        return QStringLiteral("<td class=\"num\" style=\"background-color:%1\">%2</td>")
            .arg(color.name(), grouped(double(count)));
    };
    return QStringLiteral("<p><b>Confusion matrix</b> <span class=\"muted\">(%1)</span></p>")
               .arg(caption) +
           kGrid +
           row({QStringLiteral("<th width=\"30%\"></th>"),
                QStringLiteral("<th class=\"num\" width=\"35%\">pred. neg.</th>"),
                QStringLiteral("<th class=\"num\" width=\"35%\">pred. pos.</th>")},
               QStringLiteral("th")) +
           row({QStringLiteral("<th>true neg.</th>"), cell(c[0], true), cell(c[1], false)}) +
           row({QStringLiteral("<th>true pos.</th>"), cell(c[2], false), cell(c[3], true)}) +
           QStringLiteral("</table>");
}

QString modelText(const RunData &r)
{
    const ModelArchitecture &a = r.architecture;
    if (!a.known())
        return QStringLiteral("DistilBERT (architecture unknown: no checkpoint yet)");
    return QStringLiteral("dim %1, %2 layers, %3 heads, FFN %4; %5 parameters")
        .arg(a.dim)
        .arg(a.layers)
        .arg(a.heads)
        .arg(a.hiddenDim)
        .arg(grouped(double(a.parameters)));
}

void runSection(ReportPageFlow &flow, const RunData &r, int number, int index)
{
    const QString evalEvery = r.param("train.eval_every", QStringLiteral("0"));
    const QStringList settings = {
        row({QStringLiteral("Kind / init"),
             QStringLiteral("%1 / %2").arg(esc(r.info.kind), esc(r.param("model.init")))}),
        row({QStringLiteral("Model"), esc(modelText(r))}),
        row({QStringLiteral("Initial weights"),
             esc(r.architecture.weights.empty()
                     ? (r.info.kind == "scratch" ? std::string("random initialisation")
                                                 : std::string("not recorded by this run"))
                     : r.architecture.weights)}),
        row({QStringLiteral("Max length"),
             r.param("model.max_length") + QStringLiteral(" tokens")}),
        row({QStringLiteral("Optimiser"),
             QStringLiteral("AdamW, lr %1, weight decay %2, warm-up %3")
                 .arg(r.param("train.lr"), r.param("train.weight_decay"),
                      r.param("train.warmup_ratio"))}),
        row({QStringLiteral("Batch / epochs"),
             QStringLiteral("%1 / %2").arg(r.param("train.batch_size"), r.param("train.epochs"))}),
        row({QStringLiteral("Evaluation"), evalEvery == QLatin1String("0")
                                               ? QStringLiteral("at epoch ends")
                                               : QStringLiteral("every %1 steps").arg(evalEvery)}),
        row({QStringLiteral("Seed"), QString::number(r.info.seed)}),
        row({QStringLiteral("Examples"),
             QStringLiteral("train %1; validation %2; test %3")
                 .arg(examplesText(r.examples.train, true),
                      examplesText(r.examples.validation, r.lastValidation.has_value()),
                      examplesText(r.examples.test, r.test.has_value()))}),
        row({QStringLiteral("Training time"), formatDuration(r.trainingSeconds)}),
        row({QStringLiteral("Config hash"), esc(r.info.configHash.substr(0, 16))}),
    };
    QStringList results = {
        row({QStringLiteral("Status"),
             QStringLiteral("%1, step %2 of %3")
                 .arg(esc(toString(r.info.status)), grouped(double(r.info.lastStep)),
                      grouped(double(r.info.totalSteps)))}),
        row({QStringLiteral("Best validation accuracy"),
             r.bestValidation ? QStringLiteral("<b>%1</b> (step %2, epoch %3)")
                                    .arg(pct(r.bestValidation->accuracy),
                                         grouped(double(r.bestValidation->step)))
                                    .arg(r.bestValidation->epoch, 0, 'f', 2)
                              : QStringLiteral("not evaluated yet")}),
        row({QStringLiteral("Validation F1 (best)"),
             r.bestValidation ? QString::number(r.bestValidation->f1, 'f', 3)
                              : QStringLiteral("not evaluated yet")}),
        row({QStringLiteral("Test accuracy"),
             r.test ? QStringLiteral("<b>%1</b> (best checkpoint, step %2)")
                          .arg(pct(r.test->accuracy), grouped(double(r.test->step)))
                    : QStringLiteral("not evaluated yet")}),
        row({QStringLiteral("Test F1 / loss"),
             r.test
                 ? QStringLiteral("%1 / %2").arg(r.test->f1, 0, 'f', 3).arg(r.test->loss, 0, 'f', 4)
                 : QStringLiteral("not evaluated yet")}),
        row({QStringLiteral("Last training loss"),
             r.trainLoss.empty() ? QStringLiteral("no steps yet")
                                 : QString::number(r.trainLoss.back().value, 'f', 4)}),
    };
    if (!r.info.error.empty())
        results << row({QStringLiteral("Error"),
                        QStringLiteral("<span class=\"fail\">%1</span>").arg(esc(r.info.error))});
    QString confusion;
    if (r.test)
        confusion = confusionHtml(*r.test, QStringLiteral("test set"));
    else if (r.bestValidation)
        confusion = confusionHtml(*r.bestValidation, QStringLiteral("best validation"));
    else
        confusion = QStringLiteral("<p><b>Confusion matrix</b>: not evaluated yet</p>");

    const QString heading =
        QStringLiteral("<h3>%1.%2 %3 Run %4: %5</h3><p class=\"muted\">started %6, ended %7</p>")
            .arg(number)
            .arg(index)
            .arg(swatch(r.info.id))
            .arg(r.info.id)
            .arg(esc(r.name()), esc(r.info.startedAt.empty() ? std::string("-") : r.info.startedAt),
                 esc(r.info.endedAt.empty() ? std::string("-") : r.info.endedAt));
    const QString tables =
        QStringLiteral("<table width=\"100%\" cellspacing=\"0\" cellpadding=\"0\"><tr>"
                       "<td width=\"52%\" valign=\"top\"><p><b>Settings</b></p>%1%2</table></td>"
                       "<td width=\"3%\"></td>"
                       "<td width=\"45%\" valign=\"top\"><p><b>Results</b></p>%1%3</table>"
                       "<p></p>%4</td></tr></table>")
            .arg(kGrid, settings.join(QString()), results.join(QString()), confusion);
    const double chartHeight = mm(50);
    flow.keepTogether(flow.document(heading)->size().height() +
                      flow.document(tables)->size().height() + mm(3) + chartHeight);
    flow.heading(heading, 0);
    flow.html(tables, mm(3));

    ReportCurve raw{QStringLiteral("loss"), runColor(r.info.id), {}, {}, true, false, false};
    for (const MetricPoint &p : r.trainLoss) {
        raw.x.append(double(p.step));
        raw.y.append(p.value);
    }
    const double alpha = raw.y.size() > 200 ? 0.9 : 0.6;
    ReportCurve smooth{QStringLiteral("EMA %1").arg(alpha), runColor(r.info.id), raw.x,
                       emaSmoothed(raw.y, alpha)};
    ReportChart loss{QStringLiteral("Training loss (raw, EMA %1)").arg(alpha),
                     QStringLiteral("step"),
                     QStringLiteral("loss"),
                     {raw, smooth},
                     QStringLiteral("no training steps yet")};
    loss.showLegend = false;
    ReportCurve acc{r.name(), runColor(r.info.id), {}, {}, false, true};
    for (const EvalRecord &e : r.validation) {
        acc.x.append(double(e.step));
        acc.y.append(e.accuracy * 100);
    }
    ReportChart accuracy{QStringLiteral("Validation accuracy"),
                         QStringLiteral("step"),
                         QStringLiteral("accuracy (%)"),
                         {acc},
                         QStringLiteral("not evaluated yet")};
    accuracy.showLegend = false;
    ReportCurve valLoss{r.name(), runColor(r.info.id), {}, {}, false, true};
    for (const EvalRecord &e : r.validation) {
        valLoss.x.append(double(e.step));
        valLoss.y.append(e.loss);
    }
    ReportChart validationLoss{QStringLiteral("Validation loss"),
                               QStringLiteral("step"),
                               QStringLiteral("loss"),
                               {valLoss},
                               QStringLiteral("not evaluated yet")};
    validationLoss.showLegend = false;
    ReportCurve lr{r.name(), runColor(r.info.id), {}, {}};
    for (const MetricPoint &p : r.learningRate) {
        lr.x.append(double(p.step));
        lr.y.append(p.value);
    }
    ReportChart learningRate{QStringLiteral("Learning rate"),
                             QStringLiteral("step"),
                             QStringLiteral("learning rate"),
                             {lr},
                             QStringLiteral("no training steps yet")};
    learningRate.showLegend = false;
    flow.charts({loss, accuracy}, chartHeight, mm(3));
    flow.charts({validationLoss, learningRate}, chartHeight, mm(6));
}

QString metricCell(const std::optional<EvalRecord> &e, double EvalRecord::*field, bool percent)
{
    if (!e)
        return QStringLiteral("<td class=\"num\">not evaluated yet</td>");
    const double v = (*e).*field;
    return num(percent ? pct(v) : QString::number(v, 'f', field == &EvalRecord::loss ? 4 : 3));
}

struct NoDelta // a comparison row without a difference column entry
{
};

// Whether the pair differs only in its initialisation, and if not, in what.
QString fairnessHtml(const std::vector<RunData> &runs, const Comparison &pair)
{
    const RunData &a = runs[size_t(pair.a)], &b = runs[size_t(pair.b)];
    if (pair.differences.empty() && pair.kindsDiffer)
        return QStringLiteral("<p>%1 and %2 share model size, training data and recipe: they "
                              "differ only in their initialisation (pre-trained versus random%3), "
                              "so the difference between them is what pre-training buys.</p>")
            .arg(esc(a.name()), esc(b.name()),
                 a.info.seed != b.info.seed ? QStringLiteral(", and the seed") : QString());
    if (pair.differences.empty())
        return QStringLiteral("<p>%1 and %2 share model size, training data and recipe: the "
                              "difference between them comes from the seed alone.</p>")
            .arg(esc(a.name()), esc(b.name()));
    QStringList items;
    for (const Comparison::Difference &d : pair.differences)
        items << QStringLiteral("%1 <i>%2</i>: %3 versus %4")
                     .arg(esc(d.aspect), esc(d.key), esc(d.a), esc(d.b));
    return QStringLiteral("<p class=\"fail\">Not only the initialisation differs: %1. Part of the "
                          "difference below comes from these settings, not from pre-training "
                          "alone.</p>")
        .arg(items.join(QStringLiteral("; ")));
}

void comparisonSection(ReportPageFlow &flow, const std::vector<RunData> &runs,
                       const Comparison &pair, int number)
{
    flow.heading(QStringLiteral("<h2>%1. Comparison</h2>").arg(number), mm(45));
    const bool delta = pair.a >= 0 && runs.size() == 2;
    QStringList headerCells = {QStringLiteral("Measure")};
    for (const RunData &r : runs)
        headerCells << QStringLiteral(
                           "<th class=\"num\">%1 %2<br/><span class=\"muted\">%3</span></th>")
                           .arg(swatch(r.info.id), esc(r.name()), esc(r.info.kind));
    if (delta)
        headerCells
            << QStringLiteral(
                   "<th class=\"num\">Difference<br/><span class=\"muted\">%1 - %2</span></th>")
                   .arg(esc(runs[size_t(pair.a)].name()), esc(runs[size_t(pair.b)].name()));
    const auto metricRow = [&](const QString &label, const auto &cellOf, const auto &valueOf) {
        QStringList cells = {label};
        for (const RunData &r : runs)
            cells << cellOf(r);
        if (delta) {
            if constexpr (std::is_same_v<std::decay_t<decltype(valueOf)>, NoDelta>) {
                cells << num(QString());
            } else {
                const std::optional<double> va = valueOf(runs[size_t(pair.a)]),
                                            vb = valueOf(runs[size_t(pair.b)]);
                cells << num(va && vb ? pointsDifference(*va, *vb) : QStringLiteral("n/a"));
            }
        }
        return row(cells);
    };
    const NoDelta none;
    const auto text = [](const auto &f) { return [f](const RunData &r) { return num(f(r)); }; };
    QStringList rows;
    rows << metricRow(QStringLiteral("Status"),
                      text([](const RunData &r) { return esc(toString(r.info.status)); }), none);
    rows << metricRow(QStringLiteral("Steps done / planned"), text([](const RunData &r) {
                          return QStringLiteral("%1 / %2").arg(grouped(double(r.info.lastStep)),
                                                               grouped(double(r.info.totalSteps)));
                      }),
                      none);
    rows << metricRow(QStringLiteral("Learning rate, batch, epochs"), text([](const RunData &r) {
                          return QStringLiteral("%1, %2, %3")
                              .arg(r.param("train.lr"), r.param("train.batch_size"),
                                   r.param("train.epochs"));
                      }),
                      none);
    rows << metricRow(
        QStringLiteral("Best validation accuracy"),
        [](const RunData &r) { return metricCell(r.bestValidation, &EvalRecord::accuracy, true); },
        [](const RunData &r) {
            return r.bestValidation ? std::optional(r.bestValidation->accuracy) : std::nullopt;
        });
    rows << metricRow(QStringLiteral("... at step"), text([](const RunData &r) {
                          return r.bestValidation ? grouped(double(r.bestValidation->step))
                                                  : QStringLiteral("n/a");
                      }),
                      none);
    rows << metricRow(
        QStringLiteral("Test accuracy"),
        [](const RunData &r) { return metricCell(r.test, &EvalRecord::accuracy, true); },
        [](const RunData &r) { return r.test ? std::optional(r.test->accuracy) : std::nullopt; });
    rows << metricRow(
        QStringLiteral("Test F1"),
        [](const RunData &r) { return metricCell(r.test, &EvalRecord::f1, false); }, none);
    rows << metricRow(
        QStringLiteral("Test loss"),
        [](const RunData &r) { return metricCell(r.test, &EvalRecord::loss, false); }, none);
    rows << metricRow(QStringLiteral("Training time"),
                      text([](const RunData &r) { return formatDuration(r.trainingSeconds); }),
                      none);
    flow.table(kGrid, row(headerCells, QStringLiteral("th")), rows, mm(3));
    if (pair.hasPair())
        flow.html(fairnessHtml(runs, pair), mm(5));

    QVector<ReportCurve> overlay;
    for (const RunData &r : runs) {
        ReportCurve c{r.name(), runColor(r.info.id), {}, {}, false, true};
        for (const EvalRecord &e : r.validation) {
            c.x.append(double(e.step));
            c.y.append(e.accuracy * 100);
        }
        overlay.append(c);
    }
    ReportChart all{QStringLiteral("Validation accuracy, all runs"), QStringLiteral("step"),
                    QStringLiteral("accuracy (%)"), overlay, QStringLiteral("not evaluated yet")};
    all.legendAlignment = Qt::AlignBottom | Qt::AlignRight;
    QVector<ReportChart> charts = {all};
    QString note;
    if (pair.a >= 0) {
        const RunData &a = runs[size_t(pair.a)];
        const RunData &b = runs[size_t(pair.b)];
        ReportCurve diff{
            QStringLiteral("difference"), QColor(40, 40, 40), {}, {}, false, true, false};
        bool interpolated = false;
        for (const DifferencePoint &p : pair.difference) {
            diff.x.append(double(p.step));
            diff.y.append(p.points);
            interpolated = interpolated || p.interpolated;
        }
        note = QStringLiteral("Difference = validation accuracy of %1 minus %2 in percentage "
                              "points, at every step either run evaluated inside the steps both "
                              "cover")
                   .arg(esc(a.name()), esc(b.name()));
        if (interpolated)
            note += QStringLiteral("; between a run's evaluations its accuracy is interpolated "
                                   "linearly");
        note += QStringLiteral(" (%1 evaluation steps).").arg(diff.x.size());
        ReportChart d{QStringLiteral("Validation accuracy difference (percentage points)"),
                      QStringLiteral("step"),
                      QStringLiteral("percentage points"),
                      {diff},
                      QStringLiteral("no validation steps in common yet")};
        d.zeroLine = true;
        d.showLegend = false;
        charts.append(d);
    }
    if (runs.size() >= 2) // one run's curve is already in its own section
        flow.charts(charts, mm(60), mm(2));
    if (!note.isEmpty())
        flow.html(QStringLiteral("<p class=\"muted small\">%1</p>").arg(note), mm(6));
}

void sentencesSection(ReportPageFlow &flow, const std::vector<RunData> &runs,
                      const QStringList &sentences, int number)
{
    flow.heading(QStringLiteral("<h2>%1. Example sentences</h2>").arg(number), mm(45));
    flow.html(
        QStringLiteral(
            "<p>Each run's best checkpoint classifies the sentences below; the percentage is the "
            "probability of the predicted class.</p>"),
        mm(3));
    QStringList header = {QStringLiteral("<th width=\"40%\">Sentence</th>")};
    for (const RunData &r : runs)
        header << QStringLiteral("<th>%1 %2</th>").arg(swatch(r.info.id), esc(r.name()));
    QStringList rows;
    for (qsizetype i = 0; i < sentences.size(); ++i) {
        QStringList cells = {esc(sentences[i])};
        for (const RunData &r : runs) {
            if (!r.hasCheckpoint()) {
                cells << QStringLiteral("<span class=\"muted\">no checkpoint</span>");
            } else if (!r.verdicts.error.isEmpty() || size_t(i) >= r.verdicts.predictions.size()) {
                cells << QStringLiteral("<span class=\"fail\">error (see below)</span>");
            } else {
                const Prediction &p = r.verdicts.predictions[size_t(i)];
                const double prob = size_t(p.label) < p.probabilities.size()
                                        ? p.probabilities[size_t(p.label)]
                                        : qQNaN();
                const QString label = labelText(p);
                cells << QStringLiteral("<span style=\"color:%1\"><b>%2</b></span> %3")
                             .arg(label == QLatin1String("positive") ? QStringLiteral("#1b7f3b")
                                                                     : QStringLiteral("#b00020"),
                                  label, pct(prob));
            }
        }
        rows << row(cells);
    }
    flow.table(kGrid, row(header, QStringLiteral("th")), rows, mm(3));
    QStringList notes;
    for (const RunData &r : runs) {
        if (!r.hasCheckpoint())
            notes << QStringLiteral("%1: %2.").arg(esc(r.name()), esc(r.checkpointProblem));
        else if (!r.verdicts.error.isEmpty())
            notes << QStringLiteral("%1: could not classify: %2")
                         .arg(esc(r.name()), esc(r.verdicts.error));
    }
    if (!notes.isEmpty())
        flow.html(QStringLiteral("<p class=\"muted small\">%1</p>")
                      .arg(notes.join(QStringLiteral("<br/>"))),
                  mm(3));
    flow.space(mm(4));
}

void discussionSection(ReportPageFlow &flow, const QString &discussion, int number)
{
    flow.heading(QStringLiteral("<h2>%1. Discussion</h2>").arg(number), mm(15));
    if (discussion.trimmed().isEmpty()) {
        flow.html(QStringLiteral(
                      "<p class=\"muted\">No discussion written yet. Write one in the Compare tab "
                      "or pass --discussion to sentilab-cli report.</p>"),
                  mm(3));
        return;
    }
    QStringList paragraphs;
    for (const QString &paragraph : discussion.split(QStringLiteral("\n\n"), Qt::SkipEmptyParts))
        paragraphs << QStringLiteral("<p>%1</p>")
                          .arg(esc(paragraph.trimmed())
                                   .replace(QLatin1Char('\n'), QStringLiteral("<br/>")));
    flow.html(paragraphs.join(QString()), mm(3));
}

} // namespace

void renderReport(const ReportData &data, const QString &outputPath)
{
    // QSaveFile leaves no half-written report behind.
    QSaveFile file(outputPath);
    if (!file.open(QIODevice::WriteOnly))
        throw Error("report: cannot write " + outputPath.toStdString() + ": " +
                    file.errorString().toStdString() + "; choose a writable folder");
    std::vector<RunData> runs;
    for (size_t i = 0; i < data.comparison.runs.size(); ++i) {
        RunData r;
        static_cast<RunSummary &>(r) = data.comparison.runs[i];
        if (i < data.verdicts.size())
            r.verdicts = data.verdicts[i];
        runs.push_back(std::move(r));
    }
    const Comparison &pair = data.comparison;

    QPdfWriter writer(&file);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setResolution(kDpi);
    writer.setTitle(QStringLiteral("SentiLab report"));
    writer.setCreator(QStringLiteral("SentiLab %1").arg(QString::fromLatin1(kVersion)));
    QCPPainter painter;
    if (!painter.begin(&writer))
        throw Error("report: cannot start a PDF in " + outputPath.toStdString());
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);

    ReportPageFlow flow(
        &writer, &painter,
        QStringLiteral("SentiLab report, %1")
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"))));
    titlePage(flow, runs, data.databasePath, pair);
    flow.newPage();
    attentionSection(flow, data);
    flow.heading(QStringLiteral("<h2>2. Runs</h2>"),
                 mm(120)); // with most of the first run's section
    for (size_t i = 0; i < runs.size(); ++i)
        runSection(flow, runs[i], 2, int(i) + 1);
    comparisonSection(flow, runs, pair, 3);
    sentencesSection(flow, runs, data.sentences, 4);
    std::vector<ExplainedRun> explained;
    for (const RunData &r : runs)
        explained.push_back({r.name(), swatch(r.info.id), r.verdicts.explanations,
                             r.verdicts.map ? &*r.verdicts.map : nullptr, r.verdicts.mapError});
    int next = explanationsSection(flow, explained, data.sentences, 5) ? 6 : 5;
    if (data.study)
        studySection(flow, *data.study, next++);
    discussionSection(flow, data.discussion, next);
    painter.end();
    if (!file.commit())
        throw Error("report: cannot write " + outputPath.toStdString() + ": " +
                    file.errorString().toStdString());
}

void checkReportOutput(const QString &outputPath)
{
    if (outputPath.isEmpty())
        throw Error("report: no output file given");
    const QFileInfo info(outputPath);
    const QFileInfo folder(info.absolutePath());
    if (!folder.isDir())
        throw Error("report: cannot write " + outputPath.toStdString() + ": the folder " +
                    folder.filePath().toStdString() + " does not exist");
    if (info.isDir())
        throw Error("report: cannot write " + outputPath.toStdString() +
                    ": it is a folder; name a .pdf file");
    if (!folder.isWritable() || (info.exists() && !info.isWritable()))
        throw Error("report: cannot write " + outputPath.toStdString() +
                    ": permission denied; choose a writable folder");
}

void writeReport(const ReportOptions &options)
{
    checkReportOutput(options.outputPath); // fail at once, before the slow part
    renderReport(buildReportData(options), options.outputPath);
}

} // namespace sentilab::ui
