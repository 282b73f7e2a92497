#pragma once
// Value types that cross threads in queued signals (DESIGN.md rule 8), registered with Qt's
// meta-type system, and the run colours every view shares.
#include <QColor>
#include <QMetaType>
#include <QPixmap>

#include <sentilab/training.h>

Q_DECLARE_METATYPE(sentilab::StepInfo)
Q_DECLARE_METATYPE(sentilab::EvalInfo)

namespace sentilab::ui {

// Registers the types above for queued connections; call once before the first worker starts.
void registerMetaTypes();

// A stable colour per run: the same run has the same colour in every chart, table and report.
QColor runColor(qint64 runId);

// a + (b - a) * t, per RGB channel: tints that follow the light or dark palette.
QColor blendColors(const QColor &a, const QColor &b, double t);
// A filled anti-aliased disc of `color`, size x size pixels, on transparent.
QPixmap colorSwatch(const QColor &color, int size);

} // namespace sentilab::ui
