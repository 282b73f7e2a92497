#pragma once
// The PDF report of a comparison of runs: title page with the key numbers, the self-attention
// check, one section per run (settings, data, time, curves, accuracy, F1, confusion matrix), a
// side-by-side comparison with the validation-accuracy difference curve, both models' verdicts on
// example sentences, and the user's discussion.
//
// Shared by the desktop app and `sentilab-cli report` (offscreen). Text is laid out with
// QTextDocument and charts are vector graphics (QCustomPlot::toPainter) on a QPdfWriter (A4,
// 300 dpi); tables are split across pages with their header repeated. Every number comes from the
// read model (ReportData, built by buildReportData in reportdata.h); nothing is estimated here.
#include <QString>

#include "reportdata.h"

namespace sentilab::ui {

// Throws sentilab::Error when `outputPath` cannot be written (empty, a folder, a missing or
// read-only folder), so a bad choice fails before the slow part of a report.
void checkReportOutput(const QString &outputPath);

// Draws the report and replaces `outputPath` atomically. Needs a QApplication and the GUI thread
// (charts are offscreen QCustomPlot widgets); takes well under a second. Throws sentilab::Error
// naming the file when it cannot be written.
void renderReport(const ReportData &data, const QString &outputPath);

// checkReportOutput, buildReportData and renderReport in turn, on the calling (GUI) thread: what
// `sentilab-cli report` does. Throws as those do.
void writeReport(const ReportOptions &options);

} // namespace sentilab::ui
