#pragma once
// The colours every view shares, desktop and PDF alike: one colour per run everywhere.
#include <QColor>
#include <QPixmap>

namespace sentilab::ui {

// A stable colour per run (Okabe-Ito palette: distinguishable with colour-blindness, readable on
// light and dark backgrounds); the same run has the same colour in every chart, table and report.
QColor runColor(qint64 runId);

// a + (b - a) * t, per RGB channel: tints that follow the light or dark palette.
QColor blendColors(const QColor &a, const QColor &b, double t);
// A filled anti-aliased disc of `color`, size x size pixels, on transparent.
QPixmap colorSwatch(const QColor &color, int size);

// Text colours for a right and a wrong verdict (Okabe-Ito bluish green and vermilion).
QColor rightColor();
QColor wrongColor();
// Positive and negative sentiment: the same two colours.
QColor sentimentColor(bool positive);

} // namespace sentilab::ui
