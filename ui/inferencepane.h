#pragma once
// "Try it": type a sentence and see the fine-tune run's and the scratch run's verdicts side by
// side.
#include <QHash>
#include <QStringList>
#include <QWidget>

#include <array>
#include <memory>

#include <sentilab/embeddingmap.h>
#include <sentilab/explanation.h>

class QComboBox;
class QLabel;
class QSpinBox;
class QLineEdit;
class QPushButton;
class QThread;
class QTimer;

namespace sentilab {
class RunStore;
}

namespace sentilab::ui {

class InferenceWorker;
class MapWorker;
class StoreReader;
class ResultCard;
class ExplanationView;

// Reads the run list on the GUI thread through a StoreReader (so it works while
// training writes); the models load and predict in an InferenceWorker on a QThread this pane owns
// and stops in its destructor. Typing predicts after a 250 ms pause, Enter at once; only the
// newest sentence's results are shown. Slot 0 is the fine-tune card, slot 1 the scratch card.
class InferencePane : public QWidget
{
    Q_OBJECT

public:
    // What a card shows, for tests and callers that want the numbers.
    struct ShownPrediction
    {
        qint64 runId = 0;        // the run chosen for the card, 0 = none
        QString label;           // "positive" / "negative"; empty while nothing is shown
        double probability = -1; // P(positive) in [0, 1]; -1 while nothing is shown
        QStringList tokens;      // WordPiece tokens, [CLS]/[SEP] included
        int inputTokens = 0;     // tokens of the whole input; > tokens.size() when it was cut
        double milliseconds = 0;
        QString message; // why the card has no model (empty when it has one)
    };

    explicit InferencePane(QWidget *parent = nullptr);
    ~InferencePane() override;

    // Opens the run store (its own connection), fills the run choosers and loads the models.
    // A store that cannot be opened is reported in the pane, not thrown.
    // Reads through `reader` (MainWindow's shared one) and refreshes when it reports a change.
    void setStoreReader(StoreReader *reader);
    // For a pane on its own: reads `path` through a reader of its own.
    void setDatabasePath(const QString &path);
    // Remember the runs the user picks for the two cards between launches (the main window's
    // pane does): restores the saved ones now, if they still exist.
    void setRememberRuns(bool remember);
    // Re-reads the runs (call when runs start, evaluate or finish); keeps the chosen runs, and
    // reloads a model whose best checkpoint changed.
    void refreshRuns();
    // Fills the sentence box and predicts at once.
    void setSentence(const QString &text);
    // Chooses the runs of the two cards (0 = none) and loads their models. A run without a
    // checkpoint is accepted; its card then says how to get one.
    void setRuns(qint64 finetuneRun, qint64 scratchRun);

    QString sentence() const;
    ShownPrediction shownPrediction(int slot) const;
    // The "Why?" view under card `slot` (0 or 1).
    ExplanationView *explanationView(int slot) const;

Q_SIGNALS:
    // Both cards show the results for the current sentence (each card with a model updated).
    void predictionsShown();
    // Both views show the current sentence's attention and attributions (each with a model).
    void explanationsShown();
    // Every loaded model's embedding map is shown.
    void mapsShown();

private:
    void fillRunCombos();
    void runChosen();
    void loadModelsIfChanged();
    void requestPrediction();
    void onModelsLoaded(const QString &summaryA, const QString &summaryB);
    void onModelMissing(int slot, const QString &message);
    void onPredictionReady(quint64 requestId, int slot, const QString &label, double probability,
                           const QStringList &tokens, int inputTokens, double milliseconds);
    void onExplanationReady(quint64 requestId, int slot,
                            std::shared_ptr<const sentilab::Explanation> part);
    void onFailed(const QString &message);
    bool explaining() const;
    void explanationSettingsChanged();
    void computeMaps();
    void onMapReady(quint64 generation, int slot, qint64 runId,
                    std::shared_ptr<const sentilab::EmbeddingMap> map);
    void updateStarterButtons();
    void editSentences();
    void showStoreError(const QString &message);
    qint64 chosenRun(int slot) const;
    void selectRun(int slot, qint64 runId);

    QString databasePath() const;

    StoreReader *m_reader = nullptr;
    StoreReader *m_ownReader = nullptr; // made by setDatabasePath

    QThread *m_thread = nullptr;
    InferenceWorker *m_worker = nullptr;
    QThread *m_mapThread = nullptr; // maps are made beside the worker, never in its way
    MapWorker *m_mapWorker = nullptr;
    quint64 m_mapGeneration = 0; // of the newest computeMaps(); older answers are ignored

    QLineEdit *m_edit = nullptr;
    QTimer *m_debounce = nullptr;
    std::array<QComboBox *, 2> m_combos{};
    std::array<ResultCard *, 2> m_cards{};
    std::array<ExplanationView *, 2> m_views{};
    QComboBox *m_method = nullptr; // attribution method, or off
    QSpinBox *m_steps = nullptr;   // Integrated Gradients' steps
    QPushButton *m_mapsButton = nullptr;
    bool m_mapsWanted = false; // the user asked for the maps: remake them after a model reload
    std::array<QPushButton *, 4> m_starters{};
    QLabel *m_status = nullptr;

    QHash<qint64, QString> m_checkpointKeys; // run -> "dir@step" of its best checkpoint
    std::array<qint64, 2> m_defaultRuns{};   // newest finished run of each kind (else newest)
    bool m_rememberRuns = false;
    std::array<bool, 2> m_userChose{};   // the user (or setRuns) picked the slot's run
    std::array<QString, 2> m_loadedKeys; // "run|dir@step" the worker was last asked to load
    std::array<QString, 2> m_summaries;  // what the worker loaded, empty = no model
    int m_pendingLoads = 0;              // loads asked for and not yet answered
    bool m_storeError = false;           // m_status shows why the store cannot be read
    quint64 m_requestId = 0;             // the newest request sent to the worker
    std::array<bool, 2> m_hasModel{};    // the worker reported a model for the slot
    std::array<bool, 2> m_answered{};    // the slot answered m_requestId
};

} // namespace sentilab::ui
