#pragma once
// The resumable part of a training run, saved beside the "last" model checkpoint:
// optimizer moments, the CPU generator state (dropout masks) and the loop position.
#include <string>

#include <torch/optim/adamw.h>

#include "distilbert.h"

namespace sentilab {

struct LoopPosition
{
    int64_t step = 0;         // optimizer steps done
    int64_t epoch = 0;        // epoch to continue in
    int64_t batchInEpoch = 0; // next batch of that epoch's plan
    double bestValAccuracy = -1;
    int64_t bestStep = -1;
};

// Writes "<dir>" as a Hugging Face folder plus optimizer.pt, rng.pt and trainer_state.json. The
// folder is first written as "<dir>.tmp" and then swapped in, so a crash leaves either the old or
// the new checkpoint complete. Throws sentilab::Error (e.g. disk full).
void saveResumableCheckpoint(const std::string &dir,
                             const DistilBertForSequenceClassificationImpl &model,
                             const torch::optim::AdamW &optimizer, const LoopPosition &position,
                             const std::string &vocabPath);

// Restores what saveResumableCheckpoint wrote into `model`, `optimizer` and torch's CPU generator.
// Throws sentilab::Error naming the file when anything is missing or corrupt.
LoopPosition loadResumableCheckpoint(const std::string &dir,
                                     DistilBertForSequenceClassificationImpl &model,
                                     torch::optim::AdamW &optimizer);

} // namespace sentilab
