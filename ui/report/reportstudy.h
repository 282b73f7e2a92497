#pragma once
// The report's data-efficiency study section: the curve (vector; log axis; per kind the mean over
// seeds with a min–max band and each seed as a dot), the readout and seed-spread sentences, the
// table per size (mean, sd, n per kind; paired difference with its 95% bootstrap interval and
// McNemar's p per seed) and the method (subset rule, step budget, seeds), all from the study read
// model (sentilab/studyanalysis.h), as the desktop's "Pre-training value" tab shows them.
#include <sentilab/studyanalysis.h>

namespace sentilab::ui {

class ReportPageFlow;

void studySection(ReportPageFlow &flow, const StudySummary &study, int number);

} // namespace sentilab::ui
