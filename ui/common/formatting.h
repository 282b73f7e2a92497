#pragma once
// How every view writes numbers, durations and labels (desktop, PDF report): one format each.
#include <QString>
#include <QStringList>

#include <sentilab/classifier.h>
#include <sentilab/runstore.h>

namespace sentilab::ui {

// "42 s", "4 min 05 s", "1 h 02 min"; "–" for a negative, NaN or absurd (> 10^7 s) value.
QString formatDuration(double seconds);
// 0.78412 -> "78.4%" (decimals 1); "–" for a negative or NaN fraction (none yet).
QString formatPercent(double fraction, int decimals = 1);
// 6920 -> "6,920" (thousands separated the same way in every locale).
QString groupedNumber(double value);
// "positive"/"negative" for the usual label names and for generic LABEL_i names, else the
// checkpoint's own label name in lower case.
QString labelText(const Prediction &p);
// "name (#id)": how the desktop names a run in headers, lists and matrices.
QString runTitle(const RunInfo &run);
// Gold-label text for SST-2 labels: 1 positive, 0 negative.
QString labelName(qint64 label);

// The four sentences the inference pane and the report start from: two clearly positive, two
// clearly negative.
QStringList defaultStarterSentences();

} // namespace sentilab::ui
