#include "uitypes.h"

namespace sentilab::ui {

void registerMetaTypes()
{
    qRegisterMetaType<sentilab::StepInfo>("sentilab::StepInfo");
    qRegisterMetaType<sentilab::EvalInfo>("sentilab::EvalInfo");
}

QColor runColor(qint64 runId)
{
    // Okabe-Ito palette: distinguishable with colour-blindness, readable on light and dark.
    static const QColor palette[] = {QColor(0, 114, 178), QColor(213, 94, 0), QColor(0, 158, 115),
                                     QColor(204, 121, 167), QColor(230, 159, 0), QColor(86, 180, 233),
                                     QColor(120, 120, 120), QColor(240, 228, 66)};
    return palette[size_t(runId > 0 ? runId - 1 : 0) % (sizeof palette / sizeof palette[0])];
}

} // namespace sentilab::ui
