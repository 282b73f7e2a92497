#pragma once
// QCustomPlot does not follow the widget palette: this gives a plot the palette's background,
// text and a faint grid, for the light and the dark appearance alike.
#include <QPalette>

class QCustomPlot;

namespace sentilab::ui {

// Background, axes, tick labels, axis labels, grid and legend from `palette`; does not replot.
void applyPaletteToPlot(QCustomPlot *plot, const QPalette &palette);

} // namespace sentilab::ui
