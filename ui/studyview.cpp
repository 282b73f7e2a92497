#include "studyview.h"

#include <cmath>

#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QMouseEvent>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

#include <sentilab/firstrun.h>
#include <sentilab/study.h>

#include "appsettings.h"
#include "common/colors.h"
#include "common/formatting.h"
#include "common/qcpinclude.h"
#include "plotstyle.h"
#include "storereader.h"
#include "studyrunner.h"

namespace sentilab::ui {
namespace {

constexpr int kPollMs = 3000;
constexpr double kPickRadius = 9; // pixels around a point that count as on it

QString kindTitle(const std::string &kind)
{
    return kind == "finetune" ? QObject::tr("fine-tune (pre-trained)")
                              : QObject::tr("scratch (random init)");
}

QString pointsText(double fraction)
{
    return std::isfinite(fraction) ? QString::number(100.0 * fraction, 'f', 1)
                                   : QStringLiteral("–");
}

QString signedPoints(double fraction)
{
    return std::isfinite(fraction) ? QStringLiteral("%1%2")
                                         .arg(fraction >= 0 ? "+" : "")
                                         .arg(100.0 * fraction, 0, 'f', 1)
                                   : QStringLiteral("–");
}

QString groupText(const StudyGroup *g)
{
    if (!g || g->n() == 0)
        return QStringLiteral("–");
    QString text = formatPercent(g->mean);
    if (std::isfinite(g->sd))
        text += QStringLiteral(" ± %1").arg(pointsText(g->sd));
    return text + QStringLiteral("  (n=%1)").arg(g->n());
}

QTableWidgetItem *item(const QString &text, double value = NAN)
{
    auto *it = new QTableWidgetItem(text);
    it->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    if (std::isfinite(value))
        it->setData(Qt::UserRole + 1, value);
    return it;
}

} // namespace

StudyView::StudyView(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_studies = new QComboBox(this);
    m_studies->setObjectName(QStringLiteral("studies"));
    m_studies->setMinimumContentsLength(14);
    m_studies->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_studies->setToolTip(tr("The studies in the run store, newest first"));
    m_new = new QPushButton(tr("&New study…"), this);
    m_new->setObjectName(QStringLiteral("newStudy"));
    m_new->setToolTip(tr("Choose a study file (experiments/studies), see its runs and estimated "
                         "time, and start it (Run > Start study…, Ctrl+3)"));
    m_resume = new QPushButton(tr("&Resume"), this);
    m_resume->setObjectName(QStringLiteral("resumeStudy"));
    m_resume->setToolTip(tr("Continue the study: finished cells are kept, an interrupted cell "
                            "resumes from its last checkpoint"));
    m_cancel = new QPushButton(tr("Cance&l study"), this);
    m_cancel->setObjectName(QStringLiteral("cancelStudy"));
    m_cancel->setToolTip(tr("Stop the study's running cells (resumable) and queue no more"));
    m_metric = new QComboBox(this);
    m_metric->setObjectName(QStringLiteral("metric"));
    m_metric->addItem(tr("Test accuracy"), int(StudyMetric::TestAccuracy));
    m_metric->addItem(tr("Validation accuracy"), int(StudyMetric::ValidationAccuracy));
    m_metric->addItem(tr("Test F1"), int(StudyMetric::TestF1));
    m_band = new QComboBox(this);
    m_band->setObjectName(QStringLiteral("band"));
    m_band->addItem(tr("min–max band"));
    m_band->addItem(tr("±1 sd band"));
    m_band->setToolTip(tr("What the shaded band around each mean shows: the range of the seeds, "
                          "or one sample standard deviation"));
    bar->addWidget(new QLabel(tr("Study:"), this));
    bar->addWidget(m_studies, 1);
    bar->addWidget(m_new);
    bar->addWidget(m_resume);
    bar->addWidget(m_cancel);
    layout->addLayout(bar);

    auto *progressRow = new QHBoxLayout;
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("studyProgress"));
    m_progress->setMaximumWidth(200);
    m_progressText = new QLabel(this);
    m_progressText->setObjectName(QStringLiteral("progressText"));
    m_progressText->setWordWrap(true);
    progressRow->addWidget(m_progress);
    progressRow->addWidget(m_progressText, 1);
    progressRow->addWidget(m_metric);
    progressRow->addWidget(m_band);
    layout->addLayout(progressRow);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();
    layout->addWidget(m_error);

    m_stack = new QStackedWidget(this);
    m_empty = new QLabel(this);
    m_empty->setObjectName(QStringLiteral("emptyText"));
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setText(
        tr("<p><b>How much does pre-training buy?</b></p><p>A study trains the fine-tune and the "
           "scratch model on growing, nested subsets of SST-2 train with several seeds each, and "
           "shows how many labelled sentences the scratch model needs to match the fine-tuned "
           "one, with the seed spread and paired confidence intervals.</p><p>Start one with "
           "<b>New study…</b> (Ctrl+3): <i>quick.yaml</i> (sizes up to 20%, two seeds) or "
           "<i>data-efficiency.yaml</i> (1% to 100%, three seeds). The command line does the "
           "same: <code>sentilab-cli study run experiments/studies/quick.yaml</code>.</p>"));
    m_stack->addWidget(m_empty);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    m_plot = new QCustomPlot(splitter);
    m_plot->setObjectName(QStringLiteral("curve"));
    m_plot->setMinimumHeight(150);
    m_plot->setMouseTracking(true);
    m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->xAxis->setLabel(tr("labelled training sentences (log scale)"));
    m_plot->legend->setVisible(true);
    // Accuracy rises with data: the top left of the plot is where the curve is not.
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    connect(m_plot, &QCustomPlot::mouseMove, this, &StudyView::plotHovered);
    connect(m_plot, &QCustomPlot::mousePress, this, &StudyView::plotClicked);
    auto *lower = new QWidget(splitter);
    auto *lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    m_readout = new QLabel(lower);
    m_readout->setObjectName(QStringLiteral("readout"));
    m_readout->setWordWrap(true);
    m_readout->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table = new QTableWidget(lower);
    m_table->setObjectName(QStringLiteral("sizes"));
    m_table->setColumnCount(8);
    m_table->setHorizontalHeaderLabels({tr("Sentences"), tr("Fine-tune mean ± sd"), tr("range"),
                                        tr("Scratch mean ± sd"), tr("range"),
                                        tr("Fine-tune − scratch"), tr("95% CI (bootstrap)"),
                                        tr("McNemar p per seed")});
    m_table->horizontalHeaderItem(6)->setToolTip(
        tr("Percentile bootstrap of the mean paired difference over seeds (all resamples "
           "enumerated up to 6 seeds). 'not significant' when it includes 0."));
    m_table->horizontalHeaderItem(7)->setToolTip(
        tr("McNemar's exact test on the two runs' test predictions, one per seed: how likely "
           "their disagreements are if both models were equally good"));
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    lowerLayout->addWidget(m_readout);
    lowerLayout->addWidget(m_table, 1);
    splitter->addWidget(m_plot);
    splitter->addWidget(lower);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    m_stack->addWidget(splitter);
    layout->addWidget(m_stack, 1);

    m_poll = new QTimer(this);
    m_poll->setInterval(kPollMs);
    // While cells train only the progress moves; the curve changes when a cell ends (a store
    // change), so the poll reads the cheap part only.
    connect(m_poll, &QTimer::timeout, this, [this] {
        RunStore *store = m_reader ? m_reader->store() : nullptr;
        if (!store || !m_summary)
            return;
        try {
            const StudyProgress p = studyProgress(*store, m_summary->study.id);
            const StudyProgress &before = m_summary->progress;
            if (p.cellsFinished != before.cellsFinished || p.cellsFailed != before.cellsFailed)
                return reloadSummary(); // a cell ended (perhaps in another process)
            m_summary->progress = p;
        } catch (const std::exception &e) {
            showError(QString::fromStdString(e.what()));
        }
        updateProgress();
        updateButtons();
    });
    connect(m_studies, &QComboBox::currentIndexChanged, this, [this] {
        reloadSummary();
        updateButtons();
    });
    connect(m_metric, &QComboBox::currentIndexChanged, this, &StudyView::reloadSummary);
    connect(m_band, &QComboBox::currentIndexChanged, this, &StudyView::redraw);
    connect(m_new, &QPushButton::clicked, this, &StudyView::newStudy);
    connect(m_resume, &QPushButton::clicked, this, [this] {
        if (m_runner && shownStudy() > 0) {
            showError(QString()); // a new attempt: the last failure is history
            m_runner->start(shownStudy());
        }
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_runner)
            m_runner->cancel();
    });
    applyPaletteToPlot(m_plot, palette());
    updateButtons();
}

StudyView::~StudyView() = default;

void StudyView::setStoreReader(StoreReader *reader)
{
    m_reader = reader;
    connect(reader, &StoreReader::changed, this, &StudyView::refresh);
    connect(reader, &StoreReader::databaseChanged, this, &StudyView::refresh);
    refresh();
}

void StudyView::setRunner(StudyRunner *runner)
{
    m_runner = runner;
    connect(runner, &StudyRunner::activeChanged, this, [this](qint64 id) {
        if (id > 0)
            showStudy(id);
        refresh();
    });
    connect(runner, &StudyRunner::progressed, this, &StudyView::reloadSummary);
    connect(runner, &StudyRunner::failed, this, &StudyView::showError);
    updateButtons();
}

void StudyView::refresh()
{
    reloadList();
    reloadSummary();
}

qint64 StudyView::shownStudy() const
{
    return m_studies->currentData().toLongLong();
}

void StudyView::showStudy(qint64 studyId)
{
    reloadList();
    const int index = m_studies->findData(studyId);
    if (index >= 0)
        m_studies->setCurrentIndex(index);
}

void StudyView::reloadList()
{
    RunStore *store = m_reader ? m_reader->store() : nullptr;
    const qint64 keep = shownStudy();
    QSignalBlocker block(m_studies);
    m_studies->clear();
    if (!store)
        return;
    try {
        for (const StudyRecord &s : store->listStudies())
            m_studies->addItem(tr("%1 (#%2, %3)")
                                   .arg(QString::fromStdString(s.name))
                                   .arg(s.id)
                                   .arg(QString::fromStdString(s.createdAt.substr(0, 10))),
                               qint64(s.id));
    } catch (const std::exception &e) {
        showError(QString::fromStdString(e.what()));
    }
    const int index = m_studies->findData(keep);
    m_studies->setCurrentIndex(index >= 0 ? index : 0);
}

void StudyView::reloadSummary()
{
    RunStore *store = m_reader ? m_reader->store() : nullptr;
    const qint64 id = shownStudy();
    m_stack->setCurrentIndex(id > 0 ? 1 : 0);
    m_summary.reset();
    if (store && id > 0) {
        try {
            m_summary = std::make_unique<StudySummary>(
                summarizeStudy(*store, id, StudyMetric(m_metric->currentData().toInt())));
        } catch (const std::exception &e) {
            showError(QString::fromStdString(e.what()));
        }
    }
    redraw();
    fillTable();
    updateProgress();
    updateButtons();
    // Polled while it trains here or in another process (between two cells it is "stopped").
    const bool live = (m_summary && m_summary->progress.status == "running") ||
                      (m_runner && id > 0 && m_runner->activeStudy() == id);
    if (live && !m_poll->isActive())
        m_poll->start();
    else if (!live)
        m_poll->stop();
}

void StudyView::redraw()
{
    m_plot->clearGraphs();
    m_plot->clearItems();
    const StudySummary *s = m_summary.get();
    const QString metric = m_metric->currentText();
    m_plot->yAxis->setLabel(tr("%1 (%)").arg(metric));
    if (!s) {
        m_plot->replot();
        return;
    }
    const bool sdBand = m_band->currentIndex() == 1;
    double yMin = 100, yMax = 0;
    for (const std::string &kind : s->config.kinds) {
        const QColor color = kindColor(kind);
        QVector<double> x, mean, low, high, px, py;
        for (const int64_t n : s->sizes) {
            const StudyGroup *g = s->group(kind, n);
            if (!g || g->n() == 0)
                continue;
            x << double(n);
            mean << 100 * g->mean;
            const double sd = std::isfinite(g->sd) ? g->sd : 0;
            low << 100 * (sdBand ? g->mean - sd : g->min);
            high << 100 * (sdBand ? g->mean + sd : g->max);
            for (const StudyPoint &p : g->points) {
                px << double(n);
                py << 100 * p.value;
            }
        }
        if (x.isEmpty())
            continue;
        for (const double v : low + high) {
            yMin = std::min(yMin, v);
            yMax = std::max(yMax, v);
        }
        QCPGraph *lo = m_plot->addGraph();
        lo->setData(x, low);
        lo->setPen(Qt::NoPen);
        lo->removeFromLegend();
        QCPGraph *hi = m_plot->addGraph();
        hi->setData(x, high);
        hi->setPen(Qt::NoPen);
        QColor fill = color;
        fill.setAlpha(45);
        hi->setBrush(fill);
        hi->setChannelFillGraph(lo);
        hi->removeFromLegend();
        QCPGraph *seeds = m_plot->addGraph();
        seeds->setData(px, py);
        seeds->setLineStyle(QCPGraph::lsNone);
        QColor faint = color;
        faint.setAlpha(110);
        seeds->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, faint, faint, 5));
        seeds->removeFromLegend();
        QCPGraph *line = m_plot->addGraph();
        line->setData(x, mean);
        line->setPen(QPen(color, 2.2));
        line->setScatterStyle(
            QCPScatterStyle(QCPScatterStyle::ssCircle, color, palette().color(QPalette::Base), 7));
        line->setName(tr("%1: mean of seeds").arg(kindTitle(kind)));
    }
    // Ticks at the studied sizes themselves: the points of the curve.
    QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
    for (const int64_t n : s->sizes)
        ticks->addTick(double(n), groupedNumber(double(n)));
    m_plot->xAxis->setTicker(ticks);
    if (!s->sizes.empty()) {
        m_plot->xAxis->setRange(double(s->sizes.front()) / 1.35, double(s->sizes.back()) * 1.35);
        if (yMin > yMax)
            yMin = 40, yMax = 100;
        const double pad = std::max(2.0, (yMax - yMin) * 0.1);
        m_plot->yAxis->setRange(std::max(0.0, yMin - pad), std::min(100.0, yMax + pad));
    }
    if (m_plot->graphCount() == 0) {
        auto *text = new QCPItemText(m_plot);
        text->position->setType(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(0.5, 0.5);
        text->setColor(palette().color(QPalette::PlaceholderText));
        text->setText(tr("No cell has finished yet: points appear as cells finish (cheapest "
                         "first)."));
    }
    m_plot->legend->setVisible(m_plot->graphCount() > 0);
    m_plot->replot();
    m_readout->setText(s ? QStringLiteral("<p><b>%1</b></p><p>%2</p>")
                               .arg(QString::fromStdString(s->readoutText).toHtmlEscaped(),
                                    QString::fromStdString(s->stabilityText).toHtmlEscaped())
                         : QString());
}

void StudyView::fillTable()
{
    m_table->setRowCount(0);
    const StudySummary *s = m_summary.get();
    if (!s)
        return;
    m_table->setRowCount(int(s->sizes.size()));
    for (int row = 0; row < int(s->sizes.size()); ++row) {
        const int64_t n = s->sizes[std::size_t(row)];
        const StudyGroup *f = s->group("finetune", n), *c = s->group("scratch", n);
        m_table->setItem(row, 0, item(groupedNumber(double(n)), double(n)));
        m_table->setItem(row, 1, item(groupText(f), f ? f->mean : NAN));
        m_table->setItem(
            row, 2,
            item(f && f->n() ? QStringLiteral("%1–%2").arg(pointsText(f->min), pointsText(f->max))
                             : QStringLiteral("–")));
        m_table->setItem(row, 3, item(groupText(c), c ? c->mean : NAN));
        m_table->setItem(
            row, 4,
            item(c && c->n() ? QStringLiteral("%1–%2").arg(pointsText(c->min), pointsText(c->max))
                             : QStringLiteral("–")));
        const StudyDifference *d = nullptr;
        for (const StudyDifference &x : s->differences)
            if (x.trainSize == n)
                d = &x;
        if (!d) {
            for (int col = 5; col < 8; ++col)
                m_table->setItem(row, col, item(QStringLiteral("–")));
            continue;
        }
        m_table->setItem(
            row, 5,
            item(tr("%1 points (%2 seeds)").arg(signedPoints(d->mean)).arg(d->pairs.size()),
                 d->mean));
        m_table->setItem(
            row, 6,
            item(tr("[%1, %2] %3")
                     .arg(signedPoints(d->interval.low), signedPoints(d->interval.high),
                          d->significant ? tr("significant") : tr("not significant")),
                 d->interval.low));
        QStringList ps;
        for (const StudyPair &p : d->pairs)
            ps << (std::isfinite(p.mcnemarP) ? tr("seed %1: p=%2 (%3 vs %4)")
                                                   .arg(p.seed)
                                                   .arg(p.mcnemarP, 0, 'g', 2)
                                                   .arg(p.onlyFinetune)
                                                   .arg(p.onlyScratch)
                                             : tr("seed %1: no predictions").arg(p.seed));
        auto *mc = item(ps.join(QStringLiteral("; ")));
        mc->setToolTip(tr("p-value (test sentences only fine-tune got right vs only scratch)"));
        m_table->setItem(row, 7, mc);
    }
}

void StudyView::updateProgress()
{
    const StudySummary *s = m_summary.get();
    m_progress->setVisible(s != nullptr);
    if (!s) {
        m_progressText->clear();
        return;
    }
    const StudyProgress &p = s->progress;
    m_progress->setRange(0, int(std::max<int64_t>(1, p.steps)));
    m_progress->setValue(int(p.stepsDone));
    QString text = tr("%1 of %2 runs finished").arg(p.cellsFinished).arg(p.cells);
    if (p.cellsFailed > 0)
        text += tr(", %1 failed").arg(p.cellsFailed);
    text += QStringLiteral(" · %1").arg(QString::fromStdString(p.status));
    if (p.status != "finished")
        text += p.etaSeconds >= 0
                    ? tr(" · about %1 of training left").arg(formatDuration(p.etaSeconds))
                    : tr(" · time left unknown until a cell of each kind has trained");
    if (!p.etaBasis.empty() && p.status != "finished")
        text += QStringLiteral(" (%1)").arg(QString::fromStdString(p.etaBasis));
    m_progressText->setText(text);
}

void StudyView::updateButtons()
{
    const qint64 id = shownStudy();
    const bool active = m_runner && m_runner->activeStudy() != 0;
    const std::string status = m_summary ? m_summary->progress.status : std::string();
    m_new->setEnabled(m_runner && !active);
    m_resume->setEnabled(m_runner && !active && id > 0 &&
                         (status == "stopped" || status == "cancelled" || status == "planned"));
    m_cancel->setEnabled(active && m_runner->activeStudy() == id);
}

void StudyView::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setStyleSheet(QStringLiteral("color: %1").arg(wrongColor().name()));
    m_error->setVisible(!message.isEmpty());
}

qint64 StudyView::startStudyFile(const QString &path, const QString &only)
{
    RunStore *store = m_reader ? m_reader->store() : nullptr;
    if (!store || !m_runner) {
        showError(m_reader ? m_reader->error() : tr("no run store"));
        return 0;
    }
    try {
        StudyConfig config = StudyConfig::fromFile(path.toStdString());
        if (!only.isEmpty())
            config.kinds = {only.toStdString()};
        const StudyPlan plan = planStudy(config, &AppSettings::applyPaths);
        const qint64 id = createStudy(*store, plan);
        showError(QString());
        m_runner->start(id);
        showStudy(id);
        return id;
    } catch (const std::exception &e) {
        showError(QString::fromStdString(e.what()));
        return 0;
    }
}

void StudyView::newStudy()
{
    if (!m_runner)
        return;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Start a study"), AppSettings::experimentsDir() + QStringLiteral("/studies"),
        tr("Study files (*.yaml *.yml)"));
    if (path.isEmpty())
        return;
    RunStore *store = m_reader ? m_reader->store() : nullptr;
    if (!store)
        return showError(m_reader ? m_reader->error() : tr("no run store"));
    try {
        StudyConfig config = StudyConfig::fromFile(path.toStdString());
        for (const std::string &kind : config.kinds) {
            ExperimentConfig e = config.experiment(kind);
            AppSettings::applyPaths(e);
            const auto missing = missingDownloads(e);
            if (missing.empty())
                continue;
            QMessageBox box(QMessageBox::Warning, tr("Files missing"),
                            QString::fromStdString(firstRunMessage(missing)), QMessageBox::Cancel,
                            this);
            QPushButton *scratchOnly = nullptr;
            if (kind == "finetune" && config.kinds.size() > 1)
                scratchOnly =
                    box.addButton(tr("Run the scratch side only"), QMessageBox::AcceptRole);
            box.exec();
            if (!scratchOnly || box.clickedButton() != scratchOnly)
                return;
            config.kinds = {"scratch"};
            break;
        }
        const StudyPlan plan = planStudy(config, &AppSettings::applyPaths);
        const StudyProgress estimate = planEstimate(*store, plan);
        const QString time =
            estimate.etaSeconds >= 0
                ? tr("about %1 here (%2)")
                      .arg(formatDuration(estimate.etaSeconds),
                           QString::fromStdString(estimate.etaBasis))
                : tr("time unknown until a cell of each kind has trained a few steps");
        const auto answer = QMessageBox::question(
            this, tr("Start study"),
            tr("Start the study “%1”?\n\n%2 runs (%3 sizes × %4 seeds × %5 kinds), %6 optimizer "
               "steps, %7.\n\nCells run cheapest first, so the curve fills in from the left. "
               "Closing SentiLab stops the study; Resume continues it without repeating finished "
               "cells.")
                .arg(QString::fromStdString(plan.config.name))
                .arg(plan.cells.size())
                .arg(plan.config.sizes.size())
                .arg(plan.config.seeds.size())
                .arg(plan.config.kinds.size())
                .arg(groupedNumber(double(estimate.steps)))
                .arg(time),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Yes);
        if (answer != QMessageBox::Yes)
            return;
        const qint64 id = createStudy(*store, plan);
        showError(QString());
        m_runner->start(id);
        showStudy(id);
    } catch (const std::exception &e) {
        showError(QString::fromStdString(e.what()));
    }
}

QString StudyView::resumableStudiesText()
{
    RunStore *store = m_reader ? m_reader->store() : nullptr;
    if (!store)
        return {};
    QStringList names;
    try {
        for (const StudyRecord &r : store->listStudies()) {
            const StudyProgress p = studyProgress(*store, r.id);
            if (p.status == "stopped" || p.status == "cancelled")
                names << tr("“%1” (%2 of %3 runs)")
                             .arg(QString::fromStdString(r.name))
                             .arg(p.cellsFinished)
                             .arg(p.cells);
        }
    } catch (const std::exception &) {
        return {}; // the tab shows the store's error
    }
    if (names.isEmpty())
        return {};
    return tr("Unfinished %n study(ies): %1. Resume in Pre-training value (Alt+4).", nullptr,
              int(names.size()))
        .arg(names.join(QStringLiteral(", ")));
}

qint64 StudyView::runAt(const QPoint &pos, QString *description) const
{
    const StudySummary *s = m_summary.get();
    if (!s)
        return 0;
    double best = kPickRadius;
    qint64 run = 0;
    for (const StudyGroup &g : s->groups) {
        for (const StudyPoint &p : g.points) {
            const double dx = m_plot->xAxis->coordToPixel(double(g.trainSize)) - pos.x();
            const double dy = m_plot->yAxis->coordToPixel(100 * p.value) - pos.y();
            const double d = std::hypot(dx, dy);
            if (d >= best)
                continue;
            best = d;
            run = p.runId;
            if (description)
                *description = tr("Run #%1: %2, %3 sentences, seed %4\n%5 %6\nClick to open it")
                                   .arg(p.runId)
                                   .arg(kindTitle(g.kind))
                                   .arg(groupedNumber(double(g.trainSize)))
                                   .arg(p.seed)
                                   .arg(m_metric->currentText(), formatPercent(p.value));
        }
    }
    return run;
}

void StudyView::plotHovered(QMouseEvent *event)
{
    QString text;
    if (runAt(event->pos(), &text))
        QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
    else
        QToolTip::hideText();
}

void StudyView::plotClicked(QMouseEvent *event)
{
    if (const qint64 run = runAt(event->pos(), nullptr))
        Q_EMIT openRun(run);
}

void StudyView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPaletteToPlot(m_plot, palette());
        redraw();
    }
}

} // namespace sentilab::ui
