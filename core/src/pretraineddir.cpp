// Finding the pre-trained distilbert-base-uncased weights: an explicit folder, else the Hugging
// Face cache layout that Python's transformers and `sentilab-cli download` share.
#include <sentilab/experimentconfig.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sentilab/error.h>

namespace fs = std::filesystem;

namespace sentilab {
namespace {

std::string trimmedLine(const std::string &text)
{
    const auto begin = text.find_first_not_of(" \t\r\n");
    const auto end = text.find_last_not_of(" \t\r\n");
    return begin == std::string::npos ? std::string() : text.substr(begin, end - begin + 1);
}

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

    std::vector<std::string> looked;
    fs::path hfHome;
    if (const char *env = std::getenv("HF_HOME"); env && *env) {
        hfHome = env;
    } else if (const char *home = std::getenv("HOME"); home && *home) {
        hfHome = fs::path(home) / ".cache" / "huggingface";
    } else {
        looked.push_back("the Hugging Face cache: neither HF_HOME nor HOME is set");
    }
    if (!hfHome.empty()) {
        const fs::path repo = hfHome / "hub" / "models--distilbert-base-uncased";
        const fs::path snapshots = repo / "snapshots";
        std::error_code ec;
        std::ifstream refFile(repo / "refs" / "main");
        std::string revision;
        if (refFile && std::getline(refFile, revision) && !trimmedLine(revision).empty()) {
            const fs::path dir = snapshots / trimmedLine(revision);
            const std::string why = incompleteModelDir(dir);
            if (why.empty())
                return dir.string();
            looked.push_back(dir.string() + " (named by refs/main) " + why);
        } else {
            looked.push_back((repo / "refs" / "main").string() + " is missing");
        }
        std::vector<fs::path> candidates;
        if (fs::is_directory(snapshots, ec)) {
            for (const auto &entry : fs::directory_iterator(snapshots, ec))
                candidates.push_back(entry.path());
        }
        std::sort(candidates.begin(), candidates.end());
        if (candidates.empty())
            looked.push_back(snapshots.string() + " has no snapshots");
        for (const fs::path &dir : candidates) {
            const std::string why = incompleteModelDir(dir);
            if (why.empty())
                return dir.string();
            looked.push_back(dir.string() + " " + why);
        }
    }
    std::string message =
        "pre-trained distilbert-base-uncased weights not found; model.pretrained_dir "
        "is empty, so the Hugging Face cache was searched:";
    for (const std::string &place : looked)
        message += "\n  " + place;
    message += "\n";
    message += kHowToGetWeights;
    throw Error(message);
}

} // namespace sentilab
