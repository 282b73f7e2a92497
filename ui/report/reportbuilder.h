#pragma once
// The PDF report of a comparison of runs: title page with the key numbers, the self-attention
// check, one section per run (settings, data, time, curves, accuracy, F1, confusion matrix), a
// side-by-side comparison with the validation-accuracy difference curve, both models' verdicts on
// example sentences, and the user's discussion.
//
// Shared by the desktop app and `sentilab-cli report` (offscreen). Text is laid out with
// QTextDocument and charts are vector graphics (QCustomPlot::toPainter) on a QPdfWriter (A4,
// 300 dpi); tables are split across pages with their header repeated.
//
// Requires a QApplication (charts are offscreen widgets); runs on the calling thread and takes a
// while: it loads each run's best checkpoint and runs the attention check.
#include <QList>
#include <QString>
#include <QStringList>

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
};

// Writes the report. Throws sentilab::Error with a message naming what failed: no runs given,
// no database or unknown run (with how to list runs), the output file not writable. Runs without
// data, checkpoints or evaluations are reported as such ("not evaluated yet"), never an error.
void writeReport(const ReportOptions &options);

// The four example sentences used when none are given (two clearly positive, two clearly
// negative); the app's inference pane starts from the same ones.
QStringList defaultReportSentences();

// How the report writes an accuracy: 0.7841 -> "78.4%"; negative (none) -> "n/a".
QString reportPercent(double fraction);

// The four sentences used when neither the options nor the saved comparison give any
// (two positive, two negative; the same as the desktop's starter sentences).
QStringList defaultReportSentences();

} // namespace sentilab::ui
