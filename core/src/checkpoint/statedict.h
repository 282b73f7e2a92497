#pragma once
// Loading Hugging Face state dicts (model.safetensors or pytorch_model.bin) into our modules.
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "safetensors.h"

namespace sentilab {

// Reads every tensor of a checkpoint file as float32: `*.safetensors` with our own reader, anything
// else as a PyTorch zip checkpoint (torch.save >= 1.6) through torch::pickle_load.
// Throws sentilab::Error naming the file on any malformed or unreadable input.
TensorMap loadStateDict(const std::string &path);

// What a load did, worded like Hugging Face's warnings.
struct LoadReport
{
    std::string source;               // the checkpoint file
    std::vector<std::string> loaded;  // model parameters taken from the file
    std::vector<std::string> missing; // model parameters not in the file: left freshly initialised
    std::vector<std::string> unexpected; // file tensors the model has no use for
    std::vector<std::string> ignored;    // file tensors dropped on purpose (masked-LM head vocab_*)
    std::string summary() const;         // human-readable lines, empty parts omitted
};

// Copies `tensors` into `model`'s parameters by name. Keys of a bare DistilBertModel checkpoint
// (embeddings.*, transformer.*) get the "distilbert." prefix first; "vocab_*" keys are ignored.
// A tensor with the wrong shape, or a missing parameter whose name starts with one of
// `requiredPrefixes`, throws sentilab::Error naming the file and tensor; other missing parameters
// are reported and keep their current values.
LoadReport applyStateDict(torch::nn::Module &model, TensorMap tensors, const std::string &source,
                          const std::vector<std::string> &requiredPrefixes);

// The model's parameters (and persistent buffers) as a name -> tensor map, for saving.
TensorMap stateDictOf(const torch::nn::Module &model);

} // namespace sentilab
