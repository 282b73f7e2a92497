#include "uitypes.h"

#include <QLabel>
namespace sentilab::ui {

void registerMetaTypes()
{
    qRegisterMetaType<sentilab::StepInfo>("sentilab::StepInfo");
    qRegisterMetaType<sentilab::EvalInfo>("sentilab::EvalInfo");
    qRegisterMetaType<sentilab::RunStatus>("sentilab::RunStatus");
}

void setSecondaryText(QLabel *label)
{
    QFont f = label->font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    label->setFont(f);
    label->setForegroundRole(QPalette::PlaceholderText);
}

} // namespace sentilab::ui
