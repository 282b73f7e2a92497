// sentilab: the desktop application. Wiring only.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include <sentilab/runtime.h>
#include <sentilab/version.h>

#include "appsettings.h"
#include "mainwindow.h"

int main(int argc, char **argv)
{
    sentilab::tuneRuntimeEnvironment(argv);
    sentilab::reportFileSizeLimitAsError();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("SentiLab"));
    QApplication::setOrganizationName(QStringLiteral("SentiLab"));
    QApplication::setApplicationVersion(QString::fromLatin1(sentilab::kVersion));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/sentilab/icons/sentilab.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("SentiLab: fine-tune pre-trained DistilBERT and train it from scratch on "
                       "SST-2, compare them."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption db(QStringLiteral("db"), QStringLiteral("Run store (SQLite file)."),
                          QStringLiteral("file"));
    parser.addOption(db);
    parser.process(app);
    sentilab::ui::AppSettings::applyAppearance();

    const QString databasePath =
        parser.isSet(db) ? parser.value(db) : sentilab::ui::AppSettings::databasePath();
    sentilab::ui::MainWindow window(databasePath);
    window.show();
    return QApplication::exec();
}
