#include "attentionimage.h"

#include <QPainter>

#include <algorithm>

#include <sentilab/explanation.h>

#include "colors.h"

namespace sentilab::ui {

QImage attentionHeadImage(const Explanation &e, int layer, int head, const QColor &base)
{
    const int n = int(e.length());
    float largest = 1e-6f;
    for (int q = 0; q < n; ++q)
        for (int k = 0; k < n; ++k)
            largest = std::max(largest, e.attentionAt(layer, head, q, k));
    QImage image(n, n, QImage::Format_RGB32);
    for (int q = 0; q < n; ++q)
        for (int k = 0; k < n; ++k)
            image.setPixelColor(k, q,
                                attentionColor(e.attentionAt(layer, head, q, k) / largest, base));
    return image;
}

QImage attentionGridImage(const Explanation &e, int cell, int gap, const QColor &base,
                          const QColor &frame)
{
    const int layers = int(e.layers), heads = int(e.heads);
    QImage image(heads * cell + (heads + 1) * gap, layers * cell + (layers + 1) * gap,
                 QImage::Format_RGB32);
    image.fill(base);
    QPainter p(&image);
    p.setPen(frame);
    for (int l = 0; l < layers; ++l)
        for (int h = 0; h < heads; ++h) {
            const QRect r(gap + h * (cell + gap), gap + l * (cell + gap), cell, cell);
            p.drawImage(r, attentionHeadImage(e, l, h, base));
            p.drawRect(r.adjusted(0, 0, -1, -1));
        }
    return image;
}

} // namespace sentilab::ui
