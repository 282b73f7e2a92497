// sentilab-screenshots: renders every view of the app from a real run store into PNG files for
// docs/screenshots (run by scripts/screenshots.sh under xvfb-run).
//   sentilab-screenshots --db FILE --out DIR [--finetune RUN] [--scratch RUN]
//   sentilab-screenshots --db FILE --out DIR --study ID   (only the "Pre-training value" tab)
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QPalette>
#include <QSettings>
#include <QStandardPaths>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTimer>

#include <sentilab/experimentconfig.h>
#include <sentilab/runstore.h>

#include "appsettings.h"
#include "common/palettes.h"
#include "compareview.h"
#include "experimentdialog.h"
#include "firstrundialog.h"
#include "inferencepane.h"
#include "mainwindow.h"
#include "runspanel.h"
#include "settingsdialog.h"
#include "studyview.h"
#include "trainingcharts.h"

using namespace sentilab;
using namespace sentilab::ui;

namespace {

void settle(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

bool save(QWidget *widget, const QString &path)
{
    settle(300);
    const bool ok = widget->grab().save(path);
    qInfo("%s %s", ok ? "wrote" : "FAILED", qPrintable(path));
    return ok;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QStandardPaths::setTestModeEnabled(true); // never touch the user's settings
    QApplication::setOrganizationName(QStringLiteral("SentiLabScreenshots"));
    QApplication::setApplicationName(QStringLiteral("SentiLab"));
    QSettings().clear();

    QCommandLineParser parser;
    parser.addHelpOption();
    QCommandLineOption db("db", "Run store with real runs.", "file");
    QCommandLineOption out("out", "Output folder.", "dir", "docs/screenshots");
    QCommandLineOption finetune("finetune", "Run shown as the fine-tuned model.", "id");
    QCommandLineOption scratch("scratch", "Run shown as the scratch model.", "id");
    QCommandLineOption study("study", "Only the Pre-training value tab of this study.", "id");
    parser.addOptions({db, out, finetune, scratch, study});
    parser.process(app);
    QDir().mkpath(parser.value(out));
    const QDir dir(parser.value(out));

    if (parser.isSet(study)) {
        MainWindow window(parser.value(db));
        window.show();
        window.tabs()->setCurrentWidget(window.studyView());
        window.studyView()->showStudy(parser.value(study).toLongLong());
        for (int i = 0; i < window.tabs()->count(); ++i) // what keeps the window from 1024x700
            qInfo("tab %s needs at least %dx%d", qPrintable(window.tabs()->tabText(i)),
                  window.tabs()->widget(i)->minimumSizeHint().width(),
                  window.tabs()->widget(i)->minimumSizeHint().height());
        for (const auto &[size, name] : {std::pair{QSize(1500, 940), "study.png"},
                                         std::pair{QSize(1024, 700), "study-min.png"}}) {
            window.resize(size);
            save(&window, dir.filePath(QString::fromLatin1(name)));
        }
        QApplication::setPalette(sentilab::ui::darkPalette());
        window.resize(1500, 940);
        save(&window, dir.filePath("study-dark.png"));
        return 0;
    }

    qint64 ftRun = parser.value(finetune).toLongLong();
    qint64 scRun = parser.value(scratch).toLongLong();
    for (const RunInfo &r : RunStore::open(parser.value(db).toStdString()).listRuns()) {
        if (r.status != RunStatus::Finished)
            continue;
        if (!ftRun && r.kind == "finetune")
            ftRun = r.id;
        if (!scRun && r.kind == "scratch")
            scRun = r.id;
    }

    MainWindow window(parser.value(db));
    window.resize(1500, 940);
    window.show();
    settle(500);
    window.runsPanel()->selectRun(scRun);
    if (ftRun)
        window.runsPanel()->selectRun(ftRun, true);
    window.tabs()->setCurrentIndex(0);
    save(&window, dir.filePath("mainwindow.png"));

    // The curves of the scratch run alone (README).
    window.runsPanel()->selectRun(scRun);
    save(window.charts(), dir.filePath("scratch-curves.png"));
    window.runsPanel()->selectRun(scRun);
    if (ftRun)
        window.runsPanel()->selectRun(ftRun, true);

    window.compareView()->refreshRuns();
    window.compareView()->setCheckedRuns(QList<qint64>{ftRun, scRun});
    window.tabs()->setCurrentIndex(1);
    save(&window, dir.filePath("compare.png"));

    InferencePane *pane = window.inferencePane();
    pane->refreshRuns();
    pane->setRuns(ftRun, scRun);
    window.tabs()->setCurrentIndex(2);
    pane->setSentence(AppSettings::starterSentences().first());
    settle(8000); // model loading and the first prediction
    save(&window, dir.filePath("inference.png"));

    {
        ExperimentDialog dialog(AppSettings::experimentsDir() + "/finetune.yaml", &window);
        dialog.show();
        save(&dialog, dir.filePath("experiment-dialog.png"));
    }
    {
        SettingsDialog dialog(&window);
        dialog.show();
        save(&dialog, dir.filePath("settings-dialog.png"));
    }
    {
        FirstRunDialog dialog(ExperimentConfig::fromFile(
                                  (AppSettings::experimentsDir() + "/finetune.yaml").toStdString()),
                              &window);
        dialog.show();
        save(&dialog, dir.filePath("first-run-dialog.png"));
    }

    QApplication::setPalette(sentilab::ui::darkPalette());
    window.tabs()->setCurrentIndex(0);
    save(&window, dir.filePath("mainwindow-dark.png"));
    return 0;
}
