#pragma once
// Tokens as chips, each filled by its score (attributions on a diverging scale, attention on a
// sequential one), wrapping to the width; a hover shows the chip's own tooltip.
#include <QStringList>
#include <QVector>
#include <QWidget>

namespace sentilab::ui {

class TokenStrip : public QWidget
{
    Q_OBJECT

public:
    enum class Scale {
        Diverging,  // scores in [-scale, scale]: blue positive, orange negative
        Sequential, // scores in [0, scale]
    };

    explicit TokenStrip(QWidget *parent = nullptr);

    // tokens, scores and tips have one entry per chip; `scale` > 0 maps a score to full colour.
    void setTokens(const QStringList &tokens, const QVector<double> &scores,
                   const QStringList &tips, Scale scale, double fullScale);
    void clear();

    QStringList tokens() const { return m_tokens; }
    QVector<double> scores() const { return m_scores; }
    int chipAt(const QPoint &pos) const; // -1 outside every chip

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    QVector<QRect> layoutChips(int width) const;

    QStringList m_tokens;
    QVector<double> m_scores;
    QStringList m_tips;
    Scale m_scale = Scale::Diverging;
    double m_fullScale = 1;
};

} // namespace sentilab::ui
