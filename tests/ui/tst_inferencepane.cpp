// The inference pane driven as a user would (issue: inference pane): type a sentence, see both
// models' verdicts; click example sentences; edit them; choose a run without a checkpoint and be
// told how to get one. Two real smoke runs (scratch, seeds 42 and 7) trained once for the suite.
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QThread>
#include <QTimer>
#include <QtTest/QtTest>

#include <memory>

#include <nlohmann/json.hpp>

#include <sentilab/classifier.h>
#include <sentilab/embeddingmap.h>
#include <sentilab/runstore.h>
#include <sentilab/training.h>

#include "appsettings.h"
#include "attentionmaps.h"
#include "common/palettes.h"
#include "common/qcpinclude.h"
#include "embeddingmapview.h"
#include "explanationview.h"
#include "inferencepane.h"
#include "smokerun.h"
#include "tokenstrip.h"

using namespace sentilab;
using namespace sentilab::ui;

using sentilab::test::trainSmoke;

namespace {

constexpr int kTimeoutMs = 60000;

QString plainText(const QString &html)
{
    QTextDocument doc;
    doc.setHtml(html);
    return doc.toPlainText().simplified();
}

QLabel *cardLabel(InferencePane &pane, int slot, const char *name)
{
    QWidget *card = pane.findChild<QWidget *>(slot == 0 ? "finetuneCard" : "scratchCard");
    return card ? card->findChild<QLabel *>(name) : nullptr;
}

// The card's model is loaded (its checkpoint summary is shown).
bool modelReady(InferencePane &pane, int slot)
{
    QLabel *summary = cardLabel(pane, slot, "summary");
    return summary && !summary->text().isEmpty();
}

void verifyShown(InferencePane &pane, int slot, const QString &expectToken)
{
    const InferencePane::ShownPrediction p = pane.shownPrediction(slot);
    QVERIFY2(p.label == "positive" || p.label == "negative", qPrintable(p.label));
    QVERIFY2(p.probability >= 0 && p.probability <= 1, qPrintable(QString::number(p.probability)));
    QVERIFY(p.tokens.size() >= 3);
    QCOMPARE(p.tokens.first(), QStringLiteral("[CLS]"));
    QCOMPARE(p.tokens.last(), QStringLiteral("[SEP]"));
    if (!expectToken.isEmpty())
        QVERIFY2(p.tokens.contains(expectToken), qPrintable(p.tokens.join(' ')));
    QVERIFY(p.milliseconds > 0);
    // What the user sees.
    QVERIFY(cardLabel(pane, slot, "verdict")->isVisible());
    QCOMPARE(cardLabel(pane, slot, "verdict")->text().toLower(), p.label);
    QVERIFY(plainText(cardLabel(pane, slot, "tokens")->text()).startsWith("[CLS]"));
    QVERIFY(!cardLabel(pane, slot, "latency")->text().isEmpty());
    QVERIFY(cardLabel(pane, slot, "probability")->text().contains('%'));
}

// Where screenshots go ($SENTILAB_SCREENSHOT_DIR); empty = take none.
QString screenshotDir()
{
    return qEnvironmentVariable("SENTILAB_SCREENSHOT_DIR");
}

} // namespace

class TestInferencePane : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void defaultsAndMissingFineTune();
    void typingShowsTwoPredictions();
    void enterPredicts();
    void longInputSaysWhereItWasCut();
    void starterButtonsPredict();
    void editSentencesPersists();
    void runWithoutCheckpointSaysHow();
    void refreshKeepsChosenRuns();
    void chosenRunsComeBack();
    void destroyWhileLoading();
    void explanationsEqualCliJson();
    void headsCanBeChosenAndExplanationsTurnedOff();
    void embeddingMapsPlaceTheSentence();
    void screenshots();
    void cleanupTestCase();

private:
    std::unique_ptr<InferencePane> makePane();

    QTemporaryDir m_dir;
    QString m_db;
    qint64 m_runA = 0;   // smoke, seed 42
    qint64 m_runB = 0;   // smoke, seed 7 (newest)
    qint64 m_noCkpt = 0; // a run without any checkpoint
};

void TestInferencePane::initTestCase()
{
    if (qEnvironmentVariableIsEmpty("SENTILAB_SHARED_DIR") ||
        !QFile::exists(qEnvironmentVariable("SENTILAB_SHARED_DIR") + "/data/sst2/train.jsonl"))
        QSKIP("SKIPPED: shared reference data not found (expected "
              "$SENTILAB_SHARED_DIR/data/sst2/train.jsonl)");
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("SentiLabTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_inferencepane"));
    QSettings().clear();
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath("runs.db");
    m_runA = trainSmoke(m_db, 42);
    m_runB = trainSmoke(m_db, 7);
    QVERIFY(m_runA > 0 && m_runB > 0);
    RunStore store = RunStore::open(m_db.toStdString());
    RunInfo info = store.run(m_runA);
    info.name = "no-checkpoint";
    info.status = RunStatus::Queued;
    m_noCkpt = store.createRun(info);
}

std::unique_ptr<InferencePane> TestInferencePane::makePane()
{
    auto pane = std::make_unique<InferencePane>();
    pane->resize(900, 600);
    pane->show();
    pane->setDatabasePath(m_db);
    return pane;
}

void TestInferencePane::defaultsAndMissingFineTune()
{
    auto pane = makePane();
    // No fine-tune run exists: the fine-tune card says so and what to do; the scratch card
    // defaults to the newest finished scratch run.
    auto *finetune = pane->findChild<QComboBox *>("finetuneCombo");
    auto *scratch = pane->findChild<QComboBox *>("scratchCombo");
    QCOMPARE(finetune->currentData().toLongLong(), qint64(0));
    QCOMPARE(scratch->currentData().toLongLong(), m_runB);
    QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 1), kTimeoutMs);
    QVERIFY2(
        pane->shownPrediction(0).message.contains("no fine-tune run yet: click Start fine-tune"),
        qPrintable(pane->shownPrediction(0).message));
    QVERIFY(cardLabel(*pane, 0, "message")->isVisible());
    // Only runs with a checkpoint are offered (plus "(none)").
    QCOMPARE(scratch->findData(m_noCkpt), -1);
    QVERIFY(scratch->findData(m_runA) > 0);
}

void TestInferencePane::typingShowsTwoPredictions()
{
    auto pane = makePane();
    pane->setRuns(m_runA, m_runB);
    QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 0) && modelReady(*pane, 1), kTimeoutMs);
    QSignalSpy shown(pane.get(), &InferencePane::predictionsShown);
    auto *edit = pane->findChild<QLineEdit *>("sentenceEdit");
    QCOMPARE(edit->placeholderText(), QStringLiteral("Type a sentence…"));
    edit->setFocus();
    QTest::keyClicks(edit, QStringLiteral("a good film"));
    QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), kTimeoutMs);
    verifyShown(*pane, 0, "good");
    verifyShown(*pane, 1, "good");
    QCOMPARE(pane->shownPrediction(0).runId, m_runA);
    QCOMPARE(pane->shownPrediction(1).runId, m_runB);
    // Debounced: the keystrokes came faster than 250 ms apart, so one prediction was shown.
    QTest::qWait(600);
    QCOMPARE(shown.count(), 1);
    // Typing on predicts the new text.
    QTest::keyClicks(edit, QStringLiteral(" with a weird plot"));
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() == 2, kTimeoutMs);
    verifyShown(*pane, 0, "weird");
    verifyShown(*pane, 1, "weird");
}

void TestInferencePane::enterPredicts()
{
    auto pane = makePane();
    pane->setRuns(m_runA, m_runB);
    QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 0) && modelReady(*pane, 1), kTimeoutMs);
    QSignalSpy shown(pane.get(), &InferencePane::predictionsShown);
    auto *edit = pane->findChild<QLineEdit *>("sentenceEdit");
    edit->setFocus();
    QTest::keyClicks(edit, QStringLiteral("dull"));
    QTest::keyClick(edit, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), kTimeoutMs);
    verifyShown(*pane, 1, "dull");
    // Clearing the box clears the cards.
    edit->clear();
    QTest::keyClick(edit, Qt::Key_Return);
    QTRY_COMPARE(pane->shownPrediction(1).probability, -1.0);
}

// Issue 11: an input longer than the model's 512 positions is cut, and the card says so and names
// the last word the model read; the token list scrolls instead of being clipped.
void TestInferencePane::longInputSaysWhereItWasCut()
{
    auto pane = makePane();
    pane->resize(1024, 700);
    pane->setRuns(m_runA, m_runB);
    QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 0) && modelReady(*pane, 1), kTimeoutMs);
    QSignalSpy shown(pane.get(), &InferencePane::predictionsShown);
    // [CLS] + 509 x "good" + "terrible" + [SEP] = 512 tokens read; 200 more are cut.
    const QString text = QStringLiteral("good ").repeated(509) + QStringLiteral("terrible ") +
                         QStringLiteral("bad ").repeated(200);
    pane->setSentence(text.trimmed());
    QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), kTimeoutMs);
    const InferencePane::ShownPrediction p = pane->shownPrediction(1);
    QCOMPARE(p.tokens.size(), 512);
    QCOMPARE(p.inputTokens, 712);
    QWidget *card = pane->findChild<QWidget *>("scratchCard");
    auto *notice = card->findChild<QLabel *>("truncated");
    QVERIFY(notice->isVisible());
    QVERIFY2(notice->text().contains("512 of the sentence's 712 tokens") &&
                 notice->text().contains(QStringLiteral("\u201cterrible\u201d")),
             qPrintable(notice->text()));
    auto *scroll = card->findChild<QScrollArea *>("tokenScroll");
    QVERIFY(scroll->verticalScrollBar()->maximum() > 0); // more tokens than fit: it scrolls

    // A short sentence afterwards: no notice.
    pane->setSentence(QStringLiteral("good"));
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() == 2, kTimeoutMs);
    QVERIFY(!notice->isVisible());
}

void TestInferencePane::starterButtonsPredict()
{
    auto pane = makePane();
    pane->setRuns(m_runA, m_runB);
    QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 0) && modelReady(*pane, 1), kTimeoutMs);
    const QStringList sentences = AppSettings::starterSentences();
    QCOMPARE(sentences.size(), 4);
    for (int i : {0, 3}) {
        QSignalSpy shown(pane.get(), &InferencePane::predictionsShown);
        auto *button = pane->findChild<QPushButton *>(QStringLiteral("starter%1").arg(i));
        QVERIFY(button && button->isVisible());
        QCOMPARE(button->toolTip(), sentences[i]);
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(pane->sentence(), sentences[i]);
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), kTimeoutMs);
        verifyShown(*pane, 0, QString());
        verifyShown(*pane, 1, QString());
    }
}

void TestInferencePane::editSentencesPersists()
{
    auto pane = makePane();
    const QStringList edited = {"Pos one.", "Pos two.", "Neg one.", "Neg two."};
    bool sawDialog = false;
    QTimer::singleShot(0, this, [&] {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        sawDialog = true;
        for (int i = 0; i < 4; ++i) {
            auto *e = dialog->findChild<QLineEdit *>(QStringLiteral("sentence%1").arg(i));
            e->selectAll();
            QTest::keyClicks(e, edited[i]);
        }
        auto *box = dialog->findChild<QDialogButtonBox *>();
        QTest::mouseClick(box->button(QDialogButtonBox::Ok), Qt::LeftButton);
    });
    QTest::mouseClick(pane->findChild<QPushButton *>("editSentences"), Qt::LeftButton);
    QVERIFY(sawDialog);
    QCOMPARE(AppSettings::starterSentences(), edited);
    QCOMPARE(pane->findChild<QPushButton *>("starter2")->toolTip(), edited[2]);
    // A new pane (a new session) shows the saved sentences.
    auto other = makePane();
    QCOMPARE(other->findChild<QPushButton *>("starter1")->toolTip(), edited[1]);
    AppSettings::setStarterSentences(AppSettings::defaultStarterSentences());
}

void TestInferencePane::runWithoutCheckpointSaysHow()
{
    auto pane = makePane();
    pane->setRuns(m_noCkpt, m_runB);
    const QString expected =
        QStringLiteral("run %1 has no checkpoint yet: train it until its first "
                       "evaluation")
            .arg(m_noCkpt);
    QTRY_COMPARE_WITH_TIMEOUT(pane->shownPrediction(0).message, expected, kTimeoutMs);
    QCOMPARE(cardLabel(*pane, 0, "message")->text(), expected);
    QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 1), kTimeoutMs);
    // The other card still works.
    QSignalSpy shown(pane.get(), &InferencePane::predictionsShown);
    pane->setSentence(QStringLiteral("a fine mess"));
    QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), kTimeoutMs);
    verifyShown(*pane, 1, "mess");
    QCOMPARE(pane->shownPrediction(0).probability, -1.0);
    // The chosen run stays visible in its chooser although it has no checkpoint.
    QCOMPARE(pane->findChild<QComboBox *>("finetuneCombo")->currentData().toLongLong(), m_noCkpt);
}

void TestInferencePane::refreshKeepsChosenRuns()
{
    auto pane = makePane();
    auto *scratch = pane->findChild<QComboBox *>("scratchCombo");
    const int index = scratch->findData(m_runA);
    QVERIFY(index > 0);
    scratch->setCurrentIndex(index);
    emit scratch->activated(index); // as a user's pick
    QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 1), kTimeoutMs);
    pane->refreshRuns();
    QCOMPARE(scratch->currentData().toLongLong(), m_runA);
    QCOMPARE(pane->shownPrediction(1).runId, m_runA);
}

// Issue 11: the main window's pane restores the runs the user picked in the last session.
void TestInferencePane::chosenRunsComeBack()
{
    {
        auto pane = makePane();
        pane->setRememberRuns(true);
        auto *scratch = pane->findChild<QComboBox *>("scratchCombo");
        const int index = scratch->findData(m_runA);
        QVERIFY(index > 0);
        scratch->setCurrentIndex(index);
        emit scratch->activated(index); // as a user's pick
    }
    auto plain = makePane(); // a pane that does not remember keeps its defaults
    const qint64 byDefault =
        plain->findChild<QComboBox *>("scratchCombo")->currentData().toLongLong();
    auto pane = makePane();
    pane->setRememberRuns(true);
    QCOMPARE(pane->findChild<QComboBox *>("scratchCombo")->currentData().toLongLong(), m_runA);
    QCOMPARE(byDefault, m_runB); // the newest finished scratch run, not the remembered one
    QSettings().remove(QStringLiteral("ask"));
}

void TestInferencePane::destroyWhileLoading()
{
    // The destructor waits for the worker thread; it must neither hang nor crash.
    for (int i = 0; i < 3; ++i) {
        auto pane = makePane();
        pane->setRuns(m_runA, m_runB);
        pane->setSentence(QStringLiteral("quick"));
    }
}

// Not a check: with SENTILAB_SCREENSHOT_DIR set, saves what a user sees (light and dark palette,
// missing model and two results) for a person to look at.
// The "Why?" views show the numbers `sentilab-cli explain --json` prints for the same runs and
// sentence. Tolerance 1e-4 absolute: the CLI runs on all cores, the pane's worker on the
// default thread count, and float sums may be ordered differently.
void TestInferencePane::explanationsEqualCliJson()
{
    auto pane = makePane();
    pane->resize(1000, 700);
    pane->setRuns(m_runA, m_runB);
    QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 0) && modelReady(*pane, 1), kTimeoutMs);
    QSignalSpy explained(pane.get(), &InferencePane::explanationsShown);
    const QString text = QStringLiteral("a gripping , funny and unforgettable film");
    pane->setSentence(text);
    QTRY_VERIFY_WITH_TIMEOUT(!explained.isEmpty(), kTimeoutMs);

    QProcess cli;
    cli.start(QStringLiteral(SENTILAB_CLI_PATH),
              {"--db", m_db, "explain", "--run", QString::number(m_runA), "--run",
               QString::number(m_runB), "--json", text});
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    const nlohmann::json j = nlohmann::json::parse(cli.readAllStandardOutput().toStdString());
    QCOMPARE(j.size(), size_t(1));
    for (int slot = 0; slot < 2; ++slot) {
        const nlohmann::json &cliRun = j[0]["runs"][size_t(slot)];
        QCOMPARE(cliRun["run"].get<qint64>(), slot == 0 ? m_runA : m_runB);
        const nlohmann::json &e = cliRun["explanation"];
        ExplanationView *view = pane->explanationView(slot);
        const auto shown = view->attributions();
        const auto attention = view->attention();
        QVERIFY(shown && attention);
        QCOMPARE(shown->tokens, e["tokens"].get<std::vector<std::string>>());
        QCOMPARE(shown->method, AttributionMethod::IntegratedGradients);
        QCOMPARE(shown->steps, e["steps"].get<int>());
        const auto words = e["word_scores"].get<std::vector<float>>();
        QCOMPARE(shown->wordScores.size(), words.size());
        for (size_t w = 0; w < words.size(); ++w)
            QVERIFY2(std::abs(shown->wordScores[w] - words[w]) < 1e-4,
                     qPrintable(QString("slot %1 word %2: pane %3, cli %4")
                                    .arg(slot)
                                    .arg(w)
                                    .arg(shown->wordScores[w])
                                    .arg(words[w])));
        const auto rollout = e["rollout"].get<std::vector<float>>();
        QCOMPARE(attention->rollout.size(), rollout.size());
        for (size_t t = 0; t < rollout.size(); ++t)
            QVERIFY(std::abs(attention->rollout[t] - rollout[t]) < 1e-4);
        QVERIFY(std::abs(shown->residual - e["residual"].get<double>()) < 1e-4);
        // What the user sees: coloured chips for every token, the method and its residual.
        QCOMPARE(view->attributionStrip()->tokens().size(), int(shown->tokens.size()));
        const QString header = view->findChild<QLabel *>("explanationHeader")->text();
        QVERIFY2(header.contains("Integrated Gradients, 32 steps") &&
                     header.contains("completeness residual"),
                 qPrintable(header));
        QVERIFY(view->grid()->isVisible() && view->headMap()->isVisible());
    }
}

void TestInferencePane::headsCanBeChosenAndExplanationsTurnedOff()
{
    auto pane = makePane();
    pane->resize(1000, 700);
    pane->setRuns(m_runA, m_runB);
    QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 0) && modelReady(*pane, 1), kTimeoutMs);
    QSignalSpy explained(pane.get(), &InferencePane::explanationsShown);
    pane->setSentence(QStringLiteral("dull and lifeless"));
    QTRY_VERIFY_WITH_TIMEOUT(!explained.isEmpty(), kTimeoutMs);
    AttentionGrid *grid = pane->explanationView(1)->grid();
    QCOMPARE(grid->selectedLayer(), 0);
    QTest::mouseClick(grid, Qt::LeftButton, {}, grid->cellRect(1, 2).center());
    QCOMPARE(grid->selectedLayer(), 1);
    QCOMPARE(grid->selectedHead(), 2);
    const QLabel *caption = nullptr;
    for (const QLabel *l : pane->explanationView(1)->findChildren<QLabel *>())
        if (l->text().startsWith("layer 2, head 3"))
            caption = l;
    QVERIFY(caption);

    // Leave one word out, chosen in the combo: the next explanation uses it.
    auto *method = pane->findChild<QComboBox *>("explainMethod");
    method->setCurrentIndex(2);
    Q_EMIT method->activated(2);
    QTRY_VERIFY_WITH_TIMEOUT(pane->explanationView(0)->attributions() &&
                                 pane->explanationView(0)->attributions()->method ==
                                     AttributionMethod::Occlusion,
                             kTimeoutMs);
    QVERIFY(!pane->findChild<QSpinBox *>("explainSteps")->isEnabled());
    // Off: the verdicts still come, the views say how to turn explanations on.
    QSignalSpy predicted(pane.get(), &InferencePane::predictionsShown);
    method->setCurrentIndex(3);
    Q_EMIT method->activated(3);
    QTRY_VERIFY_WITH_TIMEOUT(!predicted.isEmpty(), kTimeoutMs);
    QVERIFY(!pane->explanationView(0)->attributions());
    QVERIFY(pane->explanationView(0)
                ->findChild<QLabel *>("explanationHeader")
                ->text()
                .contains("Explanations are off"));
    method->setCurrentIndex(0);
    Q_EMIT method->activated(0);
}

// The maps show the store's numbers (embeddingMapForRun, the same cache), the typed sentence lands
// where the map projects its own representation, and clicking a point asks about its sentence.
void TestInferencePane::embeddingMapsPlaceTheSentence()
{
    auto pane = makePane();
    pane->resize(1000, 900);
    pane->setRuns(m_runA, m_runB);
    QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 0) && modelReady(*pane, 1), kTimeoutMs);
    QSignalSpy maps(pane.get(), &InferencePane::mapsShown);
    QTest::mouseClick(pane->findChild<QPushButton *>("computeMaps"), Qt::LeftButton);
    // Asked for while the maps are being made, the explanations do not wait for them: maps are
    // made on a thread of their own, beside the inference worker's.
    QSignalSpy explained(pane.get(), &InferencePane::explanationsShown);
    pane->setSentence(QStringLiteral("a dull , lifeless film"));
    const auto *mapThread = pane->findChild<QThread *>("MapWorker");
    QVERIFY(mapThread && mapThread->isRunning());
    QVERIFY(mapThread != pane->findChild<QThread *>("InferenceWorker"));
    QTRY_VERIFY_WITH_TIMEOUT(!maps.isEmpty(), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!explained.isEmpty(), kTimeoutMs);
    for (int slot = 0; slot < 2; ++slot) {
        EmbeddingMapView *view = pane->explanationView(slot)->mapView();
        const EmbeddingMap stored =
            *embeddingMapForRun(m_db.toStdString(), slot == 0 ? m_runA : m_runB);
        QVERIFY(view->map());
        QCOMPARE(view->map()->points.size(), stored.points.size());
        QCOMPARE(view->map()->silhouette, stored.silhouette);
        const QString summary = view->findChild<QLabel *>("mapSummary")->text();
        QVERIFY2(summary.contains(QString::number(stored.silhouette, 'f', 3)) &&
                     summary.contains("128 sentences"),
                 qPrintable(summary));
    }
    // The sentence typed while the maps were being made lands on them once they arrive.
    EmbeddingMapView *view = pane->explanationView(1)->mapView();
    QTRY_VERIFY_WITH_TIMEOUT(view->sentenceShown(), kTimeoutMs);
    const QString text = QStringLiteral("an utterly charming film");
    const RunStore store = RunStore::openExisting(m_db.toStdString());
    const Classifier model = Classifier::load(bestCheckpointDir(store, m_runB));
    const auto [x, y] = view->map()->project(model.represent({text.toStdString()}).vectors);
    pane->setSentence(text);
    QTRY_VERIFY_WITH_TIMEOUT(std::abs(view->sentencePosition().x() - x) < 1e-4 &&
                                 std::abs(view->sentencePosition().y() - y) < 1e-4,
                             kTimeoutMs);
    // `explain --map --json` reads the same cached map and places the sentence at the same point
    // (tolerance 1e-4: the CLI and the worker may run on different thread counts).
    QProcess cli;
    cli.start(QStringLiteral(SENTILAB_CLI_PATH),
              {"--db", m_db, "explain", "--run", QString::number(m_runB), "--map", "--json", text});
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    const nlohmann::json j = nlohmann::json::parse(cli.readAllStandardOutput().toStdString());
    const nlohmann::json &m = j[0]["runs"][0]["embedding_map"];
    QCOMPARE(m["silhouette"].get<double>(), view->map()->silhouette);
    QCOMPARE(m["points"].get<size_t>(), view->map()->points.size());
    QVERIFY(std::abs(m["position"][0].get<double>() - view->sentencePosition().x()) < 1e-4);
    QVERIFY(std::abs(m["position"][1].get<double>() - view->sentencePosition().y()) < 1e-4);

    // Click the first point: its sentence goes to both models.
    const MapPoint &p = view->map()->points.front();
    QCustomPlot *plot = view->plot();
    const QPoint pixel(int(std::lround(plot->xAxis->coordToPixel(p.x))),
                       int(std::lround(plot->yAxis->coordToPixel(p.y))));
    QVERIFY(view->pointAt(pixel) >= 0);
    const QString clicked =
        QString::fromStdString(view->map()->points[size_t(view->pointAt(pixel))].text);
    QTest::mouseClick(plot, Qt::LeftButton, {}, pixel);
    QCOMPARE(pane->sentence(), clicked);
}

void TestInferencePane::screenshots()
{
    const QString dir = screenshotDir();
    if (dir.isEmpty())
        QSKIP("set SENTILAB_SCREENSHOT_DIR to save screenshots");
    for (const bool dark : {false, true}) {
        const QString suffix = dark ? "-dark" : "";
        auto pane = makePane();
        if (dark)
            pane->setPalette(sentilab::ui::darkPalette());
        pane->setAutoFillBackground(true);
        pane->resize(900, 560);
        QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 1), kTimeoutMs);
        QVERIFY(pane->grab().save(dir + "/inference-missing" + suffix + ".png"));
        pane->setRuns(m_runA, m_runB);
        QTRY_VERIFY_WITH_TIMEOUT(modelReady(*pane, 0) && modelReady(*pane, 1), kTimeoutMs);
        QSignalSpy mapped(pane.get(), &InferencePane::mapsShown);
        QTest::mouseClick(pane->findChild<QPushButton *>("computeMaps"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!mapped.isEmpty(), kTimeoutMs);
        QSignalSpy shown(pane.get(), &InferencePane::explanationsShown);
        pane->resize(1024, 700);
        QTest::mouseClick(pane->findChild<QPushButton *>("starter2"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), kTimeoutMs);
        QTest::qWait(50);
        QVERIFY(pane->grab().save(dir + "/inference" + suffix + ".png"));
        auto *scroll = pane->findChild<QScrollArea *>("explanationScroll");
        scroll->verticalScrollBar()->setValue(scroll->verticalScrollBar()->maximum());
        QTest::qWait(50);
        QVERIFY(pane->grab().save(dir + "/inference-map" + suffix + ".png"));
        pane->resize(560, 640);
        QTest::qWait(50);
        QVERIFY(pane->grab().save(dir + "/inference-narrow" + suffix + ".png"));
    }
}

void TestInferencePane::cleanupTestCase()
{
    QSettings().clear();
}

QTEST_MAIN(TestInferencePane)
#include "tst_inferencepane.moc"
