// explain: which words drove each run's verdict, where its [CLS] attention flows
// (Classifier::explain) and, with --map, where the sentence lies on the run's embedding map: the
// same numbers as "Ask the models".
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include <sentilab/classifier.h>
#include <sentilab/embeddingmap.h>
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
    std::vector<Explanation> explanations;          // one per sentence
    std::optional<EmbeddingMap> map;                // with --map
    std::vector<std::pair<float, float>> positions; // each sentence on the map
};

// The run's embedding map from the store's cache, else computed (and cached) with progress on
// stderr, so that --json output on stdout stays parseable.
EmbeddingMap mapOfRun(const RunInfo &run)
{
    int64_t shownTenth = -1;
    std::optional<EmbeddingMap> map =
        embeddingMapForRun(databasePath(), run.id, [&](int64_t done, int64_t total) {
            const int64_t tenth = total > 0 ? done * 10 / total : 10;
            if (tenth != shownTenth) {
                shownTenth = tenth;
                std::fprintf(stderr, "run %lld: embedding map %lld/%lld sentences\n",
                             (long long)run.id, (long long)done, (long long)total);
            }
        });
    if (!map)
        throw Error("run " + std::to_string(run.id) + ": the embedding map was not computed");
    return std::move(*map);
}

void printMapPosition(const ExplainedRun &r, size_t sentence)
{
    const EmbeddingMap &m = *r.map;
    const auto [x, y] = r.positions[sentence];
    std::printf("    embedding map (step %lld, %zu validation and test sentences, PC1 %.0f%% PC2 "
                "%.0f%%, silhouette %.3f): at (%.3f, %.3f)\n",
                (long long)m.step, m.points.size(), 100.0 * m.explained[0], 100.0 * m.explained[1],
                m.silhouette, x, y);
}

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
    auto withMap = std::make_shared<bool>(false);
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
    cmd->add_flag("--map", *withMap,
                  "Also place each sentence on the run's embedding map (PCA of the [CLS] vectors "
                  "of its validation and test sentences), with the map's silhouette; made once "
                  "per checkpoint and cached in the run store (about a minute per full-size "
                  "model the first time)");
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
            if (*withMap) {
                r.map = mapOfRun(r.run);
                for (const std::string &text : *texts)
                    r.positions.push_back(r.map->project(model.represent({text}).vectors));
            }
            results.push_back(std::move(r));
        }
        if (*json) {
            nlohmann::json out = nlohmann::json::array();
            for (size_t t = 0; t < texts->size(); ++t) {
                nlohmann::json sentence = {{"text", (*texts)[t]},
                                           {"runs", nlohmann::json::array()}};
                for (const ExplainedRun &r : results) {
                    nlohmann::json run = {{"run", r.run.id},
                                          {"name", r.run.name},
                                          {"kind", r.run.kind},
                                          {"checkpoint", r.checkpoint},
                                          {"explanation", toJson(r.explanations[t], *attention)}};
                    if (r.map)
                        run["embedding_map"] = {
                            {"step", r.map->step},
                            {"points", r.map->points.size()},
                            {"explained", {r.map->explained[0], r.map->explained[1]}},
                            {"silhouette", r.map->silhouette},
                            {"accuracy", r.map->accuracy},
                            {"position", {r.positions[t].first, r.positions[t].second}}};
                    sentence["runs"].push_back(std::move(run));
                }
                out.push_back(sentence);
            }
            std::printf("%s\n",
                        out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        } else {
            for (size_t t = 0; t < texts->size(); ++t) {
                std::printf("\"%s\"\n", (*texts)[t].c_str());
                for (const ExplainedRun &r : results) {
                    printExplanation(r, r.explanations[t]);
                    if (r.map)
                        printMapPosition(r, t);
                }
            }
        }
        exitCode = 0;
    });
}

} // namespace sentilab::cli
