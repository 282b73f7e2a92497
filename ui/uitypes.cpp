#include "uitypes.h"

#include "report/reportcharts.h"

namespace sentilab::ui {

void registerMetaTypes()
{
    qRegisterMetaType<sentilab::StepInfo>("sentilab::StepInfo");
    qRegisterMetaType<sentilab::EvalInfo>("sentilab::EvalInfo");
}

QColor runColor(qint64 runId) { return reportRunColor(runId); }

} // namespace sentilab::ui
