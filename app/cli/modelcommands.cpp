// eval, predict and export: the commands that use a run's trained model.
#include <cstdio>

#include <sentilab/classifier.h>
#include <sentilab/error.h>
#include <sentilab/training.h>

#include "commands.h"
#include "runlookup.h"

namespace sentilab::cli {

void addEvalCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand("eval", "Evaluate a run's best checkpoint on a split and record "
                                           "the result (accuracy, F1, confusion, predictions)");
    auto which = std::make_shared<std::string>();
    auto split = std::make_shared<std::string>("test");
    cmd->add_option("run", *which, "Run id or name")->required();
    cmd->add_option("--split", *split, "validation or test")
        ->check(CLI::IsMember({"validation", "test"}))
        ->capture_default_str();
    cmd->callback([which, split, &exitCode] {
        int64_t runId = 0;
        {
            const RunStore store = RunStore::openExisting(databasePath());
            runId = resolveRun(store, *which).id;
        }
        const EvalInfo e = evaluateRun(databasePath(), runId, *split);
        std::printf(
            "run %lld, %s split, checkpoint of step %lld: accuracy %.4f, F1 %.4f, loss %.4f "
            "(tn %lld fp %lld fn %lld tp %lld) in %.1f s\n",
            (long long)runId, e.split.c_str(), (long long)e.step, e.accuracy, e.f1, e.loss,
            (long long)e.confusion[0], (long long)e.confusion[1], (long long)e.confusion[2],
            (long long)e.confusion[3], e.seconds);
        exitCode = 0;
    });
}

void addPredictCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand("predict", "Classify sentences with one or more runs' best "
                                              "checkpoints, side by side");
    auto runs = std::make_shared<std::vector<std::string>>();
    auto texts = std::make_shared<std::vector<std::string>>();
    cmd->add_option("--run", *runs, "Run id or name (repeat for a side-by-side comparison)")
        ->required()
        ->allow_extra_args(false);
    cmd->add_option("text", *texts, "Sentences to classify")->required();
    cmd->callback([runs, texts, &exitCode] {
        const RunStore store = RunStore::openExisting(databasePath());
        std::vector<std::string> names;
        std::vector<std::vector<Prediction>> results;
        for (const std::string &which : *runs) {
            const RunInfo r = resolveRun(store, which);
            const Classifier model = Classifier::load(bestCheckpointDir(store, r.id));
            names.push_back(r.name + " (" + r.kind + ")");
            results.push_back(model.predict(*texts));
        }
        for (size_t t = 0; t < texts->size(); ++t) {
            std::printf("\"%s\"\n", (*texts)[t].c_str());
            for (size_t m = 0; m < names.size(); ++m) {
                const Prediction &p = results[m][t];
                std::printf("  %-32s %-9s p(%s) = %.3f\n", names[m].c_str(), p.labelName.c_str(),
                            p.labelName.c_str(), p.probabilities[size_t(p.label)]);
            }
        }
        exitCode = 0;
    });
}

void addExportCommand(CLI::App &app, int &exitCode)
{
    auto *cmd =
        app.add_subcommand("export", "Write a run's best checkpoint as a Hugging Face folder "
                                     "(config.json, model.safetensors, vocab.txt)");
    auto which = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    cmd->add_option("run", *which, "Run id or name")->required();
    cmd->add_option("--out", *out, "Output folder (created)")->required();
    cmd->callback([which, out, &exitCode] {
        const RunStore store = RunStore::openExisting(databasePath());
        const RunInfo r = resolveRun(store, *which);
        Classifier::load(bestCheckpointDir(store, r.id)).save(*out);
        std::printf("exported run %lld to %s\n", (long long)r.id, out->c_str());
        exitCode = 0;
    });
}

} // namespace sentilab::cli
