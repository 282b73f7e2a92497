#pragma once
// Attention weights as pictures, shared by the "Why?" views and the PDF report.
#include <QColor>
#include <QImage>

namespace sentilab {
struct Explanation;
}

namespace sentilab::ui {

// One head's [query][key] weights, one pixel per pair (rows attend to columns), shaded relative to
// the head's largest weight: a head spreading its attention evenly over 30 tokens (weights near
// 0.03) would otherwise look blank, though its pattern is what the picture is for. `e` must
// carry attention.
QImage attentionHeadImage(const Explanation &e, int layer, int head, const QColor &base);

// Every head of `e` as a layers x heads grid of `cell`-pixel squares `gap` pixels apart, layers
// top to bottom and heads left to right, each framed in `frame` on a `base` background.
QImage attentionGridImage(const Explanation &e, int cell, int gap, const QColor &base,
                          const QColor &frame);

} // namespace sentilab::ui
