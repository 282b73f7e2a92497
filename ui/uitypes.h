#pragma once
// Value types that cross threads in queued signals (DESIGN.md rule 8), registered with Qt's
// meta-type system, and the run colours every view shares.
#include <QColor>
#include <QMetaType>

#include <sentilab/training.h>

Q_DECLARE_METATYPE(sentilab::StepInfo)
Q_DECLARE_METATYPE(sentilab::EvalInfo)

namespace sentilab::ui {

// Registers the types above for queued connections; call once before the first worker starts.
void registerMetaTypes();

// A stable colour per run: the same run has the same colour in every chart, table and report.
QColor runColor(qint64 runId);

} // namespace sentilab::ui
