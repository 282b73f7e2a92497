#pragma once
// Reading and writing Hugging Face safetensors files (https://github.com/huggingface/safetensors
// format: u64 LE header length, JSON header, raw little-endian data).
#include <map>
#include <string>

#include <torch/types.h>

namespace sentilab {

using TensorMap = std::map<std::string, torch::Tensor>;

// Memory-maps `path`, validates the header and returns every tensor as an owned, contiguous
// float32 CPU tensor (F32 copied once; F16 and BF16 converted; F64 narrowed). Other dtypes and any
// malformed file throw sentilab::Error naming the file and tensor.
TensorMap loadSafetensors(const std::string &path,
                          std::map<std::string, std::string> *metadata = nullptr);

// Writes float32 tensors (others are converted to float32) with keys sorted, header padded with
// spaces to 8 bytes, metadata {"format": "pt"} unless given. Writes to `path + ".tmp"` and renames,
// so a crash or full disk never leaves a truncated file under `path`. Throws sentilab::Error.
void saveSafetensors(const std::string &path, const TensorMap &tensors,
                     const std::map<std::string, std::string> &metadata = {{"format", "pt"}});

} // namespace sentilab
