#pragma once
// Classifier's private state, shared by classifier.cpp and the explanations
// (core/src/explain), which need the torch module behind the facade.
#include <optional>
#include <string>

#include <sentilab/classifier.h>
#include <sentilab/tokenizer.h>

#include "distilbert.h"
#include "hfcheckpoint.h"

namespace sentilab {

struct Classifier::Impl
{
    std::string dir;
    DistilBertForSequenceClassification model{nullptr};
    LoadReport report;
    std::string summary;
    std::optional<Tokenizer> tokenizer;
    std::string vocabPath;
};

} // namespace sentilab
