#pragma once
// The app's own light and dark palettes (Settings > Appearance), and the text-contrast rule every
// coloured text follows: WCAG AA, a contrast ratio of at least 4.5:1 against its background.
#include <QColor>
#include <QPalette>
#include <QString>

namespace sentilab::ui {

QPalette lightPalette();
QPalette darkPalette();
// "light" or "dark": that palette; anything else ("system"): `systemPalette`.
QPalette paletteFor(const QString &appearance, const QPalette &systemPalette);

// WCAG 2.x contrast ratio of two colours, 1 (none) to 21 (black on white).
double contrastRatio(const QColor &a, const QColor &b);
// `color` made darker or lighter (hue kept) until it reaches `minimum` contrast against both
// backgrounds (a table's base and alternate rows); unchanged when it already does.
QColor readableOn(const QColor &color, const QColor &background, const QColor &alternate,
                  double minimum = 4.5);

// Black or white, whichever contrasts more with `fill` (text on a coloured chip).
QColor textColorOn(const QColor &fill);

} // namespace sentilab::ui
