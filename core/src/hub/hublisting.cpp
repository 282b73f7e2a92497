#include "hublisting.h"

#include "hubcache.h"

#include <sentilab/error.h>
#include <sentilab/textexcerpt.h>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <vector>

namespace sentilab::detail {

const RemoteFile *Listing::find(const std::string &path) const
{
    for (const RemoteFile &file : files)
        if (file.path == path)
            return &file;
    return nullptr;
}

Listing parseListing(const std::string &body, const std::string &url, const std::string &what)
{
    const auto json = nlohmann::json::parse(body, nullptr, false);
    auto invalid = [&](const std::string &why) {
        return Error(excerpt(url) + ": the file listing of " + what +
                     " is not what a Hugging Face hub sends (" + why + "); check HF_ENDPOINT");
    };
    if (!json.is_object())
        throw invalid("not a JSON object");
    Listing listing;
    if (!json.contains("sha") || !json["sha"].is_string())
        throw invalid("no \"sha\" commit");
    listing.commit = json["sha"].get<std::string>();
    checkCacheName(listing.commit, "commit");
    if (!json.contains("siblings") || !json["siblings"].is_array())
        throw invalid("no \"siblings\" file list");
    for (const auto &sibling : json["siblings"]) {
        // huggingface_hub's RepoSibling: rfilename, size, blobId, lfs {sha256, size}.
        if (!sibling.is_object() || !sibling.contains("rfilename") ||
            !sibling["rfilename"].is_string())
            throw invalid("a sibling without \"rfilename\"");
        RemoteFile file;
        file.path = sibling["rfilename"].get<std::string>();
        if (sibling.contains("size") && sibling["size"].is_number_integer())
            file.size = sibling["size"].get<int64_t>();
        if (sibling.contains("blobId") && sibling["blobId"].is_string())
            file.blobId = sibling["blobId"].get<std::string>();
        if (sibling.contains("lfs") && sibling["lfs"].is_object()) {
            const auto &lfs = sibling["lfs"];
            if (lfs.contains("sha256") && lfs["sha256"].is_string())
                file.sha256 = lfs["sha256"].get<std::string>();
            if (file.size < 0 && lfs.contains("size") && lfs["size"].is_number_integer())
                file.size = lfs["size"].get<int64_t>();
        }
        std::transform(file.sha256.begin(), file.sha256.end(), file.sha256.begin(),
                       [](unsigned char ch) { return char(std::tolower(ch)); });
        listing.files.push_back(std::move(file));
    }
    return listing;
}

std::string gitBlobIdOfFile(const std::filesystem::path &path)
{
    auto fail = [&](const std::string &why) {
        return Error(path.string() + ": cannot compute the git blob id (" + why + ")");
    };
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!in || ec)
        throw fail("cannot read the file");

    const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX *)> context(EVP_MD_CTX_new(),
                                                                      EVP_MD_CTX_free);
    const std::string header = "blob " + std::to_string(size) + '\0';
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha1(), nullptr) != 1 ||
        EVP_DigestUpdate(context.get(), header.data(), header.size()) != 1)
        throw fail("OpenSSL cannot hash with SHA-1");
    std::vector<char> buffer(1 << 20);
    uintmax_t hashed = 0;
    while (in) {
        in.read(buffer.data(), std::streamsize(buffer.size()));
        const auto got = std::size_t(in.gcount());
        if (got > 0 && EVP_DigestUpdate(context.get(), buffer.data(), got) != 1)
            throw fail("OpenSSL cannot hash with SHA-1");
        hashed += got;
    }
    if (in.bad() || hashed != size)
        throw fail("read " + std::to_string(hashed) + " of " + std::to_string(size) + " bytes");

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context.get(), digest, &length) != 1)
        throw fail("OpenSSL cannot hash with SHA-1");
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

} // namespace sentilab::detail
