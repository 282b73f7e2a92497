// The dialogs behind "Start fine-tune"/"Start scratch" and Settings: pre-filling, form <-> YAML
// sync, inline validation, saving settings. The first-run dialog has its own suite.
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <sentilab/device.h>
#include <sentilab/experimentconfig.h>

#include "appsettings.h"
#include "common/colors.h"
#include "common/palettes.h"
#include "experimentdialog.h"
#include "firstrundialog.h"
#include "runstablemodel.h"
#include "settingsdialog.h"
#include "storereader.h"

using namespace sentilab;
using namespace sentilab::ui;

namespace {

QString experimentPath(const QString &name)
{
    return QStringLiteral(SENTILAB_SOURCE_DIR "/experiments/") + name;
}

template <typename T> T *child(QWidget *parent, const char *name)
{
    T *widget = parent->findChild<T *>(QLatin1String(name));
    if (!widget)
        qFatal("no %s named %s", T::staticMetaObject.className(), name);
    return widget;
}

void touch(const QString &path)
{
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(path));
}

QPushButton *startButton(ExperimentDialog &dialog)
{
    return dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
}

} // namespace

class TestDialogs : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void experimentDialogPrefills_data();
    void experimentDialogPrefills();
    void lrFieldChangesConfigAndYaml();
    void lrArrowsWalkTheGrid();
    void yamlErrorShowsKeyAndDisablesStart();
    void yamlEditUpdatesForm();
    void anotherKindThanAskedForIsSaid();
    void durationIsEstimatedFromAMeasuredRun();
    void startReturnsRoundTrippingConfig();
    void enterStartsEscapeCancels();
    void tabGoesDownEachColumn();
    void settingsDefaultsFillEmptyFileValues();
    void brokenFileOpensYamlWithError();

    void settingsDialogSavesAndEmitsDatabaseChanged();
    void settingsDialogWarnsAboutIncompleteFolders();
    void settingsDialogShowsTheDatabaseInUse();
    void appearanceAppliesLive();
    void textColoursReachWcagAA();

    void experimentDialogStartsFromChosenModelFolder();

    void screenshots();

private:
    QTemporaryDir m_hfHome; // an empty Hugging Face cache
};

void TestDialogs::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("SentiLabTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_dialogs"));
    QVERIFY(m_hfHome.isValid());
    qputenv("HF_HOME", m_hfHome.path().toLocal8Bit());
    qunsetenv("SENTILAB_DB");
    qunsetenv("SENTILAB_EXPERIMENTS_DIR");
}

void TestDialogs::init()
{
    QSettings().clear();
}

void TestDialogs::experimentDialogPrefills_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("finetune");
    QTest::newRow("finetune") << QStringLiteral("finetune.yaml") << true;
    QTest::newRow("scratch") << QStringLiteral("scratch.yaml") << false;
}

void TestDialogs::experimentDialogPrefills()
{
    QFETCH(QString, file);
    QFETCH(bool, finetune);
    const ExperimentConfig expected =
        ExperimentConfig::fromFile(experimentPath(file).toStdString());

    ExperimentDialog dialog(experimentPath(file));
    QCOMPARE(dialog.errorText(), QString());
    QCOMPARE(child<QDoubleSpinBox>(&dialog, "lrSpinBox")->value(), expected.train.lr);
    QCOMPARE(child<QSpinBox>(&dialog, "epochsSpinBox")->value(), int(expected.train.epochs));
    QCOMPARE(child<QSpinBox>(&dialog, "batchSizeSpinBox")->value(), int(expected.train.batchSize));
    QCOMPARE(child<QDoubleSpinBox>(&dialog, "warmupSpinBox")->value(), expected.train.warmupRatio);
    QCOMPARE(child<QSpinBox>(&dialog, "evalEverySpinBox")->value(), int(expected.train.evalEvery));
    QCOMPARE(child<QLineEdit>(&dialog, "seedEdit")->text(), QString::number(expected.train.seed));
    QCOMPARE(dialog.config().train.lr, expected.train.lr);
    QCOMPARE(dialog.config().kind, expected.kind);
    // The weights folder is a fine-tune-only field.
    QCOMPARE(child<QLineEdit>(&dialog, "pretrainedDirEdit")->isVisibleTo(&dialog), finetune);
    QCOMPARE(dialog.runName(), QString());
    QVERIFY(startButton(dialog)->isEnabled());
    QCOMPARE(startButton(dialog)->text(), QStringLiteral("Start"));
}

void TestDialogs::lrFieldChangesConfigAndYaml()
{
    ExperimentDialog dialog(experimentPath(QStringLiteral("finetune.yaml")));
    auto *lr = child<QDoubleSpinBox>(&dialog, "lrSpinBox");
    lr->setValue(5e-5);
    QCOMPARE(dialog.config().train.lr, 5e-5);
    QVERIFY2(child<QPlainTextEdit>(&dialog, "yamlEdit")->toPlainText().contains("lr: 5e-05"),
             qPrintable(child<QPlainTextEdit>(&dialog, "yamlEdit")->toPlainText()));
    // Typed text is parsed in the shortest form the box shows.
    lr->selectAll();
    QTest::keyClicks(lr, QStringLiteral("2e-5"));
    lr->interpretText();
    QCOMPARE(lr->value(), 2e-5);
    QCOMPARE(dialog.config().train.lr, 2e-5);
    QCOMPARE(lr->text(), QStringLiteral("2e-5"));
}

void TestDialogs::lrArrowsWalkTheGrid()
{
    ExperimentDialog dialog(experimentPath(QStringLiteral("finetune.yaml")));
    auto *lr = child<QDoubleSpinBox>(&dialog, "lrSpinBox");
    lr->setValue(3e-5);
    lr->stepBy(1);
    QCOMPARE(lr->value(), 5e-5);
    lr->stepBy(1);
    QCOMPARE(lr->value(), 1e-4);
    lr->stepBy(-2);
    QCOMPARE(lr->value(), 3e-5);
    lr->setValue(4e-5); // between grid points: the next grid point either way
    lr->stepBy(-1);
    QCOMPARE(lr->value(), 3e-5);
}

void TestDialogs::yamlErrorShowsKeyAndDisablesStart()
{
    ExperimentDialog dialog(experimentPath(QStringLiteral("finetune.yaml")));
    auto *yaml = child<QPlainTextEdit>(&dialog, "yamlEdit");
    auto *error = child<QLabel>(&dialog, "errorLabel");
    QVERIFY(error->isHidden());
    const QString good = yaml->toPlainText();
    QString bad = good;
    bad.replace(QStringLiteral("  lr: "), QStringLiteral("  lrr: "));
    QVERIFY(bad != good);
    yaml->setPlainText(bad);
    QVERIFY(!error->isHidden());
    QVERIFY2(error->text().contains(QStringLiteral("train.lrr")), qPrintable(error->text()));
    QVERIFY2(error->text().startsWith(QStringLiteral("YAML line ")), qPrintable(error->text()));
    QCOMPARE(dialog.errorText(), error->text());
    QVERIFY(!startButton(dialog)->isEnabled());
    // Start cannot close it either way.
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));

    // An out-of-range value names its key and the range.
    QString outOfRange = good;
    outOfRange.replace(QStringLiteral("  warmup_ratio: 0.06"), QStringLiteral("  warmup_ratio: 2"));
    yaml->setPlainText(outOfRange);
    QVERIFY2(error->text().contains(QStringLiteral("train.warmup_ratio")),
             qPrintable(error->text()));
    QVERIFY(!startButton(dialog)->isEnabled());

    yaml->setPlainText(good);
    QVERIFY(error->isHidden());
    QCOMPARE(dialog.errorText(), QString());
    QVERIFY(startButton(dialog)->isEnabled());
}

void TestDialogs::yamlEditUpdatesForm()
{
    ExperimentDialog dialog(experimentPath(QStringLiteral("scratch.yaml")));
    auto *yaml = child<QPlainTextEdit>(&dialog, "yamlEdit");
    QString text = yaml->toPlainText();
    text.replace(QRegularExpression(QStringLiteral("  epochs: \\d+")),
                 QStringLiteral("  epochs: 7"));
    yaml->setPlainText(text);
    QCOMPARE(dialog.errorText(), QString());
    QCOMPARE(child<QSpinBox>(&dialog, "epochsSpinBox")->value(), 7);
    QCOMPARE(dialog.config().train.epochs, int64_t(7));
    // Switching the kind in the YAML shows the weights row.
    QVERIFY(!child<QLineEdit>(&dialog, "pretrainedDirEdit")->isVisibleTo(&dialog));
    text.replace(QStringLiteral("kind: \"scratch\""), QStringLiteral("kind: \"finetune\""));
    text.replace(QStringLiteral("init: \"scratch\""), QStringLiteral("init: \"pretrained\""));
    yaml->setPlainText(text);
    QCOMPARE(dialog.errorText(), QString());
    QCOMPARE(dialog.config().kind, std::string("finetune"));
    QVERIFY(child<QLineEdit>(&dialog, "pretrainedDirEdit")->isVisibleTo(&dialog));
}

// Issue 11: Start scratch on a file (or an edit) that trains a fine-tune is never silent.
void TestDialogs::anotherKindThanAskedForIsSaid()
{
    ExperimentDialog dialog(experimentPath(QStringLiteral("scratch.yaml")));
    dialog.setRequestedKind(QStringLiteral("scratch"));
    auto *warning = child<QLabel>(&dialog, "warningLabel");
    QVERIFY(!warning->text().contains(QLatin1String("you asked for")));
    auto *yaml = child<QPlainTextEdit>(&dialog, "yamlEdit");
    QString text = yaml->toPlainText();
    text.replace(QStringLiteral("kind: \"scratch\""), QStringLiteral("kind: \"finetune\""));
    text.replace(QStringLiteral("init: \"scratch\""), QStringLiteral("init: \"pretrained\""));
    yaml->setPlainText(text);
    QCOMPARE(dialog.config().kind, std::string("finetune"));
    QVERIFY2(warning->text().contains(QLatin1String("not the scratch run you asked for")),
             qPrintable(warning->text()));
}

// Issue 11: the dialog says how long the run will take, from a run measured on this machine.
void TestDialogs::durationIsEstimatedFromAMeasuredRun()
{
    QTemporaryDir data;
    QFile train(data.filePath("train.jsonl"));
    QVERIFY(train.open(QIODevice::WriteOnly));
    for (int i = 0; i < 100; ++i)
        train.write(
            QStringLiteral("{\"text\": \"s%1\", \"label\": %2}\n").arg(i).arg(i % 2).toUtf8());
    train.close();
    AppSettings::setDataDir(data.path());
    ExperimentDialog dialog(experimentPath(QStringLiteral("smoke.yaml"))); // batch 16, 2 epochs
    auto *duration = child<QLabel>(&dialog, "durationLabel");
    // 100 examples, no max above it: 7 steps per epoch, 14 in all; nothing measured yet.
    QVERIFY2(!duration->isHidden() &&
                 duration->text().startsWith("14 steps (100 examples, batch 16, 2 epochs)"),
             qPrintable(duration->text()));
    std::string askedKind;
    int64_t askedBatch = 0;
    dialog.setStepTimeLookup([&](const std::string &kind, int64_t batch, int64_t) {
        askedKind = kind;
        askedBatch = batch;
        return std::optional<StepTime>(StepTime{30.0, 7});
    });
    QCOMPARE(askedKind, std::string("scratch"));
    QCOMPARE(askedBatch, int64_t(16));
    QVERIFY2(duration->text().startsWith("About 7 min 00 s of training here: 14 steps at 30 s per "
                                         "step, as measured in run #7"),
             qPrintable(duration->text()));
    // A larger batch: fewer steps, and the lookup is asked for that batch size.
    child<QSpinBox>(&dialog, "batchSizeSpinBox")->setValue(50);
    QCOMPARE(askedBatch, int64_t(50));
    QVERIFY2(duration->text().contains("4 steps at"), qPrintable(duration->text()));
}

void TestDialogs::startReturnsRoundTrippingConfig()
{
    ExperimentDialog dialog(experimentPath(QStringLiteral("finetune.yaml")));
    child<QSpinBox>(&dialog, "epochsSpinBox")->setValue(2);
    child<QSpinBox>(&dialog, "maxTrainSpinBox")->setValue(500);
    child<QLineEdit>(&dialog, "seedEdit")->setText(QStringLiteral("7"));
    child<QLineEdit>(&dialog, "runNameEdit")->setText(QStringLiteral("  quick try  "));
    startButton(dialog)->click();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));

    const ExperimentConfig config = dialog.config();
    QCOMPARE(config.train.epochs, int64_t(2));
    QCOMPARE(config.data.maxTrainExamples, int64_t(500));
    QCOMPARE(config.train.seed, uint64_t(7));
    QCOMPARE(dialog.runName(), QStringLiteral("quick try"));
    QCOMPARE(config.sourcePath, experimentPath(QStringLiteral("finetune.yaml")).toStdString());
    const ExperimentConfig again = ExperimentConfig::fromYaml(config.toYaml(), "again");
    QVERIFY(again == config);
    QCOMPARE(again.hash(), config.hash());
}

void TestDialogs::enterStartsEscapeCancels()
{
    {
        ExperimentDialog dialog(experimentPath(QStringLiteral("finetune.yaml")));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *epochs = child<QSpinBox>(&dialog, "epochsSpinBox");
        epochs->setFocus();
        QTest::keyClick(epochs, Qt::Key_Return);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(!dialog.isVisible());
    }
    {
        // Enter in a path field is Start too, not Browse….
        ExperimentDialog dialog(experimentPath(QStringLiteral("finetune.yaml")));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *dataDir = child<QLineEdit>(&dialog, "dataDirEdit");
        dataDir->setFocus();
        QTest::keyClick(dataDir, Qt::Key_Return);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }
    {
        ExperimentDialog dialog(experimentPath(QStringLiteral("finetune.yaml")));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *lr = child<QDoubleSpinBox>(&dialog, "lrSpinBox");
        lr->setFocus();
        QTest::keyClick(lr, Qt::Key_Escape);
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY(!dialog.isVisible());
    }
}

void TestDialogs::tabGoesDownEachColumn()
{
    ExperimentDialog dialog(experimentPath(QStringLiteral("finetune.yaml")));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *threads = child<QSpinBox>(&dialog, "threadsSpinBox");
    threads->setFocus();
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), child<QComboBox>(&dialog, "deviceBox"));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), child<QLineEdit>(&dialog, "dataDirEdit"));
    child<QSpinBox>(&dialog, "maxTrainSpinBox")->setFocus();
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), child<QDoubleSpinBox>(&dialog, "lrSpinBox"));
}

void TestDialogs::settingsDefaultsFillEmptyFileValues()
{
    QTemporaryDir data;
    AppSettings::setDataDir(data.path());
    AppSettings::setThreads(3);
    AppSettings::setDevice(QStringLiteral("cpu"));
    ExperimentDialog dialog(experimentPath(QStringLiteral("finetune.yaml")));
    QCOMPARE(QDir::fromNativeSeparators(child<QLineEdit>(&dialog, "dataDirEdit")->text()),
             data.path());
    QCOMPARE(dialog.config().data.dir, data.path().toStdString());
    QCOMPARE(dialog.config().train.threads, 3);
    // The file says train.device: auto, so Settings' device shows and is what the run gets.
    auto *device = child<QComboBox>(&dialog, "deviceBox");
    QCOMPARE(device->currentData().toString(), QStringLiteral("cpu"));
    QCOMPARE(dialog.config().train.device, std::string("cpu"));
    device->setCurrentIndex(device->findData(QStringLiteral("auto")));
    QCOMPARE(dialog.config().train.device, std::string("auto"));
    AppSettings::setDevice(QStringLiteral("auto"));
    // The folder has no split files: a warning, not a blocker.
    auto *warning = child<QLabel>(&dialog, "warningLabel");
    QVERIFY(!warning->isHidden());
    QVERIFY2(warning->text().contains(QStringLiteral("train.jsonl")), qPrintable(warning->text()));
    QVERIFY(startButton(dialog)->isEnabled());
}

void TestDialogs::brokenFileOpensYamlWithError()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broken.yaml"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("kind: scratch\ntrain:\n  epochs: 0\n");
    }
    ExperimentDialog dialog(path);
    QVERIFY2(dialog.errorText().contains(QStringLiteral("train.epochs")),
             qPrintable(dialog.errorText()));
    QVERIFY2(dialog.errorText().startsWith(QStringLiteral("YAML line 3: ")),
             qPrintable(dialog.errorText()));
    QVERIFY(!startButton(dialog)->isEnabled());
    auto *yaml = child<QPlainTextEdit>(&dialog, "yamlEdit");
    QVERIFY(yaml->isVisibleTo(&dialog));
    yaml->setPlainText(QStringLiteral("kind: scratch\ntrain:\n  epochs: 2\n"));
    QCOMPARE(dialog.errorText(), QString());
    QCOMPARE(dialog.config().train.epochs, int64_t(2));
    QCOMPARE(child<QSpinBox>(&dialog, "epochsSpinBox")->value(), 2);
}

void TestDialogs::settingsDialogSavesAndEmitsDatabaseChanged()
{
    QTemporaryDir dir;
    const QString experimentsBefore = AppSettings::experimentsDir();
    SettingsDialog dialog;
    QSignalSpy changed(&dialog, &SettingsDialog::databaseChanged);
    const QString database = dir.filePath(QStringLiteral("runs.db"));
    child<QLineEdit>(&dialog, "dataDirEdit")->setText(dir.path());
    child<QLineEdit>(&dialog, "modelDirEdit")->setText(dir.path());
    child<QLineEdit>(&dialog, "databaseEdit")->setText(database);
    child<QSpinBox>(&dialog, "threadsSpinBox")->setValue(4);
    auto *device = child<QComboBox>(&dialog, "deviceBox");
    // Without CUDA in this build the GPU entry cannot be chosen, so no run fails on it later.
    const auto *items = qobject_cast<QStandardItemModel *>(device->model());
    QCOMPARE(items->item(device->findData(QStringLiteral("cuda")))->isEnabled(),
             sentilab::cudaAvailable());
    device->setCurrentIndex(device->findData(QStringLiteral("cpu")));
    dialog.accept();

    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(AppSettings::dataDir(), dir.path());
    QCOMPARE(AppSettings::modelDir(), dir.path());
    QCOMPARE(AppSettings::databasePath(), database);
    QCOMPARE(AppSettings::threads(), 4);
    QCOMPARE(AppSettings::device(), QStringLiteral("cpu"));
    AppSettings::setDevice(QStringLiteral("auto"));             // the other tests' default
    QCOMPARE(AppSettings::experimentsDir(), experimentsBefore); // untouched, not pinned
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().first().toString(), database);

    // Unchanged database: no signal.
    SettingsDialog again;
    QSignalSpy changedAgain(&again, &SettingsDialog::databaseChanged);
    QCOMPARE(child<QLineEdit>(&again, "databaseEdit")->text(), database);
    again.accept();
    QCOMPARE(changedAgain.count(), 0);
}

void TestDialogs::settingsDialogWarnsAboutIncompleteFolders()
{
    QTemporaryDir dir;
    SettingsDialog dialog;
    auto *data = child<QLineEdit>(&dialog, "dataDirEdit");
    auto *model = child<QLineEdit>(&dialog, "modelDirEdit");
    data->setText(dir.path());
    model->setText(dir.path());
    QLabel *dataWarning = nullptr;
    QLabel *modelWarning = nullptr;
    for (QLabel *label : dialog.findChildren<QLabel *>()) {
        if (label->parentWidget() == data->parentWidget() && label->text().startsWith(u'\u26a0'))
            dataWarning = label;
        if (label->parentWidget() == model->parentWidget() && label->text().startsWith(u'\u26a0'))
            modelWarning = label;
    }
    QVERIFY(dataWarning && !dataWarning->isHidden());
    QVERIFY2(dataWarning->text().contains(QStringLiteral("validation.jsonl")),
             qPrintable(dataWarning->text()));
    QVERIFY(modelWarning && !modelWarning->isHidden());
    QVERIFY2(modelWarning->text().contains(QStringLiteral("config.json")),
             qPrintable(modelWarning->text()));

    for (const char *name : {"train.jsonl", "validation.jsonl", "test.jsonl"})
        touch(dir.filePath(QLatin1String(name)));
    data->setText(dir.path() + QLatin1Char('/'));
    QVERIFY(dataWarning->isHidden());
    QCOMPARE(SettingsDialog::dataDirProblem(dir.path()), QString());
    QCOMPARE(SettingsDialog::modelDirProblem(QString()), QString()); // empty = the HF cache
}

// Issue 11: started with --db, Settings names the database actually in use, not only the setting.
void TestDialogs::settingsDialogShowsTheDatabaseInUse()
{
    QTemporaryDir dir;
    SettingsDialog dialog;
    auto *database = child<QLineEdit>(&dialog, "databaseEdit");
    const QString inUse = dir.filePath("given-with-db.db");
    const auto noteText = [&] {
        QString text;
        for (QLabel *label : dialog.findChildren<QLabel *>())
            if (label->parentWidget() == database->parentWidget() && !label->isHidden())
                text += label->text();
        return text;
    };
    QVERIFY(!noteText().contains("In use now"));
    dialog.setDatabaseInUse(inUse);
    QVERIFY2(noteText().contains("In use now: " + QDir::toNativeSeparators(inUse)),
             qPrintable(noteText()));
    dialog.setDatabaseInUse(AppSettings::databasePath()); // the same file: nothing to say
    QVERIFY(!noteText().contains("In use now"));
}

// Issue 11: Settings > Appearance switches the palette at once, and "System" restores it.
void TestDialogs::appearanceAppliesLive()
{
    const QPalette system = QApplication::palette();
    AppSettings::applyAppearance(); // remembers the system palette
    for (const char *choice : {"dark", "light", "system"}) {
        SettingsDialog dialog;
        auto *box = child<QComboBox>(&dialog, "appearanceBox");
        box->setCurrentIndex(box->findData(QString::fromLatin1(choice)));
        dialog.accept();
        QCOMPARE(AppSettings::appearance(), QString::fromLatin1(choice));
        const QPalette expected = QByteArray(choice) == "dark"    ? sentilab::ui::darkPalette()
                                  : QByteArray(choice) == "light" ? sentilab::ui::lightPalette()
                                                                  : system;
        QCOMPARE(QApplication::palette().color(QPalette::Window), expected.color(QPalette::Window));
        QCOMPARE(QApplication::palette().color(QPalette::Base), expected.color(QPalette::Base));
    }
}

// Issue 11: every coloured text (run status in the Runs table, right/wrong verdicts, sentiment)
// reaches WCAG AA contrast, 4.5:1, against both row colours of the light and the dark palette.
void TestDialogs::textColoursReachWcagAA()
{
    QTemporaryDir dir;
    const QString db = dir.filePath("runs.db");
    {
        RunStore store = RunStore::open(db.toStdString());
        for (const RunStatus status : {RunStatus::Running, RunStatus::Finished, RunStatus::Failed,
                                       RunStatus::Interrupted, RunStatus::Cancelled}) {
            RunInfo info;
            info.kind = "scratch";
            info.status = RunStatus::Running;
            const int64_t id = store.createRun(info);
            if (status != RunStatus::Running)
                store.setStatus(id, status);
        }
    }
    StoreReader reader;
    reader.setDatabasePath(db);
    RunsTableModel model;
    model.setStoreReader(&reader);
    QCOMPARE(model.rowCount(), 5);
    const QPalette original = QApplication::palette();
    for (const QPalette &palette : {sentilab::ui::lightPalette(), sentilab::ui::darkPalette()}) {
        QApplication::setPalette(palette);
        const QColor base = palette.color(QPalette::Base);
        const QColor alternate = palette.color(QPalette::AlternateBase);
        const auto check = [&](const QColor &c, const QString &what) {
            const double worst = std::min(sentilab::ui::contrastRatio(c, base),
                                          sentilab::ui::contrastRatio(c, alternate));
            QVERIFY2(worst >= 4.5,
                     qPrintable(QStringLiteral("%1 %2: %3:1").arg(what, c.name()).arg(worst)));
        };
        for (int row = 0; row < model.rowCount(); ++row) {
            const QModelIndex index = model.index(row, RunsTableModel::Status);
            const QVariant brush = index.data(Qt::ForegroundRole);
            if (brush.isValid())
                check(brush.value<QBrush>().color(), index.data().toString());
        }
        for (const QColor &c :
             {sentilab::ui::rightColor(), sentilab::ui::wrongColor(),
              sentilab::ui::sentimentColor(true), sentilab::ui::sentimentColor(false)})
            check(sentilab::ui::readableOn(c, base, alternate), QStringLiteral("verdict"));
        // The rule itself: a colour that already reads stays as it is.
        QCOMPARE(sentilab::ui::readableOn(palette.color(QPalette::Text), base, alternate),
                 palette.color(QPalette::Text));
    }
    QApplication::setPalette(original);
}

// A model folder chosen in the first-run dialog or Settings is where the next experiment starts.
void TestDialogs::experimentDialogStartsFromChosenModelFolder()
{
    QTemporaryDir dir;
    touch(dir.filePath(QStringLiteral("config.json")));
    touch(dir.filePath(QStringLiteral("vocab.txt")));
    touch(dir.filePath(QStringLiteral("model.safetensors"))); // only presence is checked
    AppSettings::setModelDir(dir.path());

    ExperimentDialog experiment(experimentPath(QStringLiteral("finetune.yaml")));
    QCOMPARE(experiment.config().model.pretrainedDir, dir.path().toStdString());
    QVERIFY(
        !child<QLabel>(&experiment, "warningLabel")->text().contains(QStringLiteral("weights")));
}

// Not a check: with SENTILAB_DIALOG_SCREENSHOTS=<folder>, saves every dialog in a light and a
// dark palette for a person to look at.
void TestDialogs::screenshots()
{
    const QString out = qEnvironmentVariable("SENTILAB_DIALOG_SCREENSHOTS");
    if (out.isEmpty())
        QSKIP("set SENTILAB_DIALOG_SCREENSHOTS=<folder> to save the dialogs as PNG");
    QDir().mkpath(out);
    const QPalette original = QApplication::palette();
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));

    const QPalette dark = sentilab::ui::darkPalette();

    const auto save = [&out](QWidget &w, const QString &name) {
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.grab().save(QDir(out).filePath(name + QStringLiteral(".png"))));
        w.hide();
    };
    for (const bool isDark : {false, true}) {
        QApplication::setPalette(isDark ? dark : original);
        const QString suffix = isDark ? QStringLiteral("-dark") : QString();
        {
            ExperimentDialog d(experimentPath(QStringLiteral("finetune.yaml")));
            save(d, QStringLiteral("dlg-finetune") + suffix);
            child<QToolButton>(&d, "advancedToggle")->setChecked(true);
            auto *yaml = child<QPlainTextEdit>(&d, "yamlEdit");
            yaml->setPlainText(
                yaml->toPlainText().replace(QStringLiteral("  lr: "), QStringLiteral("  lrr: ")));
            save(d, QStringLiteral("dlg-finetune-yaml-error") + suffix);
        }
        {
            ExperimentDialog d(experimentPath(QStringLiteral("scratch.yaml")));
            save(d, QStringLiteral("dlg-scratch") + suffix);
        }
        {
            SettingsDialog d;
            child<QLineEdit>(&d, "modelDirEdit")->setText(m_hfHome.path());
            save(d, QStringLiteral("dlg-settings") + suffix);
        }
        {
            FirstRunDialog d(ExperimentConfig::fromFile(
                experimentPath(QStringLiteral("finetune.yaml")).toStdString()));
            save(d, QStringLiteral("dlg-firstrun") + suffix);
        }
    }
    QApplication::setPalette(original);
}

QTEST_MAIN(TestDialogs)
#include "tst_dialogs.moc"
