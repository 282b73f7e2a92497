#include "common/palettes.h"

#include <algorithm>
#include <cmath>

namespace sentilab::ui {
namespace {

double luminance(const QColor &c)
{
    const auto channel = [](double v) {
        return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

QPalette makePalette(const QColor &window, const QColor &text, const QColor &base,
                     const QColor &alternate, const QColor &button, const QColor &placeholder,
                     const QColor &disabled)
{
    QPalette p;
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, alternate);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, button);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::Highlight, QColor(42, 130, 218));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, placeholder);
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Link, QColor(42, 130, 218));
    const bool dark = luminance(window) < 0.2;
    p.setColor(QPalette::Light, dark ? QColor(80, 80, 84) : Qt::white);
    p.setColor(QPalette::Midlight, dark ? QColor(66, 66, 70) : QColor(227, 227, 227));
    p.setColor(QPalette::Mid, dark ? QColor(90, 90, 94) : QColor(160, 160, 160));
    p.setColor(QPalette::Dark, dark ? QColor(20, 20, 22) : QColor(160, 160, 160));
    p.setColor(QPalette::Shadow, Qt::black);
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

} // namespace

QPalette lightPalette()
{
    return makePalette(QColor(239, 239, 239), QColor(20, 20, 20), Qt::white, QColor(245, 245, 245),
                       QColor(239, 239, 239), QColor(110, 110, 110), QColor(150, 150, 150));
}

QPalette darkPalette()
{
    return makePalette(QColor(45, 45, 48), QColor(224, 224, 224), QColor(30, 30, 32),
                       QColor(45, 45, 48), QColor(58, 58, 62), QColor(150, 150, 150),
                       QColor(140, 140, 140));
}

QPalette paletteFor(const QString &appearance, const QPalette &systemPalette)
{
    if (appearance == QLatin1String("light"))
        return lightPalette();
    if (appearance == QLatin1String("dark"))
        return darkPalette();
    return systemPalette;
}

double contrastRatio(const QColor &a, const QColor &b)
{
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor readableOn(const QColor &color, const QColor &background, const QColor &alternate,
                  double minimum)
{
    const auto worst = [&](const QColor &c) {
        return std::min(contrastRatio(c, background), contrastRatio(c, alternate));
    };
    if (worst(color) >= minimum)
        return color;
    // Towards black on a light background, towards white on a dark one, in small steps of HSL
    // lightness; the hue stays, so "green means finished" still holds.
    const bool darken = luminance(background) > 0.18;
    QColor c = color.toHsl();
    for (int step = 0; step < 100 && worst(c) < minimum; ++step) {
        const double l = std::clamp(c.lightnessF() + (darken ? -0.02 : 0.02), 0.0, 1.0);
        c.setHslF(c.hslHueF(), c.hslSaturationF(), float(l));
    }
    return c.toRgb();
}

QColor textColorOn(const QColor &fill)
{
    return contrastRatio(Qt::black, fill) >= contrastRatio(Qt::white, fill) ? QColor(Qt::black)
                                                                            : QColor(Qt::white);
}

} // namespace sentilab::ui
