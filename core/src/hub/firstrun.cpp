#include <sentilab/firstrun.h>

#include <cstdio>
#include <cstdlib>

#include <sentilab/cachedsnapshot.h>
#include <sentilab/dataset.h>
#include <sentilab/error.h>

namespace sentilab {
namespace {

bool envSet(const char *name)
{
    const char *value = std::getenv(name);
    return value && *value;
}

// The sizes on the hub (SetFit/sst2 and distilbert-base-uncased at the time of writing).
constexpr int64_t kSst2Bytes = 1500000;
constexpr int64_t kArchitectureBytes = 232000;
constexpr int64_t kWeightsBytes = 268000000;

void locate(NeededDownload &d)
{
    try {
        d.cacheDir = repoCacheDir(d.repo, d.kind, HubOptions{});
    } catch (const Error &e) {
        d.detail += (d.detail.empty() ? "" : "\n") + std::string(e.what());
    }
    d.command = std::string("sentilab-cli download ") +
                (d.kind == RepoKind::Dataset ? "dataset " : "model ") + d.repo;
    for (const std::string &f : d.files)
        d.command += " --file " + f;
}

} // namespace

std::vector<NeededDownload> missingDownloads(const ExperimentConfig &config)
{
    std::vector<NeededDownload> missing;
    const bool dataConfigured =
        !config.data.dir.empty() || envSet("SENTILAB_DATA_DIR") || envSet("SENTILAB_SHARED_DIR");
    if (!dataConfigured) {
        std::string problem;
        for (const std::string *name :
             {&config.data.train, &config.data.validation, &config.data.test}) {
            try {
                resolveDataFile(config.data, *name);
            } catch (const Error &e) {
                problem = e.what();
                break;
            }
        }
        if (!problem.empty()) {
            NeededDownload d;
            d.what = "the SST-2 dataset (train, validation and test sentences)";
            d.repo = sst2RepoId();
            d.kind = RepoKind::Dataset;
            d.approxBytes = kSst2Bytes;
            d.instead = "set data.dir (or SENTILAB_DATA_DIR) to a folder with " +
                        config.data.train + ", " + config.data.validation + " and " +
                        config.data.test;
            d.detail = problem;
            locate(d);
            missing.push_back(d);
        }
    }
    if (config.model.init == "scratch" && config.model.configJson.empty()) {
        try {
            resolveArchitectureDir(config.model);
        } catch (const Error &e) {
            NeededDownload d;
            d.what = "the tokenizer and configuration of distilbert-base-uncased (vocab.txt, "
                     "config.json; no weights)";
            d.repo = distilBertRepoIds().front();
            d.files = {"config.json", "vocab.txt"};
            d.approxBytes = kArchitectureBytes;
            d.instead = "set model.config_json and model.vocab to a config.json and vocab.txt";
            d.detail = e.what();
            locate(d);
            missing.push_back(d);
        }
    }
    if (config.model.init == "pretrained" && config.model.pretrainedDir.empty()) {
        try {
            resolvePretrainedDir(config.model);
        } catch (const Error &e) {
            NeededDownload d;
            d.what = "the pre-trained distilbert-base-uncased weights (with its tokenizer and "
                     "configuration)";
            d.repo = distilBertRepoIds().front();
            d.approxBytes = kWeightsBytes;
            d.instead = "set model.pretrained_dir to a folder with config.json, vocab.txt and "
                        "model.safetensors (or pytorch_model.bin)";
            d.detail = e.what();
            locate(d);
            missing.push_back(d);
        }
    }
    return missing;
}

std::string formatApproxBytes(int64_t bytes)
{
    char text[32];
    if (bytes >= 100000000)
        std::snprintf(text, sizeof text, "%.0f MB", double(bytes) / 1e6);
    else if (bytes >= 1000000)
        std::snprintf(text, sizeof text, "%.1f MB", double(bytes) / 1e6);
    else if (bytes >= 1000)
        std::snprintf(text, sizeof text, "%.0f kB", double(bytes) / 1e3);
    else
        std::snprintf(text, sizeof text, "%lld B", static_cast<long long>(bytes));
    return text;
}

std::string firstRunMessage(const std::vector<NeededDownload> &missing)
{
    std::string cache;
    std::string origin;
    try {
        cache = hubCacheDir(HubOptions{});
        origin = hubCacheDirOrigin(HubOptions{});
    } catch (const Error &e) {
        cache = std::string("(none: ") + e.what() + ")";
    }
    int64_t total = 0;
    for (const NeededDownload &d : missing)
        total += d.approxBytes;
    std::string text = "this run needs files that are not on this machine yet (about " +
                       formatApproxBytes(total) + " to download into the Hugging Face cache " +
                       cache + (origin.empty() ? "" : ", from " + origin) + "):";
    for (const NeededDownload &d : missing) {
        text += "\n  - " + d.what + ", about " + formatApproxBytes(d.approxBytes);
        text += "\n      goes to  " + (d.cacheDir.empty() ? std::string("(no cache)") : d.cacheDir);
        text += "\n      get it   " + d.command;
        text += "\n      or       " + d.instead;
    }
    text += "\nRun the download command(s), then this command again. Set HF_HUB_CACHE or HF_HOME "
            "to use another cache; files Python's transformers already fetched there are used.";
    return text;
}

} // namespace sentilab
