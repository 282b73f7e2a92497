#include "trainingcharts.h"

#include <algorithm>
#include <map>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <sentilab/error.h>
#include <sentilab/runanalysis.h>
#include <sentilab/runstore.h>

#include "chartview.h"
#include "storereader.h"
#include "uitypes.h"

namespace sentilab::ui {
namespace {

const QString kXAxisKey = QStringLiteral("charts/xAxis");
const QString kSmoothingKey = QStringLiteral("charts/smoothing");

// Drops the points at or after `step` (a resumed run re-does them); true when any were dropped.
template <typename PointVector> bool dropFromStep(PointVector &curve, double step)
{
    const auto first =
        std::find_if(curve.begin(), curve.end(), [step](const auto &p) { return p.step >= step; });
    if (first == curve.end())
        return false;
    curve.erase(first, curve.end());
    return true;
}

} // namespace

TrainingCharts::TrainingCharts(QWidget *parent) : QWidget(parent)
{
    m_xAxisBox = new QComboBox(this);
    m_xAxisBox->addItem(tr("Step"), int(XAxis::Step));
    m_xAxisBox->addItem(tr("Epoch"), int(XAxis::Epoch));
    m_xAxisBox->addItem(tr("Wall time (min)"), int(XAxis::WallMinutes));
    auto *xLabel = new QLabel(tr("&X axis:"), this);
    xLabel->setBuddy(m_xAxisBox);

    m_smoothingSlider = new QSlider(Qt::Horizontal, this);
    m_smoothingSlider->setRange(0, 99);
    m_smoothingSlider->setMaximumWidth(160);
    m_smoothingSlider->setToolTip(tr("Exponential moving average of the training loss (0 = off)"));
    m_smoothingBox = new QDoubleSpinBox(this);
    m_smoothingBox->setRange(0, 0.99);
    m_smoothingBox->setSingleStep(0.01);
    m_smoothingBox->setDecimals(2);
    auto *smoothingLabel = new QLabel(tr("&Smoothing:"), this);
    smoothingLabel->setBuddy(m_smoothingBox);

    auto *resetButton = new QPushButton(tr("&Reset view"), this);
    resetButton->setToolTip(tr("Follow the data again in every chart (or double-click a chart)"));
    m_status = new QLabel(this);
    m_status->setStyleSheet(QStringLiteral("color: #b00020"));
    m_status->setWordWrap(true);
    m_status->hide();

    auto *bar = new QHBoxLayout;
    bar->addWidget(xLabel);
    bar->addWidget(m_xAxisBox);
    bar->addSpacing(16);
    bar->addWidget(smoothingLabel);
    bar->addWidget(m_smoothingSlider);
    bar->addWidget(m_smoothingBox);
    bar->addSpacing(16);
    bar->addWidget(resetButton);
    bar->addStretch(1);

    const QString empty = tr("Select one or more runs in the Runs panel (Ctrl+click to overlay)");
    const auto makeChart = [&](const QString &title, const QString &yLabel, const QString &noData) {
        auto *chart = new ChartView(this);
        chart->setTitle(title);
        chart->setAxisLabels(tr("Step"), yLabel);
        chart->setEmptyText(empty);
        chart->setNoDataText(noData);
        chart->setMinimumSize(280, 200);
        return chart;
    };
    m_loss = makeChart(tr("Training loss"), tr("Loss"), tr("No training steps yet"));
    m_accuracy = makeChart(tr("Validation accuracy"), tr("Accuracy (%)"), tr("Not evaluated yet"));
    m_valLoss = makeChart(tr("Validation loss"), tr("Loss"), tr("Not evaluated yet"));
    m_lr = makeChart(tr("Learning rate"), tr("Learning rate"), tr("No training steps yet"));
    m_accuracy->setShowPoints(true);
    m_valLoss->setShowPoints(true);

    auto *grid = new QGridLayout;
    grid->addWidget(m_loss, 0, 0);
    grid->addWidget(m_accuracy, 0, 1);
    grid->addWidget(m_valLoss, 1, 0);
    grid->addWidget(m_lr, 1, 1);

    auto *chartsPage = new QWidget(this);
    auto *chartsLayout = new QVBoxLayout(chartsPage);
    chartsLayout->setContentsMargins(0, 0, 0, 0);
    chartsLayout->addLayout(bar);
    chartsLayout->addWidget(m_status);
    chartsLayout->addLayout(grid, 1);

    // First launch (a store without runs): what SentiLab does and how to begin, not empty axes.
    auto *welcome = new QWidget(this);
    welcome->setObjectName("welcome");
    auto *welcomeText = new QLabel(
        tr("<h2>How much does pre-training buy you?</h2>"
           "<p>SentiLab fine-tunes pre-trained DistilBERT and trains the same network from random "
           "weights on SST-2 movie-review sentiment, tracks both runs live, compares them and "
           "lets you ask both models about your own sentences.</p>"
           "<p>Start with either run; the other can train at the same time.</p>"),
        welcome);
    welcomeText->setWordWrap(true);
    welcomeText->setAlignment(Qt::AlignCenter);
    welcomeText->setMaximumWidth(560);
    auto *finetune = new QPushButton(tr("Start &fine-tune…"), welcome);
    finetune->setObjectName("welcomeFinetune");
    auto *scratch = new QPushButton(tr("Start &scratch…"), welcome);
    scratch->setObjectName("welcomeScratch");
    connect(finetune, &QPushButton::clicked, this, &TrainingCharts::startFinetuneRequested);
    connect(scratch, &QPushButton::clicked, this, &TrainingCharts::startScratchRequested);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(finetune);
    buttons->addWidget(scratch);
    buttons->addStretch(1);
    auto *welcomeLayout = new QVBoxLayout(welcome);
    welcomeLayout->addStretch(1);
    welcomeLayout->addWidget(welcomeText, 0, Qt::AlignHCenter);
    welcomeLayout->addLayout(buttons);
    welcomeLayout->addStretch(2);

    m_pages = new QStackedWidget(this);
    m_pages->addWidget(chartsPage);
    m_pages->addWidget(welcome);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_pages);

    // The user's choices (these signals are blocked when code sets them) last between launches.
    connect(m_xAxisBox, &QComboBox::currentIndexChanged, this, [this] {
        setXAxis(XAxis(m_xAxisBox->currentData().toInt()));
        QSettings().setValue(kXAxisKey, int(m_xAxis));
    });
    connect(m_smoothingSlider, &QSlider::valueChanged, this, [this](int value) {
        setSmoothing(value / 100.0);
        QSettings().setValue(kSmoothingKey, smoothing());
    });
    connect(m_smoothingBox, &QDoubleSpinBox::valueChanged, this, [this](double value) {
        setSmoothing(value);
        QSettings().setValue(kSmoothingKey, smoothing());
    });
    connect(resetButton, &QPushButton::clicked, this, [this] {
        for (ChartView *chart : {m_loss, m_accuracy, m_valLoss, m_lr})
            chart->resetView();
    });
    const QSettings settings;
    setSmoothing(settings.value(kSmoothingKey, 0.9).toDouble());
    const int axis = settings.value(kXAxisKey, int(XAxis::Step)).toInt();
    if (axis >= int(XAxis::Step) && axis <= int(XAxis::WallMinutes))
        setXAxis(XAxis(axis));
}

TrainingCharts::~TrainingCharts() = default;

void TrainingCharts::setDatabasePath(const QString &path)
{
    if (!m_ownReader)
        m_ownReader = new StoreReader(this);
    setStoreReader(m_ownReader);
    m_ownReader->setDatabasePath(path);
}

void TrainingCharts::setStoreReader(StoreReader *reader)
{
    if (m_reader == reader)
        return;
    if (m_reader)
        disconnect(m_reader, nullptr, this, nullptr);
    m_reader = reader;
    const auto reload = [this] {
        showStatus(QString());
        const QList<qint64> shown = m_shown;
        m_shown.clear();
        m_history.clear();
        for (ChartView *chart : {m_loss, m_accuracy, m_valLoss, m_lr})
            chart->clear();
        showRuns(shown);
    };
    connect(m_reader, &StoreReader::databaseChanged, this, reload);
    connect(m_reader, &StoreReader::changed, this, &TrainingCharts::updateWelcome);
    reload();
}

RunStore *TrainingCharts::store()
{
    if (!m_reader)
        return nullptr;
    RunStore *store = m_reader->store();
    if (!store && !m_reader->databasePath().isEmpty())
        showStatus(m_reader->error());
    return store;
}

void TrainingCharts::showStatus(const QString &message)
{
    m_status->setText(message);
    m_status->setVisible(!message.isEmpty());
}

void TrainingCharts::showRuns(const QList<qint64> &runIds)
{
    // Runs shown already keep their cached history (it holds the live points since); newly shown
    // runs are read from the store.
    QList<qint64> shown;
    for (qint64 runId : runIds) {
        if (shown.contains(runId))
            continue;
        if (!m_shown.contains(runId) || !m_history.contains(runId))
            loadHistory(runId);
        if (m_history.contains(runId))
            shown.append(runId);
    }
    for (qint64 runId : std::as_const(m_shown)) {
        if (!shown.contains(runId)) {
            m_history.remove(runId);
            for (ChartView *chart : {m_loss, m_accuracy, m_valLoss, m_lr})
                chart->removeSeries(runId);
        }
    }
    m_shown = shown;
    for (qint64 runId : std::as_const(m_shown))
        plotRun(runId);
    plotBands();
    updateWelcome();
}

void TrainingCharts::updateWelcome()
{
    RunStore *runs = store();
    bool none = false;
    try {
        none = runs && runs->listRuns().empty();
    } catch (const std::exception &e) {
        showStatus(QString::fromUtf8(e.what()));
    }
    m_pages->setCurrentIndex(none ? 1 : 0);
}

void TrainingCharts::reloadRun(qint64 runId)
{
    m_liveTail.remove(runId); // the run has ended: the store holds everything now
    if (!m_shown.contains(runId))
        return;
    loadHistory(runId);
    if (m_history.contains(runId)) {
        plotRun(runId);
        plotBands();
    } else {
        m_shown.removeAll(runId);
        for (ChartView *chart : {m_loss, m_accuracy, m_valLoss, m_lr})
            chart->removeSeries(runId);
    }
}

void TrainingCharts::loadHistory(qint64 runId)
{
    m_history.remove(runId);
    RunStore *runStore = store();
    if (!runStore)
        return;
    try {
        const RunInfo info = runStore->run(runId);
        History h;
        h.name = QString::fromStdString(info.name);
        double epochs = 0;
        for (const auto &[key, value] : runStore->params(runId)) {
            if (key == "train.epochs")
                epochs = QString::fromStdString(value).toDouble();
        }
        if (epochs > 0 && info.totalSteps > 0)
            h.stepsPerEpoch = double(info.totalSteps) / epochs;

        std::map<int64_t, double> epochAt;
        for (const MetricPoint &p : runStore->metrics(runId, "train/epoch"))
            epochAt[p.step] = p.value;
        const auto epochOf = [&](int64_t step) {
            if (const auto it = epochAt.find(step); it != epochAt.end())
                return it->second;
            if (h.stepsPerEpoch > 0)
                return double(step) / h.stepsPerEpoch;
            const auto after = epochAt.upper_bound(step);
            return after == epochAt.begin() ? 0.0 : std::prev(after)->second;
        };
        const auto curve = [&](const std::string &key) {
            QVector<Point> points;
            for (const MetricPoint &p : runStore->metrics(runId, key))
                points.append({double(p.step), epochOf(p.step), p.wallMs, p.value});
            return points;
        };
        h.loss = curve("train/loss");
        h.lr = curve("train/lr");
        // Steps reported live but not in the store yet (it is written in batches): a run shown
        // again mid-training has no gap before its newest points.
        const double stored = h.loss.isEmpty() ? -1.0 : h.loss.last().step;
        for (const StepInfo &s : m_liveTail.value(runId)) {
            if (double(s.step) <= stored)
                continue;
            h.loss.append({double(s.step), s.epochProgress, s.wallMs, s.loss});
            h.lr.append({double(s.step), s.epochProgress, s.wallMs, s.lr});
        }
        for (const EvalRecord &e : runStore->evals(runId)) {
            if (!isValidationSplit(e.split))
                continue;
            h.valAccuracy.append({double(e.step), e.epoch, e.wallMs, e.accuracy * 100});
            h.valLoss.append({double(e.step), e.epoch, e.wallMs, e.loss});
        }
        m_history.insert(runId, h);
        showStatus(QString());
    } catch (const std::exception &e) {
        showStatus(QString::fromUtf8(e.what()));
    }
}

double TrainingCharts::xOf(const Point &p) const
{
    switch (m_xAxis) {
    case XAxis::Epoch:
        return p.epoch;
    case XAxis::WallMinutes:
        return p.wallMs / 60000.0;
    case XAxis::Step:
        break;
    }
    return p.step;
}

void TrainingCharts::plotRun(qint64 runId)
{
    const auto it = m_history.constFind(runId);
    if (it == m_history.constEnd())
        return;
    const History &h = *it;
    const QColor color = runColor(runId);
    const auto plot = [&](ChartView *chart, const QVector<Point> &points) {
        QVector<double> x, y;
        x.reserve(points.size());
        y.reserve(points.size());
        for (const Point &p : points) {
            x.append(xOf(p));
            y.append(p.value);
        }
        chart->setSeries(runId, h.name, color, std::move(x), std::move(y));
    };
    plot(m_loss, h.loss);
    plot(m_accuracy, h.valAccuracy);
    plot(m_valLoss, h.valLoss);
    plot(m_lr, h.lr);
}

void TrainingCharts::appendLive(qint64 runId, ChartView *chart, QVector<Point> &curve,
                                const Point &p)
{
    curve.append(p);
    chart->appendPoint(runId, xOf(p), p.value);
}

void TrainingCharts::addStep(const StepInfo &s)
{
    // Every run's recent live steps, shown or not (see loadHistory).
    QVector<StepInfo> &tail = m_liveTail[s.runId];
    while (!tail.isEmpty() && tail.last().step >= s.step) // a resumed run repeats steps
        tail.removeLast();
    tail.append(s);
    if (tail.size() > kLiveTail)
        tail.remove(0, tail.size() - kLiveTail);
    if (!m_shown.contains(s.runId) || !m_history.contains(s.runId))
        return;
    History &h = m_history[s.runId];
    bool replot = false;
    // A resumed run repeats the steps after its last checkpoint: drop ours, as the trainer dropped
    // them from the store.
    if (!h.loss.isEmpty() && double(s.step) <= h.loss.last().step) {
        replot |= dropFromStep(h.loss, double(s.step));
        replot |= dropFromStep(h.lr, double(s.step));
        replot |= dropFromStep(h.valAccuracy, double(s.step));
        replot |= dropFromStep(h.valLoss, double(s.step));
    }
    if (replot)
        plotRun(s.runId);
    appendLive(s.runId, m_loss, h.loss, {double(s.step), s.epochProgress, s.wallMs, s.loss});
    appendLive(s.runId, m_lr, h.lr, {double(s.step), s.epochProgress, s.wallMs, s.lr});
}

void TrainingCharts::addEval(const EvalInfo &e)
{
    if (!isValidationSplit(e.split) || !m_shown.contains(e.runId) || !m_history.contains(e.runId))
        return;
    History &h = m_history[e.runId];
    const bool replaced =
        dropFromStep(h.valAccuracy, double(e.step)) | dropFromStep(h.valLoss, double(e.step));
    if (replaced)
        plotRun(e.runId);
    appendLive(e.runId, m_accuracy, h.valAccuracy,
               {double(e.step), e.epoch, e.wallMs, e.accuracy * 100});
    appendLive(e.runId, m_valLoss, h.valLoss, {double(e.step), e.epoch, e.wallMs, e.loss});
    plotBands();
}

void TrainingCharts::plotBands()
{
    for (ChartView *chart : {m_accuracy, m_valLoss})
        chart->clearBands();
    RunStore *runStore = store();
    if (!runStore || m_shown.size() < 2)
        return;
    const std::vector<int64_t> ids(m_shown.begin(), m_shown.end());
    qint64 key = 0;
    for (const std::vector<int64_t> &group : seedGroups(*runStore, ids)) {
        for (const auto &[chart, curve] : {std::pair{m_accuracy, &History::valAccuracy},
                                           std::pair{m_valLoss, &History::valLoss}}) {
            std::map<double, std::vector<const Point *>> byStep;
            for (const int64_t id : group)
                if (const auto h = m_history.constFind(id); h != m_history.constEnd())
                    for (const Point &p : (*h).*curve)
                        byStep[p.step].push_back(&p);
            QVector<double> x, low, high;
            for (const auto &[step, points] : byStep) {
                if (points.size() != group.size())
                    continue; // not every seed has evaluated here (yet)
                double lo = points.front()->value, hi = lo;
                for (const Point *p : points) {
                    lo = std::min(lo, p->value);
                    hi = std::max(hi, p->value);
                }
                x << xOf(*points.front());
                low << lo;
                high << hi;
            }
            if (!x.isEmpty())
                chart->setBand(key, runColor(group.front()), x, low, high);
        }
        ++key;
    }
}

void TrainingCharts::setXAxis(XAxis axis)
{
    if (m_xAxisBox->currentData().toInt() != int(axis)) {
        const QSignalBlocker blocker(m_xAxisBox);
        m_xAxisBox->setCurrentIndex(m_xAxisBox->findData(int(axis)));
    }
    if (axis == m_xAxis)
        return;
    m_xAxis = axis;
    updateAxisLabels();
    for (qint64 runId : std::as_const(m_shown))
        plotRun(runId);
    plotBands();
    for (ChartView *chart : {m_loss, m_accuracy, m_valLoss, m_lr})
        chart->resetView();
}

void TrainingCharts::updateAxisLabels()
{
    const QString x = m_xAxis == XAxis::Epoch         ? tr("Epoch")
                      : m_xAxis == XAxis::WallMinutes ? tr("Wall time (min)")
                                                      : tr("Step");
    m_loss->setAxisLabels(x, tr("Loss"));
    m_accuracy->setAxisLabels(x, tr("Accuracy (%)"));
    m_valLoss->setAxisLabels(x, tr("Loss"));
    m_lr->setAxisLabels(x, tr("Learning rate"));
}

void TrainingCharts::setSmoothing(double alpha)
{
    alpha = std::clamp(alpha, 0.0, 0.99);
    const QSignalBlocker sliderBlocker(m_smoothingSlider);
    const QSignalBlocker boxBlocker(m_smoothingBox);
    m_smoothingSlider->setValue(int(std::lround(alpha * 100)));
    m_smoothingBox->setValue(alpha);
    m_loss->setSmoothing(alpha);
}

double TrainingCharts::smoothing() const
{
    return m_loss->smoothing();
}

} // namespace sentilab::ui
