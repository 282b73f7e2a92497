#pragma once
// Hugging Face model folders: config.json + model.safetensors | pytorch_model.bin + vocab.txt.
#include <string>

#include "distilbert.h"
#include "statedict.h"

namespace sentilab {

// model.safetensors if present, else pytorch_model.bin; throws sentilab::Error listing both paths.
std::string findWeightsFile(const std::string &dir);

// Builds the classifier from dir/config.json, initialises every weight as Hugging Face does (seed
// torch first for reproducibility) and loads the checkpoint over it: a masked-LM checkpoint keeps
// its encoder, drops vocab_* and leaves a fresh classification head, as `report` says.
DistilBertForSequenceClassification loadClassifierFolder(const std::string &dir,
                                                         LoadReport *report = nullptr);

// Writes config.json, model.safetensors, vocab.txt (copied from `vocabPath` when not empty) and
// tokenizer_config.json into `dir` (created if needed), each file atomically (temp + rename), so
// that Python `transformers` can load the folder. Throws sentilab::Error.
void saveClassifierFolder(const std::string &dir,
                          const DistilBertForSequenceClassificationImpl &model,
                          const std::string &vocabPath);

// Writes `text` to `path` through a temporary file and rename. Throws sentilab::Error.
void writeFileAtomically(const std::string &path, const std::string &text);

} // namespace sentilab
