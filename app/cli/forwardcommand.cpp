#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include <sentilab/classifier.h>
#include <sentilab/error.h>

#include "commands.h"

namespace sentilab::cli {
namespace {

std::vector<std::vector<int64_t>> readMatrix(const nlohmann::json &input, const char *key, bool required)
{
    const auto it = input.find(key);
    if (it == input.end()) {
        if (required)
            throw Error(std::string("stdin: missing key \"") + key + "\"");
        return {};
    }
    try {
        return it->get<std::vector<std::vector<int64_t>>>();
    } catch (const nlohmann::json::exception &) {
        throw Error(std::string("stdin: \"") + key + "\" must be a list of lists of integers");
    }
}

} // namespace

void addForwardCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand(
        "forward",
        "Eval-mode forward pass of a Hugging Face DistilBERT folder. Reads JSON "
        "{\"input_ids\": [[...]], \"attention_mask\": [[...]]} on stdin and prints "
        "{\"last_hidden_state\": ..., \"logits\": ...}");
    auto modelDir = std::make_shared<std::string>();
    cmd->add_option("--model", *modelDir, "Folder with config.json and model.safetensors or "
                                          "pytorch_model.bin")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->callback([modelDir, &exitCode] {
        const std::string text((std::istreambuf_iterator<char>(std::cin)),
                               std::istreambuf_iterator<char>());
        nlohmann::json input;
        try {
            input = nlohmann::json::parse(text);
        } catch (const nlohmann::json::parse_error &e) {
            throw Error(std::string("stdin: not valid JSON (") + e.what() + ")");
        }
        const auto ids = readMatrix(input, "input_ids", true);
        const auto mask = readMatrix(input, "attention_mask", false);

        const Classifier model = Classifier::load(*modelDir);
        std::cerr << model.loadSummary() << '\n';
        const ForwardOutput out = model.forward(ids, mask);

        nlohmann::json hidden = nlohmann::json::array();
        for (int64_t b = 0; b < out.batch; ++b) {
            nlohmann::json rows = nlohmann::json::array();
            for (int64_t t = 0; t < out.length; ++t) {
                const float *v = out.lastHiddenState.data() + (b * out.length + t) * out.dim;
                rows.push_back(std::vector<float>(v, v + out.dim));
            }
            hidden.push_back(std::move(rows));
        }
        nlohmann::json logits = nlohmann::json::array();
        for (int64_t b = 0; b < out.batch; ++b) {
            const float *v = out.logits.data() + b * out.numLabels;
            logits.push_back(std::vector<float>(v, v + out.numLabels));
        }
        std::cout << nlohmann::json{{"last_hidden_state", hidden}, {"logits", logits}}.dump() << '\n';
        exitCode = 0;
    });
}

} // namespace sentilab::cli
