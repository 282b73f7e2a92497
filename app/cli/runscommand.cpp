#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include <sentilab/error.h>
#include <sentilab/runstore.h>
#include <sentilab/textexcerpt.h>
#include <sentilab/training.h>

#include "commands.h"
#include "runlookup.h"

namespace sentilab::cli {
namespace {

std::string percent(double v)
{
    return v < 0 ? "-" : std::to_string(v * 100).substr(0, 5) + "%";
}

void listRuns()
{
    const std::string path = databasePath();
    if (!std::filesystem::exists(path)) {
        std::printf("no run store at %s yet; start a run with: sentilab-cli train "
                    "experiments/scratch.yaml (or pass --db FILE)\n",
                    excerpt(path, 500).c_str());
        return;
    }
    const RunStore store = RunStore::openExisting(path);
    const auto runs = store.listRuns();
    if (runs.empty()) {
        std::printf(
            "no runs in %s yet; start one with: sentilab-cli train experiments/scratch.yaml\n",
            store.path().c_str());
        return;
    }
    std::printf("%4s  %-24s %-9s %-12s %13s %9s %9s  %s\n", "id", "name", "kind", "status", "step",
                "best val", "test", "started");
    for (const RunInfo &r : runs) {
        const std::string steps = std::to_string(r.lastStep) + "/" + std::to_string(r.totalSteps);
        std::printf("%4lld  %-24s %-9s %-12s %13s %9s %9s  %s\n", (long long)r.id, r.name.c_str(),
                    r.kind.c_str(), toString(r.status).c_str(), steps.c_str(),
                    percent(r.bestValAccuracy).c_str(), percent(r.testAccuracy).c_str(),
                    r.startedAt.c_str());
    }
}

void showRun(const std::string &which)
{
    const RunStore store = RunStore::openExisting(databasePath());
    const RunInfo r = resolveRun(store, which);
    std::printf("run %lld: %s (%s), %s\n", (long long)r.id, r.name.c_str(), r.kind.c_str(),
                toString(r.status).c_str());
    if (!r.error.empty())
        std::printf("error: %s\n", r.error.c_str());
    if (!r.note.empty())
        std::printf("note: %s\n", r.note.c_str());
    std::printf("started %s, ended %s, step %lld of %lld, seed %llu, config hash %s\n",
                r.startedAt.c_str(), r.endedAt.empty() ? "-" : r.endedAt.c_str(),
                (long long)r.lastStep, (long long)r.totalSteps, (unsigned long long)r.seed,
                r.configHash.c_str());
    if (const double seconds = store.trainingSeconds(r.id); seconds >= 0)
        std::printf("training time: %.0f s%s\n", seconds, isTerminal(r.status) ? "" : " so far");
    std::printf("environment: %s\n\nmetrics (last / best @ step):\n", r.environment.c_str());
    for (const MetricSummary &m : store.summaries(r.id))
        std::printf("  %-22s %12.6g  %12.6g @ %lld\n", m.key.c_str(), m.last, m.best,
                    (long long)m.bestStep);
    std::printf("\nevaluations:\n  %-10s %7s %8s %8s %8s   confusion tn/fp/fn/tp\n", "split",
                "step", "accuracy", "F1", "loss");
    for (const EvalRecord &e : store.evals(r.id))
        std::printf("  %-10s %7lld %8.4f %8.4f %8.4f   %lld/%lld/%lld/%lld\n", e.split.c_str(),
                    (long long)e.step, e.accuracy, e.f1, e.loss, (long long)e.confusion[0],
                    (long long)e.confusion[1], (long long)e.confusion[2],
                    (long long)e.confusion[3]);
    std::printf("\ncheckpoints:\n");
    for (const CheckpointRecord &c : store.checkpoints(r.id))
        std::printf("  %-5s step %lld  %s\n", c.kind.c_str(), (long long)c.step, c.path.c_str());
    const auto events = store.events(r.id);
    std::printf("\nlast events:\n");
    for (size_t i = events.size() > 10 ? events.size() - 10 : 0; i < events.size(); ++i)
        std::printf("  %s %-5s %s\n", events[i].time.c_str(), events[i].level.c_str(),
                    events[i].message.c_str());
    std::printf("\nconfig:\n%s", r.configYaml.c_str());
}

void deleteRun(const std::string &which, bool yes)
{
    RunStore store = RunStore::openExisting(databasePath());
    const RunInfo r = resolveRun(store, which);
    if (r.status == RunStatus::Running)
        throw Error("run " + std::to_string(r.id) + " is running; stop it before deleting it");
    if (!yes) {
        if (!isatty(STDIN_FILENO))
            throw Error(
                "runs delete: pass --yes to delete without a question (stdin is not a terminal)");
        std::printf("delete run %lld (%s) with its metrics and checkpoints? [y/N] ",
                    (long long)r.id, r.name.c_str());
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "y" && answer != "Y" && answer != "yes") {
            std::printf("kept\n");
            return;
        }
    }
    const std::vector<std::string> notes = deleteRunWithCheckpoints(store, r.id);
    std::printf("deleted run %lld\n", (long long)r.id);
    for (const std::string &note : notes)
        std::printf("  %s\n", note.c_str());
}

} // namespace

void addRunsCommand(CLI::App &app, int &exitCode)
{
    auto *runs =
        app.add_subcommand("runs", "List, inspect, export and delete runs in the run store");
    runs->require_subcommand(1);

    auto *list = runs->add_subcommand("list", "One line per run: status, progress, accuracies");
    list->callback([&exitCode] { listRuns(), exitCode = 0; });

    auto which = std::make_shared<std::string>();
    auto *show = runs->add_subcommand("show", "Everything about one run: metrics, evaluations, "
                                              "checkpoints, events and its config");
    show->add_option("run", *which, "Run id or name")->required();
    show->callback([which, &exitCode] { showRun(*which), exitCode = 0; });

    auto csv = std::make_shared<std::string>();
    auto *exportCsv = runs->add_subcommand("export", "Write every metric point of a run as CSV");
    exportCsv->add_option("run", *which, "Run id or name")->required();
    exportCsv->add_option("--csv", *csv, "Output CSV file")->required();
    exportCsv->callback([which, csv, &exitCode] {
        const RunStore store = RunStore::openExisting(databasePath());
        const RunInfo r = resolveRun(store, *which);
        store.exportMetricsCsv(r.id, *csv);
        std::printf("wrote %s\n", csv->c_str());
        exitCode = 0;
    });

    auto yes = std::make_shared<bool>(false);
    auto *del = runs->add_subcommand("delete", "Delete a run, its records and its checkpoints");
    del->add_option("run", *which, "Run id or name")->required();
    del->add_flag("--yes,-y", *yes, "Do not ask for confirmation");
    del->callback([which, yes, &exitCode] { deleteRun(*which, *yes), exitCode = 0; });
}

} // namespace sentilab::cli
