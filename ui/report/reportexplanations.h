#pragma once
// The report's "Why the models decide" section: for each example sentence, each run's words
// coloured by their Integrated Gradients attribution and its attention rollout from [CLS], as
// text (vector, searchable) with the numbers in the legend.
#include <QStringList>

#include <vector>

#include <sentilab/explanation.h>

namespace sentilab::ui {

class ReportPageFlow;

struct ExplainedRun
{
    QString name;                          // run name as the report shows it
    QString colorHtml;                     // its swatch
    std::vector<Explanation> explanations; // one per sentence; empty when none could be made
};

// Words of `e` as HTML spans with background colours on the diverging attribution scale, full
// colour at |score| = scale (a PDF has no hover, so the section's legend states the scale).
QString attributionHtml(const Explanation &e, double scale);
// Tokens of `e` shaded by their rollout weight (full colour at the largest).
QString rolloutHtml(const Explanation &e);

// Adds the section (numbered `number`) to `flow`; false (nothing added) when no run has
// explanations.
bool explanationsSection(ReportPageFlow &flow, const std::vector<ExplainedRun> &runs,
                         const QStringList &sentences, int number);

} // namespace sentilab::ui
