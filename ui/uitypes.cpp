#include "uitypes.h"

namespace sentilab::ui {

void registerMetaTypes()
{
    qRegisterMetaType<sentilab::StepInfo>("sentilab::StepInfo");
    qRegisterMetaType<sentilab::EvalInfo>("sentilab::EvalInfo");
    qRegisterMetaType<sentilab::RunStatus>("sentilab::RunStatus");
}

} // namespace sentilab::ui
