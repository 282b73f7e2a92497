#pragma once
// Finding files already in the Hugging Face cache (see sentilab/hubclient.h for the layout), the
// way a person who used Python's transformers or `sentilab-cli download` has them.
#include <string>
#include <vector>

#include <sentilab/hubclient.h>

namespace sentilab {

// The hub ids distilbert-base-uncased has had: its old id first, then the current canonical one
// (the hub renamed it; recent transformers versions fetch
// models--distilbert--distilbert-base-uncased).
const std::vector<std::string> &distilBertRepoIds();
// The SST-2 split SentiLab trains on: "SetFit/sst2" (train.jsonl, validation.jsonl, test.jsonl).
const char *sst2RepoId();

struct SnapshotSearch
{
    std::string dir;                 // the newest complete snapshot folder; "" when none
    std::string repo;                // the repo id it belongs to; "" when none
    std::vector<std::string> looked; // one line per place looked at that did not qualify
};

// Searches <cacheRoot>/{models|datasets}--<repo>/snapshots/* of every id in `repoIds` for the
// snapshots that hold every file of `requiredFiles` (each entry one repo path or alternatives
// separated by '|', e.g. "model.safetensors|pytorch_model.bin"; symlinks must resolve to a
// file) and returns the newest of them: the latest modification time of the snapshot folder and
// its required files (link or blob) wins, ties go to the snapshot refs/main names, then to the
// later name. Never throws; an unreadable cache is reported in `looked`.
SnapshotSearch findCachedSnapshot(const std::string &cacheRoot,
                                  const std::vector<std::string> &repoIds, RepoKind kind,
                                  const std::vector<std::string> &requiredFiles);

// The same in the default cache (hubCacheDir(HubOptions{}): HF_HUB_CACHE, HF_HOME, ...); when no
// cache can be located, `looked` says why.
SnapshotSearch findCachedSnapshot(const std::vector<std::string> &repoIds, RepoKind kind,
                                  const std::vector<std::string> &requiredFiles);

} // namespace sentilab
