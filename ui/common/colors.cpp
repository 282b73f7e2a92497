#include "common/colors.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace sentilab::ui {

QColor runColor(qint64 runId)
{
    static const QColor palette[] = {
        QColor(0, 114, 178), QColor(213, 94, 0),   QColor(0, 158, 115),   QColor(204, 121, 167),
        QColor(230, 159, 0), QColor(86, 180, 233), QColor(120, 120, 120), QColor(240, 228, 66)};
    return palette[size_t(runId > 0 ? runId - 1 : 0) % (sizeof palette / sizeof palette[0])];
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

QColor rightColor()
{
    return QColor(0, 158, 115);
}

QColor wrongColor()
{
    return QColor(213, 94, 0);
}

QColor sentimentColor(bool positive)
{
    return positive ? rightColor() : wrongColor();
}

QColor attributionColor(double value, const QColor &base)
{
    const double t = std::min(1.0, std::abs(value));
    return blendColors(base, value >= 0 ? QColor(0x00, 0x72, 0xB2) : QColor(0xE6, 0x9F, 0x00), t);
}

QColor attentionColor(double value, const QColor &base)
{
    return blendColors(base, QColor(0x08, 0x30, 0x6B), std::clamp(value, 0.0, 1.0));
}

QColor kindColor(const std::string &kind)
{
    return kind == "finetune" ? QColor(0x00, 0x72, 0xb2) : QColor(0xe6, 0x9f, 0x00);
}

} // namespace sentilab::ui
