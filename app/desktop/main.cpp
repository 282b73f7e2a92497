// sentilab: the desktop application. Wiring only.
#include <QApplication>

#include <sentilab/runtime.h>
#include <sentilab/version.h>

#include "mainwindow.h"

int main(int argc, char **argv)
{
    sentilab::ensurePassiveOpenMpWaitPolicy(argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("SentiLab"));
    QApplication::setOrganizationName(QStringLiteral("SentiLab"));
    QApplication::setApplicationVersion(QString::fromLatin1(sentilab::kVersion));

    sentilab::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
