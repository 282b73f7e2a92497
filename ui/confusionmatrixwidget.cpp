#include "confusionmatrixwidget.h"

#include <QPainter>

namespace sentilab::ui {

namespace {

QColor mix(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                            float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

bool isDark(const QColor &c)
{
    return 0.299 * c.redF() + 0.587 * c.greenF() + 0.114 * c.blueF() < 0.55;
}

} // namespace

ConfusionMatrixWidget::ConfusionMatrixWidget(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    m_placeholder = tr("no test evaluation yet");
}

void ConfusionMatrixWidget::setTitle(const QString &title)
{
    m_title = title;
    setAccessibleName(tr("Confusion matrix of %1").arg(title));
    update();
}

void ConfusionMatrixWidget::setColor(const QColor &color)
{
    m_color = color;
    update();
}

void ConfusionMatrixWidget::setCounts(qint64 tn, qint64 fp, qint64 fn, qint64 tp)
{
    m_counts = {tn, fp, fn, tp};
    m_hasCounts = true;
    setToolTip(tr("true negative %1, false positive %2, false negative %3, true positive %4")
                   .arg(tn)
                   .arg(fp)
                   .arg(fn)
                   .arg(tp));
    update();
}

void ConfusionMatrixWidget::setPlaceholder(const QString &text)
{
    m_placeholder = text;
    m_hasCounts = false;
    m_counts = {};
    setToolTip(QString());
    update();
}

qint64 ConfusionMatrixWidget::total() const
{
    return m_counts[0] + m_counts[1] + m_counts[2] + m_counts[3];
}

QSize ConfusionMatrixWidget::sizeHint() const
{
    const int h = fontMetrics().height();
    return {h * 15, h * 11};
}

QSize ConfusionMatrixWidget::minimumSizeHint() const
{
    const int h = fontMetrics().height();
    return {h * 11, h * 8};
}

void ConfusionMatrixWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    const QColor faint = mix(pal.color(QPalette::Window), text, 0.6);
    const QFontMetrics fm = fontMetrics();
    const int lineH = fm.height();
    const int pad = lineH / 3;

    // Title.
    QFont titleFont = font();
    titleFont.setBold(true);
    p.setFont(titleFont);
    p.setPen(text);
    const QRect titleRect(pad, pad, width() - 2 * pad, lineH);
    p.drawText(titleRect, Qt::AlignHCenter | Qt::AlignVCenter,
               QFontMetrics(titleFont).elidedText(m_title, Qt::ElideRight, titleRect.width()));
    p.setFont(font());

    const QRect area(pad, titleRect.bottom() + pad, width() - 2 * pad,
                     height() - titleRect.bottom() - 2 * pad);
    if (!m_hasCounts) {
        p.setPen(faint);
        p.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
        return;
    }

    // Layout: a rotated "true" caption and row labels on the left, "predicted" and column labels
    // above, then the square-ish grid.
    const QString rowLabels[2] = {tr("negative"), tr("positive")};
    const int rowLabelW =
        qMax(fm.horizontalAdvance(rowLabels[0]), fm.horizontalAdvance(rowLabels[1])) + pad;
    const int left = area.left() + lineH + rowLabelW;
    const int top = area.top() + 2 * lineH;
    const int gridW = area.right() - left;
    const int gridH = area.bottom() - top;
    if (gridW < 20 || gridH < 20)
        return;
    const QRect grid(left, top, gridW, gridH);

    p.setPen(faint);
    p.drawText(QRect(left, area.top(), gridW, lineH), Qt::AlignCenter, tr("predicted"));
    const QString shortLabels[2] = {tr("neg."), tr("pos.")};
    const bool fits = fm.horizontalAdvance(rowLabels[0]) < gridW / 2 - pad;
    for (int c = 0; c < 2; ++c)
        p.drawText(QRect(left + c * gridW / 2, area.top() + lineH, gridW / 2, lineH),
                   Qt::AlignCenter, fits ? rowLabels[c] : shortLabels[c]);
    for (int r = 0; r < 2; ++r)
        p.drawText(QRect(area.left() + lineH, top + r * gridH / 2, rowLabelW - pad, gridH / 2),
                   Qt::AlignRight | Qt::AlignVCenter, rowLabels[r]);
    p.save();
    p.translate(area.left(), top + gridH / 2);
    p.rotate(-90);
    p.drawText(QRect(-gridH / 2, 0, gridH, lineH), Qt::AlignCenter, tr("true"));
    p.restore();

    const QColor base = pal.color(QPalette::Base);
    const QColor full = m_color.isValid() ? m_color : pal.color(QPalette::Highlight);
    QFont countFont = font();
    countFont.setBold(true);
    countFont.setPointSizeF(countFont.pointSizeF() * 1.25);
    for (int r = 0; r < 2; ++r) {
        const qint64 rowTotal = m_counts[size_t(2 * r)] + m_counts[size_t(2 * r + 1)];
        for (int c = 0; c < 2; ++c) {
            const qint64 count = m_counts[size_t(2 * r + c)];
            const double share = rowTotal > 0 ? double(count) / double(rowTotal) : 0.0;
            const QRect cell(left + c * gridW / 2, top + r * gridH / 2,
                             (c == 0 ? gridW / 2 : gridW - gridW / 2),
                             (r == 0 ? gridH / 2 : gridH - gridH / 2));
            const QColor fill = mix(base, full, 0.08 + 0.92 * share);
            p.fillRect(cell, fill);
            const QColor ink = isDark(fill) ? QColor(Qt::white) : QColor(Qt::black);
            p.setPen(ink);
            const QRect upper(cell.left(), cell.top(), cell.width(), cell.height() / 2 + lineH / 4);
            const QRect lower(cell.left(), cell.center().y() + lineH / 4, cell.width(),
                              cell.height() / 2 - lineH / 4);
            p.setFont(countFont);
            p.drawText(upper, Qt::AlignHCenter | Qt::AlignBottom, QString::number(count));
            p.setFont(font());
            p.drawText(lower, Qt::AlignHCenter | Qt::AlignTop,
                       rowTotal > 0 ? QStringLiteral("%1%").arg(share * 100, 0, 'f', 1)
                                    : QStringLiteral("–"));
        }
    }
    p.setPen(QPen(pal.color(QPalette::Window), 2));
    p.drawLine(QPoint(left + gridW / 2, top), QPoint(left + gridW / 2, grid.bottom()));
    p.drawLine(QPoint(left, top + gridH / 2), QPoint(grid.right(), top + gridH / 2));
}

} // namespace sentilab::ui
