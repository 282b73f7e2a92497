#pragma once
// Value types that cross threads in queued signals (DESIGN.md rule 8), registered with Qt's
// meta-type system. (The run colours every view shares are in common/colors.h.)
#include <QMetaType>

class QLabel;

#include <sentilab/training.h>

#include "common/colors.h"

Q_DECLARE_METATYPE(sentilab::StepInfo)
Q_DECLARE_METATYPE(sentilab::EvalInfo)
Q_DECLARE_METATYPE(sentilab::RunStatus)

namespace sentilab::ui {

// Registers the types above for queued connections; call once before the first worker starts.
void registerMetaTypes();

// Secondary text (captions, small print): 90% size in the palette's placeholder colour.
void setSecondaryText(QLabel *label);

} // namespace sentilab::ui
