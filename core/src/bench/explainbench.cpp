#include <sentilab/bench.h>

#include <algorithm>
#include <chrono>

#include <torch/utils.h>

#include "distilbert.h"
#include "explainmodel.h"

namespace sentilab {

std::vector<ExplainBenchRow> benchExplain(int64_t tokens, int steps, int repeats)
{
    torch::manual_seed(0);
    DistilBertForSequenceClassification model(DistilBertConfig{}); // distilbert-base shapes
    model->initWeights();
    model->eval();
    model->setPackedInference(true); // as Classifier, which the app and the CLI explain with
    std::vector<int64_t> ids(size_t(std::max<int64_t>(2, tokens)));
    ids.front() = 101; // [CLS] and [SEP] of the uncased vocabulary
    ids.back() = 102;
    for (size_t t = 1; t + 1 < ids.size(); ++t)
        ids[t] = 2000 + int64_t(t) * 37;
    Explanation named;
    for (int64_t id : ids)
        named.tokens.push_back("#" + std::to_string(id));
    named.inputTokens = int64_t(ids.size());

    struct Case
    {
        std::string what;
        ExplainOptions options;
    };
    std::vector<Case> cases(4);
    cases[0].what = "ig";
    cases[0].options.steps = steps;
    cases[1].what = "grad-input";
    cases[1].options.method = AttributionMethod::GradientTimesInput;
    cases[2].what = "occlusion";
    cases[2].options.method = AttributionMethod::Occlusion;
    cases[3].what = "attention";
    cases[3].options.attributions = false;

    std::vector<ExplainBenchRow> rows;
    for (const Case &c : cases) {
        explainWithModel(*model, ids, named, false, c.options); // warm-up
        std::vector<double> ms;
        for (int i = 0; i < repeats; ++i) {
            const auto start = std::chrono::steady_clock::now();
            explainWithModel(*model, ids, named, false, c.options);
            ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count());
        }
        std::sort(ms.begin(), ms.end());
        ExplainBenchRow row;
        row.what = c.what;
        row.steps = c.what == "ig" ? steps : 0;
        row.tokens = int64_t(ids.size());
        row.p50Ms = ms[ms.size() / 2];
        row.bothModelsMs = 2 * row.p50Ms;
        rows.push_back(row);
    }
    return rows;
}

} // namespace sentilab
