#include "compareview.h"

#include "appsettings.h"
#include "common/colors.h"
#include "common/formatting.h"
#include "common/palettes.h"
#include "comparisontable.h"
#include "confusionmatrixwidget.h"
#include "plotstyle.h"
#include "storereader.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "common/qcpinclude.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>

#include <sentilab/error.h>
#include <sentilab/runanalysis.h>
#include <sentilab/runstore.h>

namespace sentilab::ui {

namespace {

constexpr int kSaveDelayMs = 800;
const QString kCheckedKey = QStringLiteral("compare/checkedRuns");
constexpr int kTextRole = Qt::UserRole;      // disagreement: the sentence
constexpr int kIndexRole = Qt::UserRole + 1; // disagreement: example index in the test split
constexpr int kRunARole = Qt::UserRole + 2;  // disagreement: the compared runs A and B
constexpr int kRunBRole = Qt::UserRole + 3;

QString fromStd(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

CompareView::CompareView(QWidget *parent) : QWidget(parent)
{
    buildUi();
}

CompareView::~CompareView()
{
    saveDiscussion();
}

void CompareView::buildUi()
{
    m_runList = new QListWidget(this);
    m_runList->setObjectName("runList");
    m_runList->setAccessibleName(tr("Runs to compare"));
    connect(m_runList, &QListWidget::itemChanged, this, &CompareView::onItemChanged);
    auto *runBox = new QGroupBox(tr("Runs to compare"), this);
    auto *runLayout = new QVBoxLayout(runBox);
    runLayout->addWidget(m_runList);

    m_emptyLabel = new QLabel(this);
    m_emptyLabel->setObjectName("emptyState");
    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setWordWrap(true);
    m_emptyLabel->setMargin(24);

    // Configuration and results.
    m_configTable = new QTableWidget(this);
    m_configTable->setObjectName("configTable");
    m_configTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_configTable->verticalHeader()->hide();
    m_configTable->setAlternatingRowColors(false);
    m_configTable->setWordWrap(false);
    auto *configBox =
        new QGroupBox(tr("Configuration and results (differences highlighted)"), this);
    auto *configLayout = new QVBoxLayout(configBox);
    configLayout->addWidget(m_configTable);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName("differencePlot");
    m_plot->setMinimumSize(280, 200);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, QString()));
    m_plot->xAxis->setLabel(tr("optimizer step"));
    m_plot->yAxis->setLabel(tr("difference (percentage points)"));
    auto *plotBox = new QGroupBox(tr("Validation accuracy difference"), this);
    auto *plotLayout = new QVBoxLayout(plotBox);
    plotLayout->addWidget(m_plot);

    // Confusion matrices, side by side in a horizontal scroll area.
    m_matrixBox = new QWidget(this);
    m_matrixLayout = new QHBoxLayout(m_matrixBox);
    m_matrixLayout->setContentsMargins(0, 0, 0, 0);
    auto *matrixScroll = new QScrollArea(this);
    matrixScroll->setWidget(m_matrixBox);
    matrixScroll->setWidgetResizable(true);
    matrixScroll->setFrameShape(QFrame::NoFrame);
    matrixScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    // Tall enough for one matrix and the scroll bar: the splitter may not squeeze it further.
    matrixScroll->setMinimumHeight(ConfusionMatrixWidget().minimumSizeHint().height() +
                                   matrixScroll->horizontalScrollBar()->sizeHint().height() + 4);
    auto *matrixGroup = new QGroupBox(tr("Test-set confusion matrices"), this);
    auto *matrixGroupLayout = new QVBoxLayout(matrixGroup);
    matrixGroupLayout->addWidget(matrixScroll);

    m_disagreeSummary = new QLabel(this);
    m_disagreeSummary->setObjectName("disagreementSummary");
    m_disagreeSummary->setWordWrap(true);
    m_disagreements = new QTreeWidget(this);
    m_disagreements->setObjectName("disagreements");
    m_disagreements->setRootIsDecorated(false);
    m_disagreements->setUniformRowHeights(true);
    m_disagreements->setAlternatingRowColors(true);
    m_disagreements->setColumnCount(4);
    m_disagreements->header()->setStretchLastSection(false);
    m_disagreements->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < 4; ++c)
        m_disagreements->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    // A double click is a click and an activation: tell the listener once.
    struct LastChoice
    {
        QElapsedTimer timer;
        QTreeWidgetItem *item = nullptr;
    };
    auto last = std::make_shared<LastChoice>();
    auto emitChosen = [this, last](QTreeWidgetItem *item) {
        if (item == last->item && last->timer.isValid() &&
            last->timer.elapsed() < QApplication::doubleClickInterval())
            return;
        last->item = item;
        last->timer.start();
        const QString text = item->data(0, kTextRole).toString();
        if (!text.isEmpty())
            Q_EMIT sentenceChosen(text, item->data(0, kRunARole).toLongLong(),
                                  item->data(0, kRunBRole).toLongLong());
    };
    connect(m_disagreements, &QTreeWidget::itemClicked, this, emitChosen);
    connect(m_disagreements, &QTreeWidget::itemActivated, this, emitChosen);
    auto *disagreeBox = new QGroupBox(tr("Test sentences where the two runs disagree"), this);
    m_disagreeDetail = new QLabel(this);
    m_disagreeDetail->setObjectName("disagreementDetail");
    m_disagreeDetail->setWordWrap(true);
    m_disagreeDetail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(m_disagreements, &QTreeWidget::currentItemChanged, this,
            [this](QTreeWidgetItem *item) { showDisagreementDetail(item); });
    auto *disagreeLayout = new QVBoxLayout(disagreeBox);
    disagreeLayout->addWidget(m_disagreeSummary);
    disagreeLayout->addWidget(m_disagreements, 1);
    disagreeLayout->addWidget(m_disagreeDetail);

    m_discussionCaption = new QLabel(this);
    m_discussionCaption->setWordWrap(true);
    m_discussion = new QPlainTextEdit(this);
    m_discussion->setObjectName("discussion");
    m_discussion->setPlaceholderText(
        tr("What does pre-training buy? Write your reading of these results; it goes into the "
           "report."));
    m_discussion->installEventFilter(this);
    m_saveTimer = new QTimer(this);
    m_saveTimer->setSingleShot(true);
    m_saveTimer->setInterval(kSaveDelayMs);
    connect(m_saveTimer, &QTimer::timeout, this, &CompareView::saveDiscussion);
    connect(m_discussion, &QPlainTextEdit::textChanged, this, [this] {
        if (m_loadingDiscussion)
            return;
        m_discussionDirty = true;
        m_saveTimer->start();
    });
    auto *discussionBox = new QGroupBox(tr("Discussion"), this);
    auto *discussionLayout = new QVBoxLayout(discussionBox);
    discussionLayout->addWidget(m_discussionCaption);
    discussionLayout->addWidget(m_discussion, 1);

    // Configuration on the left; the curve above the matrices on the right; the sentences and the
    // discussion below.
    auto *charts = new QSplitter(Qt::Vertical, this);
    charts->addWidget(plotBox);
    charts->addWidget(matrixGroup);
    charts->setStretchFactor(0, 1);
    charts->setStretchFactor(1, 1);
    charts->setChildrenCollapsible(false);
    charts->setSizes({1, 1}); // proportions until the user drags
    auto *top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(configBox);
    top->addWidget(charts);
    top->setStretchFactor(0, 3); // the table needs room for two run columns at 1024 px
    top->setStretchFactor(1, 2);
    top->setChildrenCollapsible(false);
    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(disagreeBox);
    bottom->addWidget(discussionBox);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 1);
    bottom->setChildrenCollapsible(false);
    auto *dashboard = new QSplitter(Qt::Vertical, this);
    dashboard->addWidget(top);
    dashboard->addWidget(bottom);
    dashboard->setStretchFactor(0, 3);
    dashboard->setStretchFactor(1, 2);
    dashboard->setChildrenCollapsible(false);

    // The dashboard keeps its minimum sizes inside a scroll area, so the window can still shrink
    // to a 1024x700 screen (the splitters' minimums add up to more than that).
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(dashboard);
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_emptyLabel);
    m_stack->addWidget(scroll);

    m_errorLabel = new QLabel(this);
    m_errorLabel->setObjectName("error");
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->hide();

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_stack, 1);
    rightLayout->addWidget(m_errorLabel);

    auto *outer = new QSplitter(Qt::Horizontal, this);
    outer->addWidget(runBox);
    outer->addWidget(right);
    outer->setStretchFactor(0, 0);
    outer->setStretchFactor(1, 1);
    outer->setSizes({180, 900});
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(outer);

    styleDifferencePlot();
    m_emptyLabel->setText(tr("Open a run database to compare runs."));
    m_stack->setCurrentIndex(0);
}

void CompareView::setDatabasePath(const QString &path)
{
    if (!m_ownReader)
        m_ownReader = new StoreReader(this);
    setStoreReader(m_ownReader);
    m_ownReader->setDatabasePath(path);
}

void CompareView::setStoreReader(StoreReader *reader)
{
    if (m_reader == reader)
        return;
    if (m_reader)
        disconnect(m_reader, nullptr, this, nullptr);
    m_reader = reader;
    connect(m_reader, &StoreReader::changed, this, &CompareView::refreshRuns);
    connect(m_reader, &StoreReader::databaseChanged, this, [this] {
        saveDiscussion();
        m_shownSet.clear();
        m_runList->clear();
        refreshRuns();
    });
    m_shownSet.clear();
    m_runList->clear();
    refreshRuns();
}

RunStore *CompareView::store() const
{
    return m_reader ? m_reader->store() : nullptr;
}

void CompareView::refreshRuns()
{
    if (!m_reader || m_reader->databasePath().isEmpty())
        return;
    try {
        if (!store())
            throw Error(m_reader->error().toStdString());
        fillRunList();
    } catch (const std::exception &e) {
        m_emptyLabel->setText(fromStd(e.what()));
        m_stack->setCurrentIndex(0);
        return;
    }
    if (checkedRuns() != m_shownSet)
        checkedSetChanged();
    else
        rebuildDashboard();
}

void CompareView::fillRunList()
{
    const QList<qint64> checked = checkedRuns().isEmpty() ? m_shownSet : checkedRuns();
    const QSignalBlocker blocker(m_runList);
    m_runList->clear();
    const int icon = m_runList->fontMetrics().height();
    for (const RunInfo &run : store()->listRuns()) {
        auto *item = new QListWidgetItem(QIcon(colorSwatch(runColor(run.id), icon)),
                                         tr("%1\n#%2 · %3 · %4")
                                             .arg(fromStd(run.name))
                                             .arg(run.id)
                                             .arg(fromStd(run.kind), fromStd(toString(run.status))),
                                         m_runList);
        item->setData(Qt::UserRole, qint64(run.id));
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
        item->setCheckState(checked.contains(run.id) ? Qt::Checked : Qt::Unchecked);
        QString tip =
            tr("best validation accuracy: %1\ntest accuracy: %2")
                .arg(run.bestValAccuracy < 0 ? tr("none yet")
                                             : formatPercent(run.bestValAccuracy, 2),
                     run.testAccuracy < 0 ? tr("none yet") : formatPercent(run.testAccuracy, 2));
        if (!run.note.empty())
            tip += '\n' + fromStd(run.note);
        item->setToolTip(tip);
    }
}

QList<qint64> CompareView::checkedRuns() const
{
    QList<qint64> ids;
    for (int i = 0; i < m_runList->count(); ++i) {
        const QListWidgetItem *item = m_runList->item(i);
        if (item->checkState() == Qt::Checked)
            ids << item->data(Qt::UserRole).toLongLong();
    }
    return ids;
}

void CompareView::setCheckedRuns(const QList<qint64> &runIds)
{
    {
        const QSignalBlocker blocker(m_runList);
        for (int i = 0; i < m_runList->count(); ++i) {
            QListWidgetItem *item = m_runList->item(i);
            item->setCheckState(runIds.contains(item->data(Qt::UserRole).toLongLong())
                                    ? Qt::Checked
                                    : Qt::Unchecked);
        }
    }
    checkedSetChanged();
}

void CompareView::onItemChanged(QListWidgetItem *)
{
    if (checkedRuns() != m_shownSet)
        checkedSetChanged();
}

void CompareView::checkedSetChanged()
{
    saveDiscussion(); // the text belongs to the set shown so far
    m_saveTimer->stop();
    m_shownSet = checkedRuns();
    if (m_rememberSelection) {
        QStringList ids;
        for (const qint64 id : std::as_const(m_shownSet))
            ids << QString::number(id);
        QSettings().setValue(kCheckedKey, ids);
    }
    rebuildDashboard();
    loadDiscussion();
}

void CompareView::setRememberSelection(bool remember)
{
    m_rememberSelection = remember;
    if (!remember || !checkedRuns().isEmpty())
        return;
    QList<qint64> saved;
    for (const QString &id : QSettings().value(kCheckedKey).toStringList())
        saved << id.toLongLong();
    if (!saved.isEmpty())
        setCheckedRuns(saved);
}

void CompareView::showError(const QString &message)
{
    m_errorLabel->setText(message);
    m_errorLabel->setVisible(!message.isEmpty());
}

void CompareView::rebuildDashboard()
{
    showError(QString());
    RunStore *runs = store();
    if (!runs)
        return;
    Comparison c;
    try {
        c = compareRuns(*runs, std::vector<int64_t>(m_shownSet.begin(), m_shownSet.end()));
    } catch (const std::exception &e) {
        showError(fromStd(e.what()));
        c = {};
    }
    if (c.runs.size() < 2) {
        QString text;
        if (m_runList->count() == 0)
            text = tr("No runs yet. Start a fine-tune run and a scratch run; then check both here "
                      "to compare them.");
        else if (c.runs.size() == 1)
            text = tr("Check one more run to compare it with %1 (a fine-tune and a scratch run).")
                       .arg(runTitle(c.runs.front().info));
        else
            text = tr("Check two runs to compare them (a fine-tune and a scratch run).");
        m_emptyLabel->setText(text);
        m_stack->setCurrentIndex(0);
        return;
    }
    m_stack->setCurrentIndex(1);
    // A refresh (e.g. after each evaluation of a running run) keeps where the user scrolled to.
    const int tableScroll = m_configTable->verticalScrollBar()->value();
    const int treeScroll = m_disagreements->verticalScrollBar()->value();
    fillComparisonTable(m_configTable, c);
    fillDifferencePlot(c);
    fillConfusionMatrices(c);
    fillDisagreements(c);
    m_configTable->verticalScrollBar()->setValue(tableScroll);
    m_disagreements->verticalScrollBar()->setValue(treeScroll);
}

void CompareView::fillDifferencePlot(const Comparison &c)
{
    m_plot->clearGraphs();
    auto *title = static_cast<QCPTextElement *>(m_plot->plotLayout()->element(0, 0));
    const RunSummary &a = c.runs[size_t(c.a)], &b = c.runs[size_t(c.b)];
    if (c.difference.empty()) {
        const RunSummary &missing = a.validation.empty() ? a : b;
        title->setText(a.validation.empty() || b.validation.empty()
                           ? tr("%1:\nno validation evaluation yet").arg(runTitle(missing.info))
                           : tr("%1 and %2:\nno evaluation steps in common yet")
                                 .arg(runTitle(a.info), runTitle(b.info)));
        m_plot->xAxis->setRange(0, 1);
        m_plot->yAxis->setRange(-1, 1);
        m_plot->replot();
        return;
    }
    title->setText(tr("%1\nminus %2").arg(runTitle(a.info), runTitle(b.info)));
    QVector<double> steps, diffs;
    for (const DifferencePoint &p : c.difference) {
        steps << double(p.step);
        diffs << p.points;
    }
    QCPGraph *zero = m_plot->addGraph();
    zero->setData({steps.front(), steps.back()}, {0.0, 0.0});
    zero->setPen(QPen(palette().color(QPalette::WindowText), 1, Qt::DashLine));
    QCPGraph *diff = m_plot->addGraph();
    diff->setObjectName(QStringLiteral("difference"));
    diff->setData(steps, diffs, true);
    const QColor color = runColor(a.info.id);
    diff->setPen(QPen(color, 2));
    diff->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 5));
    QColor fill = color;
    fill.setAlpha(50);
    diff->setBrush(fill);
    diff->setChannelFillGraph(zero);

    double extent = 1.0; // at least +-1 point, so that noise does not look like a trend
    for (double d : diffs)
        extent = std::max(extent, std::abs(d));
    const double span = extent * 1.15;
    m_plot->yAxis->setRange(-span, span);
    const double x0 = steps.front(), x1 = steps.back();
    const double margin = x1 > x0 ? (x1 - x0) * 0.03 : 1.0;
    m_plot->xAxis->setRange(x0 - margin, x1 + margin);
    m_plot->replot();
}

void CompareView::styleDifferencePlot()
{
    applyPaletteToPlot(m_plot, palette());
    const QColor text = palette().color(QPalette::WindowText);
    if (auto *title = qobject_cast<QCPTextElement *>(m_plot->plotLayout()->element(0, 0)))
        title->setTextColor(text);
    m_plot->replot();
}

void CompareView::fillConfusionMatrices(const Comparison &c)
{
    qDeleteAll(m_matrices);
    m_matrices.clear();
    for (const RunSummary &run : c.runs) {
        auto *matrix = new ConfusionMatrixWidget(m_matrixBox);
        matrix->setTitle(runTitle(run.info));
        matrix->setColor(runColor(run.info.id));
        if (!run.test) {
            matrix->setPlaceholder(tr("%1\nhas no test evaluation yet: it runs when training "
                                      "finishes")
                                       .arg(runTitle(run.info)));
        } else {
            const auto &counts = run.test->confusion;
            matrix->setCounts(counts[0], counts[1], counts[2], counts[3]);
        }
        m_matrixLayout->addWidget(matrix);
        matrix->show(); // now, not when the layout gets to it: the view reads as it looks
        m_matrices << matrix;
    }
}

void CompareView::fillDisagreements(const Comparison &c)
{
    const RunSummary &a = c.runs[size_t(c.a)], &b = c.runs[size_t(c.b)];
    m_disagreements->clear();
    showDisagreementDetail(nullptr);
    m_disagreements->setHeaderLabels(
        {tr("Sentence"), tr("True"), runTitle(a.info), runTitle(b.info)});
    if (c.testJoined == 0) {
        const bool aMissing = store()->predictions(a.info.id, "test").empty();
        m_disagreeSummary->setText(tr("%1 has no test predictions yet; they are recorded when "
                                      "its training finishes.")
                                       .arg(runTitle((aMissing ? a : b).info)));
        return;
    }
    auto verdict = [&](const PredictionRow &r) {
        const double p = r.predicted == 1 ? r.probPositive : 1.0 - r.probPositive;
        return tr("%1 %2 %3")
            .arg(labelName(r.predicted))
            .arg(p, 0, 'f', 2)
            .arg(r.predicted == r.label ? QStringLiteral("✓") : QStringLiteral("✗"));
    };
    const QPalette pal = m_disagreements->palette();
    const QColor base = pal.color(QPalette::Base), alternate = pal.color(QPalette::AlternateBase);
    const QColor right = readableOn(rightColor(), base, alternate);
    const QColor wrong = readableOn(wrongColor(), base, alternate);
    QList<QTreeWidgetItem *> items;
    for (const Disagreement &d : c.disagreements) {
        const QString text = fromStd(d.text);
        auto *item = new QTreeWidgetItem;
        item->setText(0,
                      text.isEmpty() ? tr("(sentence #%1: text unavailable)").arg(d.index) : text);
        item->setToolTip(0, text.isEmpty() ? fromStd(c.textError) : text);
        item->setData(0, kTextRole, text);
        item->setData(0, kIndexRole, qint64(d.index));
        item->setData(0, kRunARole, qint64(a.info.id));
        item->setData(0, kRunBRole, qint64(b.info.id));
        item->setText(1, labelName(d.label));
        item->setText(2, verdict(d.a));
        item->setForeground(2, d.a.predicted == d.label ? right : wrong);
        item->setText(3, verdict(d.b));
        item->setForeground(3, d.b.predicted == d.label ? right : wrong);
        items << item;
    }
    m_disagreements->addTopLevelItems(items);

    QString summary;
    if (items.isEmpty())
        summary = tr("The two runs agree on all %1 test sentences.").arg(c.testJoined);
    else
        summary = tr("They disagree on %1 of %2 test sentences: %3 is right on %4 of them, %5 on "
                     "%6. Click one to try it in the inference pane.")
                      .arg(items.size())
                      .arg(c.testJoined)
                      .arg(runTitle(a.info))
                      .arg(c.aRightOnDisagreements)
                      .arg(runTitle(b.info))
                      .arg(c.bRightOnDisagreements);
    if (!items.isEmpty())
        summary += ' ' + tr("McNemar's exact test on these counts: p = %1 (%2).")
                             .arg(c.mcnemarP, 0, 'g', 3)
                             .arg(c.mcnemarP < 0.05 ? tr("significant at the 5% level")
                                                    : tr("not significant"));
    if (!c.textError.empty())
        summary += ' ' + tr("The sentences cannot be shown: %1").arg(fromStd(c.textError));
    m_disagreeSummary->setText(summary);
}

void CompareView::showDisagreementDetail(QTreeWidgetItem *item)
{
    if (!item) {
        m_disagreeDetail->setText(tr("Select a sentence to read it whole here (Enter or a click "
                                     "asks both runs)."));
        return;
    }
    m_disagreeDetail->setText(tr("#%1 (true: %2): \u201c%3\u201d \u2014 %4: %5, %6: %7")
                                  .arg(item->data(0, kIndexRole).toLongLong())
                                  .arg(item->text(1), item->text(0),
                                       m_disagreements->headerItem()->text(2), item->text(2),
                                       m_disagreements->headerItem()->text(3), item->text(3)));
}

void CompareView::loadDiscussion()
{
    m_loadingDiscussion = true;
    m_discussionDirty = false;
    QString text;
    if (store() && m_shownSet.size() >= 2) {
        try {
            const std::vector<int64_t> ids(m_shownSet.begin(), m_shownSet.end());
            if (const std::optional<ComparisonNotes> notes = store()->comparison(ids))
                text = fromStd(notes->discussion);
        } catch (const std::exception &e) {
            showError(tr("The saved discussion cannot be read: %1").arg(fromStd(e.what())));
        }
    }
    m_discussion->setPlainText(text);
    QStringList names;
    for (qint64 id : m_shownSet)
        names << QStringLiteral("#%1").arg(id);
    m_discussionCaption->setText(
        tr("Saved with this set of runs (%1) and shown in the report with the four example "
           "sentences.")
            .arg(names.join(QLatin1String(", "))));
    m_loadingDiscussion = false;
}

void CompareView::saveDiscussion()
{
    m_saveTimer->stop();
    if (!m_discussionDirty || !store() || m_shownSet.size() < 2)
        return;
    ComparisonNotes notes;
    notes.runIds.assign(m_shownSet.begin(), m_shownSet.end());
    notes.discussion = m_discussion->toPlainText().toStdString();
    for (const QString &s : AppSettings::starterSentences())
        notes.sentences.push_back(s.toStdString());
    try {
        store()->saveComparison(notes);
        m_discussionDirty = false;
    } catch (const std::exception &e) {
        showError(tr("The discussion could not be saved (it is kept here; edit it to retry): %1")
                      .arg(fromStd(e.what())));
    }
}

bool CompareView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_discussion && event->type() == QEvent::FocusOut)
        saveDiscussion();
    return QWidget::eventFilter(watched, event);
}

void CompareView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_plot) {
        styleDifferencePlot();
        if (m_stack->currentIndex() == 1)
            rebuildDashboard(); // highlight and fill colours follow the palette
    }
}

} // namespace sentilab::ui
