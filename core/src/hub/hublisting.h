#pragma once
// The hub's file listing of one repo revision, as GET {endpoint}/api/{models|datasets}/{repo}/
// revision/{rev}?blobs=true returns it. Internal to core.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sentilab::detail {

struct RemoteFile
{
    std::string path;   // repo path, '/'-separated, as listed (not yet checked for safety)
    int64_t size = -1;  // bytes; -1 = not listed
    std::string blobId; // git blob id (sha1 of "blob <size>\0<content>")
    std::string sha256; // lower-case hex; LFS files only
    // The name of the file in blobs/: what huggingface_hub takes from the ETag header, which is
    // the sha256 for LFS files and (assumed, not verifiable offline) the git blob id for the rest.
    std::string blobName() const { return sha256.empty() ? blobId : sha256; }
};

struct Listing
{
    std::string commit; // "sha": the 40-hex commit the revision resolved to (checked as a name)
    std::vector<RemoteFile> files;
    const RemoteFile *find(const std::string &path) const;
};

// Parses the listing JSON: {"sha": ..., "siblings": [{"rfilename", "size", "blobId",
// "lfs": {"sha256", "size"}}]}. Unknown fields are ignored, missing optional ones left empty.
// Throws sentilab::Error naming `url` and `what` ("model 'x'") when the text is not such a
// listing or the commit is not a plain name.
Listing parseListing(const std::string &body, const std::string &url, const std::string &what);

// The git blob id of the file at `path` (sha1 of "blob <size>\0" + content, lower-case hex): what
// RemoteFile::blobId lists for a file not stored with LFS. Reads the whole file; throws
// sentilab::Error naming the path when it cannot.
std::string gitBlobIdOfFile(const std::filesystem::path &path);

} // namespace sentilab::detail
