#include "tokenstrip.h"

#include <QEvent>
#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

#include "common/colors.h"
#include "common/palettes.h"

namespace sentilab::ui {

namespace {
constexpr int kPadX = 5, kPadY = 2, kGap = 3;
}

TokenStrip::TokenStrip(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setMouseTracking(true);
}

void TokenStrip::setTokens(const QStringList &tokens, const QVector<double> &scores,
                           const QStringList &tips, Scale scale, double fullScale)
{
    m_tokens = tokens;
    m_scores = scores;
    m_tips = tips;
    m_scale = scale;
    m_fullScale = fullScale > 0 ? fullScale : 1;
    updateGeometry();
    update();
}

void TokenStrip::clear()
{
    setTokens({}, {}, {}, m_scale, 1);
}

QVector<QRect> TokenStrip::layoutChips(int width) const
{
    const QFontMetrics fm(font());
    const int h = fm.height() + 2 * kPadY;
    QVector<QRect> rects;
    int x = 0, y = 0;
    for (const QString &token : m_tokens) {
        const int w = qMin(fm.horizontalAdvance(token) + 2 * kPadX, qMax(40, width));
        if (x > 0 && x + w > width) {
            x = 0;
            y += h + kGap;
        }
        rects.push_back(QRect(x, y, w, h));
        x += w + kGap;
    }
    return rects;
}

int TokenStrip::heightForWidth(int width) const
{
    const QVector<QRect> rects = layoutChips(width);
    return rects.isEmpty() ? QFontMetrics(font()).height() + 2 * kPadY : rects.back().bottom() + 1;
}

QSize TokenStrip::sizeHint() const
{
    return {320, heightForWidth(320)};
}

QSize TokenStrip::minimumSizeHint() const
{
    return {80, QFontMetrics(font()).height() + 2 * kPadY};
}

int TokenStrip::chipAt(const QPoint &pos) const
{
    const QVector<QRect> rects = layoutChips(width());
    for (int i = 0; i < rects.size(); ++i)
        if (rects[i].contains(pos))
            return i;
    return -1;
}

bool TokenStrip::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int i = chipAt(help->pos());
        if (i >= 0 && i < m_tips.size())
            QToolTip::showText(help->globalPos(), m_tips[i], this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void TokenStrip::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor base = palette().color(QPalette::Base);
    const QVector<QRect> rects = layoutChips(width());
    for (int i = 0; i < rects.size(); ++i) {
        const double v = i < m_scores.size() ? m_scores[i] / m_fullScale : 0.0;
        const QColor fill =
            m_scale == Scale::Diverging ? attributionColor(v, base) : attentionColor(v, base);
        p.setPen(palette().color(QPalette::Mid));
        p.setBrush(fill);
        p.drawRoundedRect(QRectF(rects[i]).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
        p.setPen(textColorOn(fill));
        p.drawText(rects[i], Qt::AlignCenter,
                   fontMetrics().elidedText(m_tokens[i], Qt::ElideRight, rects[i].width() - 4));
    }
}

} // namespace sentilab::ui
