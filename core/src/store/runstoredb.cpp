#include "runstoredb.h"

#include <sentilab/error.h>

#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include <sys/types.h>
#include <unistd.h>

namespace sentilab::runstore {

namespace {

// "SLRS" in PRAGMA application_id marks a file as a SentiLab run store.
constexpr int kApplicationId = 0x534c5253;
constexpr int kBusyTimeoutMs = 5000;

// Schema version 1. REAL columns are nullable because NaN is stored as NULL. Child tables are
// WITHOUT ROWID with the run id leading their key, so cascades and per-run reads use the key.
const char *const kSchemaV1 = R"sql(
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    config_yaml TEXT NOT NULL DEFAULT '',
    config_hash TEXT NOT NULL DEFAULT '',
    seed INTEGER NOT NULL DEFAULT 0,
    environment TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL DEFAULT '',
    ended_at TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    total_steps INTEGER NOT NULL DEFAULT 0,
    last_step INTEGER NOT NULL DEFAULT 0,
    best_val_accuracy REAL DEFAULT -1,
    test_accuracy REAL DEFAULT -1,
    owner_pid INTEGER NOT NULL DEFAULT 0,
    owner_host TEXT NOT NULL DEFAULT '',
    owner_token TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_name ON runs(name);
CREATE INDEX runs_by_status ON runs(status);
CREATE TABLE params (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE TABLE metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    wall_ms REAL,
    value REAL,
    PRIMARY KEY (run_id, key, step)
) WITHOUT ROWID;
CREATE TABLE metric_summary (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    last REAL,
    last_step INTEGER NOT NULL,
    best REAL,
    best_step INTEGER NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE TABLE evals (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    split TEXT NOT NULL,
    step INTEGER NOT NULL,
    epoch REAL,
    accuracy REAL,
    f1 REAL,
    loss REAL,
    tn INTEGER NOT NULL DEFAULT 0,
    fp INTEGER NOT NULL DEFAULT 0,
    fn INTEGER NOT NULL DEFAULT 0,
    tp INTEGER NOT NULL DEFAULT 0,
    wall_ms REAL,
    PRIMARY KEY (run_id, split, step)
) WITHOUT ROWID;
CREATE TABLE predictions (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    split TEXT NOT NULL,
    step INTEGER NOT NULL,
    example_index INTEGER NOT NULL,
    label INTEGER NOT NULL,
    predicted INTEGER NOT NULL,
    prob_positive REAL,
    PRIMARY KEY (run_id, split, step, example_index)
) WITHOUT ROWID;
CREATE TABLE checkpoints (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    step INTEGER NOT NULL,
    path TEXT NOT NULL,
    metric REAL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (run_id, kind)
) WITHOUT ROWID;
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    time TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX events_by_run ON events(run_id, id);
)sql";

struct Migration
{
    int toVersion;
    const char *sql;
};

// Append-only: a released schema is never edited, a change is a new migration.
// v2: notes of a comparison of runs (the report's discussion text and inference sentences).
const char kSchemaV2[] = R"sql(
CREATE TABLE IF NOT EXISTS comparisons (
  run_ids     TEXT PRIMARY KEY,   -- sorted ids joined by ',', e.g. "3,7"
  discussion  TEXT NOT NULL DEFAULT '',
  sentences   TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
  updated_at  TEXT NOT NULL
);
)sql";

// v3: a heartbeat (Unix seconds, the writer's clock) lets a process on another machine that shares
// the database tell a dead owner from a live one.
const char kSchemaV3[] = R"sql(
ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER NOT NULL DEFAULT 0;
)sql";

// v4: cached embedding maps (sentilab/embeddingmap.h), one per checkpoint of a run.
const char kSchemaV4[] = R"sql(
CREATE TABLE IF NOT EXISTS embedding_maps (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  checkpoint  TEXT NOT NULL,       -- the checkpoint folder as stored in `checkpoints`
  step        INTEGER NOT NULL,
  data        TEXT NOT NULL,       -- JSON (embeddingmap.h toJson)
  created_at  TEXT NOT NULL,
  PRIMARY KEY (run_id, checkpoint, step)
);
)sql";

// v5: data-efficiency studies (sentilab/study.h); a cell's run is an ordinary run, untagged when
// the run is deleted and kept when the study is.
const char kSchemaV5[] = R"sql(
CREATE TABLE IF NOT EXISTS studies (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL,
  config_yaml      TEXT NOT NULL,
  source_path      TEXT NOT NULL DEFAULT '',
  train_split_size INTEGER NOT NULL,
  cancelled        INTEGER NOT NULL DEFAULT 0,
  created_at       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS study_cells (
  study_id    INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  cell        INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('finetune', 'scratch')),
  train_size  INTEGER NOT NULL,
  seed        INTEGER NOT NULL,
  steps       INTEGER NOT NULL,
  config_yaml TEXT NOT NULL,
  run_id      INTEGER UNIQUE REFERENCES runs(id) ON DELETE SET NULL,
  PRIMARY KEY (study_id, cell)
);
)sql";

const Migration kMigrations[] = {
    {1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3}, {4, kSchemaV4}, {5, kSchemaV5},
};

// The statement as one line, cut to a readable length, for error messages.
std::string statementHead(const std::string &sql)
{
    std::string out;
    for (char c : sql) {
        const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (space && (out.empty() || out.back() == ' '))
            continue;
        out += space ? ' ' : c;
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    constexpr size_t kMax = 72;
    if (out.size() > kMax)
        out = out.substr(0, kMax) + "...";
    return out;
}

std::string hintFor(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return "; the disk is full: free some space and try again";
    case SQLITE_READONLY:
        return "; the database or its folder is read-only: SentiLab needs write access there "
               "(fix the permissions or point SENTILAB_DB elsewhere)";
    case SQLITE_CANTOPEN:
        return "; check that the folder exists and is writable";
    case SQLITE_CORRUPT:
        return "; the database file is damaged: move it aside (keep it for recovery) and start a "
               "new one";
    case SQLITE_NOTADB:
        return "; this file is not an SQLite database: choose another path or move the file aside";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "; another connection held the database for more than 5 s: retry when it is idle";
    case SQLITE_IOERR:
        return "; the disk reported an I/O error";
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return "; access was denied: check the file's permissions";
    default:
        return {};
    }
}

std::string readFirstLine(const std::string &file)
{
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
}

std::string hostName()
{
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0)
        return {};
    return buf;
}

#ifdef __linux__
std::string bootId()
{
    static const std::string id = readFirstLine("/proc/sys/kernel/random/boot_id");
    return id;
}

struct ProcStat
{
    bool exists = false;
    char state = '?';
    std::string startTime; // clock ticks since boot, as text
};

ProcStat procStat(int64_t pid)
{
    ProcStat result;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    if (!in)
        return result;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Field 2 (comm) is in parentheses and may itself hold spaces and ')'.
    const size_t close = text.rfind(')');
    if (close == std::string::npos)
        return result;
    std::istringstream fields(text.substr(close + 1));
    std::vector<std::string> rest; // rest[0] is field 3 (state), rest[19] field 22 (starttime)
    for (std::string f; fields >> f && rest.size() < 20;)
        rest.push_back(f);
    if (rest.size() < 20)
        return result;
    result.exists = true;
    result.state = rest[0].empty() ? '?' : rest[0][0];
    result.startTime = rest[19];
    return result;
}
#endif

} // namespace

// ---- Connection ----

Connection::Connection(const std::string &path) : m_path(path)
{
    const int rc =
        sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        const std::string detail = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw Error("cannot open run store " + path + ": " + detail + hintFor(rc));
    }
    sqlite3_extended_result_codes(m_db, 1);
    sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
}

Connection::Connection(Connection &&other) noexcept
    : m_db(other.m_db), m_path(std::move(other.m_path))
{
    other.m_db = nullptr;
}

Connection &Connection::operator=(Connection &&other) noexcept
{
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = other.m_db;
        m_path = std::move(other.m_path);
        other.m_db = nullptr;
    }
    return *this;
}

Connection::~Connection()
{
    sqlite3_close_v2(m_db);
}

int64_t Connection::changes() const
{
    return sqlite3_changes(m_db);
}

int64_t Connection::lastInsertId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

void Connection::exec(const char *sql, const std::string &operation)
{
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK)
        fail(rc, operation, sql);
}

void Connection::fail(int rc, const std::string &operation, const std::string &sql) const
{
    std::string detail = sqlite3_errstr(rc);
    if (m_db && sqlite3_extended_errcode(m_db) == rc)
        detail = sqlite3_errmsg(m_db);
    std::string message = "run store " + m_path + ": " + operation + " failed: " + detail;
    if (!sql.empty())
        message += " (in \"" + statementHead(sql) + "\")";
    throw Error(message + hintFor(rc));
}

// ---- Statement ----

Statement::Statement(Connection &db, const char *sql, const std::string &operation)
    : m_db(db), m_operation(operation)
{
    const int rc = sqlite3_prepare_v2(db.handle(), sql, -1, &m_stmt, nullptr);
    if (rc != SQLITE_OK)
        db.fail(rc, operation, sql);
}

Statement::~Statement()
{
    sqlite3_finalize(m_stmt);
}

Statement &Statement::bind(int index, int64_t value)
{
    const int rc = sqlite3_bind_int64(m_stmt, index, value);
    if (rc != SQLITE_OK)
        m_db.fail(rc, m_operation, sqlite3_sql(m_stmt));
    return *this;
}

Statement &Statement::bind(int index, double value)
{
    if (value != value) // NaN: SQLite would store NULL anyway; say so explicitly
        return bindNull(index);
    const int rc = sqlite3_bind_double(m_stmt, index, value);
    if (rc != SQLITE_OK)
        m_db.fail(rc, m_operation, sqlite3_sql(m_stmt));
    return *this;
}

Statement &Statement::bind(int index, const std::string &value)
{
    const int rc = sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8);
    if (rc != SQLITE_OK)
        m_db.fail(rc, m_operation, sqlite3_sql(m_stmt));
    return *this;
}

Statement &Statement::bindNull(int index)
{
    const int rc = sqlite3_bind_null(m_stmt, index);
    if (rc != SQLITE_OK)
        m_db.fail(rc, m_operation, sqlite3_sql(m_stmt));
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    const std::string sql = sqlite3_sql(m_stmt);
    sqlite3_reset(m_stmt);
    m_db.fail(rc, m_operation, sql);
}

void Statement::execute()
{
    while (step()) {
    }
    reset();
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
}

bool Statement::isNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

int64_t Statement::int64At(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::doubleAt(int column) const
{
    if (isNull(column))
        return std::numeric_limits<double>::quiet_NaN();
    return sqlite3_column_double(m_stmt, column);
}

std::string Statement::textAt(int column) const
{
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    if (!text)
        return {};
    return std::string(text, static_cast<size_t>(sqlite3_column_bytes(m_stmt, column)));
}

// ---- transactions ----

WriteTransaction::WriteTransaction(Connection &db, const std::string &operation)
    : m_db(db), m_operation(operation)
{
    m_db.exec("BEGIN IMMEDIATE", operation);
    m_open = true;
}

WriteTransaction::~WriteTransaction()
{
    // After SQLITE_FULL or an I/O error SQLite may already have rolled back on its own.
    if (m_open && !sqlite3_get_autocommit(m_db.handle()))
        sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit()
{
    m_db.exec("COMMIT", m_operation);
    m_open = false;
}

// ---- schema ----

void prepareDatabase(Connection &db, int targetVersion)
{
    const std::string op = "opening";
    if (sqlite3_db_readonly(db.handle(), "main") == 1)
        throw Error("run store " + db.path() +
                    " is read-only: SentiLab needs write access to "
                    "record runs (fix the permissions or point SENTILAB_DB elsewhere)");
    db.exec("PRAGMA foreign_keys = ON", op);
    {
        // The first statement that reads the file: a non-database fails here with SQLITE_NOTADB.
        Statement wal(db, "PRAGMA journal_mode = WAL", op);
        wal.step();
    }
    // In WAL mode NORMAL keeps every commit across a process crash; only power loss may undo
    // the latest commits.
    db.exec("PRAGMA synchronous = NORMAL", op);

    WriteTransaction tx(db, "checking the schema version");
    auto pragmaInt = [&db](const char *sql) {
        Statement s(db, sql, "checking the schema version");
        return s.step() ? s.int64At(0) : int64_t(0);
    };
    const int64_t version = pragmaInt("PRAGMA user_version");
    const int64_t appId = pragmaInt("PRAGMA application_id");
    const int64_t objects = pragmaInt("SELECT count(*) FROM sqlite_master");
    const bool fresh = version == 0 && appId == 0 && objects == 0;
    if (!fresh && appId != kApplicationId)
        throw Error("run store " + db.path() +
                    " is an SQLite database but not a SentiLab run "
                    "store: choose another path (or set SENTILAB_DB)");
    if (version > targetVersion)
        throw Error("run store " + db.path() + " has schema version " + std::to_string(version) +
                    ", newer than this build of SentiLab knows (" + std::to_string(targetVersion) +
                    "): open it with a newer SentiLab, or use another file");
    if (version == targetVersion) {
        tx.commit();
        return;
    }
    for (const Migration &m : kMigrations) {
        if (m.toVersion <= version || m.toVersion > targetVersion)
            continue;
        const std::string step = "migrating the schema to version " + std::to_string(m.toVersion);
        db.exec(m.sql, step);
        db.exec(("PRAGMA user_version = " + std::to_string(m.toVersion)).c_str(), step);
    }
    db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str(),
            "marking the file as a SentiLab run store");
    tx.commit();
}

// ---- process identity ----

const ProcessIdentity &currentProcess()
{
    static const ProcessIdentity self = [] {
        ProcessIdentity id;
        id.pid = static_cast<int64_t>(getpid());
        id.host = hostName();
#ifdef __linux__
        const ProcStat stat = procStat(id.pid);
        if (stat.exists && !bootId().empty())
            id.token = bootId() + "/" + stat.startTime;
#endif
        return id;
    }();
    return self;
}

Liveness ownerLiveness(int64_t pid, const std::string &host, const std::string &token)
{
    if (!host.empty() && host != currentProcess().host)
        return Liveness::Unknown;
    if (pid <= 0 || pid > std::numeric_limits<pid_t>::max())
        return Liveness::Dead;
#ifdef __linux__
    if (!token.empty()) {
        const size_t slash = token.find('/');
        if (token.substr(0, slash) != bootId())
            return Liveness::Dead; // the machine rebooted since
        const ProcStat stat = procStat(pid);
        if (!stat.exists || stat.state == 'Z' || stat.state == 'X')
            return Liveness::Dead;
        return token.substr(slash + 1) == stat.startTime ? Liveness::Alive : Liveness::Dead;
    }
#endif
    if (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)
        return Liveness::Alive;
    return Liveness::Dead;
}

std::string nowIso8601()
{
    using namespace std::chrono;
    const auto now = system_clock::now();
    const std::time_t seconds = system_clock::to_time_t(now);
    const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buf[40];
    const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis));
    return buf;
}

void throwNoRun(const Connection &db, int64_t runId)
{
    throw Error("no run " + std::to_string(runId) + " in " + db.path());
}

} // namespace sentilab::runstore
