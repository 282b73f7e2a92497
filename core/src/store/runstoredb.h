#pragma once
// Internal plumbing of RunStore: small RAII wrappers over the SQLite C API, the schema and its
// migrations, the owner-process identity used to detect runs left 'running' by a dead process,
// and RunStore::Impl. Not a public header: only the runstore*.cpp files include it.
#include <sentilab/runstore.h>

#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace sentilab::runstore {

// One SQLite connection. Every error becomes a sentilab::Error naming the file, the operation and
// the statement, with a hint for the common causes (full disk, read-only, corrupt, locked).
class Connection
{
public:
    Connection() = default;
    explicit Connection(const std::string &path); // opens read-write, creating the file
    Connection(Connection &&other) noexcept;
    Connection &operator=(Connection &&other) noexcept;
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;
    ~Connection();

    sqlite3 *handle() const { return m_db; }
    const std::string &path() const { return m_path; }
    int64_t changes() const;      // rows changed by the latest INSERT/UPDATE/DELETE
    int64_t lastInsertId() const; // rowid of the latest INSERT

    // Runs SQL that returns no rows we need (may hold several statements).
    void exec(const char *sql, const std::string &operation);
    // Throws for SQLite result code `rc`; `sql` is the statement at fault (may be empty).
    [[noreturn]] void fail(int rc, const std::string &operation, const std::string &sql) const;

private:
    sqlite3 *m_db = nullptr;
    std::string m_path;
};

// A prepared statement, finalised on destruction. Parameters are 1-based, columns 0-based.
class Statement
{
public:
    Statement(Connection &db, const char *sql, const std::string &operation);
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    ~Statement();

    Statement &bind(int index, int64_t value);
    Statement &bind(int index, double value); // NaN binds NULL
    Statement &bind(int index, const std::string &value);
    Statement &bindNull(int index);

    bool step();    // true while a row is available; throws on errors
    void execute(); // steps to completion, then resets for reuse with new bindings
    void reset();   // ready to run again; bindings are kept until rebound

    bool isNull(int column) const;
    int64_t int64At(int column) const;
    double doubleAt(int column) const; // NULL reads as NaN
    std::string textAt(int column) const;

private:
    Connection &m_db;
    sqlite3_stmt *m_stmt = nullptr;
    std::string m_operation;
};

// BEGIN IMMEDIATE on construction (the write lock is taken up front, so a busy database is waited
// for via busy_timeout instead of failing mid-transaction); ROLLBACK on destruction unless commit()
// succeeded.
class WriteTransaction
{
public:
    WriteTransaction(Connection &db, const std::string &operation);
    WriteTransaction(const WriteTransaction &) = delete;
    WriteTransaction &operator=(const WriteTransaction &) = delete;
    ~WriteTransaction();
    void commit();

private:
    Connection &m_db;
    std::string m_operation;
    bool m_open = false;
};

// Connection settings (WAL, busy_timeout, foreign keys), then creates or migrates the schema to
// `targetVersion`. Throws for a foreign or newer database.
void prepareDatabase(Connection &db, int targetVersion);

// Who owns a running run: pid, host name and a token that changes when the pid is reused or the
// machine reboots (Linux: boot id + process start time; elsewhere empty).
struct ProcessIdentity
{
    int64_t pid = 0;
    std::string host;
    std::string token;
};

const ProcessIdentity &currentProcess();

enum class Liveness { Alive, Dead, Unknown };
// Alive/Dead for an owner on this host; Unknown for another host (it cannot be checked from here).
Liveness ownerLiveness(int64_t pid, const std::string &host, const std::string &token);

// Now as ISO-8601 UTC with milliseconds: "2024-05-01T12:34:56.789Z".
std::string nowIso8601();

// Throws sentilab::Error "no run N in <db>".
[[noreturn]] void throwNoRun(const Connection &db, int64_t runId);

} // namespace sentilab::runstore

namespace sentilab {

struct RunStore::Impl
{
    runstore::Connection db;
};

} // namespace sentilab
