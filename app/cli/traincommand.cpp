#include <cstdio>

#include <sentilab/device.h>
#include <sentilab/error.h>
#include <sentilab/firstrun.h>
#include <sentilab/training.h>

#include "commands.h"
#include "interruptguard.h"
#include "progressbar.h"

namespace sentilab::cli {
namespace {

struct TrainArgs
{
    std::string config;
    std::vector<std::string> overrides;
    int64_t resume = 0;
    std::string name;
    std::string checkpoints;
    std::string device;
};

int runTrain(const TrainArgs &a)
{
    TrainingRequest request;
    if (a.resume <= 0) {
        if (a.config.empty())
            throw Error(
                "train: give an experiment file (e.g. experiments/finetune.yaml) or --resume RUN");
        request.config = ExperimentConfig::fromFile(a.config, a.overrides);
        if (globalOptions().threads > 0)
            request.config.train.threads = globalOptions().threads;
        // First run: say what to download before a run is recorded, not a failed run later.
        if (const auto missing = missingDownloads(request.config); !missing.empty())
            throw Error(firstRunMessage(missing));
    }
    request.dbPath = databasePath();
    request.checkpointRoot = a.checkpoints;
    request.resumeRunId = a.resume;
    request.runName = a.name;
    request.device = a.device;

    ProgressBar bar("train");
    const InterruptGuard interrupt; // Ctrl+C stops within one step; the run becomes "cancelled"
    TrainingCallbacks callbacks;
    callbacks.cancel = interrupt.flag();
    callbacks.onStarted = [&](int64_t runId) {
        bar.message("run " + std::to_string(runId) + " in " + request.dbPath +
                    " (Ctrl+C stops it cleanly)");
    };
    callbacks.onStep = [&](const StepInfo &s) {
        char detail[160];
        std::snprintf(detail, sizeof detail, "epoch %.2f  loss %.4f  lr %.2e  %.1f samples/s",
                      s.epochProgress, s.loss, s.lr, s.samplesPerSecond);
        bar.update(s.step, s.totalSteps, detail, s.etaSeconds);
    };
    callbacks.onEval = [&](const EvalInfo &e) {
        char line[200];
        std::snprintf(line, sizeof line,
                      "%s @ step %lld: accuracy %.4f  F1 %.4f  loss %.4f  (%.1f s)%s",
                      e.split.c_str(), (long long)e.step, e.accuracy, e.f1, e.loss, e.seconds,
                      e.isBest ? "  best" : "");
        bar.message(line);
    };
    callbacks.onLog = [&](const std::string &level, const std::string &message) {
        if (level != "info" || message.find('\n') != std::string::npos ||
            message.rfind("loaded", 0) == 0)
            bar.message(level + ": " + message);
    };

    const TrainingResult r = runTraining(request, callbacks);
    bar.finish();
    std::printf("run %lld %s", (long long)r.runId, toString(r.status).c_str());
    if (r.bestValAccuracy >= 0)
        std::printf(", best validation accuracy %.4f", r.bestValAccuracy);
    if (r.testAccuracy >= 0)
        std::printf(", test accuracy %.4f (F1 %.4f)", r.testAccuracy, r.testF1);
    std::printf("\n");
    if (r.status == RunStatus::Failed)
        std::fprintf(stderr, "error: run %lld failed: %s\n", (long long)r.runId, r.error.c_str());
    if (r.status == RunStatus::Cancelled)
        std::printf("resume it with: sentilab-cli train --resume %lld\n", (long long)r.runId);
    return r.status == RunStatus::Finished ? 0 : (r.status == RunStatus::Cancelled ? 130 : 1);
}

} // namespace

void addTrainCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand(
        "train", "Train a run from an experiment file (fine-tune or scratch), recording every "
                 "metric, evaluation and checkpoint in the run store");
    auto a = std::make_shared<TrainArgs>();
    cmd->add_option("config", a->config, "Experiment YAML, e.g. experiments/finetune.yaml");
    cmd->add_option("--set", a->overrides, "Override a key, e.g. --set train.lr=3e-5 (repeatable)");
    cmd->add_option("--resume", a->resume,
                    "Continue interrupted/cancelled run RUN (id) from its "
                    "last checkpoint")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--name", a->name, "Run name (default: <experiment name>-<id>)");
    cmd->add_option("--checkpoints", a->checkpoints,
                    "Checkpoint folder (default: 'checkpoints' beside the database)");
    cmd->add_option("--device", a->device,
                    "Where to train: auto (a CUDA GPU when this build has one, else the CPU), cpu "
                    "or cuda; overrides train.device, also on --resume")
        ->check(CLI::IsMember(deviceChoices()));
    cmd->callback([a, &exitCode] { exitCode = runTrain(*a); });
}

} // namespace sentilab::cli
