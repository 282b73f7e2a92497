#pragma once
// What the PDF report says, gathered off the GUI thread: the comparison from the read model
// (sentilab/runanalysis.h), each run's best checkpoint's verdicts on the example sentences and the
// self-attention check. Building it is the slow part of a report (checkpoints load, the check
// runs); rendering it (reportbuilder.h) is quick and needs the GUI thread.
//
// Thread-safe: buildReportData opens its own RunStore connection and uses no widget, so it may
// run on any thread.
#include <atomic>
#include <functional>
#include <vector>

#include <QList>
#include <QString>
#include <QStringList>

#include <sentilab/attentioncheck.h>
#include <sentilab/classifier.h>
#include <sentilab/embeddingmap.h>
#include <sentilab/runanalysis.h>
#include <sentilab/studyanalysis.h>

namespace sentilab::ui {

struct ReportOptions
{
    QString databasePath; // run store; empty = RunStore::defaultPath()
    QList<qint64> runIds; // runs to report, in this order; at least one
    QStringList
        sentences;      // example sentences; empty = the comparison's saved ones, else 4 defaults
    QString discussion; // the user's text; empty = the comparison's saved discussion
    QString outputPath; // the PDF file to write (replaced atomically)
    int attentionCases = 20; // randomised self-attention check cases; 0 skips the check
    // Each run's embedding map (from the store's cache, else computed and cached: a pass over
    // its validation and test sentences).
    bool embeddingMaps = true;
    // > 0: a section on this data-efficiency study (studyanalysis.h); with no runIds, the report's
    // runs are the study's fine-tune and scratch run of seed 1 at its largest finished size.
    qint64 studyId = 0;
};

struct RunVerdicts
{
    std::vector<Prediction> predictions; // one per sentence; empty when there is no checkpoint
    // Integrated Gradients (32 steps) and attention rollout per sentence, without the per-head
    // weights; empty when there is no checkpoint or explaining failed (then in `error`).
    std::vector<Explanation> explanations;
    QString error;                   // why classifying or explaining failed, empty otherwise
    std::optional<EmbeddingMap> map; // with ReportOptions::embeddingMaps and a checkpoint
    QString mapError;                // why the map could not be made
};

struct ReportData
{
    QString databasePath; // as opened
    Comparison comparison;
    std::vector<RunVerdicts> verdicts; // parallel to comparison.runs
    QStringList sentences;
    QString discussion;
    int attentionCases = 0;
    std::vector<AttentionCheckCase> attention;
    QString attentionError;            // the check could not run
    std::optional<StudySummary> study; // with ReportOptions::studyId
};

// done out of total steps (one per run for the verdicts, one for the attention check), and what
// is being done now.
using ReportProgress = std::function<void(int done, int total, const QString &what)>;

// Gathers the report's data. Throws sentilab::Error naming what failed (no runs, no database,
// unknown run with how to list runs) and "report cancelled" when `cancel` becomes true between
// steps. Runs without data, checkpoints or evaluations are data ("not evaluated yet"), not errors.
ReportData buildReportData(const ReportOptions &options, const std::atomic<bool> *cancel = nullptr,
                           const ReportProgress &progress = {});

} // namespace sentilab::ui
