#include "zipcheck.h"

#include <sentilab/error.h>

#include <cstdint>

namespace sentilab {
namespace {

class ZipDirectory
{
public:
    ZipDirectory(std::string_view bytes, const std::string &path) : m_bytes(bytes), m_path(path) {}

    void check()
    {
        const size_t end = findEndOfDirectory();
        uint64_t entries = read(end + 10, 2);
        uint64_t size = read(end + 12, 4);
        uint64_t offset = read(end + 16, 4);
        // ZIP64: a locator just before the end record points at the 64-bit end record.
        if (end >= 20 && read(end - 20, 4) == 0x07064b50) {
            const uint64_t record = read(end - 20 + 8, 8);
            if (record > m_bytes.size() || m_bytes.size() - record < 56 ||
                read(size_t(record), 4) != 0x06064b50)
                fail("its ZIP64 end record is missing");
            entries = read(size_t(record) + 32, 8);
            size = read(size_t(record) + 40, 8);
            offset = read(size_t(record) + 48, 8);
        }
        if (offset > m_bytes.size() || size > m_bytes.size() - offset)
            fail("its central directory lies outside the file");
        size_t pos = size_t(offset);
        const size_t directoryEnd = size_t(offset + size);
        for (uint64_t i = 0; i < entries; ++i) {
            if (directoryEnd - pos < 46 || read(pos, 4) != 0x02014b50)
                fail("its central directory is truncated");
            const uint64_t method = read(pos + 10, 2);
            uint64_t compressed = read(pos + 20, 4);
            uint64_t uncompressed = read(pos + 24, 4);
            const size_t nameSize = size_t(read(pos + 28, 2));
            const size_t extraSize = size_t(read(pos + 30, 2));
            const size_t commentSize = size_t(read(pos + 32, 2));
            const size_t entrySize = 46 + nameSize + extraSize + commentSize;
            if (directoryEnd - pos < entrySize)
                fail("its central directory is truncated");
            const std::string_view name = m_bytes.substr(pos + 46, nameSize);
            readZip64Sizes(pos + 46 + nameSize, extraSize, uncompressed, compressed);
            if (method != 0)
                fail("record '" + std::string(name.substr(0, 100)) +
                     "' is compressed; torch.save stores records uncompressed");
            if (compressed != uncompressed || uncompressed > m_bytes.size())
                fail("record '" + std::string(name.substr(0, 100)) + "' claims " +
                     std::to_string(uncompressed) + " bytes in a file of " +
                     std::to_string(m_bytes.size()));
            pos += entrySize;
        }
    }

private:
    [[noreturn]] void fail(const std::string &why) const
    {
        throw Error(m_path + ": not a zip archive as torch.save writes it (" + why +
                    "); the checkpoint is corrupt (re-download it or use model.safetensors)");
    }

    // Little-endian unsigned of `size` bytes at `at`.
    uint64_t read(size_t at, size_t size) const
    {
        if (at > m_bytes.size() || m_bytes.size() - at < size)
            fail("a field lies outside the file");
        uint64_t value = 0;
        for (size_t i = 0; i < size; ++i)
            value |= uint64_t(static_cast<unsigned char>(m_bytes[at + i])) << (8 * i);
        return value;
    }

    // The end of central directory record: the last signature that leaves room for its comment.
    size_t findEndOfDirectory() const
    {
        if (m_bytes.size() < 22)
            fail("it is too short");
        const size_t last = m_bytes.size() - 22;
        const size_t first = last > 65535 ? last - 65535 : 0;
        for (size_t at = last + 1; at-- > first;) {
            if (read(at, 4) == 0x06054b50 && at + 22 + read(at + 20, 2) <= m_bytes.size())
                return at;
        }
        fail("it has no end of central directory record");
    }

    // The ZIP64 extra field holds 64-bit sizes in place of those saturated at 0xffffffff.
    void readZip64Sizes(size_t extra, size_t extraSize, uint64_t &uncompressed,
                        uint64_t &compressed) const
    {
        for (size_t pos = extra; pos + 4 <= extra + extraSize;) {
            const uint64_t id = read(pos, 2);
            const size_t size = size_t(read(pos + 2, 2));
            if (pos + 4 + size > extra + extraSize)
                fail("an extra field is truncated");
            if (id == 0x0001) {
                size_t field = pos + 4;
                for (uint64_t *value : {&uncompressed, &compressed}) {
                    if (*value != 0xffffffff)
                        continue;
                    if (field + 8 > pos + 4 + size)
                        fail("a ZIP64 size is missing");
                    *value = read(field, 8);
                    field += 8;
                }
            }
            pos += 4 + size;
        }
    }

    std::string_view m_bytes;
    const std::string &m_path;
};

} // namespace

void checkZipDirectory(std::string_view bytes, const std::string &path)
{
    ZipDirectory(bytes, path).check();
}

} // namespace sentilab
