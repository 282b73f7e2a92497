#pragma once
// The colours every view shares, desktop and PDF alike: one colour per run everywhere.
#include <QColor>
#include <QPixmap>

#include <string>

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
// The two kinds of model in study curves: fine-tune Okabe-Ito blue, scratch orange.
QColor kindColor(const std::string &kind);
// Positive and negative sentiment: the same two colours.
QColor sentimentColor(bool positive);

// Token attributions on a diverging scale (Okabe-Ito blue for "towards the verdict", orange for
// "against": distinguishable with colour-blindness): `value` in [-1, 1], 0 = `base`.
QColor attributionColor(double value, const QColor &base);
// Attention weights on a sequential scale: `value` in [0, 1], 0 = `base`, 1 = deep blue.
QColor attentionColor(double value, const QColor &base);

} // namespace sentilab::ui
