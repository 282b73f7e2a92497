#include "hfcheckpoint.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <sentilab/error.h>

namespace fs = std::filesystem;

namespace sentilab {

std::string findWeightsFile(const std::string &dir)
{
    for (const char *name : {"model.safetensors", "pytorch_model.bin"}) {
        const fs::path candidate = fs::path(dir) / name;
        if (fs::is_regular_file(candidate))
            return candidate.string();
    }
    throw Error("no model weights in " + dir +
                ": looked for model.safetensors and "
                "pytorch_model.bin. Download the model (see README, 'Pre-trained weights') or "
                "choose a folder that holds one of them");
}

DistilBertForSequenceClassification loadClassifierFolder(const std::string &dir, LoadReport *report)
{
    const DistilBertConfig config =
        DistilBertConfig::fromFile((fs::path(dir) / "config.json").string());
    const std::string weights = findWeightsFile(dir);
    DistilBertForSequenceClassification model(config);
    model->initWeights();
    LoadReport r = applyStateDict(*model, loadStateDict(weights), weights, {"distilbert."});
    model->eval();
    if (report)
        *report = std::move(r);
    return model;
}

void writeFileAtomically(const std::string &path, const std::string &text)
{
    const std::string tmp = path + ".tmp";
    std::FILE *file = std::fopen(tmp.c_str(), "wb");
    if (!file)
        throw Error(path + ": cannot write (" + std::strerror(errno) + ")");
    const bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size() &&
                    std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
    const int err = errno;
    std::fclose(file);
    if (!ok) {
        std::remove(tmp.c_str());
        throw Error(path + ": write failed (" + std::strerror(err) + "); is the disk full?");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int renameErr = errno;
        std::remove(tmp.c_str());
        throw Error(path + ": cannot move the finished file into place (" +
                    std::strerror(renameErr) + ")");
    }
}

void saveClassifierFolder(const std::string &dir,
                          const DistilBertForSequenceClassificationImpl &model,
                          const std::string &vocabPath)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw Error(dir + ": cannot create the model folder (" + ec.message() + ")");
    const fs::path root(dir);
    writeFileAtomically((root / "config.json").string(), model.config().toJson().dump(2) + "\n");
    saveSafetensors((root / "model.safetensors").string(), stateDictOf(model));
    const nlohmann::json tokenizerConfig = {
        {"do_lower_case", true},
        {"model_max_length", model.config().maxPositionEmbeddings},
        {"tokenizer_class", "DistilBertTokenizer"}};
    writeFileAtomically((root / "tokenizer_config.json").string(), tokenizerConfig.dump(2) + "\n");
    if (!vocabPath.empty()) {
        std::ifstream in(vocabPath, std::ios::binary);
        if (!in)
            throw Error(vocabPath + ": cannot read the vocabulary to copy it into " + dir);
        const std::string vocab((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        writeFileAtomically((root / "vocab.txt").string(), vocab);
    }
}

} // namespace sentilab
