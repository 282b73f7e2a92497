#pragma once
// The model-level entry behind Classifier::explain, for callers inside core that hold the torch
// module (the benchmarks).
#include <optional>
#include <vector>

#include <sentilab/explanation.h>

#include "distilbert.h"

namespace sentilab {

// Explains `ids` ([CLS] ... [SEP]) with an eval-mode model. `named` carries the token names
// (tokens, inputTokens); wordPieces: the names are WordPiece strings ("##" continues a word).
// Throws sentilab::Error on bad options and c10::Error on torch failures.
std::optional<Explanation> explainWithModel(DistilBertForSequenceClassificationImpl &model,
                                            const std::vector<int64_t> &ids, Explanation named,
                                            bool wordPieces, const ExplainOptions &options);

} // namespace sentilab
