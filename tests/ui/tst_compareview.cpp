// The compare dashboard driven as a user would (issue: compare dashboard): check two runs with the
// keyboard, read the configuration table, the confusion matrices and the disagreements, activate
// a sentence, write a discussion and find it again in a new view. Two real smoke runs (scratch,
// seeds 42 and 7), a run that has no evaluation yet, and a "fine-tune" run whose test predictions
// are run A's with every third one flipped (tiny smoke models may agree on every sentence, so the
// disagreement list needs a run that is known to differ).
#include <QApplication>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest/QtTest>

#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include <sentilab/dataset.h>
#include <sentilab/runstore.h>
#include <sentilab/training.h>

#include "appsettings.h"
#include "common/palettes.h"
#include "common/qcpinclude.h"
#include "compareview.h"
#include "confusionmatrixwidget.h"
#include "smokerun.h"

using namespace sentilab;
using namespace sentilab::ui;

using sentilab::test::trainSmoke;

namespace {

// Checks or unchecks the run's item as a user does: select it and press Space.
void toggleRun(QListWidget *list, qint64 runId)
{
    for (int i = 0; i < list->count(); ++i) {
        if (list->item(i)->data(Qt::UserRole).toLongLong() == runId) {
            list->setFocus();
            list->setCurrentRow(i);
            QTest::keyClick(list->viewport(), Qt::Key_Space);
            return;
        }
    }
    QFAIL(qPrintable(QStringLiteral("run %1 is not in the list").arg(runId)));
}

int rowOf(QTableWidget *table, const QString &key)
{
    for (int r = 0; r < table->rowCount(); ++r) {
        if (table->item(r, 0) && table->item(r, 0)->text() == key)
            return r;
    }
    return -1;
}

bool highlighted(QTableWidget *table, int row)
{
    for (int c = 0; c < table->columnCount(); ++c) {
        const QTableWidgetItem *item = table->item(row, c);
        if (!item || !item->font().bold() || item->background().style() == Qt::NoBrush)
            return false;
    }
    return true;
}

// Where screenshots go ($SENTILAB_SCREENSHOT_DIR); empty = take none.
QString screenshotDir()
{
    return qEnvironmentVariable("SENTILAB_SCREENSHOT_DIR");
}

} // namespace

class TestCompareView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void emptyStatesExplain();
    void checkingTwoRunsFillsTheTable();
    void confusionMatricesSumToTheTestSet();
    void disagreementsMatchThePredictions();
    void activatingASentenceEmitsIt();
    void discussionPersists();
    void dashboardEqualsCliJson();
    void rememberedSelectionComesBack();
    void screenshots();
    void cleanupTestCase();

private:
    std::unique_ptr<CompareView> makeView();

    QTemporaryDir m_dir;
    QString m_db;
    qint64 m_runA = 0;        // seed 42
    qint64 m_runB = 0;        // seed 7
    qint64 m_unevaluated = 0; // created, never evaluated
    qint64 m_flipped = 0;     // kind finetune: run A's predictions, every third one flipped
};

void TestCompareView::initTestCase()
{
    if (qEnvironmentVariableIsEmpty("SENTILAB_SHARED_DIR") ||
        !QFile::exists(qEnvironmentVariable("SENTILAB_SHARED_DIR") + "/data/sst2/train.jsonl"))
        QSKIP("SKIPPED: shared reference data not found (expected "
              "$SENTILAB_SHARED_DIR/data/sst2/train.jsonl)");
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("SentiLabTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_compareview"));
    QSettings().clear();
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath("runs.db");
    m_runA = trainSmoke(m_db, 42);
    m_runB = trainSmoke(m_db, 7);
    QVERIFY(m_runA > 0 && m_runB > 0);
    RunStore store = RunStore::open(m_db.toStdString());
    RunInfo info = store.run(m_runA);
    info.name = "unevaluated";
    info.status = RunStatus::Queued;
    m_unevaluated = store.createRun(info);

    RunInfo flipped = store.run(m_runA);
    flipped.name = "flipped";
    flipped.kind = "finetune";
    flipped.status = RunStatus::Running;
    flipped.configYaml =
        ExperimentConfig::fromYaml(flipped.configYaml, "run A",
                                   {"kind=finetune", "model.init=pretrained", "model.dim=0",
                                    "model.n_layers=0", "model.n_heads=0", "model.hidden_dim=0",
                                    "train.lr=5e-5"})
            .toYaml();
    m_flipped = store.createRun(flipped);
    std::vector<PredictionRow> rows = store.predictions(m_runA, "test");
    std::array<int64_t, 4> confusion{};
    for (size_t i = 0; i < rows.size(); ++i) {
        if (i % 3 == 0)
            rows[i].predicted = 1 - rows[i].predicted;
        rows[i].probPositive = rows[i].predicted == 1 ? 0.8 : 0.3;
        ++confusion[size_t(2 * rows[i].label + rows[i].predicted)];
    }
    const double accuracy = double(confusion[0] + confusion[3]) / double(rows.size());
    store.logPredictions(m_flipped, "test", 32, rows);
    store.logEval(m_flipped, {"test", 32, 2.0, accuracy, 0.5, 0.6, confusion, 900.0});
    for (const EvalRecord &e : store.evals(m_runA, "validation")) {
        EvalRecord better = e;
        better.accuracy = std::min(1.0, e.accuracy + 0.02 * double(e.step) / 8.0);
        store.logEval(m_flipped, better);
    }
    store.setProgress(m_flipped, 32, 32);
    store.setStatus(m_flipped, RunStatus::Finished);
}

std::unique_ptr<CompareView> TestCompareView::makeView()
{
    auto view = std::make_unique<CompareView>();
    view->resize(1280, 860);
    view->show();
    view->setDatabasePath(m_db);
    return view;
}

void TestCompareView::emptyStatesExplain()
{
    auto view = makeView();
    auto *empty = view->findChild<QLabel *>("emptyState");
    QVERIFY(empty->isVisible());
    QVERIFY2(
        empty->text().contains("Check two runs to compare them (a fine-tune and a scratch run)"),
        qPrintable(empty->text()));
    auto *list = view->findChild<QListWidget *>("runList");
    QCOMPARE(list->count(), 4);
    toggleRun(list, m_runA);
    QCOMPARE(view->checkedRuns(), QList<qint64>{m_runA});
    QVERIFY(empty->isVisible());
    QVERIFY2(empty->text().contains("one more run"), qPrintable(empty->text()));
    toggleRun(list, m_runB);
    QVERIFY(!empty->isVisible());
}

void TestCompareView::checkingTwoRunsFillsTheTable()
{
    auto view = makeView();
    auto *list = view->findChild<QListWidget *>("runList");
    toggleRun(list, m_runB);
    toggleRun(list, m_runA);
    QCOMPARE(view->checkedRuns(), (QList<qint64>{m_runB, m_runA})); // list order: newest first
    auto *table = view->findChild<QTableWidget *>("configTable");
    QVERIFY(table->isVisible());
    QCOMPARE(table->columnCount(), 3);

    const int seed = rowOf(table, "train.seed");
    QVERIFY(seed >= 0);
    QCOMPARE(table->item(seed, 1)->text(), QStringLiteral("7"));
    QCOMPARE(table->item(seed, 2)->text(), QStringLiteral("42"));
    QVERIFY(highlighted(table, seed));
    const int lr = rowOf(table, "train.lr");
    QVERIFY(lr >= 0);
    QVERIFY(!highlighted(table, lr));
    QVERIFY(!table->item(lr, 1)->font().bold());

    RunStore store = RunStore::open(m_db.toStdString());
    const int testAcc = rowOf(table, "test accuracy");
    QVERIFY(testAcc >= 0);
    QCOMPARE(table->item(testAcc, 2)->text(),
             QStringLiteral("%1%").arg(store.run(m_runA).testAccuracy * 100, 0, 'f', 2));
    for (const char *row : {"best validation accuracy", "last validation accuracy",
                            "test F1 (positive)", "training time", "steps"}) {
        const int r = rowOf(table, row);
        QVERIFY2(r >= 0, row);
        QVERIFY2(!table->item(r, 1)->text().isEmpty() && table->item(r, 1)->text() != "–", row);
    }
    QCOMPARE(table->item(rowOf(table, "steps"), 1)->text(), QStringLiteral("32 of 32"));

    // A third run without evaluations: a third column, placeholders, no crash.
    toggleRun(list, m_unevaluated);
    QCOMPARE(table->columnCount(), 4);
    QCOMPARE(table->item(rowOf(table, "test accuracy"), 1)->text(), QStringLiteral("–"));
}

void TestCompareView::confusionMatricesSumToTheTestSet()
{
    auto view = makeView();
    view->setCheckedRuns({m_runA, m_runB, m_unevaluated});
    const RunStore store = RunStore::open(m_db.toStdString());
    const qint64 testSize = qint64(store.predictions(m_runA, "test").size());
    QCOMPARE(testSize, qint64(64)); // smoke.yaml: max_eval_examples 64
    const auto matrices = view->findChildren<ConfusionMatrixWidget *>();
    QCOMPARE(matrices.size(), 3);
    int withCounts = 0;
    for (const ConfusionMatrixWidget *m : matrices) {
        QVERIFY(m->isVisible());
        if (!m->hasCounts()) {
            QVERIFY(m->title().contains("unevaluated"));
            continue;
        }
        ++withCounts;
        QCOMPARE(m->total(), testSize);
        // The counts agree with the stored predictions of that run.
        const qint64 id = m->title().contains(QStringLiteral("#%1)").arg(m_runA)) ? m_runA : m_runB;
        std::array<qint64, 4> expected{};
        for (const PredictionRow &p : store.predictions(id, "test"))
            ++expected[size_t(2 * p.label + p.predicted)];
        QCOMPARE(m->counts(), expected);
    }
    QCOMPARE(withCounts, 2);
}

void TestCompareView::disagreementsMatchThePredictions()
{
    const RunStore store = RunStore::open(m_db.toStdString());
    const ExperimentConfig config = ExperimentConfig::fromYaml(store.run(m_runA).configYaml, "run");
    const std::vector<Example> examples =
        readExamples(resolveDataFile(config.data, config.data.test), config.data.maxEvalExamples);
    // {checked runs, compared A, compared B}: a fine-tune run is A whatever the list order; two
    // scratch runs compare the first checked (newest) with the second.
    const struct
    {
        QList<qint64> checked;
        qint64 a, b;
    } cases[] = {{{m_runA, m_flipped}, m_flipped, m_runA}, {{m_runA, m_runB}, m_runB, m_runA}};
    for (const auto &c : cases) {
        auto view = makeView();
        view->setCheckedRuns(c.checked);
        std::map<int64_t, int64_t> predictedB;
        for (const PredictionRow &p : store.predictions(c.b, "test"))
            predictedB[p.index] = p.predicted;
        QList<qint64> expected;
        for (const PredictionRow &p : store.predictions(c.a, "test")) {
            if (predictedB.count(p.index) && predictedB[p.index] != p.predicted)
                expected << p.index;
        }
        auto *tree = view->findChild<QTreeWidget *>("disagreements");
        QVERIFY(tree->isVisible());
        QVERIFY(tree->headerItem()->text(2).contains(QStringLiteral("#%1)").arg(c.a)));
        QVERIFY(tree->headerItem()->text(3).contains(QStringLiteral("#%1)").arg(c.b)));
        QList<qint64> shown;
        for (int i = 0; i < tree->topLevelItemCount(); ++i) {
            const QTreeWidgetItem *item = tree->topLevelItem(i);
            const qint64 index = item->data(0, Qt::UserRole + 1).toLongLong();
            shown << index;
            QCOMPARE(item->text(0), QString::fromStdString(examples[size_t(index)].text));
            QCOMPARE(item->text(1), examples[size_t(index)].label == 1
                                        ? QStringLiteral("positive")
                                        : QStringLiteral("negative"));
        }
        QCOMPARE(shown, expected);
        const QString summary = view->findChild<QLabel *>("disagreementSummary")->text();
        QVERIFY2(
            expected.isEmpty()
                ? summary.contains("agree on all 64")
                : summary.contains(QStringLiteral("disagree on %1 of 64").arg(expected.size())),
            qPrintable(summary));
        qInfo("runs %lld and %lld disagree on %lld of 64 test sentences", c.a, c.b,
              qint64(expected.size()));
    }
}

void TestCompareView::activatingASentenceEmitsIt()
{
    auto view = makeView();
    view->setCheckedRuns({m_runA, m_flipped});
    auto *tree = view->findChild<QTreeWidget *>("disagreements");
    QVERIFY(tree->topLevelItemCount() >= 2);
    QSignalSpy chosen(view.get(), &CompareView::sentenceChosen);
    QTreeWidgetItem *last = tree->topLevelItem(tree->topLevelItemCount() - 1);
    tree->setFocus();
    tree->setCurrentItem(last);
    // The whole sentence, however narrow the column, in the wrapped line under the list.
    auto *detail = view->findChild<QLabel *>("disagreementDetail");
    QVERIFY(detail->isVisible() && detail->wordWrap());
    QVERIFY2(detail->text().contains(last->text(0)), qPrintable(detail->text()));
    QTest::keyClick(tree, Qt::Key_Return);
    QCOMPARE(chosen.count(), 1);
    const QList<QVariant> args = chosen.takeFirst();
    QCOMPARE(args.at(0).toString(), last->text(0));
    // The compared pair goes with it (the fine-tune run first), not the inference pane's choice.
    QCOMPARE(args.at(1).toLongLong(), m_flipped);
    QCOMPARE(args.at(2).toLongLong(), m_runA);
    // A click on a row emits it too.
    QTreeWidgetItem *first = tree->topLevelItem(0);
    tree->scrollToItem(first);
    QVERIFY(tree->viewport()->rect().contains(tree->visualItemRect(first).center()));
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualItemRect(first).center());
    QCOMPARE(chosen.count(), 1);
    QCOMPARE(chosen.takeFirst().at(0).toString(), first->text(0));
}

void TestCompareView::discussionPersists()
{
    const QString text = QStringLiteral("Seed matters more than expected here.");
    {
        auto view = makeView();
        view->setCheckedRuns({m_runA, m_runB});
        auto *discussion = view->findChild<QPlainTextEdit *>("discussion");
        QVERIFY(discussion->isVisible());
        QVERIFY(discussion->toPlainText().isEmpty());
        discussion->setFocus();
        QTest::keyClicks(discussion, text);
        // Saved after the debounce, without leaving the editor.
        const RunStore store = RunStore::open(m_db.toStdString());
        QTRY_VERIFY_WITH_TIMEOUT(store.comparison({m_runA, m_runB}).has_value(), 5000);
        const ComparisonNotes notes = *store.comparison({m_runB, m_runA});
        QCOMPARE(QString::fromStdString(notes.discussion), text);
        QCOMPARE(int(notes.sentences.size()), 4);
        QCOMPARE(QString::fromStdString(notes.sentences[0]), AppSettings::starterSentences()[0]);
        // An edit saved on destruction (no wait for the debounce).
        QTest::keyClicks(discussion, QStringLiteral(" More."));
    }
    auto view = makeView();
    auto *discussion = view->findChild<QPlainTextEdit *>("discussion");
    view->setCheckedRuns({m_runA, m_runB, m_unevaluated});
    QVERIFY(discussion->toPlainText().isEmpty()); // another set of runs, another discussion
    view->setCheckedRuns({m_runB, m_runA});
    QCOMPARE(discussion->toPlainText(), text + " More.");
}

// Issue 10: the dashboard and `sentilab-cli compare --json` read one model, so for the same runs
// every number behind the results table, every configuration value, the compared pair, the
// difference curve and the disagreement count are equal.
void TestCompareView::dashboardEqualsCliJson()
{
    auto view = makeView();
    view->setCheckedRuns({m_runA, m_runB, m_flipped});
    const QList<qint64> order = view->checkedRuns();
    QStringList args = {QStringLiteral("--db"), m_db, QStringLiteral("compare")};
    for (const qint64 id : order)
        args << QString::number(id);
    args << QStringLiteral("--json");
    QProcess cli;
    cli.start(QStringLiteral(SENTILAB_CLI_PATH), args);
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    const nlohmann::json j = nlohmann::json::parse(cli.readAllStandardOutput().toStdString());
    QCOMPARE(j["runs"].size(), size_t(order.size()));

    auto *table = view->findChild<QTableWidget *>("configTable");
    constexpr int kValueRole = Qt::UserRole + 1;
    // The value behind a cell as JSON: what the CLI printed for the same field.
    const auto cellValue = [&](int row, int column) {
        const QVariant v = table->item(row, column)->data(kValueRole);
        if (!v.isValid())
            return nlohmann::json(nullptr);
        if (v.typeId() == QMetaType::Double)
            return nlohmann::json(v.toDouble());
        if (v.typeId() == QMetaType::LongLong)
            return nlohmann::json(v.toLongLong());
        return nlohmann::json(v.toString().toStdString());
    };
    const auto field = [](const nlohmann::json &run, const char *object, const char *key) {
        return run[object].is_null() ? nlohmann::json(nullptr) : run[object][key];
    };
    for (int c = 1; c <= order.size(); ++c) {
        const nlohmann::json &run = j["runs"][size_t(c - 1)];
        QCOMPARE(run["id"].get<qint64>(), order[c - 1]);
        QVERIFY(table->horizontalHeaderItem(c)->text().contains(
            QStringLiteral("#%1)").arg(order[c - 1])));
        const std::pair<const char *, nlohmann::json> results[] = {
            {"best validation accuracy", field(run, "best_validation", "accuracy")},
            {"last validation accuracy", field(run, "last_validation", "accuracy")},
            {"test accuracy", field(run, "test", "accuracy")},
            {"test F1 (positive)", field(run, "test", "f1")},
            {"training time", run["training_seconds"]},
            {"steps", run["steps"]["done"]},
            {"status", run["status"]},
            {"examples (train/val/test)", run["examples"]["train"]},
            {"parameters", field(run, "architecture", "parameters")},
        };
        for (const auto &[label, expected] : results) {
            const int row = rowOf(table, label);
            QVERIFY2(row >= 0, label);
            QVERIFY2(cellValue(row, c) == expected,
                     qPrintable(QStringLiteral("%1, run %2: table %3, CLI %4")
                                    .arg(label)
                                    .arg(order[c - 1])
                                    .arg(QString::fromStdString(cellValue(row, c).dump()),
                                         QString::fromStdString(expected.dump()))));
        }
        for (const auto &[key, value] : run["config"].items()) {
            const int row = rowOf(table, QString::fromStdString(key));
            QVERIFY2(row >= 0, key.c_str());
            QCOMPARE(cellValue(row, c), value);
        }
    }
    QVERIFY(j["runs"][2]["best_validation"]["accuracy"].is_number()); // the runs have results

    // The pair and the difference curve.
    auto *tree = view->findChild<QTreeWidget *>("disagreements");
    QVERIFY(tree->headerItem()->text(2).contains(
        QStringLiteral("#%1)").arg(j["pair"]["a"].get<qint64>())));
    QVERIFY(tree->headerItem()->text(3).contains(
        QStringLiteral("#%1)").arg(j["pair"]["b"].get<qint64>())));
    QCOMPARE(j["pair"]["a"].get<qint64>(), m_flipped);
    auto *plot = view->findChild<QCustomPlot *>();
    QCPGraph *difference = nullptr;
    for (int g = 0; g < plot->graphCount(); ++g)
        if (plot->graph(g)->objectName() == QLatin1String("difference"))
            difference = plot->graph(g);
    QVERIFY(difference);
    QCOMPARE(size_t(difference->data()->size()), j["difference"].size());
    QVERIFY(!j["difference"].empty());
    size_t i = 0;
    for (auto it = difference->data()->constBegin(); it != difference->data()->constEnd();
         ++it, ++i) {
        QCOMPARE(it->key, j["difference"][i]["step"].get<double>());
        QCOMPARE(it->value, j["difference"][i]["points"].get<double>());
    }
    QCOMPARE(size_t(tree->topLevelItemCount()), j["test_disagreements"]["count"].get<size_t>());
}

// Issue 11: the main window's Compare view restores the runs checked in the last session.
void TestCompareView::rememberedSelectionComesBack()
{
    {
        auto view = makeView();
        view->setRememberSelection(true);
        view->setCheckedRuns({m_runA, m_flipped});
    }
    auto plain = makeView(); // a view that does not remember starts empty
    QVERIFY(plain->checkedRuns().isEmpty());
    auto view = makeView();
    view->setRememberSelection(true);
    QCOMPARE(view->checkedRuns(), (QList<qint64>{m_flipped, m_runA})); // list order
    QSettings().remove(QStringLiteral("compare"));
}

// Not a check: with SENTILAB_SCREENSHOT_DIR set, saves what a user sees (light and dark palette,
// empty state and dashboard) for a person to look at.
void TestCompareView::screenshots()
{
    const QString dir = screenshotDir();
    if (dir.isEmpty())
        QSKIP("set SENTILAB_SCREENSHOT_DIR to save screenshots");
    for (const bool dark : {false, true}) {
        const QString suffix = dark ? "-dark" : "";
        auto view = makeView();
        if (dark)
            view->setPalette(sentilab::ui::darkPalette());
        view->setAutoFillBackground(true);
        QTest::qWait(50);
        QVERIFY(view->grab().save(dir + "/compare-empty" + suffix + ".png"));
        view->setCheckedRuns({m_runA, m_flipped, m_unevaluated});
        QTest::qWait(50);
        QVERIFY(view->grab().save(dir + "/compare" + suffix + ".png"));
        view->resize(1000, 700);
        QTest::qWait(50);
        QVERIFY(view->grab().save(dir + "/compare-small" + suffix + ".png"));
    }
}

void TestCompareView::cleanupTestCase()
{
    QSettings().clear();
}

QTEST_MAIN(TestCompareView)
#include "tst_compareview.moc"
