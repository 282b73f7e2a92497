#include <sentilab/runstore.h>

#include <sentilab/error.h>

#include "runstoredb.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include <pwd.h>
#include <unistd.h>

namespace sentilab {

using runstore::Connection;
using runstore::Statement;
using runstore::WriteTransaction;

namespace {

// Per-key summary while a batch is applied. `dirty` means the best value was overwritten by a worse
// one, so the best must be searched again in the table.
struct SummaryState
{
    bool exists = false;
    double last = 0;
    int64_t lastStep = 0;
    double best = std::nan("");
    int64_t bestStep = -1;
    bool dirty = false;
};

bool better(double a, double b, bool higherIsBetter)
{
    return higherIsBetter ? a > b : a < b;
}

void applyPoint(SummaryState &s, const MetricPoint &p, bool higherIsBetter)
{
    const bool finite = !std::isnan(p.value);
    if (!s.exists) {
        s.exists = true;
        s.last = p.value;
        s.lastStep = p.step;
        s.best = p.value;
        s.bestStep = finite ? p.step : -1;
        return;
    }
    if (p.step >= s.lastStep) {
        s.last = p.value;
        s.lastStep = p.step;
    }
    if (p.step == s.bestStep && !(finite && !better(s.best, p.value, higherIsBetter))) {
        s.dirty = true; // the best point got worse (or NaN): search again
        return;
    }
    if (!finite)
        return;
    if (s.bestStep < 0 || better(p.value, s.best, higherIsBetter) ||
        (p.value == s.best && p.step < s.bestStep)) {
        s.best = p.value;
        s.bestStep = p.step;
    }
}

std::string homeDirectory()
{
    if (const char *home = std::getenv("HOME"); home && *home)
        return home;
    if (const passwd *pw = getpwuid(getuid()); pw && pw->pw_dir)
        return pw->pw_dir;
    throw Error("cannot find the home directory for the run store: set SENTILAB_DB or HOME");
}

void requireRun(Connection &db, int64_t runId, const std::string &op)
{
    Statement s(db, "SELECT 1 FROM runs WHERE id = ?1", op);
    s.bind(1, runId);
    if (!s.step())
        runstore::throwNoRun(db, runId);
}

// Runs a one-row UPDATE of runs (parameter 1 = run id) in its own transaction.
template <typename Bind>
void updateRun(Connection &db, int64_t runId, const char *sql, const std::string &op, Bind &&bind)
{
    WriteTransaction tx(db, op);
    Statement s(db, sql, op);
    s.bind(1, runId);
    bind(s);
    s.execute();
    if (db.changes() == 0)
        runstore::throwNoRun(db, runId);
    tx.commit();
}

void bindOwner(Statement &s, int pidIndex)
{
    const runstore::ProcessIdentity &self = runstore::currentProcess();
    s.bind(pidIndex, self.pid).bind(pidIndex + 1, self.host).bind(pidIndex + 2, self.token);
}

SummaryState computeSummary(Connection &db, int64_t runId, const std::string &key,
                            const std::string &op)
{
    SummaryState state;
    Statement last(db,
                   "SELECT value, step FROM metrics WHERE run_id = ?1 AND key = ?2 "
                   "ORDER BY step DESC LIMIT 1",
                   op);
    last.bind(1, runId).bind(2, key);
    if (!last.step())
        return state;
    state.exists = true;
    state.last = last.doubleAt(0);
    state.lastStep = last.int64At(1);
    Statement best(db,
                   metricHigherIsBetter(key)
                       ? "SELECT value, step FROM metrics WHERE run_id = ?1 AND key = ?2 AND "
                         "value IS NOT NULL ORDER BY value DESC, step ASC LIMIT 1"
                       : "SELECT value, step FROM metrics WHERE run_id = ?1 AND key = ?2 AND "
                         "value IS NOT NULL ORDER BY value ASC, step ASC LIMIT 1",
                   op);
    best.bind(1, runId).bind(2, key);
    if (best.step()) {
        state.best = best.doubleAt(0);
        state.bestStep = best.int64At(1);
    }
    return state;
}

// The metric_summary statements of one write transaction, prepared once per call.
class SummaryTable
{
public:
    SummaryTable(Connection &db, const std::string &op)
        : m_load(db,
                 "SELECT last, last_step, best, best_step FROM metric_summary "
                 "WHERE run_id = ?1 AND key = ?2",
                 op),
          m_write(db,
                  "INSERT INTO metric_summary (run_id, key, last, last_step, best, best_step) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (run_id, key) DO UPDATE SET "
                  "last = excluded.last, last_step = excluded.last_step, best = excluded.best, "
                  "best_step = excluded.best_step",
                  op)
    {}

    SummaryState load(int64_t runId, const std::string &key)
    {
        m_load.bind(1, runId).bind(2, key);
        SummaryState state;
        if (m_load.step()) {
            state.exists = true;
            state.last = m_load.doubleAt(0);
            state.lastStep = m_load.int64At(1);
            state.best = m_load.doubleAt(2);
            state.bestStep = m_load.int64At(3);
        }
        m_load.reset();
        return state;
    }

    void write(int64_t runId, const std::string &key, const SummaryState &state)
    {
        m_write.bind(1, runId).bind(2, key).bind(3, state.last).bind(4, state.lastStep);
        m_write.bind(5, state.best).bind(6, state.bestStep);
        m_write.execute();
    }

private:
    Statement m_load;
    Statement m_write;
};

void recomputeAccuracies(Connection &db, int64_t runId, const std::string &op)
{
    Statement s(db,
                "UPDATE runs SET best_val_accuracy = COALESCE((SELECT MAX(accuracy) FROM evals "
                "WHERE run_id = ?1 AND split IN ('val', 'validation')), -1), "
                "test_accuracy = COALESCE((SELECT accuracy FROM evals WHERE run_id = ?1 AND "
                "split = 'test' ORDER BY step DESC LIMIT 1), -1) WHERE id = ?1",
                op);
    s.bind(1, runId);
    s.execute();
}

// Runs left 'running' by a process that is gone become 'interrupted'. The ownership columns
// are part of the UPDATE's condition so that a run claimed meanwhile by a live process wins.
void recoverInterrupted(Connection &db)
{
    const std::string op = "marking runs of exited processes interrupted";
    struct Owner
    {
        int64_t id, pid;
        std::string host, token;
        int64_t silentSeconds;
    };
    std::vector<Owner> dead;
    {
        Statement s(db,
                    "SELECT id, owner_pid, owner_host, owner_token, "
                    "CAST(strftime('%s', 'now') AS INTEGER) - heartbeat_at FROM runs "
                    "WHERE status = 'running'",
                    op);
        while (s.step()) {
            Owner o{s.int64At(0), s.int64At(1), s.textAt(2), s.textAt(3), s.int64At(4)};
            const runstore::Liveness liveness = runstore::ownerLiveness(o.pid, o.host, o.token);
            if (liveness == runstore::Liveness::Dead || (liveness == runstore::Liveness::Unknown &&
                                                         o.silentSeconds > RunStore::kLeaseSeconds))
                dead.push_back(std::move(o));
        }
    }
    if (dead.empty())
        return;
    WriteTransaction tx(db, op);
    Statement update(db,
                     "UPDATE runs SET status = 'interrupted', ended_at = ?2, error = ?3 "
                     "WHERE id = ?1 AND status = 'running' AND owner_pid = ?4 AND "
                     "owner_host = ?5 AND owner_token = ?6",
                     op);
    Statement event(db,
                    "INSERT INTO events (run_id, time, level, message) "
                    "VALUES (?1, ?2, 'warning', ?3)",
                    op);
    const std::string now = runstore::nowIso8601();
    for (const Owner &o : dead) {
        const bool remote = !o.host.empty() && o.host != runstore::currentProcess().host;
        const std::string why =
            remote ? "process " + std::to_string(o.pid) + " on host " + o.host +
                         " sent no heartbeat for " + std::to_string(o.silentSeconds) +
                         " s (more than " + std::to_string(RunStore::kLeaseSeconds) +
                         "); it is taken as dead: resume the run from its last checkpoint"
                   : "process " + std::to_string(o.pid) +
                         " exited without finishing the run (killed or crashed); "
                         "resume it from its last checkpoint";
        update.bind(1, o.id).bind(2, now).bind(3, why).bind(4, o.pid).bind(5, o.host);
        update.bind(6, o.token);
        update.execute();
        if (db.changes() == 0)
            continue;
        event.bind(1, o.id).bind(2, now).bind(3, "run marked interrupted: " + why);
        event.execute();
    }
    tx.commit();
}

} // namespace

std::string toString(RunStatus status)
{
    switch (status) {
    case RunStatus::Queued:
        return "queued";
    case RunStatus::Running:
        return "running";
    case RunStatus::Finished:
        return "finished";
    case RunStatus::Failed:
        return "failed";
    case RunStatus::Interrupted:
        return "interrupted";
    case RunStatus::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

RunStatus runStatusFromString(const std::string &text)
{
    for (RunStatus s : {RunStatus::Queued, RunStatus::Running, RunStatus::Finished,
                        RunStatus::Failed, RunStatus::Interrupted, RunStatus::Cancelled}) {
        if (toString(s) == text)
            return s;
    }
    throw Error("unknown run status '" + text +
                "' (expected queued, running, finished, failed, interrupted or cancelled)");
}

bool isTerminal(RunStatus status)
{
    return status == RunStatus::Finished || status == RunStatus::Failed ||
           status == RunStatus::Interrupted || status == RunStatus::Cancelled;
}

bool metricHigherIsBetter(const std::string &key)
{
    return key.find("accuracy") != std::string::npos || key.find("f1") != std::string::npos;
}

// ---- lifetime ----

RunStore::RunStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
RunStore::RunStore(RunStore &&) noexcept = default;
RunStore &RunStore::operator=(RunStore &&) noexcept = default;
RunStore::~RunStore() = default;

RunStore RunStore::open(const std::string &path)
{
    auto impl = std::make_unique<Impl>();
    impl->db = Connection(path);
    runstore::prepareDatabase(impl->db, kSchemaVersion);
    recoverInterrupted(impl->db);
    return RunStore(std::move(impl));
}

RunStore RunStore::openExisting(const std::string &path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw Error(path + ": no run store there (" +
                    (std::filesystem::exists(path, ec) ? "not a file" : "no such file") +
                    "); check --db or SENTILAB_DB. Nothing was created.");
    return open(path);
}

std::string RunStore::defaultPath()
{
    namespace fs = std::filesystem;
    fs::path file;
    if (const char *env = std::getenv("SENTILAB_DB"); env && *env) {
        file = env;
    } else if (const char *xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg && xdg[0] == '/') {
        file = fs::path(xdg) / "sentilab" / "sentilab.db"; // relative XDG paths are ignored
    } else {
        file = fs::path(homeDirectory()) / ".local" / "share" / "sentilab" / "sentilab.db";
    }
    const fs::path dir = file.parent_path();
    std::error_code ec;
    if (!dir.empty())
        fs::create_directories(dir, ec);
    if (ec)
        throw Error("cannot create the run store folder " + dir.string() + ": " + ec.message() +
                    " (set SENTILAB_DB to a writable location)");
    return file.string();
}

const std::string &RunStore::path() const
{
    return m_impl->db.path();
}

int RunStore::schemaVersion() const
{
    Statement s(m_impl->db, "PRAGMA user_version", "reading the schema version");
    return s.step() ? static_cast<int>(s.int64At(0)) : 0;
}

std::string RunStore::integrityCheck() const
{
    const std::string op = "checking integrity";
    std::string report;
    {
        Statement s(m_impl->db, "PRAGMA integrity_check", op);
        while (s.step())
            report += (report.empty() ? "" : "\n") + s.textAt(0);
    }
    if (report != "ok")
        return report;
    Statement fk(m_impl->db, "PRAGMA foreign_key_check", op);
    report.clear();
    while (fk.step()) {
        report += (report.empty() ? "" : "\n") + std::string("foreign key violation in table ") +
                  fk.textAt(0) + " row " + std::to_string(fk.int64At(1));
    }
    return report.empty() ? "ok" : report;
}

// ---- writes ----

int64_t RunStore::createRun(const RunInfo &info)
{
    if (info.kind != "finetune" && info.kind != "scratch")
        throw Error("cannot create a run in " + path() +
                    ": kind must be 'finetune' or 'scratch', "
                    "not '" +
                    info.kind + "'");
    const std::string op = "creating a run";
    Connection &db = m_impl->db;
    WriteTransaction tx(db, op);
    const RunStatus status =
        info.status == RunStatus::Queued ? RunStatus::Queued : RunStatus::Running;
    Statement s(db,
                "INSERT INTO runs (name, kind, status, config_yaml, config_hash, seed, "
                "environment, started_at, note, total_steps, last_step, owner_pid, owner_host, "
                "owner_token, heartbeat_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                "?12, ?13, ?14, CAST(strftime('%s', 'now') AS INTEGER))",
                op);
    s.bind(1, info.name).bind(2, info.kind).bind(3, toString(status)).bind(4, info.configYaml);
    s.bind(5, info.configHash).bind(6, static_cast<int64_t>(info.seed)).bind(7, info.environment);
    s.bind(8, runstore::nowIso8601()).bind(9, info.note).bind(10, info.totalSteps);
    s.bind(11, info.lastStep);
    bindOwner(s, 12);
    s.execute();
    const int64_t id = db.lastInsertId();
    if (info.name.empty()) {
        Statement name(db, "UPDATE runs SET name = ?2 WHERE id = ?1", op);
        name.bind(1, id).bind(2, info.kind + "-" + std::to_string(id));
        name.execute();
    }
    tx.commit();
    return id;
}

void RunStore::setStatus(int64_t runId, RunStatus status, const std::string &error)
{
    const bool running = status == RunStatus::Running;
    const std::string now = runstore::nowIso8601();
    updateRun(m_impl->db, runId,
              "UPDATE runs SET "
              "started_at = CASE WHEN ?5 AND status = 'queued' THEN ?4 ELSE started_at END, "
              "status = ?2, error = ?3, ended_at = CASE WHEN ?6 THEN ?4 ELSE '' END, "
              "owner_pid = CASE WHEN ?5 THEN ?7 ELSE owner_pid END, "
              "owner_host = CASE WHEN ?5 THEN ?8 ELSE owner_host END, "
              "owner_token = CASE WHEN ?5 THEN ?9 ELSE owner_token END, "
              "heartbeat_at = CASE WHEN ?5 THEN CAST(strftime('%s', 'now') AS INTEGER) "
              "ELSE heartbeat_at END WHERE id = ?1",
              "setting the status of run " + std::to_string(runId), [&](Statement &s) {
                  s.bind(2, toString(status)).bind(3, error).bind(4, now);
                  s.bind(5, int64_t(running)).bind(6, int64_t(isTerminal(status)));
                  bindOwner(s, 7);
              });
}

void RunStore::claimRun(int64_t runId)
{
    const std::string op = "claiming run " + std::to_string(runId);
    Connection &db = m_impl->db;
    WriteTransaction tx(db, op);
    {
        Statement s(db, "SELECT status, owner_pid, owner_host, owner_token FROM runs WHERE id = ?1",
                    op);
        s.bind(1, runId);
        if (!s.step())
            runstore::throwNoRun(db, runId);
        const runstore::ProcessIdentity &self = runstore::currentProcess();
        const int64_t pid = s.int64At(1);
        const std::string host = s.textAt(2), token = s.textAt(3);
        const bool mine = pid == self.pid && host == self.host && token == self.token;
        const std::string status = s.textAt(0);
        if (status == "running" && !mine &&
            runstore::ownerLiveness(pid, host, token) != runstore::Liveness::Dead)
            throw Error("cannot resume run " + std::to_string(runId) + " in " + db.path() +
                        ": it is running in process " + std::to_string(pid) +
                        (host.empty() ? std::string() : " on " + host) +
                        " (claimed by it, or not yet found dead); stop that process first");
        if (status != "running" && status != "interrupted" && status != "cancelled")
            throw Error("cannot resume run " + std::to_string(runId) + " in " + db.path() +
                        ": it is " + status +
                        "; only interrupted or cancelled runs can be resumed");
    }
    Statement s(db,
                "UPDATE runs SET status = 'running', ended_at = '', error = '', owner_pid = ?2, "
                "owner_host = ?3, owner_token = ?4, "
                "heartbeat_at = CAST(strftime('%s', 'now') AS INTEGER) WHERE id = ?1",
                op);
    s.bind(1, runId);
    bindOwner(s, 2);
    s.execute();
    tx.commit();
}

void RunStore::heartbeat(int64_t runId)
{
    updateRun(m_impl->db, runId,
              "UPDATE runs SET heartbeat_at = CAST(strftime('%s', 'now') AS INTEGER) WHERE id = ?1",
              "recording the heartbeat of run " + std::to_string(runId), [](Statement &) {});
}

void RunStore::setProgress(int64_t runId, int64_t lastStep, int64_t totalSteps)
{
    updateRun(m_impl->db, runId, "UPDATE runs SET last_step = ?2, total_steps = ?3 WHERE id = ?1",
              "setting the progress of run " + std::to_string(runId),
              [&](Statement &s) { s.bind(2, lastStep).bind(3, totalSteps); });
}

void RunStore::setParams(int64_t runId,
                         const std::vector<std::pair<std::string, std::string>> &params)
{
    const std::string op = "setting the parameters of run " + std::to_string(runId);
    Connection &db = m_impl->db;
    WriteTransaction tx(db, op);
    requireRun(db, runId, op);
    Statement s(db,
                "INSERT INTO params (run_id, key, value) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                op);
    for (const auto &[key, value] : params) {
        s.bind(1, runId).bind(2, key).bind(3, value);
        s.execute();
    }
    tx.commit();
}

void RunStore::logMetrics(int64_t runId, const std::vector<MetricPoint> &points)
{
    if (points.empty())
        return;
    const std::string op = "logging metrics of run " + std::to_string(runId);
    for (const MetricPoint &p : points) {
        if (p.key.empty())
            throw Error(op + " in " + path() + ": a metric key is empty");
    }
    Connection &db = m_impl->db;
    WriteTransaction tx(db, op);
    requireRun(db, runId, op);
    Statement insert(db,
                     "INSERT INTO metrics (run_id, key, step, wall_ms, value) "
                     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, key, step) DO UPDATE SET "
                     "wall_ms = excluded.wall_ms, value = excluded.value",
                     op);
    SummaryTable table(db, op);
    std::map<std::string, SummaryState> summaries;
    for (const MetricPoint &p : points) {
        auto it = summaries.find(p.key);
        if (it == summaries.end())
            it = summaries.emplace(p.key, table.load(runId, p.key)).first;
        applyPoint(it->second, p, metricHigherIsBetter(p.key));
        insert.bind(1, runId).bind(2, p.key).bind(3, p.step).bind(4, p.wallMs).bind(5, p.value);
        insert.execute();
    }
    for (auto &[key, state] : summaries) {
        if (state.dirty)
            state = computeSummary(db, runId, key, op);
        table.write(runId, key, state);
    }
    tx.commit();
}

void RunStore::logEval(int64_t runId, const EvalRecord &eval)
{
    const std::string op = "logging an evaluation of run " + std::to_string(runId);
    Connection &db = m_impl->db;
    WriteTransaction tx(db, op);
    requireRun(db, runId, op);
    Statement s(db,
                "INSERT INTO evals (run_id, split, step, epoch, accuracy, f1, loss, tn, fp, fn, "
                "tp, wall_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                "ON CONFLICT (run_id, split, step) DO UPDATE SET epoch = excluded.epoch, "
                "accuracy = excluded.accuracy, f1 = excluded.f1, loss = excluded.loss, "
                "tn = excluded.tn, fp = excluded.fp, fn = excluded.fn, tp = excluded.tp, "
                "wall_ms = excluded.wall_ms",
                op);
    s.bind(1, runId).bind(2, eval.split).bind(3, eval.step).bind(4, eval.epoch);
    s.bind(5, eval.accuracy).bind(6, eval.f1).bind(7, eval.loss);
    for (int i = 0; i < 4; ++i)
        s.bind(8 + i, eval.confusion[static_cast<size_t>(i)]);
    s.bind(12, eval.wallMs);
    s.execute();
    recomputeAccuracies(db, runId, op);
    tx.commit();
}

void RunStore::logPredictions(int64_t runId, const std::string &split, int64_t step,
                              const std::vector<PredictionRow> &rows)
{
    const std::string op = "logging predictions of run " + std::to_string(runId);
    Connection &db = m_impl->db;
    WriteTransaction tx(db, op);
    requireRun(db, runId, op);
    Statement clear(db, "DELETE FROM predictions WHERE run_id = ?1 AND split = ?2 AND step = ?3",
                    op);
    clear.bind(1, runId).bind(2, split).bind(3, step);
    clear.execute();
    Statement insert(db,
                     "INSERT INTO predictions (run_id, split, step, example_index, label, "
                     "predicted, prob_positive) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                     op);
    insert.bind(1, runId).bind(2, split).bind(3, step);
    for (const PredictionRow &r : rows) {
        insert.bind(4, r.index).bind(5, r.label).bind(6, r.predicted).bind(7, r.probPositive);
        insert.execute();
    }
    tx.commit();
}

void RunStore::addCheckpoint(int64_t runId, const CheckpointRecord &ckpt)
{
    const std::string op = "recording a checkpoint of run " + std::to_string(runId);
    Connection &db = m_impl->db;
    WriteTransaction tx(db, op);
    requireRun(db, runId, op);
    Statement s(db,
                "INSERT INTO checkpoints (run_id, kind, step, path, metric, saved_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (run_id, kind) DO UPDATE SET "
                "step = excluded.step, path = excluded.path, metric = excluded.metric, "
                "saved_at = excluded.saved_at",
                op);
    s.bind(1, runId).bind(2, ckpt.kind).bind(3, ckpt.step).bind(4, ckpt.path);
    s.bind(5, ckpt.metric).bind(6, runstore::nowIso8601());
    s.execute();
    tx.commit();
}

void RunStore::logEvent(int64_t runId, const std::string &level, const std::string &message)
{
    const std::string op = "logging an event of run " + std::to_string(runId);
    Connection &db = m_impl->db;
    WriteTransaction tx(db, op);
    requireRun(db, runId, op);
    Statement s(db, "INSERT INTO events (run_id, time, level, message) VALUES (?1, ?2, ?3, ?4)",
                op);
    s.bind(1, runId).bind(2, runstore::nowIso8601()).bind(3, level).bind(4, message);
    s.execute();
    tx.commit();
}

void RunStore::renameRun(int64_t runId, const std::string &name)
{
    updateRun(m_impl->db, runId, "UPDATE runs SET name = ?2 WHERE id = ?1",
              "renaming run " + std::to_string(runId), [&](Statement &s) { s.bind(2, name); });
}

void RunStore::setNote(int64_t runId, const std::string &note)
{
    updateRun(m_impl->db, runId, "UPDATE runs SET note = ?2 WHERE id = ?1",
              "setting the note of run " + std::to_string(runId),
              [&](Statement &s) { s.bind(2, note); });
}

void RunStore::deleteRun(int64_t runId)
{
    updateRun(m_impl->db, runId, "DELETE FROM runs WHERE id = ?1",
              "deleting run " + std::to_string(runId), [](Statement &) {});
}

void RunStore::deleteMetricsAfter(int64_t runId, int64_t step)
{
    const std::string op =
        "dropping metrics after step " + std::to_string(step) + " of run " + std::to_string(runId);
    Connection &db = m_impl->db;
    WriteTransaction tx(db, op);
    requireRun(db, runId, op);
    for (const char *sql : {"DELETE FROM metrics WHERE run_id = ?1 AND step > ?2",
                            "DELETE FROM evals WHERE run_id = ?1 AND step > ?2",
                            "DELETE FROM predictions WHERE run_id = ?1 AND step > ?2",
                            "UPDATE runs SET last_step = MIN(last_step, ?2) WHERE id = ?1"}) {
        Statement s(db, sql, op);
        s.bind(1, runId).bind(2, step);
        s.execute();
    }
    {
        Statement clear(db, "DELETE FROM metric_summary WHERE run_id = ?1", op);
        clear.bind(1, runId);
        clear.execute();
    }
    std::vector<std::string> keys;
    {
        Statement s(db, "SELECT DISTINCT key FROM metrics WHERE run_id = ?1", op);
        s.bind(1, runId);
        while (s.step())
            keys.push_back(s.textAt(0));
    }
    SummaryTable table(db, op);
    for (const std::string &key : keys)
        table.write(runId, key, computeSummary(db, runId, key, op));
    recomputeAccuracies(db, runId, op);
    tx.commit();
}

} // namespace sentilab
