#include "statedict.h"

#include "picklecheck.h"
#include "zipcheck.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/csrc/jit/serialization/import_read.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/csrc/jit/serialization/storage_context.h>
#include <torch/utils.h>

#include <sentilab/error.h>

#include <sentilab/textexcerpt.h>

namespace sentilab {
namespace {

bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
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

// The checkpoint's bytes for LibTorch's zip reader; reads past the end return fewer bytes (the
// reader turns that into an error) instead of touching memory outside the buffer.
class BytesReader : public caffe2::serialize::ReadAdapterInterface
{
public:
    explicit BytesReader(std::vector<char> bytes) : m_bytes(std::move(bytes)) {}
    size_t size() const override { return m_bytes.size(); }
    size_t read(uint64_t pos, void *buf, size_t n, const char *) const override
    {
        if (pos >= m_bytes.size())
            return 0;
        const size_t count = std::min<uint64_t>(n, m_bytes.size() - pos);
        std::memcpy(buf, m_bytes.data() + pos, count);
        return count;
    }

private:
    std::vector<char> m_bytes;
};

// The storages read from the archive's data records, by the address of their bytes.
using OwnedStorages = std::set<const void *>;

// The zip records that hold tensor storages ("<prefix>/data/<key>"), read whole with their real
// sizes. LibTorch's own loader sizes a storage from the element count in the pickle instead, so a
// short or empty record would be read past its end (SIGSEGV, or garbage weights). The loader
// still does that for any key the pickle names that is not here (a key with a '/', say), so
// `owned` collects these storages and every tensor must live in one of them.
std::shared_ptr<torch::jit::DeserializationStorageContext>
readStorages(caffe2::serialize::PyTorchStreamReader &reader, OwnedStorages &owned)
{
    auto context = std::make_shared<torch::jit::DeserializationStorageContext>();
    for (const std::string &name : reader.getAllRecords()) {
        const size_t slash = name.rfind("data/");
        if (slash == std::string::npos || (slash != 0 && name[slash - 1] != '/'))
            continue;
        const std::string key = name.substr(slash + 5);
        if (key.empty() || key.find('/') != std::string::npos || context->hasStorage(key))
            continue;
        auto [data, size] = reader.getRecord(name.substr(0, slash) + "data/" + key);
        owned.insert(data.get());
        context->addStorage(key, c10::Storage(c10::Storage::use_byte_size_t(), size,
                                              std::move(data), nullptr, false));
    }
    return context;
}

// Throws unless every element `tensor` can address lies inside one of the `owned` storages.
void checkTensorInStorage(const torch::Tensor &tensor, const std::string &path,
                          const std::string &name, const OwnedStorages &owned)
{
    const auto fail = [&](const std::string &why) {
        throw Error(path + ": tensor '" + name + "' " + why +
                    "; the checkpoint is corrupt (re-download it or use model.safetensors)");
    };
    if (tensor.layout() != torch::kStrided || !tensor.device().is_cpu())
        fail("is not a dense CPU tensor");
    if (!tensor.has_storage())
        fail("has no storage");
    if (tensor.numel() == 0)
        return;
    const int64_t offset = tensor.storage_offset();
    if (offset < 0)
        fail("has a negative storage offset");
    // Highest element index the view reaches, in unsigned 128-bit arithmetic so that hostile sizes
    // and strides cannot overflow.
    unsigned __int128 last = static_cast<unsigned __int128>(offset);
    for (int64_t d = 0; d < tensor.dim(); ++d) {
        if (tensor.stride(d) < 0)
            fail("has a negative stride");
        last += static_cast<unsigned __int128>(tensor.size(d) - 1) *
                static_cast<unsigned __int128>(tensor.stride(d));
    }
    const unsigned __int128 needed =
        (last + 1) * static_cast<unsigned __int128>(tensor.element_size());
    const size_t available = tensor.storage().nbytes();
    if (needed > available || (available > 0 && tensor.storage().data() == nullptr))
        fail("of shape " + shapeText(tensor.sizes()) + " at storage offset " +
             std::to_string(offset) + " needs more bytes than its storage record holds (" +
             std::to_string(available) + ")");
    if (owned.count(tensor.storage().data()) == 0)
        fail("refers to a storage that is not one of the checkpoint's data records");
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
    checkZipDirectory(std::string_view(bytes.data(), bytes.size()), path);
    c10::IValue value;
    OwnedStorages owned;
    try {
        caffe2::serialize::PyTorchStreamReader reader(
            std::make_shared<BytesReader>(std::move(bytes)));
        const auto [pickle, pickleSize] = reader.getRecord("data.pkl");
        checkPickle(std::string_view(static_cast<const char *>(pickle.get()), pickleSize), path);
        const auto storages = readStorages(reader, owned);
        value = torch::jit::readArchiveAndTensors(
            "data", "", "", c10::nullopt, c10::nullopt, c10::nullopt, reader,
            torch::jit::Unpickler::defaultTypeParser, storages);
    } catch (const c10::Error &e) {
        throw Error(path + ": the PyTorch checkpoint is corrupt or truncated: " +
                    excerpt(e.what_without_backtrace()));
    } catch (const Error &) {
        throw;
    } catch (const std::exception &e) {
        // LibTorch's reader and unpickler also throw std::out_of_range, std::length_error,
        // std::bad_alloc, ... on hostile input (issue 8).
        throw Error(path +
                    ": the PyTorch checkpoint is corrupt or truncated: " + excerpt(e.what()));
    }
    if (!value.isGenericDict())
        throw Error(path + ": expected a state dict (name -> tensor), found " + value.tagKind());
    TensorMap tensors;
    for (const auto &entry : value.toGenericDict()) {
        if (!entry.key().isString() || !entry.value().isTensor())
            throw Error(path + ": the state dict holds a non-tensor entry (" +
                        entry.key().tagKind() + " -> " + entry.value().tagKind() + ")");
        const std::string name = entry.key().toStringRef();
        const torch::Tensor tensor = entry.value().toTensor();
        checkTensorInStorage(tensor, path, excerpt(name), owned);
        // Quantized storages (torch.QInt8Storage, ...) make tensors without a quantizer, whose
        // conversion threw c10::Error out of core (issue 8).
        if (tensor.is_complex() || tensor.scalar_type() == torch::kBool || tensor.is_quantized() ||
            c10::isQIntType(tensor.scalar_type()))
            throw Error(path + ": tensor '" + excerpt(name) + "' has dtype " +
                        std::string(c10::toString(tensor.scalar_type())) +
                        "; weights must be real numbers, not quantized");
        try {
            tensors[name] = tensor.to(torch::kFloat32).contiguous();
        } catch (const c10::Error &e) {
            throw Error(path + ": tensor '" + excerpt(name) +
                        "' cannot be converted to float32: " + excerpt(e.what_without_backtrace()));
        }
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
        text +=
            "\nnewly initialised (not in the checkpoint; they must be trained): " + joined(missing);
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
            const bool body =
                startsWith(kv.first, "embeddings.") || startsWith(kv.first, "transformer.");
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
            throw Error(source + ": tensor '" + param.key() + "' has shape " +
                        shapeText(it->second.sizes()) + " but the model expects " +
                        shapeText(param.value().sizes()) +
                        "; config.json does not describe this checkpoint");
        if (!torch::isfinite(it->second).all().item<bool>())
            throw Error(source + ": tensor '" + param.key() + "' holds NaN or infinite values (" +
                        std::to_string(
                            torch::logical_not(torch::isfinite(it->second)).sum().item<int64_t>()) +
                        " of " + std::to_string(it->second.numel()) +
                        "); the checkpoint is corrupt or comes from a diverged run");
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
        throw Error(source + ": missing required tensors: " + joined(missingRequired) +
                    "; this is not a complete DistilBERT checkpoint");
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
