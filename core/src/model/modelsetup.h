#pragma once
// Turns an experiment's model section into a ready classifier: architecture (config.json plus
// the experiment's overrides), vocabulary, and weights (pre-trained or Hugging Face random init).
#include <string>

#include <sentilab/experimentconfig.h>

#include "distilbert.h"
#include "statedict.h"

namespace sentilab {

struct ModelSetup
{
    DistilBertConfig config; // with the experiment's dim/layers/dropout overrides applied
    std::string vocabPath;
    std::string pretrainedDir; // empty for scratch runs
};

// Resolves files: pre-trained runs use resolvePretrainedDir(); scratch runs use model.config_json,
// else resolveArchitectureDir() (shared reference data, else the Hugging Face cache; no weights
// needed). Throws sentilab::Error listing where it looked.
ModelSetup resolveModelSetup(const ModelOptions &model);

// Builds the classifier: seeds torch with `seed`, applies Hugging Face initialisation, then (for
// pre-trained runs) loads the encoder, reported in `report`.
DistilBertForSequenceClassification buildModel(const ModelSetup &setup, uint64_t seed,
                                               LoadReport *report);

} // namespace sentilab
