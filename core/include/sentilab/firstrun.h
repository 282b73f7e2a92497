#pragma once
// What an experiment needs from the Hugging Face hub that this machine does not have yet, for the
// first-run message of the CLI and the first-run dialog of the desktop app.
#include <cstdint>
#include <string>
#include <vector>

#include <sentilab/experimentconfig.h>
#include <sentilab/hubclient.h>

namespace sentilab {

struct NeededDownload
{
    std::string what; // "SST-2 dataset", "tokenizer and configuration", ...
    std::string repo; // hub id to fetch, e.g. "SetFit/sst2"
    RepoKind kind = RepoKind::Model;
    std::vector<std::string> files; // repo paths to fetch (HubOptions::files); empty = the
                                    // defaults of downloadRepo()
    int64_t approxBytes = 0;        // about this much is downloaded (bytes)
    std::string cacheDir;           // where it will be stored (repoCacheDir()); "" when no cache
                                    // can be located (then `detail` says why)
    std::string command;            // the sentilab-cli command that fetches exactly this
    std::string instead;            // how to use files already elsewhere (the YAML key / setting)
    std::string detail;             // where SentiLab looked (core's message), several lines
};

// The downloads `config` still needs, in the order to fetch them: the SST-2 dataset (when
// data.dir, $SENTILAB_DATA_DIR and $SENTILAB_SHARED_DIR are unset and the HF cache has no
// complete SetFit/sst2 snapshot); for a scratch run without model.config_json the tokenizer and
// configuration of distilbert-base-uncased (config.json + vocab.txt, about 0.2 MB: never the
// weights); for a fine-tune with model.pretrained_dir empty the pre-trained weights (268 MB).
// A folder that is set but wrong is not a download: the run reports that itself. File-system
// checks only; never throws.
std::vector<NeededDownload> missingDownloads(const ExperimentConfig &config);

// A size for people: "268 MB", "1.5 MB", "230 kB".
std::string formatApproxBytes(int64_t bytes);

// The CLI's first-run text for `missing` (non-empty): what is missing, its size, where it goes
// and the sentilab-cli download commands, one block per item. No trailing newline.
std::string firstRunMessage(const std::vector<NeededDownload> &missing);

} // namespace sentilab
