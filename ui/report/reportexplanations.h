#pragma once
// The report's "Why the models decide" section: for each example sentence, each run's words
// coloured by their Integrated Gradients attribution and its attention rollout from [CLS], as
// text (vector, searchable) with the numbers in the legend; then each run's embedding map with
// its separability.
#include <QStringList>

#include <optional>
#include <vector>

#include <sentilab/embeddingmap.h>
#include <sentilab/explanation.h>

namespace sentilab::ui {

class ReportPageFlow;

struct ExplainedRun
{
    QString name;                          // run name as the report shows it
    QString colorHtml;                     // its swatch
    std::vector<Explanation> explanations; // one per sentence; empty when none could be made
    const EmbeddingMap *map = nullptr;     // its embedding map, when there is one
    QString mapError;                      // why there is none
};

// Words of `e` as HTML spans with background colours on the diverging attribution scale, full
// colour at |score| = scale (a PDF has no hover, so the section's legend states the scale).
QString attributionHtml(const Explanation &e, double scale);
// Tokens of `e` shaded by their rollout weight (full colour at the largest).
QString rolloutHtml(const Explanation &e);

// Adds the section (numbered `number`) to `flow`; false (nothing added) when no run has
// explanations or a map.
bool explanationsSection(ReportPageFlow &flow, const std::vector<ExplainedRun> &runs,
                         const QStringList &sentences, int number);

} // namespace sentilab::ui
