#include "attentionmaps.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

#include <sentilab/explanation.h>

#include "common/attentionimage.h"

namespace sentilab::ui {

namespace {

constexpr int kGap = 2;

bool hasAttention(const std::shared_ptr<const Explanation> &e)
{
    return e && e->layers > 0 && !e->attention.empty();
}

} // namespace

AttentionGrid::AttentionGrid(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    setCursor(Qt::PointingHandCursor);
}

void AttentionGrid::setExplanation(std::shared_ptr<const Explanation> explanation)
{
    m_explanation = std::move(explanation);
    if (hasAttention(m_explanation)) {
        m_layer = std::clamp(m_layer, 0, int(m_explanation->layers) - 1);
        m_head = std::clamp(m_head, 0, int(m_explanation->heads) - 1);
    }
    updateGeometry();
    update();
}

void AttentionGrid::setSelected(int layer, int head)
{
    m_layer = layer;
    m_head = head;
    update();
}

int AttentionGrid::cellSize() const
{
    const int heads = hasAttention(m_explanation) ? int(m_explanation->heads) : 12;
    return std::clamp((width() - kGap * heads) / std::max(1, heads), 10, 28);
}

QRect AttentionGrid::cellRect(int layer, int head) const
{
    const int c = cellSize();
    return QRect(head * (c + kGap), layer * (c + kGap), c, c);
}

QSize AttentionGrid::sizeHint() const
{
    const int layers = hasAttention(m_explanation) ? int(m_explanation->layers) : 6;
    const int heads = hasAttention(m_explanation) ? int(m_explanation->heads) : 12;
    return {heads * (20 + kGap), layers * (20 + kGap)};
}

QSize AttentionGrid::minimumSizeHint() const
{
    const int layers = hasAttention(m_explanation) ? int(m_explanation->layers) : 6;
    const int heads = hasAttention(m_explanation) ? int(m_explanation->heads) : 12;
    return {heads * (10 + kGap), layers * (10 + kGap)};
}

bool AttentionGrid::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip && hasAttention(m_explanation)) {
        auto *help = static_cast<QHelpEvent *>(event);
        for (int l = 0; l < m_explanation->layers; ++l)
            for (int h = 0; h < m_explanation->heads; ++h)
                if (cellRect(l, h).contains(help->pos())) {
                    QToolTip::showText(
                        help->globalPos(),
                        tr("layer %1, head %2: click to see it in detail").arg(l + 1).arg(h + 1),
                        this);
                    return true;
                }
        QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void AttentionGrid::mousePressEvent(QMouseEvent *event)
{
    if (!hasAttention(m_explanation))
        return;
    for (int l = 0; l < m_explanation->layers; ++l)
        for (int h = 0; h < m_explanation->heads; ++h)
            if (cellRect(l, h).contains(event->position().toPoint())) {
                setSelected(l, h);
                Q_EMIT headChosen(l, h);
                return;
            }
}

void AttentionGrid::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    if (!hasAttention(m_explanation))
        return;
    const QColor base = palette().color(QPalette::Base);
    for (int l = 0; l < m_explanation->layers; ++l)
        for (int h = 0; h < m_explanation->heads; ++h) {
            const QRect r = cellRect(l, h);
            p.drawImage(r, attentionHeadImage(*m_explanation, l, h, base));
            const bool selected = l == m_layer && h == m_head;
            p.setPen(QPen(selected ? palette().color(QPalette::Highlight)
                                   : palette().color(QPalette::Mid),
                          selected ? 2 : 1));
            p.setBrush(Qt::NoBrush);
            p.drawRect(r.adjusted(0, 0, -1, -1));
        }
}

HeadMap::HeadMap(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setMouseTracking(true);
}

void HeadMap::setExplanation(std::shared_ptr<const Explanation> explanation, int layer, int head)
{
    m_explanation = std::move(explanation);
    m_layer = layer;
    m_head = head;
    update();
}

int HeadMap::labelWidth() const
{
    if (!m_explanation)
        return 0;
    int widest = 0;
    for (const std::string &t : m_explanation->tokens)
        widest = std::max(widest, fontMetrics().horizontalAdvance(QString::fromStdString(t)));
    return std::min(widest + 6, width() / 3);
}

QRect HeadMap::matrixRect() const
{
    if (!hasAttention(m_explanation))
        return {};
    const int n = int(m_explanation->length());
    const int label = labelWidth();
    const int side = std::max(n, std::min(width() - 2 * label, height() - label));
    const int cell = std::max(1, side / n);
    return QRect(label, label, cell * n, cell * n);
}

QPoint HeadMap::cellAt(const QPoint &pos) const
{
    const QRect m = matrixRect();
    if (!m.contains(pos))
        return {-1, -1};
    const int n = int(m_explanation->length());
    const int cell = m.width() / n;
    return {(pos.y() - m.top()) / cell, (pos.x() - m.left()) / cell};
}

QSize HeadMap::sizeHint() const
{
    return {280, 280};
}

QSize HeadMap::minimumSizeHint() const
{
    return {200, 200};
}

bool HeadMap::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip && hasAttention(m_explanation)) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QPoint c = cellAt(help->pos());
        if (c.x() >= 0) {
            const auto &tokens = m_explanation->tokens;
            QToolTip::showText(
                help->globalPos(),
                tr("%1 attends to %2: %3")
                    .arg(QString::fromStdString(tokens[size_t(c.x())]),
                         QString::fromStdString(tokens[size_t(c.y())]))
                    .arg(m_explanation->attentionAt(m_layer, m_head, c.x(), c.y()), 0, 'f', 3),
                this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

void HeadMap::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    if (!hasAttention(m_explanation))
        return;
    const QRect m = matrixRect();
    const int n = int(m_explanation->length());
    const int cell = m.width() / n;
    p.drawImage(
        m, attentionHeadImage(*m_explanation, m_layer, m_head, palette().color(QPalette::Base)));
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(m.adjusted(0, 0, -1, -1));
    // Labels only where a row is tall enough to read them.
    if (cell < fontMetrics().height() - 4)
        return;
    p.setPen(palette().color(QPalette::Text));
    for (int i = 0; i < n; ++i) {
        const QString token = fontMetrics().elidedText(
            QString::fromStdString(m_explanation->tokens[size_t(i)]), Qt::ElideRight, m.left() - 4);
        p.drawText(QRect(0, m.top() + i * cell, m.left() - 4, cell),
                   Qt::AlignRight | Qt::AlignVCenter, token);
        p.save();
        p.translate(m.left() + i * cell, m.top() - 2);
        p.rotate(-90);
        p.drawText(QRect(0, 0, m.top() - 4, cell), Qt::AlignLeft | Qt::AlignVCenter, token);
        p.restore();
    }
}

} // namespace sentilab::ui
