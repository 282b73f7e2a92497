#pragma once
// Incremental SHA-256 (FIPS 180-4) for data that does not fit in memory, e.g. a 268 MB
// model.safetensors hashed while it downloads. sentilab::sha256Hex() (bytes in memory) is built on it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace sentilab::detail {

class Sha256Stream
{
public:
    Sha256Stream();
    void update(const void *data, std::size_t size);
    // Lower-case hex digest of everything passed to update(). Ends this stream: call reset()
    // before using it again.
    std::string finishHex();
    void reset();
    uint64_t bytesHashed() const { return m_length; }

private:
    void compress(const unsigned char *block);

    std::array<uint32_t, 8> m_state{};
    std::array<unsigned char, 64> m_buffer{};
    std::size_t m_buffered = 0;
    uint64_t m_length = 0; // bytes, not bits
};

// Hex SHA-256 of the first `limit` bytes of the file at `path` (all of it when limit < 0).
// Throws sentilab::Error when the file cannot be read or is shorter than `limit`.
std::string sha256OfFile(const std::string &path, int64_t limit = -1);

} // namespace sentilab::detail
