// RunStore: notes of comparisons (schema v2 table `comparisons`) and cached embedding maps
// (schema v4 table `embedding_maps`).
#include <algorithm>

#include <nlohmann/json.hpp>

#include <sentilab/error.h>

#include "runstoredb.h"

namespace sentilab {
namespace {

std::string comparisonKey(std::vector<int64_t> ids)
{
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::string key;
    for (const int64_t id : ids)
        key += (key.empty() ? "" : ",") + std::to_string(id);
    return key;
}

} // namespace

void RunStore::saveComparison(const ComparisonNotes &notes)
{
    if (notes.runIds.empty())
        throw Error("saving a comparison needs at least one run id");
    const std::string key = comparisonKey(notes.runIds);
    const std::string op = "saving the comparison of runs " + key;
    runstore::Connection &db = m_impl->db;
    runstore::WriteTransaction tx(db, op);
    runstore::Statement s(db,
                          "INSERT INTO comparisons (run_ids, discussion, sentences, updated_at) "
                          "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(run_ids) DO UPDATE SET "
                          "discussion = excluded.discussion, sentences = excluded.sentences, "
                          "updated_at = excluded.updated_at",
                          op);
    s.bind(1, key).bind(2, notes.discussion).bind(3, nlohmann::json(notes.sentences).dump());
    s.bind(4, runstore::nowIso8601());
    s.execute();
    tx.commit();
}

std::optional<ComparisonNotes> RunStore::comparison(std::vector<int64_t> runIds) const
{
    const std::string key = comparisonKey(runIds);
    runstore::Statement s(
        m_impl->db, "SELECT discussion, sentences, updated_at FROM comparisons WHERE run_ids = ?1",
        "reading the comparison of runs " + key);
    s.bind(1, key);
    if (!s.step())
        return std::nullopt;
    ComparisonNotes notes;
    std::sort(runIds.begin(), runIds.end());
    runIds.erase(std::unique(runIds.begin(), runIds.end()), runIds.end());
    notes.runIds = runIds;
    notes.discussion = s.textAt(0);
    try {
        notes.sentences = nlohmann::json::parse(s.textAt(1)).get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception &) {
        // A hand-edited or damaged row: keep the discussion, drop the unreadable sentence list.
    }
    notes.updatedAt = s.textAt(2);
    return notes;
}

void RunStore::saveEmbeddingMap(int64_t runId, const std::string &checkpoint, int64_t step,
                                const std::string &json)
{
    const std::string op = "saving the embedding map of run " + std::to_string(runId);
    runstore::Connection &db = m_impl->db;
    runstore::WriteTransaction tx(db, op);
    runstore::Statement s(db,
                          "INSERT INTO embedding_maps (run_id, checkpoint, step, data, created_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(run_id, checkpoint, step) DO "
                          "UPDATE SET data = excluded.data, created_at = excluded.created_at",
                          op);
    s.bind(1, runId).bind(2, checkpoint).bind(3, step).bind(4, json);
    s.bind(5, runstore::nowIso8601());
    s.execute();
    tx.commit();
}

std::optional<std::string> RunStore::embeddingMap(int64_t runId, const std::string &checkpoint,
                                                  int64_t step) const
{
    runstore::Statement s(m_impl->db,
                          "SELECT data FROM embedding_maps WHERE run_id = ?1 AND checkpoint = ?2 "
                          "AND step = ?3",
                          "reading the embedding map of run " + std::to_string(runId));
    s.bind(1, runId).bind(2, checkpoint).bind(3, step);
    if (!s.step())
        return std::nullopt;
    return s.textAt(0);
}

} // namespace sentilab
