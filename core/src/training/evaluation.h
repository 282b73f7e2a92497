#pragma once
// Evaluation of the classifier on a tokenised split: accuracy, F1 of the positive class, mean
// cross-entropy, confusion matrix and per-example probabilities.
#include <array>
#include <atomic>
#include <vector>

#include "distilbert.h"
#include "trainingdata.h"

namespace sentilab {

struct EvalResult
{
    double accuracy = 0;
    double f1 = 0;                      // positive class (label 1)
    double loss = 0;                    // mean cross-entropy
    std::array<int64_t, 4> confusion{}; // tn, fp, fn, tp
    std::vector<int64_t> predicted;     // by example index
    std::vector<double> probPositive;   // by example index
    bool cancelled = false;             // `cancel` was raised; the other fields are incomplete
};

// Runs in eval mode under InferenceMode (the module's training flag is restored afterwards),
// batches sorted by length for minimal padding. Checks `cancel` between batches.
EvalResult evaluate(DistilBertForSequenceClassificationImpl &model, const EncodedSplit &split,
                    int64_t batchSize, int64_t padId, const std::atomic<bool> *cancel = nullptr);

} // namespace sentilab
