#pragma once
// Attention pictures of one explanation: every head as a thumbnail (layers down, heads across),
// and one head's token-to-token weights as a labelled heat map.
#include <QWidget>

#include <memory>

namespace sentilab {
struct Explanation;
}

namespace sentilab::ui {

// layers x heads thumbnails of the [query][key] weights; clicking one chooses it (headChosen).
class AttentionGrid : public QWidget
{
    Q_OBJECT

public:
    explicit AttentionGrid(QWidget *parent = nullptr);
    // The explanation must carry attention; nullptr clears the grid.
    void setExplanation(std::shared_ptr<const Explanation> explanation);
    void setSelected(int layer, int head);
    int selectedLayer() const { return m_layer; }
    int selectedHead() const { return m_head; }
    QRect cellRect(int layer, int head) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void headChosen(int layer, int head);

protected:
    bool event(QEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    int cellSize() const;
    std::shared_ptr<const Explanation> m_explanation;
    int m_layer = 0, m_head = 0;
};

// One head: rows are the attending tokens (queries), columns the attended ones (keys); a hover
// names both tokens and the weight.
class HeadMap : public QWidget
{
    Q_OBJECT

public:
    explicit HeadMap(QWidget *parent = nullptr);
    void setExplanation(std::shared_ptr<const Explanation> explanation, int layer, int head);
    // The (query, key) cell under `pos`, or (-1, -1).
    QPoint cellAt(const QPoint &pos) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    QRect matrixRect() const;
    int labelWidth() const;
    std::shared_ptr<const Explanation> m_explanation;
    int m_layer = 0, m_head = 0;
};

} // namespace sentilab::ui
