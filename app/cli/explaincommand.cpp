// explain: which words drove each run's verdict, and where its [CLS] attention flows
// (Classifier::explain; the same numbers as "Ask the models").
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include <nlohmann/json.hpp>

#include <sentilab/classifier.h>
#include <sentilab/error.h>
#include <sentilab/explanation.h>
#include <sentilab/training.h>

#include "commands.h"
#include "runlookup.h"

namespace sentilab::cli {

namespace {

struct ExplainedRun
{
    RunInfo run;
    std::string checkpoint;
    std::vector<Explanation> explanations; // one per sentence
};

std::string methodTitle(const Explanation &e)
{
    switch (e.method) {
    case AttributionMethod::IntegratedGradients:
        return "Integrated Gradients, " + std::to_string(e.steps) + " steps";
    case AttributionMethod::GradientTimesInput:
        return "gradient x input";
    case AttributionMethod::Occlusion:
        return "leave-one-word-out occlusion";
    }
    return {};
}

void printExplanation(const ExplainedRun &r, const Explanation &e)
{
    std::printf("  run %lld %s (%s): %s, p = %.3f, log-odds %+.3f; %s", (long long)r.run.id,
                r.run.name.c_str(), r.run.kind.c_str(), e.labelName.c_str(),
                e.probabilities[size_t(e.label)], e.target, methodTitle(e).c_str());
    if (std::isfinite(e.residual))
        std::printf(", completeness residual %+.4f", e.residual);
    std::printf(", %.0f ms\n", e.milliseconds);
    float largest = 1e-12f;
    for (float s : e.wordScores)
        largest = std::max(largest, std::abs(s));
    for (size_t w = 0; w < e.words.size(); ++w) {
        const float s = e.wordScores[w];
        const int bar = int(std::lround(20.0 * std::abs(s) / largest));
        std::printf("    %-20s %+9.4g %s\n", e.words[w].substr(0, 20).c_str(), s,
                    std::string(size_t(bar), s >= 0 ? '+' : '-').c_str());
    }
    if (!e.rollout.empty()) {
        std::vector<size_t> order(e.rollout.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(),
                  [&](size_t a, size_t b) { return e.rollout[a] > e.rollout[b]; });
        std::printf("    attention rollout from [CLS]:");
        for (size_t i = 0; i < std::min<size_t>(5, order.size()); ++i)
            std::printf(" %s %.2f", e.tokens[order[i]].c_str(), e.rollout[order[i]]);
        std::printf("\n");
    }
}

} // namespace

void addExplainCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand(
        "explain", "Show which words drove one or two runs' verdicts (token attributions) and "
                   "their attention rollout from [CLS]");
    auto runs = std::make_shared<std::vector<std::string>>();
    auto texts = std::make_shared<std::vector<std::string>>();
    auto method = std::make_shared<std::string>("ig");
    auto steps = std::make_shared<int>(32);
    auto json = std::make_shared<bool>(false);
    auto attention = std::make_shared<bool>(false);
    cmd->add_option("--run", *runs, "Run id or name (give two to compare them)")
        ->required()
        ->allow_extra_args(false);
    cmd->add_option("--method", *method,
                    "ig (Integrated Gradients), grad-input (gradient x input) or occlusion "
                    "(leave one word out)")
        ->check(CLI::IsMember({"ig", "grad-input", "occlusion"}))
        ->capture_default_str();
    cmd->add_option("--steps", *steps, "Integrated Gradients interpolation steps")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    cmd->add_flag("--json", *json, "Print JSON (the numbers the desktop app shows)");
    cmd->add_flag("--attention", *attention,
                  "With --json: include every head's attention weights (layers x heads x "
                  "tokens x tokens numbers)");
    cmd->add_option("text", *texts, "Sentences to explain")->required();
    cmd->callback([=, &exitCode] {
        if (runs->size() > 2)
            throw Error("explain compares at most two runs; " + std::to_string(runs->size()) +
                        " --run options were given");
        ExplainOptions options;
        options.method = parseAttributionMethod(*method);
        options.steps = *steps;
        const RunStore store = RunStore::openExisting(databasePath());
        std::vector<ExplainedRun> results;
        for (const std::string &which : *runs) {
            ExplainedRun r;
            r.run = resolveRun(store, which);
            r.checkpoint = bestCheckpointDir(store, r.run.id);
            const Classifier model = Classifier::load(r.checkpoint);
            for (const std::string &text : *texts)
                r.explanations.push_back(*model.explain(text, options));
            results.push_back(std::move(r));
        }
        if (*json) {
            nlohmann::json out = nlohmann::json::array();
            for (size_t t = 0; t < texts->size(); ++t) {
                nlohmann::json sentence = {{"text", (*texts)[t]},
                                           {"runs", nlohmann::json::array()}};
                for (const ExplainedRun &r : results)
                    sentence["runs"].push_back(
                        {{"run", r.run.id},
                         {"name", r.run.name},
                         {"kind", r.run.kind},
                         {"checkpoint", r.checkpoint},
                         {"explanation", toJson(r.explanations[t], *attention)}});
                out.push_back(sentence);
            }
            std::printf("%s\n",
                        out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        } else {
            for (size_t t = 0; t < texts->size(); ++t) {
                std::printf("\"%s\"\n", (*texts)[t].c_str());
                for (const ExplainedRun &r : results)
                    printExplanation(r, r.explanations[t]);
            }
        }
        exitCode = 0;
    });
}

} // namespace sentilab::cli
