#pragma once
// Incremental SHA-256 for data that does not fit in memory, e.g. a 268 MB model.safetensors
// hashed while it downloads; OpenSSL's EVP digest underneath (hardware SHA extensions where the
// CPU has them). sentilab::sha256Hex() (bytes in memory) is built on it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

struct evp_md_ctx_st;

namespace sentilab::detail {

class Sha256Stream
{
public:
    Sha256Stream(); // throws sentilab::Error when OpenSSL cannot provide SHA-256
    ~Sha256Stream();
    Sha256Stream(Sha256Stream &&) noexcept;
    Sha256Stream &operator=(Sha256Stream &&) noexcept;

    void update(const void *data, std::size_t size);
    // Lower-case hex digest of everything passed to update(). Ends this stream: call reset()
    // before using it again.
    std::string finishHex();
    void reset();
    uint64_t bytesHashed() const { return m_length; }

private:
    struct Free
    {
        void operator()(evp_md_ctx_st *context) const;
    };
    std::unique_ptr<evp_md_ctx_st, Free> m_context;
    uint64_t m_length = 0; // bytes
};

// Hex SHA-256 of the first `limit` bytes of the file at `path` (all of it when limit < 0).
// Throws sentilab::Error when the file cannot be read or is shorter than `limit`.
std::string sha256OfFile(const std::string &path, int64_t limit = -1);

} // namespace sentilab::detail
