#include "reportdata.h"

#include <QFileInfo>

#include <sentilab/error.h>
#include <sentilab/runstore.h>

#include "common/formatting.h"

namespace sentilab::ui {
namespace {

RunVerdicts classify(const RunSummary &run, const QStringList &sentences)
{
    RunVerdicts v;
    if (run.checkpointDir.empty() || sentences.isEmpty())
        return v;
    std::vector<std::string> texts;
    for (const QString &s : sentences)
        texts.push_back(s.toStdString());
    try {
        const Classifier model = Classifier::load(run.checkpointDir);
        v.predictions = model.predict(texts);
        for (const std::string &text : texts) {
            Explanation e = *model.explain(text); // no cancel callback: always a result
            if (!v.explanations.empty())
                e.attention.clear(); // every head is drawn for the first sentence only
            v.explanations.push_back(std::move(e));
        }
    } catch (const std::exception &e) {
        v.error = QString::fromUtf8(e.what());
    }
    return v;
}

// The pair a study report shows in full: seed 1's (else the first seed's) fine-tune and scratch
// runs at the largest size where both finished, else any finished runs of the largest size.
QList<qint64> studyReportRuns(const StudySummary &s)
{
    for (auto d = s.differences.rbegin(); d != s.differences.rend(); ++d)
        if (!d->pairs.empty())
            return {d->pairs.front().finetuneRun, d->pairs.front().scratchRun};
    QList<qint64> runs;
    for (auto g = s.groups.rbegin(); g != s.groups.rend() && runs.size() < 2; ++g)
        if (!g->points.empty())
            runs << g->points.front().runId;
    return runs;
}

} // namespace

ReportData buildReportData(const ReportOptions &options, const std::atomic<bool> *cancel,
                           const ReportProgress &progress)
{
    if (options.runIds.isEmpty() && options.studyId <= 0)
        throw Error("report: no runs given; name at least one run (see `sentilab-cli runs list`)");
    const std::string dbPath = options.databasePath.isEmpty() ? RunStore::defaultPath()
                                                              : options.databasePath.toStdString();
    if (!QFileInfo::exists(QString::fromStdString(dbPath)))
        throw Error("report: no run store at " + dbPath + "; train a run first or pass --db");
    const RunStore store = RunStore::openExisting(dbPath);
    ReportData data;
    QList<qint64> runIds = options.runIds;
    if (options.studyId > 0) {
        data.study = summarizeStudy(store, options.studyId);
        if (runIds.isEmpty())
            runIds = studyReportRuns(*data.study);
    }
    if (runIds.isEmpty())
        throw Error("report: study " + std::to_string(options.studyId) +
                    " has no finished run yet; report it once a cell has finished");
    const auto checkCancel = [cancel] {
        if (cancel && cancel->load())
            throw Error("report cancelled");
    };
    const int total = int(runIds.size()) + 2;
    const auto step = [&](int done, const QString &what) {
        checkCancel();
        if (progress)
            progress(done, total, what);
    };

    data.databasePath = QString::fromStdString(dbPath);
    step(0, QStringLiteral("Reading the runs"));
    std::vector<int64_t> ids(runIds.begin(), runIds.end());
    try {
        data.comparison = compareRuns(store, ids);
    } catch (const Error &e) {
        throw Error(std::string("report: ") + e.what() + "; see `sentilab-cli runs list`");
    }

    const std::optional<ComparisonNotes> notes = store.comparison(ids);
    data.sentences = options.sentences;
    if (data.sentences.isEmpty() && notes)
        for (const std::string &s : notes->sentences)
            data.sentences << QString::fromStdString(s);
    if (data.sentences.isEmpty())
        data.sentences = defaultStarterSentences();
    data.discussion = options.discussion;
    if (data.discussion.isEmpty() && notes)
        data.discussion = QString::fromStdString(notes->discussion);

    int done = 1;
    for (const RunSummary &run : data.comparison.runs) {
        step(done++,
             QStringLiteral("Classifying the example sentences with run %1").arg(run.info.id));
        data.verdicts.push_back(classify(run, data.sentences));
        if (!options.embeddingMaps || run.checkpointDir.empty())
            continue;
        step(done - 1, QStringLiteral("Placing run %1's validation and test sentences on its "
                                      "embedding map")
                           .arg(run.info.id));
        try {
            data.verdicts.back().map = embeddingMapForRun(
                dbPath, run.info.id, {}, [cancel] { return cancel && cancel->load(); });
        } catch (const std::exception &e) {
            data.verdicts.back().mapError = QString::fromUtf8(e.what());
        }
        checkCancel(); // a cancelled map is no map
    }
    data.attentionCases = options.attentionCases;
    if (options.attentionCases > 0) {
        step(done,
             QStringLiteral("Checking our self-attention against torch::nn::MultiheadAttention"));
        try {
            data.attention = runAttentionChecks(options.attentionCases);
        } catch (const std::exception &e) {
            data.attentionError = QString::fromUtf8(e.what());
        }
    }
    step(total, QStringLiteral("Writing the PDF"));
    return data;
}

} // namespace sentilab::ui
