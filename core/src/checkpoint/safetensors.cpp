#include "safetensors.h"

#include "safetensorsheader.h"

#include <sentilab/error.h>

#include <nlohmann/json.hpp>

#include <c10/util/Exception.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian and is copied as is; add byte swapping for this target"
#endif

namespace sentilab {

namespace {

std::string errnoText(int error)
{
    return std::error_code(error, std::generic_category()).message();
}

std::string fileErrorHint(int error)
{
    switch (error) {
    case ENOENT:
    case ENOTDIR:
        return "check the path";
    case EACCES:
    case EPERM:
    case EROFS:
        return "check the permissions of the file and its directory";
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return "free some disk space (or choose another location) and try again";
    default:
        return "check the file and try again";
    }
}

class FileDescriptor
{
public:
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    ~FileDescriptor() { reset(); }
    FileDescriptor(const FileDescriptor &) = delete;
    FileDescriptor &operator=(const FileDescriptor &) = delete;

    int get() const { return m_fd; }
    // Closes now and reports close()'s own result: 0, or -1 with errno set.
    int reset()
    {
        const int fd = m_fd;
        m_fd = -1;
        return fd >= 0 ? ::close(fd) : 0;
    }

private:
    int m_fd;
};

// Read-only mapping of a whole file, unmapped on destruction.
class FileMapping
{
public:
    FileMapping() = default;
    ~FileMapping()
    {
        if (m_data)
            ::munmap(m_data, m_size);
    }
    FileMapping(const FileMapping &) = delete;
    FileMapping &operator=(const FileMapping &) = delete;

    // Returns false with errno set on failure.
    bool map(int fd, size_t size)
    {
        void *address = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (address == MAP_FAILED)
            return false;
        m_data = address;
        m_size = size;
        return true;
    }

    const uint8_t *data() const { return static_cast<const uint8_t *>(m_data); }

private:
    void *m_data = nullptr;
    size_t m_size = 0;
};

// Removes the temporary file unless commit() was called.
class TemporaryFile
{
public:
    explicit TemporaryFile(std::string path)
        : m_path(std::move(path)),
          m_fd(::open(m_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666))
    {}
    ~TemporaryFile()
    {
        if (!m_committed) {
            m_fd.reset();
            ::unlink(m_path.c_str());
        }
    }
    TemporaryFile(const TemporaryFile &) = delete;
    TemporaryFile &operator=(const TemporaryFile &) = delete;

    bool isOpen() const { return m_fd.get() >= 0; }
    int fd() const { return m_fd.get(); }
    int close() { return m_fd.reset(); }
    void commit() { m_committed = true; }

private:
    std::string m_path;
    FileDescriptor m_fd;
    bool m_committed = false;
};

std::string readPrefix(const std::string &path)
{
    return "Cannot read safetensors file '" + path + "': ";
}

std::string writePrefix(const std::string &path)
{
    return "Cannot write safetensors file '" + path + "': ";
}

torch::Tensor toFloatTensor(const SafetensorsEntry &entry, const uint8_t *dataSection,
                            const std::string &path)
{
    torch::ScalarType sourceType = torch::kFloat32;
    if (entry.dtype == "F32")
        sourceType = torch::kFloat32;
    else if (entry.dtype == "F16")
        sourceType = torch::kFloat16;
    else if (entry.dtype == "BF16")
        sourceType = torch::kBFloat16;
    else if (entry.dtype == "F64")
        sourceType = torch::kFloat64;
    else {
        throw Error(readPrefix(path) + "tensor '" + entry.name + "' has dtype " + entry.dtype +
                    "; only F32, F16, BF16 and F64 are supported; convert the checkpoint to "
                    "float32 before loading it");
    }

    try {
        // An owned tensor and one copy: the mapped bytes need not be aligned for the dtype.
        torch::Tensor tensor = torch::empty(entry.shape, torch::TensorOptions().dtype(sourceType));
        const uint64_t bytes = entry.end - entry.begin;
        if (static_cast<uint64_t>(tensor.nbytes()) != bytes) {
            throw Error(readPrefix(path) + "tensor '" + entry.name +
                        "': internal error, header and tensor sizes disagree");
        }
        if (bytes > 0)
            std::memcpy(tensor.data_ptr(), dataSection + entry.begin, bytes);
        if (sourceType != torch::kFloat32)
            tensor = tensor.to(torch::kFloat32);
        return tensor;
    } catch (const c10::Error &e) {
        throw Error(readPrefix(path) + "tensor '" + entry.name +
                    "': " + e.what_without_backtrace());
    }
}

void writeAll(const TemporaryFile &file, const void *data, uint64_t size, const std::string &path,
              const std::string &tmpPath)
{
    auto bytes = static_cast<const char *>(data);
    while (size > 0) {
        // Linux writes at most about 2 GiB per call.
        const size_t chunk = static_cast<size_t>(std::min<uint64_t>(size, 1u << 30));
        const ssize_t written = ::write(file.fd(), bytes, chunk);
        if (written < 0) {
            const int error = errno;
            if (error == EINTR)
                continue;
            throw Error(writePrefix(path) + "writing '" + tmpPath +
                        "' failed: " + errnoText(error) + "; " + fileErrorHint(error));
        }
        bytes += written;
        size -= static_cast<uint64_t>(written);
    }
}

// Makes the rename durable; failing here loses nothing that is not already written, so it is
// best effort.
void syncDirectoryOf(const std::string &path)
{
    const size_t slash = path.rfind('/');
    const std::string directory = slash == std::string::npos ? "."
                                  : slash == 0               ? "/"
                                                             : path.substr(0, slash);
    FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() >= 0)
        ::fsync(fd.get());
}

} // namespace

TensorMap loadSafetensors(const std::string &path, std::map<std::string, std::string> *metadata)
{
    // O_NONBLOCK: opening a FIFO by mistake must fail below instead of waiting for a writer.
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) {
        const int error = errno;
        throw Error(readPrefix(path) + errnoText(error) + "; " + fileErrorHint(error));
    }
    struct stat info = {};
    if (::fstat(fd.get(), &info) != 0) {
        const int error = errno;
        throw Error(readPrefix(path) + errnoText(error) + "; " + fileErrorHint(error));
    }
    if (!S_ISREG(info.st_mode)) {
        throw Error(readPrefix(path) + "not a regular file; give the path of a .safetensors file");
    }

    // A file that another process truncates while it is mapped raises SIGBUS; checkpoints are
    // written by rename (see saveSafetensors), which does not truncate the mapped inode.
    const auto size = static_cast<uint64_t>(info.st_size);
    FileMapping mapping;
    if (size > 0 && !mapping.map(fd.get(), static_cast<size_t>(size))) {
        const int error = errno;
        throw Error(readPrefix(path) + "mapping it into memory failed: " + errnoText(error) + "; " +
                    fileErrorHint(error));
    }
    fd.reset();

    uint64_t dataOffset = 0;
    const SafetensorsHeader header = parseSafetensorsFile(mapping.data(), size, path, &dataOffset);
    const uint8_t *dataSection = mapping.data() + dataOffset;

    TensorMap tensors;
    for (const SafetensorsEntry &entry : header.tensors)
        tensors.emplace(entry.name, toFloatTensor(entry, dataSection, path));
    if (metadata)
        *metadata = header.metadata;
    return tensors;
}

void saveSafetensors(const std::string &path, const TensorMap &tensors,
                     const std::map<std::string, std::string> &metadata)
{
    using Json = nlohmann::json;

    // Layout as written by the safetensors library: compact JSON, "__metadata__" first (left out
    // when empty), tensors in sorted key order (TensorMap is sorted), data in the same order.
    std::string header = "{";
    std::vector<torch::Tensor> contiguous;
    contiguous.reserve(tensors.size());
    try {
        if (!metadata.empty())
            header += "\"__metadata__\":" + Json(metadata).dump();
        uint64_t offset = 0;
        for (const auto &[name, tensor] : tensors) {
            if (name == "__metadata__") {
                throw Error(writePrefix(path) +
                            "a tensor may not be named \"__metadata__\"; rename it");
            }
            if (!tensor.defined()) {
                throw Error(writePrefix(path) + "tensor '" + name +
                            "' is undefined (an empty torch::Tensor); give it a value or "
                            "leave it out");
            }
            torch::Tensor data = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
            const auto bytes = static_cast<uint64_t>(data.nbytes());
            if (header.size() > 1)
                header += ',';
            header += Json(name).dump() + ":{\"dtype\":\"F32\",\"shape\":[";
            for (int64_t i = 0; i < data.dim(); ++i) {
                if (i > 0)
                    header += ',';
                header += std::to_string(data.size(i));
            }
            header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
                      std::to_string(offset + bytes) + "]}";
            offset += bytes;
            contiguous.push_back(std::move(data));
        }
        header += '}';
    } catch (const c10::Error &e) {
        throw Error(writePrefix(path) + e.what_without_backtrace());
    } catch (const Json::exception &) {
        throw Error(writePrefix(path) +
                    "a tensor name or metadata string is not valid UTF-8; rename it");
    }
    header.append((8 - header.size() % 8) % 8, ' ');

    const std::string tmpPath = path + ".tmp";
    TemporaryFile file(tmpPath);
    if (!file.isOpen()) {
        const int error = errno;
        throw Error(writePrefix(path) + "cannot create '" + tmpPath + "': " + errnoText(error) +
                    "; check that the directory exists and is writable");
    }
    uint8_t lengthPrefix[8];
    for (int i = 0; i < 8; ++i)
        lengthPrefix[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
    writeAll(file, lengthPrefix, sizeof lengthPrefix, path, tmpPath);
    writeAll(file, header.data(), header.size(), path, tmpPath);
    for (const torch::Tensor &data : contiguous)
        writeAll(file, data.data_ptr(), static_cast<uint64_t>(data.nbytes()), path, tmpPath);

    if (::fsync(file.fd()) != 0 || file.close() != 0) {
        const int error = errno;
        throw Error(writePrefix(path) + "writing '" + tmpPath + "' failed: " + errnoText(error) +
                    "; " + fileErrorHint(error));
    }
    if (::rename(tmpPath.c_str(), path.c_str()) != 0) {
        const int error = errno;
        throw Error(writePrefix(path) + "renaming '" + tmpPath + "' failed: " + errnoText(error) +
                    "; " + fileErrorHint(error));
    }
    file.commit();
    syncDirectoryOf(path);
}

} // namespace sentilab
