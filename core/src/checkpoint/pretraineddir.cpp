// Finding the pre-trained distilbert-base-uncased weights: an explicit folder, else the Hugging
// Face cache layout that Python's transformers and `sentilab-cli download` share.
#include <sentilab/experimentconfig.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sentilab/cachedsnapshot.h>
#include <sentilab/error.h>

namespace fs = std::filesystem;

namespace sentilab {
namespace {

// Empty when `dir` holds a loadable Hugging Face model, else what is missing.
std::string incompleteModelDir(const fs::path &dir)
{
    std::error_code ec;
    if (!fs::exists(dir, ec))
        return "does not exist";
    if (!fs::is_directory(dir, ec))
        return "is not a folder";
    std::vector<std::string> missing;
    if (!fs::is_regular_file(dir / "config.json", ec))
        missing.push_back("config.json");
    if (!fs::is_regular_file(dir / "model.safetensors", ec) &&
        !fs::is_regular_file(dir / "pytorch_model.bin", ec))
        missing.push_back("model.safetensors or pytorch_model.bin");
    if (missing.empty())
        return {};
    std::string s = "has no ";
    for (std::size_t i = 0; i < missing.size(); ++i)
        s += (i ? " and no " : "") + missing[i];
    return s;
}

const char kHowToGetArchitecture[] =
    "Get them (about 0.2 MB, no weights) with \"sentilab-cli download model "
    "distilbert-base-uncased --file config.json --file vocab.txt\", or set model.config_json "
    "and model.vocab.";

const char kHowToGetWeights[] =
    "Get the weights with \"sentilab-cli download model distilbert-base-uncased\", or put "
    "config.json, vocab.txt and model.safetensors (or pytorch_model.bin) of "
    "distilbert-base-uncased "
    "in a folder and set model.pretrained_dir to it.";

} // namespace

std::string resolvePretrainedDir(const ModelOptions &model)
{
    if (!model.pretrainedDir.empty()) {
        const std::string why = incompleteModelDir(model.pretrainedDir);
        if (why.empty())
            return model.pretrainedDir;
        throw Error("model.pretrained_dir '" + model.pretrainedDir + "' " + why +
                    "; it must be a Hugging Face model folder with config.json and "
                    "model.safetensors or pytorch_model.bin. " +
                    kHowToGetWeights);
    }

    const SnapshotSearch found =
        findCachedSnapshot(distilBertRepoIds(), RepoKind::Model,
                           {"config.json", "vocab.txt", "model.safetensors|pytorch_model.bin"});
    if (!found.dir.empty())
        return found.dir;
    const std::vector<std::string> &looked = found.looked;
    std::string message =
        "pre-trained distilbert-base-uncased weights not found; model.pretrained_dir "
        "is empty, so the Hugging Face cache was searched:";
    for (const std::string &place : looked)
        message += "\n  " + place;
    message += "\n";
    message += kHowToGetWeights;
    throw Error(message);
}

std::string resolveArchitectureDir(const ModelOptions &model)
{
    std::error_code ec;
    auto complete = [&ec](const fs::path &dir) {
        return fs::is_regular_file(dir / "config.json", ec) &&
               fs::is_regular_file(dir / "vocab.txt", ec);
    };
    std::vector<std::string> looked;
    if (!model.pretrainedDir.empty()) {
        if (complete(model.pretrainedDir))
            return model.pretrainedDir;
        looked.push_back("model.pretrained_dir " + model.pretrainedDir +
                         ": has no config.json or no vocab.txt");
    }
    // The reference data of a development checkout (tests set SENTILAB_SHARED_DIR).
    std::vector<fs::path> shared;
    if (const char *env = std::getenv("SENTILAB_SHARED_DIR"); env && *env)
        shared.push_back(fs::path(env) / "models" / "distilbert-base-uncased");
    shared.push_back(fs::path("..") / "shared" / "models" / "distilbert-base-uncased");
    for (const fs::path &dir : shared) {
        if (complete(dir))
            return dir.string();
        looked.push_back(dir.string() + ": no config.json and vocab.txt");
    }
    const SnapshotSearch found =
        findCachedSnapshot(distilBertRepoIds(), RepoKind::Model, {"config.json", "vocab.txt"});
    if (!found.dir.empty())
        return found.dir;
    looked.insert(looked.end(), found.looked.begin(), found.looked.end());
    std::string message = "scratch run: the distilbert-base-uncased architecture (config.json) and "
                          "vocabulary (vocab.txt) were not found. Looked at:";
    for (const std::string &place : looked)
        message += "\n  " + place;
    message += "\n";
    message += kHowToGetArchitecture;
    throw Error(message);
}

} // namespace sentilab
