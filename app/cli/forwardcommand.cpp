#include <cstdint>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include <sentilab/boundedjson.h>
#include <sentilab/classifier.h>
#include <sentilab/error.h>

#include "commands.h"

namespace sentilab::cli {
namespace {

// A [batch][length] list of JSON integers. Floats (3.7 or 3.0), strings and numbers outside int64
// are errors, not truncated: a silently changed id would give another sentence's logits.
std::vector<std::vector<int64_t>> readMatrix(const nlohmann::json &input, const char *key,
                                             bool required)
{
    const auto it = input.find(key);
    if (it == input.end()) {
        if (required)
            throw Error(std::string("stdin: missing key \"") + key + "\"");
        return {};
    }
    const auto bad = [key](const std::string &where, const nlohmann::json &value) {
        return Error(std::string("stdin: \"") + key + "\"" + where +
                     " must be an integer (a list of lists of integers), got " +
                     jsonExcerpt(value));
    };
    if (!it->is_array())
        throw bad("", *it);
    std::vector<std::vector<int64_t>> rows;
    for (size_t b = 0; b < it->size(); ++b) {
        const nlohmann::json &row = (*it)[b];
        if (!row.is_array())
            throw bad("[" + std::to_string(b) + "]", row);
        rows.emplace_back();
        for (size_t t = 0; t < row.size(); ++t) {
            const nlohmann::json &v = row[t];
            if (!v.is_number_integer() ||
                (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)))
                throw bad("[" + std::to_string(b) + "][" + std::to_string(t) + "]", v);
            rows.back().push_back(v.get<int64_t>());
        }
    }
    return rows;
}

} // namespace

void addForwardCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand(
        "forward", "Eval-mode forward pass of a Hugging Face DistilBERT folder. Reads JSON "
                   "{\"input_ids\": [[...]], \"attention_mask\": [[...]]} on stdin and prints "
                   "{\"last_hidden_state\": ..., \"logits\": ...}");
    auto modelDir = std::make_shared<std::string>();
    cmd->add_option("--model", *modelDir,
                    "Folder with config.json and model.safetensors or "
                    "pytorch_model.bin")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->callback([modelDir, &exitCode] {
        const std::string text((std::istreambuf_iterator<char>(std::cin)),
                               std::istreambuf_iterator<char>());
        const nlohmann::json input = parseJson(text, "stdin");
        if (!input.is_object())
            throw Error("stdin: expected a JSON object {\"input_ids\": [[...]], "
                        "\"attention_mask\": [[...]]}");
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
        std::cout << nlohmann::json{{"last_hidden_state", hidden}, {"logits", logits}}.dump()
                  << '\n';
        exitCode = 0;
    });
}

} // namespace sentilab::cli
