#include "inferencepane.h"

#include "appsettings.h"
#include "embeddingmapview.h"
#include "explanationview.h"
#include "inferenceworker.h"
#include "mapworker.h"
#include "resultcard.h"
#include "storereader.h"
#include "uitypes.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFormLayout>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include <exception>

#include <sentilab/error.h>
#include <sentilab/runstore.h>
#include <sentilab/training.h>

namespace sentilab::ui {

namespace {

constexpr int kDebounceMs = 250;
const QString kChosenRunKeys[2] = {QStringLiteral("ask/finetuneRun"),
                                   QStringLiteral("ask/scratchRun")};
const QString kMethodKey = QStringLiteral("ask/explainMethod");
const QString kStepsKey = QStringLiteral("ask/explainSteps");
constexpr int kMethodOff = 3; // m_method's last entry

// A push button showing as much of a long sentence as fits, the whole sentence as tooltip.
class SentenceButton : public QPushButton
{
public:
    explicit SentenceButton(QWidget *parent = nullptr) : QPushButton(parent)
    {
        setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed); // may shrink: the text elides
    }
    void setSentence(const QString &sentence)
    {
        m_sentence = sentence;
        setToolTip(sentence);
        elide();
        updateGeometry();
    }
    QString sentence() const { return m_sentence; }
    QSize sizeHint() const override
    {
        const QSize base = QPushButton::sizeHint();
        const int textWidth = qMin(fontMetrics().horizontalAdvance(m_sentence), 360);
        return {textWidth + 24, base.height()};
    }
    QSize minimumSizeHint() const override { return {80, QPushButton::minimumSizeHint().height()}; }

protected:
    void resizeEvent(QResizeEvent *event) override
    {
        QPushButton::resizeEvent(event);
        elide();
    }

private:
    void elide() { setText(fontMetrics().elidedText(m_sentence, Qt::ElideRight, width() - 20)); }
    QString m_sentence;
};

} // namespace

InferencePane::InferencePane(QWidget *parent) : QWidget(parent)
{
    m_edit = new QLineEdit(this);
    m_edit->setObjectName("sentenceEdit");
    m_edit->setPlaceholderText(tr("Type a sentence…"));
    m_edit->setClearButtonEnabled(true);
    QFont editFont = m_edit->font();
    editFont.setPointSizeF(editFont.pointSizeF() * 1.2);
    m_edit->setFont(editFont);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &InferencePane::requestPrediction);
    connect(m_edit, &QLineEdit::textEdited, m_debounce, qOverload<>(&QTimer::start));
    connect(m_edit, &QLineEdit::returnPressed, this, [this] {
        m_debounce->stop();
        requestPrediction();
    });

    // Starter sentences: positive ones in the left column, negative ones in the right.
    auto *starters = new QGridLayout;
    auto *positiveCaption = new QLabel(tr("Positive examples"), this);
    auto *negativeCaption = new QLabel(tr("Negative examples"), this);
    setSecondaryText(positiveCaption);
    setSecondaryText(negativeCaption);
    starters->addWidget(positiveCaption, 0, 0);
    starters->addWidget(negativeCaption, 0, 1);
    for (int i = 0; i < 4; ++i) {
        auto *button = new SentenceButton(this);
        button->setObjectName(QStringLiteral("starter%1").arg(i));
        connect(button, &QPushButton::clicked, this,
                [this, button] { setSentence(button->sentence()); });
        m_starters[size_t(i)] = button;
        starters->addWidget(button, 1 + i % 2, i / 2);
    }
    auto *editSentences = new QPushButton(tr("Edit sentences…"), this);
    editSentences->setObjectName("editSentences");
    editSentences->setToolTip(tr("Change the four example sentences (also used in the report)"));
    connect(editSentences, &QPushButton::clicked, this, &InferencePane::editSentences);
    starters->addWidget(editSentences, 1, 2, Qt::AlignTop);
    starters->setColumnStretch(0, 1);
    starters->setColumnStretch(1, 1);

    // The two models: a run chooser above each card, so that both line up.
    auto *models = new QGridLayout;
    const QString comboNames[2] = {QStringLiteral("finetuneCombo"), QStringLiteral("scratchCombo")};
    const QString captions[2] = {tr("Fine-tune run:"), tr("Scratch run:")};
    for (int slot = 0; slot < 2; ++slot) {
        auto *combo = new QComboBox(this);
        combo->setObjectName(comboNames[slot]);
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(16);
        connect(combo, &QComboBox::activated, this, [this, slot] {
            m_userChose[size_t(slot)] = true;
            if (m_rememberRuns)
                QSettings().setValue(kChosenRunKeys[slot], chosenRun(slot));
            runChosen();
        });
        m_combos[size_t(slot)] = combo;
        auto *caption = new QLabel(captions[slot], this);
        caption->setBuddy(combo);
        auto *row = new QHBoxLayout;
        row->addWidget(caption);
        row->addWidget(combo, 1);
        models->addLayout(row, 0, slot);
        m_cards[size_t(slot)] = new ResultCard(slot, this);
        models->addWidget(m_cards[size_t(slot)], 1, slot);
    }
    models->setColumnStretch(0, 1);
    models->setColumnStretch(1, 1);
    models->setRowStretch(1, 1);
    auto *cards = new QWidget(this);
    cards->setLayout(models);

    // "Why?": how each model reached its verdict, under its card.
    m_method = new QComboBox(this);
    m_method->setObjectName("explainMethod");
    m_method->addItem(tr("Integrated Gradients"), int(AttributionMethod::IntegratedGradients));
    m_method->addItem(tr("Gradient × input"), int(AttributionMethod::GradientTimesInput));
    m_method->addItem(tr("Leave one word out"), int(AttributionMethod::Occlusion));
    m_method->addItem(tr("Off"), -1);
    m_method->setToolTip(
        tr("How each token's share of the verdict is measured. Integrated Gradients sums the "
           "gradients along a path from an empty sentence (slowest, most faithful); gradient × "
           "input takes one gradient; leaving one word out re-runs the model without each word."));
    m_method->setCurrentIndex(std::clamp(QSettings().value(kMethodKey, 0).toInt(), 0, kMethodOff));
    m_steps = new QSpinBox(this);
    m_steps->setObjectName("explainSteps");
    m_steps->setRange(1, 256);
    m_steps->setValue(std::clamp(QSettings().value(kStepsKey, 32).toInt(), 1, 256));
    m_steps->setToolTip(tr("Integrated Gradients' interpolation steps: more steps, smaller "
                           "completeness residual, longer wait"));
    auto *methodCaption = new QLabel(tr("&Why? Explain with:"), this);
    methodCaption->setBuddy(m_method);
    auto *stepsCaption = new QLabel(tr("steps:"), this);
    stepsCaption->setBuddy(m_steps);
    auto *legend = new QLabel(
        tr("<span style='background:#0072B2;color:white'>&nbsp;blue&nbsp;</span> pushed towards "
           "the model's verdict, <span style='background:#E69F00;color:black'>&nbsp;orange"
           "&nbsp;</span> against it (one scale for both models; hover a token for its number)"),
        this);
    legend->setWordWrap(true);
    setSecondaryText(legend);
    m_mapsButton = new QPushButton(tr("Embedding &maps"), this);
    m_mapsButton->setObjectName("computeMaps");
    m_mapsButton->setToolTip(tr("Place every validation and test sentence by each model's [CLS] "
                                "vector (PCA to 2-D), with how separable the classes are; your "
                                "sentence appears as a star"));
    connect(m_mapsButton, &QPushButton::clicked, this, &InferencePane::computeMaps);
    auto *controls = new QHBoxLayout;
    controls->addWidget(methodCaption);
    controls->addWidget(m_method);
    controls->addWidget(stepsCaption);
    controls->addWidget(m_steps);
    controls->addWidget(legend, 1);
    controls->addWidget(m_mapsButton);
    connect(m_method, &QComboBox::activated, this, &InferencePane::explanationSettingsChanged);
    connect(m_steps, &QSpinBox::editingFinished, this, [this] {
        if (m_steps->value() != QSettings().value(kStepsKey, 32).toInt())
            explanationSettingsChanged(); // leaving the box unchanged re-explains nothing
    });
    auto *views = new QGridLayout;
    for (int slot = 0; slot < 2; ++slot) {
        m_views[size_t(slot)] = new ExplanationView(this);
        m_views[size_t(slot)]->setObjectName(slot == 0 ? "finetuneExplanation"
                                                       : "scratchExplanation");
        views->addWidget(m_views[size_t(slot)], 0, slot);
        connect(m_views[size_t(slot)]->mapView(), &EmbeddingMapView::sentenceClicked, this,
                &InferencePane::setSentence);
    }
    views->setColumnStretch(0, 1);
    views->setColumnStretch(1, 1);
    auto *why = new QWidget(this);
    auto *whyLayout = new QVBoxLayout(why);
    whyLayout->setContentsMargins(0, 0, 0, 0);
    whyLayout->addLayout(controls);
    whyLayout->addLayout(views, 1);
    // The explanations keep their natural size and scroll when the window is short.
    auto *whyScroll = new QScrollArea(this);
    whyScroll->setObjectName("explanationScroll");
    whyScroll->setWidgetResizable(true);
    whyScroll->setFrameShape(QFrame::NoFrame);
    whyScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    whyScroll->setWidget(why);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName("askSplitter");
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(cards);
    splitter->addWidget(whyScroll);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({240, 480}); // the cards need little height; the pictures need more
    m_steps->setEnabled(m_method->currentIndex() == 0);

    m_status = new QLabel(this);
    m_status->setObjectName("status");
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->hide();

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_edit);
    layout->addLayout(starters);
    layout->addSpacing(8);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    updateStarterButtons();

    m_thread = new QThread(this);
    m_thread->setObjectName("InferenceWorker");
    m_worker = new InferenceWorker; // no parent: it moves to m_thread, deleted in ~InferencePane
    m_worker->moveToThread(m_thread);
    connect(m_worker, &InferenceWorker::modelsLoaded, this, &InferencePane::onModelsLoaded);
    connect(m_worker, &InferenceWorker::modelMissing, this, &InferencePane::onModelMissing);
    connect(m_worker, &InferenceWorker::predictionReady, this, &InferencePane::onPredictionReady);
    connect(m_worker, &InferenceWorker::explanationReady, this, &InferencePane::onExplanationReady);
    connect(m_worker, &InferenceWorker::sentencePlaced, this,
            [this](quint64 requestId, int slot, double x, double y) {
                if (requestId == m_requestId && (slot == 0 || slot == 1))
                    m_views[size_t(slot)]->mapView()->setSentencePosition(true, x, y);
            });
    connect(m_worker, &InferenceWorker::failed, this, &InferencePane::onFailed);
    m_thread->start();

    m_mapThread = new QThread(this);
    m_mapThread->setObjectName("MapWorker");
    m_mapWorker = new MapWorker; // no parent: it moves to m_mapThread, deleted in ~InferencePane
    m_mapWorker->moveToThread(m_mapThread);
    connect(m_mapWorker, &MapWorker::mapProgress, this,
            [this](quint64 generation, int slot, qint64 done, qint64 total) {
                if (generation == m_mapGeneration && (slot == 0 || slot == 1))
                    m_views[size_t(slot)]->mapView()->showProgress(done, total);
            });
    connect(m_mapWorker, &MapWorker::mapReady, this, &InferencePane::onMapReady);
    connect(m_mapWorker, &MapWorker::failed, this, &InferencePane::onFailed);
    m_mapThread->start();
}

InferencePane::~InferencePane()
{
    // A model load in progress finishes first (it cannot be interrupted); an explanation or a
    // map being computed stops at its next batch; queued requests are dropped with the loops.
    m_worker->stop();
    m_mapWorker->stop();
    m_thread->quit();
    m_mapThread->quit();
    m_thread->wait();
    m_mapThread->wait();
    delete m_worker;
    delete m_mapWorker;
}

void InferencePane::setDatabasePath(const QString &path)
{
    if (!m_ownReader)
        m_ownReader = new StoreReader(this);
    setStoreReader(m_ownReader);
    m_ownReader->setDatabasePath(path);
}

void InferencePane::setStoreReader(StoreReader *reader)
{
    if (m_reader == reader)
        return;
    if (m_reader)
        disconnect(m_reader, nullptr, this, nullptr);
    m_reader = reader;
    const auto reset = [this] {
        m_loadedKeys = {};
        m_userChose = {};
        refreshRuns();
    };
    connect(m_reader, &StoreReader::changed, this, &InferencePane::refreshRuns);
    connect(m_reader, &StoreReader::databaseChanged, this, reset);
    reset();
}

QString InferencePane::databasePath() const
{
    return m_reader ? m_reader->databasePath() : QString();
}

void InferencePane::refreshRuns()
{
    if (databasePath().isEmpty())
        return;
    try {
        if (!m_reader->store())
            throw Error(m_reader->error().toStdString());
        fillRunCombos();
    } catch (const std::exception &e) {
        showStoreError(QString::fromStdString(e.what()));
        return;
    }
    if (m_storeError) {
        m_storeError = false;
        m_status->hide();
    }
    loadModelsIfChanged();
}

void InferencePane::fillRunCombos()
{
    RunStore &store = *m_reader->store();               // refreshRuns checked that it opens
    const std::vector<RunInfo> runs = store.listRuns(); // newest first
    m_checkpointKeys.clear();
    for (const RunInfo &run : runs) {
        try {
            const std::string dir = bestCheckpointDir(store, run.id);
            int64_t step = -1;
            for (const CheckpointRecord &c : store.checkpoints(run.id)) {
                if (checkpointPathOnDisk(store, c.path) == dir)
                    step = c.step;
            }
            m_checkpointKeys.insert(run.id,
                                    QString::fromStdString(dir) + '@' + QString::number(step));
        } catch (const Error &) {
            // No checkpoint yet: not offered in the choosers.
        }
    }

    // Defaults: the newest finished run of the card's kind with a checkpoint, else the newest
    // with a checkpoint, else the newest of that kind at all (its card says how to get a model).
    const char *kinds[2] = {"finetune", "scratch"};
    for (int slot = 0; slot < 2; ++slot) {
        qint64 finished = 0, withCheckpoint = 0, any = 0;
        for (const RunInfo &run : runs) {
            if (run.kind != kinds[slot])
                continue;
            const bool hasCheckpoint = m_checkpointKeys.contains(run.id);
            if (!finished && hasCheckpoint && run.status == RunStatus::Finished)
                finished = run.id;
            if (!withCheckpoint && hasCheckpoint)
                withCheckpoint = run.id;
            if (!any)
                any = run.id;
        }
        m_defaultRuns[size_t(slot)] = finished ? finished : withCheckpoint ? withCheckpoint : any;
    }

    for (int slot = 0; slot < 2; ++slot) {
        QComboBox *combo = m_combos[size_t(slot)];
        const qint64 target =
            m_userChose[size_t(slot)] ? chosenRun(slot) : m_defaultRuns[size_t(slot)];
        const QSignalBlocker blocker(combo);
        combo->clear();
        combo->addItem(tr("(none)"), qint64(0));
        const int iconSize = combo->fontMetrics().height() * 2 / 3;
        auto addRun = [&](const RunInfo &run, const QString &suffix) {
            const QString name = QString::fromStdString(run.name);
            combo->addItem(QIcon(colorSwatch(runColor(run.id), iconSize)),
                           tr("%1 (#%2, %3, %4)%5")
                               .arg(name)
                               .arg(run.id)
                               .arg(QString::fromStdString(run.kind),
                                    QString::fromStdString(toString(run.status)), suffix),
                           qint64(run.id));
            combo->setItemData(combo->count() - 1, name, Qt::UserRole + 1);
        };
        // The card's own kind first, then the other kind (any run may be compared).
        for (int pass = 0; pass < 2; ++pass) {
            const std::string kind = kinds[pass == 0 ? slot : 1 - slot];
            bool first = true;
            for (const RunInfo &run : runs) {
                if (run.kind != kind || !m_checkpointKeys.contains(run.id))
                    continue;
                if (first && combo->count() > 1)
                    combo->insertSeparator(combo->count());
                first = false;
                addRun(run, QString());
            }
        }
        if (target > 0 && combo->findData(qint64(target)) < 0) {
            for (const RunInfo &run : runs) {
                if (run.id == target)
                    addRun(run, tr(" — no checkpoint yet"));
            }
        }
        const int index = combo->findData(qint64(target));
        combo->setCurrentIndex(index < 0 ? 0 : index);
        m_cards[size_t(slot)]->setRun(chosenRun(slot),
                                      combo->currentData(Qt::UserRole + 1).toString());
    }
}

void InferencePane::setRememberRuns(bool remember)
{
    m_rememberRuns = remember;
    if (!remember || !m_reader || !m_reader->store())
        return;
    std::array<qint64, 2> saved{};
    try {
        const RunStore &store = *m_reader->store();
        for (int slot = 0; slot < 2; ++slot) {
            const qint64 id = QSettings().value(kChosenRunKeys[slot], 0).toLongLong();
            if (id > 0 && store.findRun(std::to_string(id)))
                saved[size_t(slot)] = id; // a run deleted since is not brought back
        }
    } catch (const std::exception &e) {
        showStoreError(QString::fromUtf8(e.what()));
        return;
    }
    if (saved[0] || saved[1])
        setRuns(saved[0] ? saved[0] : chosenRun(0), saved[1] ? saved[1] : chosenRun(1));
}

qint64 InferencePane::chosenRun(int slot) const
{
    return m_combos[size_t(slot)]->currentData().toLongLong();
}

void InferencePane::selectRun(int slot, qint64 runId)
{
    m_userChose[size_t(slot)] = true;
    QComboBox *combo = m_combos[size_t(slot)];
    const QSignalBlocker blocker(combo);
    if (combo->findData(qint64(runId)) < 0) {
        // Not offered (no checkpoint, or not in the store): fillRunCombos adds it when it exists.
        combo->addItem(tr("run #%1").arg(runId), qint64(runId));
    }
    combo->setCurrentIndex(combo->findData(qint64(runId)));
}

void InferencePane::setRuns(qint64 finetuneRun, qint64 scratchRun)
{
    selectRun(0, finetuneRun);
    selectRun(1, scratchRun);
    if (m_reader && m_reader->store()) {
        try {
            fillRunCombos();
        } catch (const std::exception &e) {
            showStoreError(QString::fromStdString(e.what()));
        }
    }
    runChosen();
}

void InferencePane::runChosen()
{
    for (int slot = 0; slot < 2; ++slot) {
        QComboBox *combo = m_combos[size_t(slot)];
        m_cards[size_t(slot)]->setRun(chosenRun(slot),
                                      combo->currentData(Qt::UserRole + 1).toString());
    }
    loadModelsIfChanged();
}

void InferencePane::loadModelsIfChanged()
{
    if (databasePath().isEmpty())
        return;
    std::array<QString, 2> keys;
    for (int slot = 0; slot < 2; ++slot) {
        const qint64 run = chosenRun(slot);
        keys[size_t(slot)] = QString::number(run) + '|' + m_checkpointKeys.value(run);
    }
    if (keys == m_loadedKeys)
        return;
    for (int slot = 0; slot < 2; ++slot) {
        if (keys[size_t(slot)] != m_loadedKeys[size_t(slot)] && chosenRun(slot) > 0) {
            m_cards[size_t(slot)]->showLoading();
            m_views[size_t(slot)]->mapView()->showMessage(tr("Loading the model…"));
            m_hasModel[size_t(slot)] = false;
        }
    }
    m_loadedKeys = keys;
    ++m_pendingLoads;
    ++m_requestId; // answers from the models being replaced are stale
    const qint64 runA = chosenRun(0), runB = chosenRun(1);
    const QString db = databasePath();
    InferenceWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, runA, runB, db] { worker->loadModels(runA, runB, db); },
        Qt::QueuedConnection);
}

void InferencePane::requestPrediction()
{
    const QString text = m_edit->text();
    ++m_requestId;
    m_answered = {};
    if (text.trimmed().isEmpty()) {
        for (int slot = 0; slot < 2; ++slot) {
            if (m_hasModel[size_t(slot)]) {
                m_cards[size_t(slot)]->showReady(m_summaries[size_t(slot)]);
                m_views[size_t(slot)]->showMessage(
                    tr("Type a sentence to see why each model decides."));
            }
        }
        return;
    }
    if (m_pendingLoads > 0 || (!m_hasModel[0] && !m_hasModel[1]))
        return; // onModelsLoaded asks again
    const quint64 id = m_requestId;
    const bool explain = explaining();
    const auto method = AttributionMethod(
        m_method->currentData().toInt() < 0 ? 0 : m_method->currentData().toInt());
    const int steps = m_steps->value();
    for (int slot = 0; slot < 2; ++slot) {
        if (!m_hasModel[size_t(slot)])
            continue;
        if (explain)
            m_views[size_t(slot)]->showPending();
        else
            m_views[size_t(slot)]->showMessage(tr("Explanations are off: choose a method above."));
    }
    InferenceWorker *worker = m_worker;
    worker->supersede(id); // an explanation still running for an older sentence stops
    QMetaObject::invokeMethod(
        m_worker,
        [worker, id, text, explain, method, steps] {
            worker->predict(id, text, explain, method, steps);
        },
        Qt::QueuedConnection);
}

void InferencePane::onModelsLoaded(const QString &summaryA, const QString &summaryB)
{
    if (m_pendingLoads > 0)
        --m_pendingLoads;
    if (m_pendingLoads > 0)
        return; // a newer load follows; its answer settles the cards
    m_summaries = {summaryA, summaryB};
    for (int slot = 0; slot < 2; ++slot) {
        m_hasModel[size_t(slot)] = !m_summaries[size_t(slot)].isEmpty();
        if (m_hasModel[size_t(slot)])
            m_cards[size_t(slot)]->showReady(m_summaries[size_t(slot)]);
    }
    if (m_mapsWanted)
        computeMaps(); // cached maps come back at once; a new checkpoint's is computed
    requestPrediction();
}

void InferencePane::onModelMissing(int slot, const QString &message)
{
    if (slot < 0 || slot > 1)
        return;
    m_hasModel[size_t(slot)] = false;
    m_cards[size_t(slot)]->showMessage(message);
    m_views[size_t(slot)]->showMessage(tr("No model, nothing to explain."));
    // A checkpoint the store lists but the worker could not load (e.g. being rewritten): try
    // again at the next refreshRuns().
    if (m_checkpointKeys.contains(chosenRun(slot)))
        m_loadedKeys[size_t(slot)].clear();
}

void InferencePane::onPredictionReady(quint64 requestId, int slot, const QString &label,
                                      double probability, const QStringList &tokens,
                                      int inputTokens, double milliseconds)
{
    if (requestId != m_requestId || slot < 0 || slot > 1 || !m_hasModel[size_t(slot)])
        return;
    m_cards[size_t(slot)]->showResult(label, probability, tokens, inputTokens, milliseconds);
    m_answered[size_t(slot)] = true;
    if (!m_storeError)
        m_status->hide(); // an earlier failure is over
    for (int s = 0; s < 2; ++s) {
        if (m_hasModel[size_t(s)] && !m_answered[size_t(s)])
            return;
    }
    Q_EMIT predictionsShown();
}

bool InferencePane::explaining() const
{
    return m_method->currentIndex() != kMethodOff;
}

void InferencePane::explanationSettingsChanged()
{
    QSettings().setValue(kMethodKey, m_method->currentIndex());
    QSettings().setValue(kStepsKey, m_steps->value());
    m_steps->setEnabled(m_method->currentIndex() == 0);
    requestPrediction();
}

void InferencePane::onExplanationReady(quint64 requestId, int slot,
                                       std::shared_ptr<const Explanation> part)
{
    if (requestId != m_requestId || slot < 0 || slot > 1 || !m_hasModel[size_t(slot)])
        return;
    m_views[size_t(slot)]->addPart(std::move(part));
    double scale = 0;
    for (const ExplanationView *view : m_views)
        scale = std::max(scale, view->largestAttribution());
    bool complete = true;
    for (int s = 0; s < 2; ++s) {
        m_views[size_t(s)]->setAttributionScale(scale);
        if (m_hasModel[size_t(s)])
            complete =
                complete && m_views[size_t(s)]->attention() && m_views[size_t(s)]->attributions();
    }
    if (complete)
        Q_EMIT explanationsShown();
}

void InferencePane::computeMaps()
{
    m_mapsWanted = true;
    for (int slot = 0; slot < 2; ++slot)
        if (m_hasModel[size_t(slot)])
            m_views[size_t(slot)]->mapView()->showMessage(tr("Making the map…"));
    const QString db = databasePath();
    const quint64 generation = ++m_mapGeneration;
    const qint64 runA = m_hasModel[0] ? chosenRun(0) : 0;
    const qint64 runB = m_hasModel[1] ? chosenRun(1) : 0;
    MapWorker *worker = m_mapWorker;
    worker->supersede(generation); // a map still being made for other runs stops
    QMetaObject::invokeMethod(
        m_mapWorker, [=] { worker->compute(generation, runA, runB, db); }, Qt::QueuedConnection);
}

void InferencePane::onMapReady(quint64 generation, int slot, qint64 runId,
                               std::shared_ptr<const EmbeddingMap> map)
{
    if (generation != m_mapGeneration || slot < 0 || slot > 1 || runId != chosenRun(slot))
        return; // asked for runs that are no longer chosen: a newer request follows
    EmbeddingMapView *view = m_views[size_t(slot)]->mapView();
    if (!map) {
        view->showMessage(tr("The embedding map could not be made (see the message below)."));
        return;
    }
    view->setMap(map);
    // The inference worker keeps it to place each sentence, starting with the current one.
    InferenceWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, slot, runId, map] { worker->setMap(slot, runId, map); },
        Qt::QueuedConnection);
    for (int s = 0; s < 2; ++s)
        if (m_hasModel[size_t(s)] && !m_views[size_t(s)]->mapView()->map())
            return;
    Q_EMIT mapsShown();
}

ExplanationView *InferencePane::explanationView(int slot) const
{
    return slot == 0 || slot == 1 ? m_views[size_t(slot)] : nullptr;
}

void InferencePane::onFailed(const QString &message)
{
    m_status->setText(message);
    m_status->show();
}

void InferencePane::showStoreError(const QString &message)
{
    m_storeError = true;
    m_status->setText(message);
    m_status->show();
}

void InferencePane::setSentence(const QString &text)
{
    m_debounce->stop();
    m_edit->setText(text);
    requestPrediction();
}

QString InferencePane::sentence() const
{
    return m_edit->text();
}

InferencePane::ShownPrediction InferencePane::shownPrediction(int slot) const
{
    if (slot < 0 || slot > 1)
        return {};
    return m_cards[size_t(slot)]->state();
}

void InferencePane::updateStarterButtons()
{
    const QStringList sentences = AppSettings::starterSentences();
    for (int i = 0; i < 4; ++i) {
        auto *button = static_cast<SentenceButton *>(m_starters[size_t(i)]);
        button->setSentence(sentences.value(i));
    }
}

void InferencePane::editSentences()
{
    QDialog dialog(this);
    dialog.setObjectName("editSentencesDialog");
    dialog.setWindowTitle(tr("Example sentences"));
    auto *intro = new QLabel(tr("Four sentences, one click away in the inference pane and "
                                "classified by both models in the report."),
                             &dialog);
    intro->setWordWrap(true);
    auto *form = new QFormLayout;
    const QString captions[4] = {tr("Positive 1:"), tr("Positive 2:"), tr("Negative 1:"),
                                 tr("Negative 2:")};
    const QStringList current = AppSettings::starterSentences();
    std::array<QLineEdit *, 4> edits{};
    for (int i = 0; i < 4; ++i) {
        edits[size_t(i)] = new QLineEdit(current.value(i), &dialog);
        edits[size_t(i)]->setObjectName(QStringLiteral("sentence%1").arg(i));
        edits[size_t(i)]->setMinimumWidth(edits[size_t(i)]->fontMetrics().averageCharWidth() * 60);
        form->addRow(captions[i], edits[size_t(i)]);
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel |
                                             QDialogButtonBox::RestoreDefaults,
                                         &dialog);
    QPushButton *ok = buttons->button(QDialogButtonBox::Ok);
    auto validate = [edits, ok] {
        bool allFilled = true;
        for (QLineEdit *e : edits)
            allFilled = allFilled && !e->text().trimmed().isEmpty();
        ok->setEnabled(allFilled);
    };
    for (QLineEdit *e : edits)
        connect(e, &QLineEdit::textChanged, &dialog, validate);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, &dialog,
            [edits] {
                const QStringList defaults = AppSettings::defaultStarterSentences();
                for (int i = 0; i < 4; ++i)
                    edits[size_t(i)]->setText(defaults.value(i));
            });
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QStringList sentences;
    for (QLineEdit *e : edits)
        sentences << e->text().trimmed();
    AppSettings::setStarterSentences(sentences);
    updateStarterButtons();
}

} // namespace sentilab::ui
