#include "statedict.h"

#include <algorithm>
#include <fstream>
#include <cstring>
#include <sstream>

#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/utils.h>

#include <sentilab/error.h>

namespace sentilab {
namespace {

bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool startsWith(const std::string &s, const std::string &prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

std::string shapeText(c10::IntArrayRef sizes)
{
    std::ostringstream out;
    out << '[';
    for (size_t i = 0; i < sizes.size(); ++i)
        out << (i ? ", " : "") << sizes[i];
    out << ']';
    return out.str();
}

std::string joined(const std::vector<std::string> &names, size_t limit = 8)
{
    std::string text;
    for (size_t i = 0; i < names.size() && i < limit; ++i)
        text += (i ? ", " : "") + names[i];
    if (names.size() > limit)
        text += ", ... (" + std::to_string(names.size()) + " in all)";
    return text;
}

TensorMap loadPickleCheckpoint(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open the checkpoint (" + std::strerror(errno) + ")");
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 4 || bytes[0] != 'P' || bytes[1] != 'K')
        throw Error(path + ": not a PyTorch zip checkpoint (torch.save >= 1.6); convert it with "
                           "Python or use model.safetensors");
    c10::IValue value;
    try {
        value = torch::jit::pickle_load(bytes);
    } catch (const c10::Error &e) {
        throw Error(path + ": the PyTorch checkpoint is corrupt or truncated: "
                    + e.what_without_backtrace());
    }
    if (!value.isGenericDict())
        throw Error(path + ": expected a state dict (name -> tensor), found " + value.tagKind());
    TensorMap tensors;
    for (const auto &entry : value.toGenericDict()) {
        if (!entry.key().isString() || !entry.value().isTensor())
            throw Error(path + ": the state dict holds a non-tensor entry (" + entry.key().tagKind()
                        + " -> " + entry.value().tagKind() + ")");
        tensors[entry.key().toStringRef()] =
            entry.value().toTensor().to(torch::kFloat32).contiguous();
    }
    return tensors;
}

} // namespace

TensorMap loadStateDict(const std::string &path)
{
    if (endsWith(path, ".safetensors"))
        return loadSafetensors(path);
    return loadPickleCheckpoint(path);
}

std::string LoadReport::summary() const
{
    std::string text = "loaded " + std::to_string(loaded.size()) + " tensors from " + source;
    if (!missing.empty())
        text += "\nnewly initialised (not in the checkpoint; they must be trained): "
                + joined(missing);
    if (!ignored.empty())
        text += "\nignored (masked-LM head, not used by the classifier): " + joined(ignored);
    if (!unexpected.empty())
        text += "\nunused (the model has no such parameter): " + joined(unexpected);
    return text;
}

LoadReport applyStateDict(torch::nn::Module &model, TensorMap tensors, const std::string &source,
                          const std::vector<std::string> &requiredPrefixes)
{
    const bool hasPrefix = std::any_of(tensors.begin(), tensors.end(), [](const auto &kv) {
        return startsWith(kv.first, "distilbert.");
    });
    if (!hasPrefix) { // a bare DistilBertModel checkpoint
        TensorMap renamed;
        for (auto &kv : tensors) {
            const bool body = startsWith(kv.first, "embeddings.") || startsWith(kv.first, "transformer.");
            renamed[body ? "distilbert." + kv.first : kv.first] = std::move(kv.second);
        }
        tensors = std::move(renamed);
    }

    LoadReport report;
    report.source = source;
    torch::NoGradGuard noGrad;
    for (auto &param : model.named_parameters(true)) {
        const auto it = tensors.find(param.key());
        if (it == tensors.end()) {
            report.missing.push_back(param.key());
            continue;
        }
        if (!it->second.sizes().equals(param.value().sizes()))
            throw Error(source + ": tensor '" + param.key() + "' has shape "
                        + shapeText(it->second.sizes()) + " but the model expects "
                        + shapeText(param.value().sizes())
                        + "; config.json does not describe this checkpoint");
        param.value().copy_(it->second);
        report.loaded.push_back(param.key());
        tensors.erase(it);
    }
    for (const auto &kv : tensors)
        (startsWith(kv.first, "vocab_") ? report.ignored : report.unexpected).push_back(kv.first);

    std::vector<std::string> missingRequired;
    for (const auto &name : report.missing) {
        for (const auto &prefix : requiredPrefixes) {
            if (startsWith(name, prefix)) {
                missingRequired.push_back(name);
                break;
            }
        }
    }
    if (!missingRequired.empty())
        throw Error(source + ": missing required tensors: " + joined(missingRequired)
                    + "; this is not a complete DistilBERT checkpoint");
    return report;
}

TensorMap stateDictOf(const torch::nn::Module &model)
{
    TensorMap tensors;
    for (const auto &param : model.named_parameters(true))
        tensors[param.key()] = param.value().detach();
    return tensors;
}

} // namespace sentilab
