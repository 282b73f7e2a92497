#include "uitypes.h"

#include <QPainter>

#include "report/reportcharts.h"

namespace sentilab::ui {

void registerMetaTypes()
{
    qRegisterMetaType<sentilab::StepInfo>("sentilab::StepInfo");
    qRegisterMetaType<sentilab::EvalInfo>("sentilab::EvalInfo");
}

QColor runColor(qint64 runId)
{
    return reportRunColor(runId);
}

QColor blendColors(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                            float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

QPixmap colorSwatch(const QColor &color, int size)
{
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    p.drawEllipse(QRectF(0.5, 0.5, size - 1.0, size - 1.0));
    return pixmap;
}

} // namespace sentilab::ui
