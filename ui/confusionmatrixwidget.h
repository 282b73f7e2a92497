#pragma once
// A binary confusion matrix painted as a 2x2 grid.
#include <QColor>
#include <QString>
#include <QWidget>

#include <array>

namespace sentilab::ui {

// Rows are the true label, columns the predicted label (negative first). Each cell shows its count
// and its share of the row (the true class); its shade is that share, in the run's colour. Without
// counts it shows a placeholder text instead of the grid. Colours follow the palette (light/dark).
class ConfusionMatrixWidget : public QWidget
{
    Q_OBJECT

public:
    explicit ConfusionMatrixWidget(QWidget *parent = nullptr);

    void setTitle(const QString &title); // e.g. the run name
    QString title() const { return m_title; }
    void setColor(const QColor &color); // cell shade at 100 %; invalid = the palette highlight
    // Counts in EvalRecord order: true negatives, false positives, false negatives, true positives.
    void setCounts(qint64 tn, qint64 fp, qint64 fn, qint64 tp);
    // Shows `text` instead of the grid (e.g. "no test evaluation yet").
    void setPlaceholder(const QString &text);

    bool hasCounts() const { return m_hasCounts; }
    std::array<qint64, 4> counts() const { return m_counts; } // tn, fp, fn, tp
    qint64 total() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_title;
    QColor m_color;
    std::array<qint64, 4> m_counts{};
    bool m_hasCounts = false;
    QString m_placeholder;
};

} // namespace sentilab::ui
