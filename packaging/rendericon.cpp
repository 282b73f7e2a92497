// sentilab-render-icon SVG SIZE PNG: renders the application icon at SIZE x SIZE pixels for the
// hicolor theme. A build tool: the PNGs are made from resources/icons/sentilab.svg on every build,
// so they cannot drift from it.
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>

#include <cstdio>

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv); // offscreen platform (set by the build): no display needed
    if (argc != 4) {
        std::fprintf(stderr, "usage: sentilab-render-icon SVG SIZE PNG\n");
        return 2;
    }
    QSvgRenderer renderer{QString::fromLocal8Bit(argv[1])};
    const int size = QString::fromLatin1(argv[2]).toInt();
    if (!renderer.isValid() || size < 16 || size > 1024) {
        std::fprintf(stderr,
                     "sentilab-render-icon: %s is not a valid SVG or %s not a size in "
                     "16..1024\n",
                     argv[1], argv[2]);
        return 1;
    }
    QImage image(size, size, QImage::Format_ARGB32);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    renderer.render(&painter);
    painter.end();
    if (!image.save(QString::fromLocal8Bit(argv[3]), "PNG")) {
        std::fprintf(stderr, "sentilab-render-icon: cannot write %s\n", argv[3]);
        return 1;
    }
    return 0;
}
