#include "compareview.h"

#include "appsettings.h"
#include "confusionmatrixwidget.h"
#include "uitypes.h"

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
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>

#include <sentilab/dataset.h>
#include <sentilab/error.h>
#include <sentilab/experimentconfig.h>
#include <sentilab/runstore.h>

namespace sentilab::ui {

namespace {

constexpr int kSaveDelayMs = 800;
constexpr int kTextRole = Qt::UserRole;      // disagreement: the sentence
constexpr int kIndexRole = Qt::UserRole + 1; // disagreement: example index in the test split
constexpr int kKeyRole = Qt::UserRole;       // config table: the flattened key

QString fromStd(const std::string &s)
{
    return QString::fromStdString(s);
}

QString runTitle(const RunInfo &run)
{
    return QStringLiteral("%1 (#%2)").arg(fromStd(run.name)).arg(run.id);
}

bool isValidationSplit(const std::string &split)
{
    return split == "validation" || split == "val";
}

std::optional<ExperimentConfig> configOf(const RunInfo &run)
{
    try {
        return ExperimentConfig::fromYaml(run.configYaml, "run " + std::to_string(run.id));
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

QString percent(double v)
{
    return QStringLiteral("%1%").arg(v * 100, 0, 'f', 2);
}

QString duration(double seconds)
{
    const qint64 s = qint64(std::llround(seconds));
    if (s < 60)
        return CompareView::tr("%1 s").arg(s);
    if (s < 3600)
        return CompareView::tr("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return CompareView::tr("%1 h %2 min").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0'));
}

// Training time as RunStore::trainingSeconds() defines it, "so far" while the run is not done.
QString trainingTime(const RunStore &store, const RunInfo &run)
{
    const double seconds = store.trainingSeconds(run.id);
    if (seconds < 0)
        return CompareView::tr("–");
    return duration(seconds) + (isTerminal(run.status) ? QString() : CompareView::tr(" so far"));
}

// Linear interpolation of (step, value) points sorted by step, inside their range.
double interpolate(const std::map<int64_t, double> &points, int64_t step)
{
    auto hi = points.lower_bound(step);
    if (hi == points.end())
        return std::prev(hi)->second;
    if (hi->first == step || hi == points.begin())
        return hi->second;
    auto lo = std::prev(hi);
    const double t = double(step - lo->first) / double(hi->first - lo->first);
    return lo->second + (hi->second - lo->second) * t;
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
            Q_EMIT sentenceChosen(text);
    };
    connect(m_disagreements, &QTreeWidget::itemClicked, this, emitChosen);
    connect(m_disagreements, &QTreeWidget::itemActivated, this, emitChosen);
    auto *disagreeBox = new QGroupBox(tr("Test sentences where the two runs disagree"), this);
    auto *disagreeLayout = new QVBoxLayout(disagreeBox);
    disagreeLayout->addWidget(m_disagreeSummary);
    disagreeLayout->addWidget(m_disagreements, 1);

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
    top->setStretchFactor(0, 1);
    top->setStretchFactor(1, 1);
    top->setChildrenCollapsible(false);
    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(disagreeBox);
    bottom->addWidget(discussionBox);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    bottom->setChildrenCollapsible(false);
    auto *dashboard = new QSplitter(Qt::Vertical, this);
    dashboard->addWidget(top);
    dashboard->addWidget(bottom);
    dashboard->setStretchFactor(0, 3);
    dashboard->setStretchFactor(1, 2);
    dashboard->setChildrenCollapsible(false);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_emptyLabel);
    m_stack->addWidget(dashboard);

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
    outer->setSizes({230, 800});
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(outer);

    styleDifferencePlot();
    m_emptyLabel->setText(tr("Open a run database to compare runs."));
    m_stack->setCurrentIndex(0);
}

void CompareView::setDatabasePath(const QString &path)
{
    saveDiscussion();
    m_databasePath = path;
    m_store.reset();
    m_shownSet.clear();
    m_textCache.clear();
    m_runList->clear();
    refreshRuns();
}

void CompareView::refreshRuns()
{
    if (m_databasePath.isEmpty())
        return;
    try {
        if (!m_store)
            m_store =
                std::make_unique<RunStore>(RunStore::openExisting(m_databasePath.toStdString()));
        fillRunList();
    } catch (const std::exception &e) {
        m_store.reset();
        m_emptyLabel->setText(
            tr("The run database %1 cannot be read: %2").arg(m_databasePath, fromStd(e.what())));
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
    for (const RunInfo &run : m_store->listRuns()) {
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
                .arg(run.bestValAccuracy < 0 ? tr("none yet") : percent(run.bestValAccuracy),
                     run.testAccuracy < 0 ? tr("none yet") : percent(run.testAccuracy));
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
    rebuildDashboard();
    loadDiscussion();
}

void CompareView::showError(const QString &message)
{
    m_errorLabel->setText(message);
    m_errorLabel->setVisible(!message.isEmpty());
}

bool CompareView::comparedPair(const std::vector<RunInfo> &runs, int *a, int *b) const
{
    // Per kind, the first run with evaluations, else the first run of that kind.
    int finetune = -1, scratch = -1;
    bool finetuneEvaluated = false, scratchEvaluated = false;
    for (int i = 0; i < int(runs.size()); ++i) {
        const RunInfo &run = runs[size_t(i)];
        int *slot = run.kind == "finetune" ? &finetune : run.kind == "scratch" ? &scratch : nullptr;
        bool *evaluated = run.kind == "finetune" ? &finetuneEvaluated : &scratchEvaluated;
        if (!slot || *evaluated)
            continue;
        const bool hasEvals = !m_store->evals(run.id).empty();
        if (*slot < 0 || hasEvals) {
            *slot = i;
            *evaluated = hasEvals;
        }
    }
    if (finetune >= 0 && scratch >= 0) {
        *a = finetune;
        *b = scratch;
        return true;
    }
    *a = 0;
    *b = 1;
    return false;
}

void CompareView::rebuildDashboard()
{
    showError(QString());
    if (!m_store)
        return;
    std::vector<RunInfo> runs;
    try {
        for (qint64 id : m_shownSet)
            runs.push_back(m_store->run(id));
    } catch (const std::exception &e) {
        showError(fromStd(e.what()));
        runs.clear();
    }
    if (runs.size() < 2) {
        QString text;
        if (m_runList->count() == 0)
            text = tr("No runs yet. Start a fine-tune run and a scratch run; then check both here "
                      "to compare them.");
        else if (runs.size() == 1)
            text = tr("Check one more run to compare it with %1 (a fine-tune and a scratch run).")
                       .arg(runTitle(runs.front()));
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
    int a = 0, b = 1;
    try {
        comparedPair(runs, &a, &b);
        fillConfigTable(runs);
        fillDifferencePlot(runs[size_t(a)], runs[size_t(b)]);
        fillConfusionMatrices(runs);
        fillDisagreements(runs[size_t(a)], runs[size_t(b)]);
    } catch (const std::exception &e) {
        showError(tr("Reading the runs failed: %1").arg(fromStd(e.what())));
    }
    m_configTable->verticalScrollBar()->setValue(tableScroll);
    m_disagreements->verticalScrollBar()->setValue(treeScroll);
}

void CompareView::fillConfigTable(const std::vector<RunInfo> &runs)
{
    const int columns = int(runs.size()) + 1;
    m_configTable->clear();
    m_configTable->setRowCount(0);
    m_configTable->setColumnCount(columns);
    const int icon = fontMetrics().height();
    m_configTable->setHorizontalHeaderItem(0, new QTableWidgetItem(tr("Setting")));
    for (int c = 1; c < columns; ++c) {
        const RunInfo &run = runs[size_t(c - 1)];
        m_configTable->setHorizontalHeaderItem(
            c, new QTableWidgetItem(QIcon(colorSwatch(runColor(run.id), icon)), runTitle(run)));
    }

    const QPalette pal = palette();
    QFont sectionFont = font();
    sectionFont.setBold(true);
    auto addSection = [&](const QString &title) {
        const int row = m_configTable->rowCount();
        m_configTable->insertRow(row);
        auto *item = new QTableWidgetItem(title);
        item->setFont(sectionFont);
        item->setFlags(Qt::ItemIsEnabled);
        item->setBackground(
            blendColors(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.08));
        m_configTable->setItem(row, 0, item);
        m_configTable->setSpan(row, 0, 1, columns);
    };
    // Adds a row; `highlight` marks values that differ between the runs.
    auto addRow = [&](const QString &key, const QStringList &values, bool highlight) {
        const int row = m_configTable->rowCount();
        m_configTable->insertRow(row);
        const QColor differ = blendColors(pal.color(QPalette::Base), QColor(230, 159, 0), 0.35);
        for (int c = 0; c < columns; ++c) {
            auto *item = new QTableWidgetItem(c == 0 ? key : values.value(c - 1));
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            item->setData(kKeyRole, key);
            item->setToolTip(item->text());
            if (highlight) {
                QFont f = font();
                f.setBold(true);
                item->setFont(f);
                item->setBackground(differ);
                item->setToolTip(tr("%1 — differs between the runs").arg(item->text()));
            }
            m_configTable->setItem(row, c, item);
        }
    };

    addSection(tr("Results"));
    QStringList bestVal, lastVal, testAcc, testF1, time, steps, status;
    for (const RunInfo &run : runs) {
        const std::vector<EvalRecord> evals = m_store->evals(run.id);
        const EvalRecord *best = nullptr, *last = nullptr, *test = nullptr;
        for (const EvalRecord &e : evals) {
            if (isValidationSplit(e.split)) {
                if (!best || e.accuracy > best->accuracy)
                    best = &e;
                last = &e; // ordered by step
            } else if (e.split == "test") {
                test = &e;
            }
        }
        const QString none = tr("–");
        bestVal << (best ? tr("%1 (step %2)").arg(percent(best->accuracy)).arg(best->step) : none);
        lastVal << (last ? tr("%1 (step %2)").arg(percent(last->accuracy)).arg(last->step) : none);
        testAcc << (test ? percent(test->accuracy) : none);
        testF1 << (test ? QString::number(test->f1, 'f', 4) : none);
        time << trainingTime(*m_store, run);
        steps << tr("%1 of %2").arg(run.lastStep).arg(run.totalSteps);
        status << fromStd(toString(run.status));
    }
    addRow(tr("best validation accuracy"), bestVal, false);
    addRow(tr("last validation accuracy"), lastVal, false);
    addRow(tr("test accuracy"), testAcc, false);
    addRow(tr("test F1 (positive)"), testF1, false);
    addRow(tr("training time"), time, false);
    addRow(tr("steps"), steps, false);
    addRow(tr("status"), status, false);

    addSection(tr("Configuration"));
    std::vector<std::string> keys;
    std::vector<std::map<std::string, std::string>> values(runs.size());
    for (size_t i = 0; i < runs.size(); ++i) {
        std::vector<std::pair<std::string, std::string>> pairs;
        if (const std::optional<ExperimentConfig> config = configOf(runs[i]))
            pairs = config->flatten();
        else
            pairs = m_store->params(runs[i].id); // a config this build cannot parse
        for (const auto &[key, value] : pairs) {
            if (std::find(keys.begin(), keys.end(), key) == keys.end())
                keys.push_back(key);
            values[i][key] = value;
        }
    }
    for (const std::string &key : keys) {
        QStringList row;
        bool differs = false;
        for (size_t i = 0; i < runs.size(); ++i) {
            const auto it = values[i].find(key);
            row << (it == values[i].end() ? tr("(not set)") : fromStd(it->second));
            differs = differs || row.back() != row.front();
        }
        addRow(fromStd(key), row, differs);
    }

    m_configTable->resizeColumnsToContents();
    for (int c = 0; c < columns; ++c)
        m_configTable->setColumnWidth(c, std::min(m_configTable->columnWidth(c), 220));
    m_configTable->resizeRowsToContents();
}

void CompareView::fillDifferencePlot(const RunInfo &a, const RunInfo &b)
{
    m_plot->clearGraphs();
    auto *title = static_cast<QCPTextElement *>(m_plot->plotLayout()->element(0, 0));
    std::map<int64_t, double> va, vb;
    for (const EvalRecord &e : m_store->evals(a.id)) {
        if (isValidationSplit(e.split))
            va[e.step] = e.accuracy;
    }
    for (const EvalRecord &e : m_store->evals(b.id)) {
        if (isValidationSplit(e.split))
            vb[e.step] = e.accuracy;
    }
    title->setText(tr("%1\nminus %2").arg(runTitle(a), runTitle(b)));
    QVector<double> steps, diffs;
    if (!va.empty() && !vb.empty()) {
        // Every evaluation step of either run inside the steps both cover; the other run's value
        // is interpolated linearly between its evaluations.
        const int64_t from = std::max(va.begin()->first, vb.begin()->first);
        const int64_t to = std::min(va.rbegin()->first, vb.rbegin()->first);
        std::vector<int64_t> all;
        for (const auto *m : {&va, &vb})
            for (const auto &[step, value] : *m)
                if (step >= from && step <= to)
                    all.push_back(step);
        std::sort(all.begin(), all.end());
        all.erase(std::unique(all.begin(), all.end()), all.end());
        for (int64_t step : all) {
            steps << double(step);
            diffs << (interpolate(va, step) - interpolate(vb, step)) * 100.0;
        }
    }
    if (steps.isEmpty()) {
        const RunInfo &missing = va.empty() ? a : b;
        title->setText(va.empty() || vb.empty()
                           ? tr("%1:\nno validation evaluation yet").arg(runTitle(missing))
                           : tr("%1 and %2:\nno evaluation steps in common yet")
                                 .arg(runTitle(a), runTitle(b)));
        m_plot->xAxis->setRange(0, 1);
        m_plot->yAxis->setRange(-1, 1);
        m_plot->replot();
        return;
    }
    QCPGraph *zero = m_plot->addGraph();
    zero->setData({steps.front(), steps.back()}, {0.0, 0.0});
    zero->setPen(QPen(palette().color(QPalette::WindowText), 1, Qt::DashLine));
    QCPGraph *diff = m_plot->addGraph();
    diff->setData(steps, diffs, true);
    const QColor color = runColor(a.id);
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
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    const QColor grid = blendColors(pal.color(QPalette::Base), text, 0.15);
    m_plot->setBackground(pal.brush(QPalette::Base));
    for (QCPAxis *axis : {m_plot->xAxis, m_plot->yAxis}) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(Qt::NoPen);
    }
    if (auto *title = qobject_cast<QCPTextElement *>(m_plot->plotLayout()->element(0, 0)))
        title->setTextColor(text);
    m_plot->replot();
}

void CompareView::fillConfusionMatrices(const std::vector<RunInfo> &runs)
{
    qDeleteAll(m_matrices);
    m_matrices.clear();
    for (const RunInfo &run : runs) {
        auto *matrix = new ConfusionMatrixWidget(m_matrixBox);
        matrix->setTitle(runTitle(run));
        matrix->setColor(runColor(run.id));
        const std::vector<EvalRecord> tests = m_store->evals(run.id, "test");
        if (tests.empty()) {
            matrix->setPlaceholder(tr("%1\nhas no test evaluation yet: it runs when training "
                                      "finishes")
                                       .arg(runTitle(run)));
        } else {
            const auto &c = tests.back().confusion;
            matrix->setCounts(c[0], c[1], c[2], c[3]);
        }
        m_matrixLayout->addWidget(matrix);
        matrix->show(); // now, not when the layout gets to it: the view reads as it looks
        m_matrices << matrix;
    }
}

const std::vector<std::string> *CompareView::testTexts(const RunInfo &run, QString *error)
{
    try {
        const std::optional<ExperimentConfig> config = configOf(run);
        if (!config)
            throw Error("the configuration stored with run " + std::to_string(run.id) +
                        " cannot be read");
        const std::string path = resolveDataFile(config->data, config->data.test);
        const QString key = fromStd(path) + '#' + QString::number(config->data.maxEvalExamples);
        auto it = m_textCache.find(key);
        if (it == m_textCache.end()) {
            std::vector<std::string> texts;
            for (Example &e : readExamples(path, config->data.maxEvalExamples))
                texts.push_back(std::move(e.text));
            it = m_textCache.insert(key, std::move(texts));
        }
        return &it.value();
    } catch (const std::exception &e) {
        *error = fromStd(e.what());
        return nullptr;
    }
}

void CompareView::fillDisagreements(const RunInfo &a, const RunInfo &b)
{
    m_disagreements->clear();
    m_disagreements->setHeaderLabels({tr("Sentence"), tr("True"), runTitle(a), runTitle(b)});
    const std::vector<PredictionRow> pa = m_store->predictions(a.id, "test");
    const std::vector<PredictionRow> pb = m_store->predictions(b.id, "test");
    if (pa.empty() || pb.empty()) {
        m_disagreeSummary->setText(tr("%1 has no test predictions yet; they are recorded when "
                                      "its training finishes.")
                                       .arg(runTitle(pa.empty() ? a : b)));
        return;
    }
    QString textError;
    const std::vector<std::string> *texts = testTexts(a, &textError);

    auto labelName = [](int64_t label) { return label == 1 ? tr("positive") : tr("negative"); };
    auto verdict = [&](const PredictionRow &r) {
        const double p = r.predicted == 1 ? r.probPositive : 1.0 - r.probPositive;
        return tr("%1 %2 %3")
            .arg(labelName(r.predicted))
            .arg(p, 0, 'f', 2)
            .arg(r.predicted == r.label ? QStringLiteral("✓") : QStringLiteral("✗"));
    };
    const QColor right(0, 158, 115), wrong(213, 94, 0);
    int joined = 0, aRight = 0, bRight = 0;
    QList<QTreeWidgetItem *> items;
    size_t i = 0, j = 0;
    while (i < pa.size() && j < pb.size()) { // both ordered by example index
        if (pa[i].index < pb[j].index) {
            ++i;
            continue;
        }
        if (pb[j].index < pa[i].index) {
            ++j;
            continue;
        }
        const PredictionRow &x = pa[i++];
        const PredictionRow &y = pb[j++];
        ++joined;
        if (x.predicted == y.predicted)
            continue;
        aRight += x.predicted == x.label;
        bRight += y.predicted == y.label;
        const bool haveText = texts && x.index >= 0 && size_t(x.index) < texts->size();
        const QString text = haveText ? fromStd((*texts)[size_t(x.index)]) : QString();
        auto *item = new QTreeWidgetItem;
        item->setText(0, haveText ? text : tr("(sentence #%1: text unavailable)").arg(x.index));
        item->setToolTip(0, haveText ? text : textError);
        item->setData(0, kTextRole, text);
        item->setData(0, kIndexRole, qint64(x.index));
        item->setText(1, labelName(x.label));
        item->setText(2, verdict(x));
        item->setForeground(2, x.predicted == x.label ? right : wrong);
        item->setText(3, verdict(y));
        item->setForeground(3, y.predicted == y.label ? right : wrong);
        items << item;
    }
    m_disagreements->addTopLevelItems(items);

    QString summary;
    if (items.isEmpty())
        summary = tr("The two runs agree on all %1 test sentences.").arg(joined);
    else
        summary = tr("They disagree on %1 of %2 test sentences: %3 is right on %4 of them, %5 on "
                     "%6. Click one to try it in the inference pane.")
                      .arg(items.size())
                      .arg(joined)
                      .arg(runTitle(a))
                      .arg(aRight)
                      .arg(runTitle(b))
                      .arg(bRight);
    if (!texts)
        summary += ' ' + tr("The sentences cannot be shown: %1").arg(textError);
    m_disagreeSummary->setText(summary);
}

void CompareView::loadDiscussion()
{
    m_loadingDiscussion = true;
    m_discussionDirty = false;
    QString text;
    if (m_store && m_shownSet.size() >= 2) {
        try {
            const std::vector<int64_t> ids(m_shownSet.begin(), m_shownSet.end());
            if (const std::optional<ComparisonNotes> notes = m_store->comparison(ids))
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
    if (!m_discussionDirty || !m_store || m_shownSet.size() < 2)
        return;
    ComparisonNotes notes;
    notes.runIds.assign(m_shownSet.begin(), m_shownSet.end());
    notes.discussion = m_discussion->toPlainText().toStdString();
    for (const QString &s : AppSettings::starterSentences())
        notes.sentences.push_back(s.toStdString());
    try {
        m_store->saveComparison(notes);
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
