#pragma once
// A check of a pytorch_model.bin zip's directory before LibTorch's reader sees it. Internal to
// core, torch-free.
#include <string>
#include <string_view>

namespace sentilab {

// Reads the central directory of the zip archive `bytes` (ZIP64 included) and throws
// sentilab::Error naming `path` when an entry is compressed (torch.save stores every record as
// is), declares a size other than its stored size, or claims more bytes than the file has.
// LibTorch's reader allocates each record's declared size before reading it, so a 1 KB file
// claiming a 4 GB record made it allocate 4 GB (issue 8). A directory that cannot be read (no
// end record, entries outside the file) is an error as well.
void checkZipDirectory(std::string_view bytes, const std::string &path);

} // namespace sentilab
