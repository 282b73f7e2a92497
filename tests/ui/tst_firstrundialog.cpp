// Issue 9: "Start scratch" / "Start fine-tune" on a machine without SST-2 and without
// distilbert-base-uncased open one first-run dialog that names what is missing, its size and
// where it goes, downloads it (progress, cancel, resume) from a local hub, or takes folders.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest/QtTest>

#include <memory>

#include <sentilab/experimentconfig.h>

#include "../core/hubtestserver.h"
#include "appsettings.h"
#include "firstrundialog.h"
#include "mainwindow.h"

using sentilab::ExperimentConfig;
using sentilab::test::HubTestServer;
using sentilab::ui::AppSettings;
using sentilab::ui::FirstRunDialog;

namespace {

const char *const kVariables[] = {
    "HF_HUB_CACHE",      "HUGGINGFACE_HUB_CACHE", "XDG_CACHE_HOME", "SENTILAB_SHARED_DIR",
    "SENTILAB_DATA_DIR", "HF_ENDPOINT",           "HF_HUB_OFFLINE", "HF_TOKEN",
    "SENTILAB_DB"};

ExperimentConfig experiment(const char *name)
{
    return ExperimentConfig::fromFile(std::string(SENTILAB_SOURCE_DIR "/experiments/") + name);
}

void writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(content);
}

QByteArray jsonl(int lines)
{
    QByteArray out;
    for (int i = 0; i < lines; ++i)
        out += "{\"text\": \"sentence number " + QByteArray::number(i) +
               " is fine\", \"label\": " + QByteArray::number(i % 2) + "}\n";
    return out;
}

// All text the dialog shows.
QString shownText(const QWidget *dialog)
{
    QString text;
    for (const QLabel *label : dialog->findChildren<QLabel *>())
        text += label->text() + '\n';
    for (const QLineEdit *line : dialog->findChildren<QLineEdit *>())
        text += line->text() + '\n';
    return text;
}

} // namespace

class TestFirstRunDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void scratchNamesDatasetAndTokenizerOnly();
    void finetuneNamesWeights();
    void downloadFetchesWhatScratchNeedsAndAccepts();
    void cancelKeepsPartialAndDownloadResumes();
    void chosenFoldersAreCheckedAndSaved();
    void startScratchOpensTheDialog();
    void scratchInsteadOpensTheScratchExperiment();

private:
    QString cacheRoot() const { return m_home.path() + "/hf/hub"; }
    sentilab::HubOptions hubOptions() const
    {
        sentilab::HubOptions options;
        options.endpoint = m_server->endpoint().toStdString();
        return options;
    }

    QTemporaryDir m_home;
    QString m_oldCwd;
    std::unique_ptr<HubTestServer> m_server;
};

void TestFirstRunDialog::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("SentiLabTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_firstrundialog"));
    for (const char *name : kVariables)
        qunsetenv(name);
    // Away from any ../shared beside the build folder (AppSettings::dataDir looks there).
    m_oldCwd = QDir::currentPath();
    QDir().mkpath(m_home.path() + "/work");
    QVERIFY(QDir::setCurrent(m_home.path() + "/work"));

    m_server = std::make_unique<HubTestServer>();
    QVERIFY(m_server->isListening());
    HubTestServer::Repo model;
    model.id = QStringLiteral("distilbert-base-uncased");
    model.commit = QStringLiteral("1111111111111111111111111111111111111111");
    model.files["config.json"] = {"{\"dim\": 32, \"n_layers\": 2, \"n_heads\": 4}\n", false};
    model.files["vocab.txt"] = {"[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n", false};
    model.files["model.safetensors"] = {QByteArray(300000, 'w'), true};
    m_server->addRepo(model);
    HubTestServer::Repo sst2;
    sst2.id = QStringLiteral("SetFit/sst2");
    sst2.dataset = true;
    sst2.commit = QStringLiteral("2222222222222222222222222222222222222222");
    sst2.files["test.jsonl"] = {jsonl(10), false};
    sst2.files["train.jsonl"] = {jsonl(6000), false}; // ~300 kB: slow enough to cancel
    sst2.files["validation.jsonl"] = {jsonl(10), false};
    m_server->addRepo(sst2);
}

void TestFirstRunDialog::init()
{
    QSettings().clear();
    m_server->reset();
    QDir(m_home.path() + "/hf").removeRecursively();
    qputenv("HF_HOME", QFile::encodeName(m_home.path() + "/hf"));
}

void TestFirstRunDialog::cleanupTestCase()
{
    QDir::setCurrent(m_oldCwd);
}

void TestFirstRunDialog::scratchNamesDatasetAndTokenizerOnly()
{
    FirstRunDialog dialog(experiment("scratch.yaml"));
    QCOMPARE(int(dialog.missing().size()), 2);
    const QString text = shownText(&dialog);
    for (const QString &part :
         {QStringLiteral("SST-2 dataset"), QStringLiteral("1.5 MB"), QStringLiteral("232 kB"),
          QStringLiteral("tokenizer and configuration"), cacheRoot(),
          cacheRoot() + "/datasets--SetFit--sst2", cacheRoot() + "/models--distilbert-base-uncased",
          QStringLiteral("sentilab-cli download dataset SetFit/sst2"),
          QStringLiteral("sentilab-cli download model distilbert-base-uncased --file config.json "
                         "--file vocab.txt")})
        QVERIFY2(text.contains(part), qPrintable(part + " not in:\n" + text));
    QVERIFY2(!text.contains(QStringLiteral("268 MB")), qPrintable(text));
    QCOMPARE(dialog.findChildren<QPushButton *>(QStringLiteral("chooseFolderButton")).size(), 2);
    QVERIFY(!dialog.findChild<QPushButton *>(QStringLiteral("scratchInsteadButton")));
}

void TestFirstRunDialog::finetuneNamesWeights()
{
    FirstRunDialog dialog(experiment("finetune.yaml"));
    QCOMPARE(int(dialog.missing().size()), 2);
    const QString text = shownText(&dialog);
    QVERIFY2(text.contains(QStringLiteral("pre-trained distilbert-base-uncased weights")),
             qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("268 MB")), qPrintable(text));
    const auto commands = dialog.findChildren<QLineEdit *>(QStringLiteral("commandLine"));
    QCOMPARE(commands.size(), 2);
    QCOMPARE(commands[1]->text(),
             QStringLiteral("sentilab-cli download model distilbert-base-uncased"));
}

void TestFirstRunDialog::downloadFetchesWhatScratchNeedsAndAccepts()
{
    const ExperimentConfig config = experiment("scratch.yaml");
    FirstRunDialog dialog(config);
    dialog.setHubOptions(hubOptions());
    int downloads = 0;
    connect(&dialog, &FirstRunDialog::downloadStarted, this, [&downloads] { ++downloads; });
    dialog.downloadAll();
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(downloads, 2);
    QVERIFY(dialog.missing().empty());
    QVERIFY(FirstRunDialog::missingFor(config).empty());
    // The scratch run never asked for the weights.
    QCOMPARE(m_server->countRequests(QStringLiteral("model.safetensors")), 0);
    QVERIFY(QFileInfo::exists(cacheRoot() +
                              "/datasets--SetFit--sst2/snapshots/"
                              "2222222222222222222222222222222222222222/train.jsonl"));
}

void TestFirstRunDialog::cancelKeepsPartialAndDownloadResumes()
{
    FirstRunDialog dialog(experiment("scratch.yaml"));
    dialog.setHubOptions(hubOptions());
    m_server->setFault(QStringLiteral("train.jsonl"), HubTestServer::Fault::Slow);
    auto cancelSoon =
        connect(&dialog, &FirstRunDialog::downloadStarted, this, [](QDialog *download) {
            QTimer::singleShot(700, download, [download] {
                download->reject(); // Cancel / Esc
            });
        });
    dialog.downloadAll();
    QVERIFY(dialog.result() != QDialog::Accepted);
    QVERIFY2(dialog.errorText().contains(QStringLiteral("cancelled")),
             qPrintable(dialog.errorText()));
    QCOMPARE(int(dialog.missing().size()), 2);
    const QDir blobs(cacheRoot() + "/datasets--SetFit--sst2/blobs");
    QVERIFY2(!blobs.entryList({QStringLiteral("*.incomplete")}, QDir::Files).isEmpty(),
             "the partial download was not kept");

    disconnect(cancelSoon);
    m_server->reset();
    dialog.downloadAll();
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    bool resumed = false;
    for (const HubTestServer::Request &r : m_server->requests())
        resumed = resumed || (r.path.contains(QStringLiteral("train.jsonl")) && !r.range.isEmpty());
    QVERIFY2(resumed, "the second download did not resume with a Range request");
}

void TestFirstRunDialog::chosenFoldersAreCheckedAndSaved()
{
    FirstRunDialog dialog(experiment("scratch.yaml"));
    QCOMPARE(int(dialog.missing().size()), 2);

    const QString data = m_home.path() + "/mydata";
    writeFile(data + "/train.jsonl", jsonl(4));
    writeFile(data + "/validation.jsonl", jsonl(4));
    QVERIFY(!dialog.useFolder(0, data)); // no test.jsonl
    QVERIFY2(dialog.errorText().contains(QStringLiteral("has no test.jsonl")),
             qPrintable(dialog.errorText()));
    QVERIFY(!dialog.findChild<QLabel *>(QStringLiteral("errorLabel"))->isHidden());
    writeFile(data + "/test.jsonl", jsonl(4));
    QVERIFY(dialog.useFolder(0, data));
    QCOMPARE(AppSettings::dataDir(), data);
    QCOMPARE(int(dialog.missing().size()), 1);

    const QString model = m_home.path() + "/mymodel";
    writeFile(model + "/config.json", "{}");
    QVERIFY(!dialog.useFolder(0, model));
    QVERIFY2(dialog.errorText().contains(QStringLiteral("vocab.txt")),
             qPrintable(dialog.errorText()));
    writeFile(model + "/vocab.txt", "[PAD]\n");
    QVERIFY(dialog.useFolder(0, model)); // the scratch run needs no weights in it
    QCOMPARE(AppSettings::modelDir(), model);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
}

void TestFirstRunDialog::startScratchOpensTheDialog()
{
    QTemporaryDir dbDir;
    sentilab::ui::MainWindow window(dbDir.filePath(QStringLiteral("runs.db")));
    window.show();
    QString shown;
    int missing = -1;
    QTimer::singleShot(300, this, [&] {
        auto *dialog = qobject_cast<FirstRunDialog *>(QApplication::activeModalWidget());
        if (dialog) {
            missing = int(dialog->missing().size());
            shown = shownText(dialog);
            dialog->reject(); // give up: no run starts
        }
    });
    window.startScratchAction()->trigger();
    QCOMPARE(missing, 2);
    QVERIFY2(shown.contains(QStringLiteral("SST-2")), qPrintable(shown));
    QVERIFY(QApplication::activeModalWidget() == nullptr); // no experiment dialog followed
}

// Issue 11: "Train from scratch instead" in a fine-tune's dialog goes on to the scratch
// experiment (here it needs the dataset and tokenizer too, so its own first-run dialog follows).
void TestFirstRunDialog::scratchInsteadOpensTheScratchExperiment()
{
    QTemporaryDir dbDir;
    sentilab::ui::MainWindow window(dbDir.filePath(QStringLiteral("runs.db")));
    window.show();
    QString secondKind;
    QString secondText;
    QTimer::singleShot(300, this, [&] {
        auto *dialog = qobject_cast<FirstRunDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        auto *instead = dialog->findChild<QPushButton *>(QStringLiteral("scratchInsteadButton"));
        QVERIFY(instead && instead->isVisible());
        QTimer::singleShot(300, this, [&] {
            auto *next = qobject_cast<FirstRunDialog *>(QApplication::activeModalWidget());
            if (next) {
                secondText = shownText(next);
                secondKind = next->findChild<QPushButton *>(QStringLiteral("scratchInsteadButton"))
                                 ? QStringLiteral("finetune")
                                 : QStringLiteral("scratch");
                next->reject();
            }
        });
        instead->click();
    });
    window.startFinetuneAction()->trigger();
    QTRY_COMPARE(secondKind, QStringLiteral("scratch"));
    QVERIFY2(!secondText.contains(QStringLiteral("268 MB")), qPrintable(secondText));
}

QTEST_MAIN(TestFirstRunDialog)

#include "tst_firstrundialog.moc"
