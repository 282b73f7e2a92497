// RunStore: data-efficiency studies and their cells (schema v5 tables `studies`, `study_cells`).
#include <sentilab/error.h>

#include "runstoredb.h"

namespace sentilab {
namespace {

[[noreturn]] void throwNoStudy(const runstore::Connection &db, int64_t studyId)
{
    throw Error("no study " + std::to_string(studyId) + " in " + db.path() +
                " (sentilab-cli study status lists the studies)");
}

StudyRecord studyAt(const runstore::Statement &s)
{
    StudyRecord r;
    r.id = s.int64At(0);
    r.name = s.textAt(1);
    r.configYaml = s.textAt(2);
    r.sourcePath = s.textAt(3);
    r.trainSplitSize = s.int64At(4);
    r.cancelled = s.int64At(5) != 0;
    r.createdAt = s.textAt(6);
    return r;
}

constexpr const char *kStudyColumns =
    "SELECT id, name, config_yaml, source_path, train_split_size, cancelled, created_at FROM "
    "studies";

void requireStudy(runstore::Connection &db, int64_t studyId, const std::string &op)
{
    runstore::Statement s(db, "SELECT 1 FROM studies WHERE id = ?1", op);
    s.bind(1, studyId);
    if (!s.step())
        throwNoStudy(db, studyId);
}

} // namespace

int64_t RunStore::createStudy(const StudyRecord &study, const std::vector<StudyCell> &cells)
{
    const std::string op = "creating the study '" + study.name + "'";
    runstore::Connection &db = m_impl->db;
    runstore::WriteTransaction tx(db, op);
    runstore::Statement s(db,
                          "INSERT INTO studies (name, config_yaml, source_path, train_split_size, "
                          "cancelled, created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5)",
                          op);
    s.bind(1, study.name).bind(2, study.configYaml).bind(3, study.sourcePath);
    s.bind(4, study.trainSplitSize).bind(5, runstore::nowIso8601());
    s.execute();
    const int64_t id = db.lastInsertId();
    runstore::Statement cell(db,
                             "INSERT INTO study_cells (study_id, cell, kind, train_size, seed, "
                             "steps, config_yaml) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                             op);
    for (const StudyCell &c : cells) {
        cell.bind(1, id).bind(2, c.index).bind(3, c.kind).bind(4, c.trainSize);
        cell.bind(5, static_cast<int64_t>(c.seed)).bind(6, c.steps).bind(7, c.configYaml);
        cell.execute();
    }
    tx.commit();
    return id;
}

std::vector<StudyRecord> RunStore::listStudies() const
{
    runstore::Statement s(m_impl->db, (std::string(kStudyColumns) + " ORDER BY id DESC").c_str(),
                          "listing studies");
    std::vector<StudyRecord> out;
    while (s.step())
        out.push_back(studyAt(s));
    return out;
}

StudyRecord RunStore::study(int64_t studyId) const
{
    runstore::Statement s(m_impl->db, (std::string(kStudyColumns) + " WHERE id = ?1").c_str(),
                          "reading study " + std::to_string(studyId));
    s.bind(1, studyId);
    if (!s.step())
        throwNoStudy(m_impl->db, studyId);
    return studyAt(s);
}

std::vector<StudyCell> RunStore::studyCells(int64_t studyId) const
{
    const std::string op = "reading the cells of study " + std::to_string(studyId);
    requireStudy(m_impl->db, studyId, op);
    runstore::Statement s(m_impl->db,
                          "SELECT cell, kind, train_size, seed, steps, config_yaml, run_id FROM "
                          "study_cells WHERE study_id = ?1 ORDER BY cell",
                          op);
    s.bind(1, studyId);
    std::vector<StudyCell> out;
    while (s.step()) {
        StudyCell c;
        c.index = s.int64At(0);
        c.kind = s.textAt(1);
        c.trainSize = s.int64At(2);
        c.seed = static_cast<uint64_t>(s.int64At(3));
        c.steps = s.int64At(4);
        c.configYaml = s.textAt(5);
        c.runId = s.isNull(6) ? 0 : s.int64At(6);
        out.push_back(std::move(c));
    }
    return out;
}

void RunStore::setStudyCellRun(int64_t studyId, int64_t cellIndex, int64_t runId)
{
    const std::string op = "tagging run " + std::to_string(runId) + " as cell " +
                           std::to_string(cellIndex) + " of study " + std::to_string(studyId);
    runstore::Connection &db = m_impl->db;
    runstore::WriteTransaction tx(db, op);
    {
        runstore::Statement exists(db, "SELECT 1 FROM runs WHERE id = ?1", op);
        exists.bind(1, runId);
        if (!exists.step())
            runstore::throwNoRun(db, runId);
    }
    runstore::Statement s(
        db, "UPDATE study_cells SET run_id = ?3 WHERE study_id = ?1 AND cell = ?2", op);
    s.bind(1, studyId).bind(2, cellIndex).bind(3, runId);
    s.execute();
    if (db.changes() == 0)
        throw Error("study " + std::to_string(studyId) + " in " + db.path() + " has no cell " +
                    std::to_string(cellIndex));
    tx.commit();
}

void RunStore::setStudyCancelled(int64_t studyId, bool cancelled)
{
    const std::string op =
        std::string(cancelled ? "cancelling" : "resuming") + " study " + std::to_string(studyId);
    runstore::Connection &db = m_impl->db;
    runstore::WriteTransaction tx(db, op);
    runstore::Statement s(db, "UPDATE studies SET cancelled = ?2 WHERE id = ?1", op);
    s.bind(1, studyId).bind(2, int64_t(cancelled ? 1 : 0));
    s.execute();
    if (db.changes() == 0)
        throwNoStudy(db, studyId);
    tx.commit();
}

std::optional<std::pair<int64_t, int64_t>> RunStore::studyCellOfRun(int64_t runId) const
{
    runstore::Statement s(m_impl->db, "SELECT study_id, cell FROM study_cells WHERE run_id = ?1",
                          "finding the study of run " + std::to_string(runId));
    s.bind(1, runId);
    if (!s.step())
        return std::nullopt;
    return std::pair{s.int64At(0), s.int64At(1)};
}

void RunStore::deleteStudy(int64_t studyId)
{
    const std::string op = "deleting study " + std::to_string(studyId);
    runstore::Connection &db = m_impl->db;
    runstore::WriteTransaction tx(db, op);
    runstore::Statement s(db, "DELETE FROM studies WHERE id = ?1", op);
    s.bind(1, studyId);
    s.execute();
    if (db.changes() == 0)
        throwNoStudy(db, studyId);
    tx.commit();
}

} // namespace sentilab
