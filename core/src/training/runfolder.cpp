// Where a run's checkpoints live on disk, and proving a folder is a run's own before deleting it.
#include <sentilab/training.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include <sentilab/boundedjson.h>
#include <sentilab/error.h>
#include <sentilab/textexcerpt.h>

#include "hfcheckpoint.h"

namespace fs = std::filesystem;

namespace sentilab {
namespace {

constexpr const char *kMarkerName = "sentilab-run.json";

// Why `folder` is not provably run `runId`'s own folder in the store at `dbPath`; empty when it is.
std::string notOwnFolder(const fs::path &folder, int64_t runId, const std::string &dbPath)
{
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(folder, ec);
    if (ec || !fs::exists(status))
        return "it does not exist";
    if (fs::is_symlink(status))
        return "it is a symbolic link";
    if (!fs::is_directory(status))
        return "it is not a folder";
    if (folder.filename() != "run-" + std::to_string(runId))
        return "its name is not run-" + std::to_string(runId);
    const fs::path marker = folder / kMarkerName;
    std::ifstream in(marker, std::ios::binary);
    if (!in)
        return "it has no " + std::string(kMarkerName) + " naming this run and database";
    try {
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        const nlohmann::json json = parseJson(text.substr(0, 64 * 1024), marker.string());
        if (!json.is_object() || json.value("run_id", int64_t(-1)) != runId ||
            json.value("database", std::string()) != absolutePath(dbPath))
            return "its " + std::string(kMarkerName) + " names another run or database";
    } catch (const std::exception &) {
        return "its " + std::string(kMarkerName) + " is unreadable";
    }
    return {};
}

} // namespace

std::string absolutePath(const std::string &path)
{
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec);
    if (ec)
        return fs::path(path).lexically_normal().string();
    const fs::path canonical = fs::weakly_canonical(absolute, ec);
    return (ec ? absolute.lexically_normal() : canonical).string();
}

std::string defaultCheckpointRoot(const std::string &dbPath)
{
    return (fs::path(absolutePath(dbPath)).parent_path() / "checkpoints").string();
}

std::string runCheckpointDir(const std::string &checkpointRoot, int64_t runId)
{
    return (fs::path(absolutePath(checkpointRoot)) / ("run-" + std::to_string(runId))).string();
}

void writeRunFolderMarker(const std::string &runDir, int64_t runId, const std::string &dbPath)
{
    std::error_code ec;
    fs::create_directories(runDir, ec);
    if (ec)
        throw Error(runDir + ": cannot create the run's checkpoint folder (" + ec.message() + ")");
    const nlohmann::json marker = {{"run_id", runId}, {"database", absolutePath(dbPath)}};
    writeFileAtomically((fs::path(runDir) / kMarkerName).string(), marker.dump(2) + "\n");
}

std::string checkpointPathOnDisk(const RunStore &store, const std::string &storedPath)
{
    const fs::path stored(storedPath);
    if (stored.is_absolute())
        return storedPath;
    // Databases written before paths were stored absolute: relative to the folder of the
    // database, which is where the default checkpoint root was.
    return (fs::path(absolutePath(store.path())).parent_path() / stored)
        .lexically_normal()
        .string();
}

std::string bestCheckpointDir(const RunStore &store, int64_t runId)
{
    std::string fallback;
    for (const CheckpointRecord &c : store.checkpoints(runId)) {
        const std::string path = checkpointPathOnDisk(store, c.path);
        std::error_code ec;
        if (!fs::exists(fs::path(path) / "config.json", ec))
            continue;
        if (c.kind == "best")
            return path;
        fallback = path;
    }
    if (fallback.empty())
        throw Error(
            "run " + std::to_string(runId) +
            " has no checkpoint on disk yet; train it "
            "until its first evaluation (or check that its checkpoint folder still exists)");
    return fallback;
}

std::vector<std::string> deleteRunWithCheckpoints(RunStore &store, int64_t runId)
{
    std::vector<fs::path> folders;
    for (const CheckpointRecord &c : store.checkpoints(runId)) {
        const fs::path folder = fs::path(checkpointPathOnDisk(store, c.path)).parent_path();
        if (std::find(folders.begin(), folders.end(), folder) == folders.end())
            folders.push_back(folder);
    }
    const std::string dbPath = store.path();
    store.deleteRun(runId);
    std::vector<std::string> notes;
    for (const fs::path &folder : folders) {
        const std::string why = notOwnFolder(folder, runId, dbPath);
        const std::string shown = excerpt(folder.string(), 300);
        if (!why.empty()) {
            notes.push_back("left " + shown + " in place: " + why);
            continue;
        }
        std::error_code ec;
        fs::remove_all(folder, ec); // removes links inside, never what they point to
        notes.push_back(ec ? "could not remove " + shown + " (" + ec.message() + ")"
                           : "removed " + shown);
    }
    return notes;
}

} // namespace sentilab
