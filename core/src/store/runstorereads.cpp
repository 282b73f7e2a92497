// RunStore's read side: queries and the CSV export. Writes live in runstore.cpp.
#include <sentilab/runstore.h>

#include <sentilab/error.h>

#include "runstoredb.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <locale>

namespace sentilab {

using runstore::Statement;

namespace {

constexpr const char *kRunColumns =
    "id, name, kind, status, config_yaml, config_hash, seed, environment, started_at, ended_at, "
    "error, note, total_steps, last_step, best_val_accuracy, test_accuracy";

RunInfo readRun(const Statement &s)
{
    RunInfo r;
    r.id = s.int64At(0);
    r.name = s.textAt(1);
    r.kind = s.textAt(2);
    r.status = runStatusFromString(s.textAt(3));
    r.configYaml = s.textAt(4);
    r.configHash = s.textAt(5);
    r.seed = static_cast<uint64_t>(s.int64At(6));
    r.environment = s.textAt(7);
    r.startedAt = s.textAt(8);
    r.endedAt = s.textAt(9);
    r.error = s.textAt(10);
    r.note = s.textAt(11);
    r.totalSteps = s.int64At(12);
    r.lastStep = s.int64At(13);
    r.bestValAccuracy = s.isNull(14) ? -1 : s.doubleAt(14);
    r.testAccuracy = s.isNull(15) ? -1 : s.doubleAt(15);
    return r;
}

std::string formatNumber(double value)
{
    char buf[64];
    const auto result = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, result.ptr);
}

std::string csvField(const std::string &text)
{
    if (text.find_first_of(",\"\r\n") == std::string::npos)
        return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

} // namespace

std::vector<RunInfo> RunStore::listRuns() const
{
    Statement s(m_impl->db,
                (std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id DESC").c_str(),
                "listing runs");
    std::vector<RunInfo> runs;
    while (s.step())
        runs.push_back(readRun(s));
    return runs;
}

std::optional<RunInfo> RunStore::findRun(const std::string &idOrName) const
{
    const std::string op = "looking up run '" + idOrName + "'";
    int64_t id = 0;
    const char *end = idOrName.data() + idOrName.size();
    const auto parsed = std::from_chars(idOrName.data(), end, id);
    if (!idOrName.empty() && parsed.ec == std::errc() && parsed.ptr == end) {
        Statement s(m_impl->db,
                    (std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?1").c_str(),
                    op);
        s.bind(1, id);
        if (s.step())
            return readRun(s);
    }
    Statement s(m_impl->db,
                (std::string("SELECT ") + kRunColumns +
                 " FROM runs WHERE name = ?1 ORDER BY id DESC LIMIT 1")
                    .c_str(),
                op);
    s.bind(1, idOrName);
    if (s.step())
        return readRun(s);
    return std::nullopt;
}

RunInfo RunStore::run(int64_t runId) const
{
    Statement s(m_impl->db,
                (std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?1").c_str(),
                "reading run " + std::to_string(runId));
    s.bind(1, runId);
    if (!s.step())
        runstore::throwNoRun(m_impl->db, runId);
    return readRun(s);
}

std::vector<std::pair<std::string, std::string>> RunStore::params(int64_t runId) const
{
    Statement s(m_impl->db, "SELECT key, value FROM params WHERE run_id = ?1 ORDER BY key",
                "reading the parameters of run " + std::to_string(runId));
    s.bind(1, runId);
    std::vector<std::pair<std::string, std::string>> out;
    while (s.step())
        out.emplace_back(s.textAt(0), s.textAt(1));
    return out;
}

std::vector<MetricPoint> RunStore::metrics(int64_t runId, const std::string &key) const
{
    Statement s(m_impl->db,
                key.empty() ? "SELECT key, step, wall_ms, value FROM metrics WHERE run_id = ?1 "
                              "ORDER BY key, step"
                            : "SELECT key, step, wall_ms, value FROM metrics WHERE run_id = ?1 "
                              "AND key = ?2 ORDER BY step",
                "reading the metrics of run " + std::to_string(runId));
    s.bind(1, runId);
    if (!key.empty())
        s.bind(2, key);
    std::vector<MetricPoint> out;
    while (s.step())
        out.push_back({s.textAt(0), s.int64At(1), s.doubleAt(2), s.doubleAt(3)});
    return out;
}

std::vector<std::string> RunStore::metricKeys(int64_t runId) const
{
    Statement s(m_impl->db, "SELECT key FROM metric_summary WHERE run_id = ?1 ORDER BY key",
                "reading the metric keys of run " + std::to_string(runId));
    s.bind(1, runId);
    std::vector<std::string> out;
    while (s.step())
        out.push_back(s.textAt(0));
    return out;
}

std::vector<MetricSummary> RunStore::summaries(int64_t runId) const
{
    Statement s(m_impl->db,
                "SELECT key, last, best, best_step, last_step FROM metric_summary "
                "WHERE run_id = ?1 ORDER BY key",
                "reading the metric summaries of run " + std::to_string(runId));
    s.bind(1, runId);
    std::vector<MetricSummary> out;
    while (s.step())
        out.push_back({s.textAt(0), s.doubleAt(1), s.doubleAt(2), s.int64At(3), s.int64At(4)});
    return out;
}

std::vector<EvalRecord> RunStore::evals(int64_t runId, const std::string &split) const
{
    Statement s(m_impl->db,
                split.empty() ? "SELECT split, step, epoch, accuracy, f1, loss, tn, fp, fn, tp, "
                                "wall_ms FROM evals WHERE run_id = ?1 ORDER BY step, split"
                              : "SELECT split, step, epoch, accuracy, f1, loss, tn, fp, fn, tp, "
                                "wall_ms FROM evals WHERE run_id = ?1 AND split = ?2 ORDER BY step",
                "reading the evaluations of run " + std::to_string(runId));
    s.bind(1, runId);
    if (!split.empty())
        s.bind(2, split);
    std::vector<EvalRecord> out;
    while (s.step()) {
        EvalRecord e;
        e.split = s.textAt(0);
        e.step = s.int64At(1);
        e.epoch = s.doubleAt(2);
        e.accuracy = s.doubleAt(3);
        e.f1 = s.doubleAt(4);
        e.loss = s.doubleAt(5);
        for (int i = 0; i < 4; ++i)
            e.confusion[static_cast<size_t>(i)] = s.int64At(6 + i);
        e.wallMs = s.doubleAt(10);
        out.push_back(std::move(e));
    }
    return out;
}

double RunStore::trainingSeconds(int64_t runId) const
{
    const std::string what = "reading the training time of run " + std::to_string(runId);
    Statement wall(m_impl->db,
                   "SELECT MAX(w) FROM (SELECT MAX(wall_ms) AS w FROM metrics WHERE run_id = ?1 "
                   "UNION ALL SELECT MAX(wall_ms) FROM evals WHERE run_id = ?1)",
                   what);
    wall.bind(1, runId);
    if (wall.step() && !wall.isNull(0) && wall.doubleAt(0) > 0)
        return wall.doubleAt(0) / 1000.0;
    // SQLite's julianday() reads the stored ISO-8601 UTC times ("...T12:34:56.789Z").
    Statement span(m_impl->db,
                   "SELECT CASE WHEN status = 'queued' THEN 0 ELSE "
                   "(julianday(COALESCE(NULLIF(ended_at, ''), 'now')) - julianday(started_at)) * "
                   "86400.0 END FROM runs WHERE id = ?1",
                   what);
    span.bind(1, runId);
    if (span.step() && !span.isNull(0))
        return std::max(0.0, span.doubleAt(0));
    return -1;
}

std::vector<PredictionRow> RunStore::predictions(int64_t runId, const std::string &split,
                                                 int64_t step) const
{
    Statement s(m_impl->db,
                step < 0 ? "SELECT example_index, label, predicted, prob_positive FROM predictions "
                           "WHERE run_id = ?1 AND split = ?2 AND step = (SELECT MAX(step) FROM "
                           "predictions WHERE run_id = ?1 AND split = ?2) ORDER BY example_index"
                         : "SELECT example_index, label, predicted, prob_positive FROM predictions "
                           "WHERE run_id = ?1 AND split = ?2 AND step = ?3 ORDER BY example_index",
                "reading the predictions of run " + std::to_string(runId));
    s.bind(1, runId).bind(2, split);
    if (step >= 0)
        s.bind(3, step);
    std::vector<PredictionRow> out;
    while (s.step())
        out.push_back({s.int64At(0), s.int64At(1), s.int64At(2), s.doubleAt(3)});
    return out;
}

std::vector<CheckpointRecord> RunStore::checkpoints(int64_t runId) const
{
    Statement s(m_impl->db,
                "SELECT kind, step, path, metric FROM checkpoints WHERE run_id = ?1 ORDER BY kind",
                "reading the checkpoints of run " + std::to_string(runId));
    s.bind(1, runId);
    std::vector<CheckpointRecord> out;
    while (s.step())
        out.push_back({s.textAt(0), s.int64At(1), s.textAt(2), s.doubleAt(3)});
    return out;
}

std::vector<EventRecord> RunStore::events(int64_t runId) const
{
    Statement s(m_impl->db, "SELECT time, level, message FROM events WHERE run_id = ?1 ORDER BY id",
                "reading the events of run " + std::to_string(runId));
    s.bind(1, runId);
    std::vector<EventRecord> out;
    while (s.step())
        out.push_back({s.textAt(0), s.textAt(1), s.textAt(2)});
    return out;
}

void RunStore::exportMetricsCsv(int64_t runId, const std::string &csvPath) const
{
    std::ofstream out(csvPath, std::ios::binary | std::ios::trunc);
    if (!out)
        throw Error("cannot write metrics CSV " + csvPath + ": " + std::strerror(errno));
    out.imbue(std::locale::classic());
    out << "run_id,key,step,wall_ms,value\n";
    Statement s(m_impl->db,
                "SELECT key, step, wall_ms, value FROM metrics WHERE run_id = ?1 "
                "ORDER BY key, step",
                "exporting the metrics of run " + std::to_string(runId));
    s.bind(1, runId);
    const std::string id = std::to_string(runId);
    while (s.step() && out) {
        out << id << ',' << csvField(s.textAt(0)) << ',' << std::to_string(s.int64At(1)) << ','
            << formatNumber(s.doubleAt(2)) << ',' << formatNumber(s.doubleAt(3)) << '\n';
    }
    out.close();
    if (!out)
        throw Error("cannot write metrics CSV " + csvPath + ": " + std::strerror(errno) +
                    " (is the disk full?)");
}

} // namespace sentilab
