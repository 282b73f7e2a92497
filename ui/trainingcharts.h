#pragma once
// The Training tab: four live charts of the selected runs (training loss with EMA smoothing,
// validation accuracy, validation loss, learning rate) over a shared x axis (step, epoch or wall
// time).
//
// Data: showRuns() loads each run's full history from the run store (its own connection, opened
// on the GUI thread); addStep()/addEval() then append the live points of shown runs. Every point
// is kept, so switching the x axis re-plots everything without touching the store.
//
// Live points carry the run's wall time as the trainer stores it (StepInfo/EvalInfo::wallMs), so
// nothing is estimated. The trainer stores every train.log_every-th step while it reports every
// step live; MainWindow reloads a run when it ends (reloadRun), so the charts then show exactly
// what the store, the report and the CLI read.
//
// GUI thread only; a store error is shown in the widget, never thrown.
#include <QHash>
#include <QList>
#include <QString>
#include <QVector>
#include <QWidget>

#include <memory>

#include <sentilab/training.h>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;

namespace sentilab {
class RunStore;
}

class QStackedWidget;

namespace sentilab::ui {

class StoreReader;

class ChartView;

class TrainingCharts : public QWidget
{
    Q_OBJECT

public:
    enum class XAxis { Step, Epoch, WallMinutes };

    explicit TrainingCharts(QWidget *parent = nullptr);
    ~TrainingCharts() override;

    // Reads histories through `reader` (MainWindow's shared one); reloads the shown runs.
    void setStoreReader(StoreReader *reader);
    // For charts on their own: read `path` through a reader of their own.
    void setDatabasePath(const QString &path);

    // Shows exactly these runs (in this order for the legends); unknown ids are skipped.
    void showRuns(const QList<qint64> &runIds);
    QList<qint64> shownRuns() const { return m_shown; }

    void setXAxis(XAxis axis);
    XAxis xAxis() const { return m_xAxis; }
    // EMA weight for the training-loss chart, [0, 0.99]; 0 = raw only.
    void setSmoothing(double alpha);
    double smoothing() const;

    ChartView *lossChart() const { return m_loss; }
    ChartView *accuracyChart() const { return m_accuracy; }
    ChartView *validationLossChart() const { return m_valLoss; }
    ChartView *learningRateChart() const { return m_lr; }

Q_SIGNALS:
    // The first-launch page's buttons (shown while the store has no run).
    void startFinetuneRequested();
    void startScratchRequested();

public Q_SLOTS:
    // A live training step; ignored unless s.runId is shown.
    void addStep(const sentilab::StepInfo &s);
    // A live evaluation; validation only ("test" is not a curve); ignored unless the run is shown.
    void addEval(const sentilab::EvalInfo &e);
    // Re-reads one shown run from the store (after a resume, at the end of a run).
    void reloadRun(qint64 runId);

private:
    // One point of a curve with all three possible x values.
    struct Point
    {
        double step = 0;
        double epoch = 0;
        double wallMs = 0;
        double value = 0;
    };
    struct History
    {
        QString name;
        QVector<Point> loss, lr, valAccuracy, valLoss;
        double stepsPerEpoch = 0; // for epochs of points without a train/epoch record
    };

    RunStore *store();
    void loadHistory(qint64 runId);
    void plotRun(qint64 runId);
    // Shaded min–max bands of validation accuracy and loss for shown runs that differ only in
    // their seed (seedGroups), at the steps every one of them has evaluated.
    void plotBands();
    double xOf(const Point &p) const;
    void appendLive(qint64 runId, ChartView *chart, QVector<Point> &curve, const Point &p);
    void updateAxisLabels();
    void showStatus(const QString &message);
    void updateWelcome(); // the first-launch page while the store has no run, else the charts

    StoreReader *m_reader = nullptr;
    QStackedWidget *m_pages = nullptr;  // 0: charts, 1: first-launch page
    StoreReader *m_ownReader = nullptr; // made by setDatabasePath
    QList<qint64> m_shown;
    QHash<qint64, History> m_history;
    // The newest live steps of each run (shown or not), merged into a history read from the
    // store, whose metric writes lag behind; at most kLiveTail per run, dropped when it ends.
    static constexpr int kLiveTail = 4096;
    QHash<qint64, QVector<sentilab::StepInfo>> m_liveTail;
    XAxis m_xAxis = XAxis::Step;

    QComboBox *m_xAxisBox = nullptr;
    QSlider *m_smoothingSlider = nullptr;
    QDoubleSpinBox *m_smoothingBox = nullptr;
    QLabel *m_status = nullptr;
    ChartView *m_loss = nullptr;
    ChartView *m_accuracy = nullptr;
    ChartView *m_valLoss = nullptr;
    ChartView *m_lr = nullptr;
};

} // namespace sentilab::ui
