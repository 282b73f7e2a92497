#include "hublisting.h"

#include "hubcache.h"

#include <sentilab/error.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

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
        return Error(url + ": the file listing of " + what +
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

} // namespace sentilab::detail
