#include "sha256stream.h"

#include <sentilab/experimentconfig.h>

#include <sentilab/error.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include <openssl/evp.h>

namespace sentilab::detail {

void Sha256Stream::Free::operator()(evp_md_ctx_st *context) const
{
    EVP_MD_CTX_free(context);
}

Sha256Stream::Sha256Stream() : m_context(EVP_MD_CTX_new())
{
    reset();
}

Sha256Stream::~Sha256Stream() = default;
Sha256Stream::Sha256Stream(Sha256Stream &&) noexcept = default;
Sha256Stream &Sha256Stream::operator=(Sha256Stream &&) noexcept = default;

void Sha256Stream::reset()
{
    if (!m_context || EVP_DigestInit_ex(m_context.get(), EVP_sha256(), nullptr) != 1)
        throw Error("sha256: OpenSSL could not start a SHA-256 digest (is libssl installed?)");
    m_length = 0;
}

void Sha256Stream::update(const void *data, std::size_t size)
{
    if (size == 0)
        return;
    if (EVP_DigestUpdate(m_context.get(), data, size) != 1)
        throw Error("sha256: OpenSSL failed while hashing");
    m_length += size;
}

std::string Sha256Stream::finishHex()
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(m_context.get(), digest, &length) != 1 || length != 32)
        throw Error("sha256: OpenSSL failed to finish the digest");
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

std::string sha256OfFile(const std::string &path, int64_t limit)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open the file to compute its sha256");
    Sha256Stream hash;
    std::vector<char> buffer(1 << 20);
    int64_t left = limit;
    while (limit < 0 || left > 0) {
        const std::size_t want = limit < 0
                                     ? buffer.size()
                                     : std::size_t(std::min<int64_t>(left, int64_t(buffer.size())));
        in.read(buffer.data(), std::streamsize(want));
        const std::streamsize got = in.gcount();
        if (got > 0)
            hash.update(buffer.data(), std::size_t(got));
        left -= got;
        if (std::size_t(got) < want)
            break;
    }
    if (limit >= 0 && left > 0)
        throw Error(path + ": file ended after " + std::to_string(limit - left) + " of " +
                    std::to_string(limit) + " bytes while computing its sha256");
    return hash.finishHex();
}

} // namespace sentilab::detail

namespace sentilab {

std::string sha256Hex(std::string_view bytes)
{
    detail::Sha256Stream stream;
    stream.update(bytes.data(), bytes.size());
    return stream.finishHex();
}

} // namespace sentilab
