// `sentilab-cli study plan|run|resume|status|show`: data-efficiency studies (sentilab/study.h).
#include <cstdio>

#include <sentilab/error.h>
#include <sentilab/firstrun.h>
#include <sentilab/study.h>
#include <sentilab/studyanalysis.h>

#include "commands.h"
#include "interruptguard.h"
#include "progressbar.h"

namespace sentilab::cli {
namespace {

struct StudyArgs
{
    std::string file;
    std::string only; // "finetune" | "scratch" | "" (the file's kinds)
    std::string checkpoints;
    int64_t id = 0;
    bool json = false;
    std::string metric = "test_accuracy";
};

std::string etaText(const StudyProgress &p)
{
    if (p.etaSeconds < 0)
        return "time unknown until a cell of each kind has trained a few steps";
    return "about " + ProgressBar::formatDuration(p.etaSeconds) + " here";
}

StudyPlan planFrom(const StudyArgs &a)
{
    StudyConfig config = StudyConfig::fromFile(a.file);
    if (!a.only.empty())
        config.kinds = {a.only};
    for (const std::string &kind : config.kinds)
        if (const auto missing = missingDownloads(config.experiment(kind)); !missing.empty())
            throw Error(
                firstRunMessage(missing) +
                (kind == "finetune" ? "\n(or run only the scratch side: --only scratch)" : ""));
    return planStudy(config);
}

void printPlan(const StudyPlan &plan, const StudyProgress &estimate)
{
    std::printf("study %s: %zu runs (%zu sizes x %zu seeds x %zu kinds), %lld optimizer steps, "
                "%s\n",
                plan.config.name.c_str(), plan.cells.size(), plan.config.sizes.size(),
                plan.config.seeds.size(), plan.config.kinds.size(), (long long)estimate.steps,
                etaText(estimate).c_str());
    if (!estimate.etaBasis.empty())
        std::printf("  speed: %s\n", estimate.etaBasis.c_str());
    std::printf("  %4s  %-8s  %7s  %6s  %6s\n", "cell", "kind", "train", "seed", "steps");
    for (const StudyCell &c : plan.cells)
        std::printf("  %4lld  %-8s  %7lld  %6llu  %6lld\n", (long long)c.index, c.kind.c_str(),
                    (long long)c.trainSize, (unsigned long long)c.seed, (long long)c.steps);
}

int train(int64_t studyId, const std::string &checkpoints)
{
    const std::string db = databasePath();
    (void)RunStore::openExisting(db).study(studyId); // a mistyped --db or id creates nothing
    ProgressBar bar("study");
    const InterruptGuard interrupt; // Ctrl+C ends the current cell as cancelled, the study stops
    StudyCallbacks cb;
    cb.training.cancel = interrupt.flag();
    int64_t cellSteps = 0, doneBefore = 0, total = 0;
    double lastEtaPoll = -1e9;
    double eta = -1;
    cb.onCellStarted = [&](const StudyCell &c, int64_t runId) {
        const RunStore store = RunStore::openExisting(db);
        const StudyProgress p = studyProgress(store, studyId);
        // Steps of the other cells; a resumed cell's own earlier steps come back through onStep.
        doneBefore = p.stepsDone - std::min(c.steps, store.run(runId).lastStep);
        total = p.steps;
        cellSteps = c.steps;
        eta = p.etaSeconds;
        bar.message("cell " + std::to_string(c.index + 1) + "/" + std::to_string(p.cells) + ": " +
                    c.kind + ", " + std::to_string(c.trainSize) + " sentences, seed " +
                    std::to_string(c.seed) + " (run " + std::to_string(runId) + ")");
    };
    cb.training.onStep = [&](const StepInfo &s) {
        // The whole study's ETA: the store's estimate, refreshed every ~30 s of training.
        if (s.elapsedSeconds - lastEtaPoll > 30) {
            lastEtaPoll = s.elapsedSeconds;
            eta = studyProgress(RunStore::openExisting(db), studyId).etaSeconds;
        }
        char detail[120];
        std::snprintf(detail, sizeof detail, "cell step %lld/%lld  loss %.4f", (long long)s.step,
                      (long long)cellSteps, s.loss);
        bar.update(std::min(total, doneBefore + s.step), total, detail, eta);
    };
    cb.onCellEnded = [&](const StudyCell &c, const TrainingResult &r) {
        char line[200];
        std::snprintf(line, sizeof line, "cell %lld %s: best validation %.4f, test %.4f",
                      (long long)c.index + 1, toString(r.status).c_str(), r.bestValAccuracy,
                      r.testAccuracy);
        bar.message(r.status == RunStatus::Failed
                        ? "cell " + std::to_string(c.index + 1) + " failed: " + r.error
                        : std::string(line));
    };
    const StudyProgress p = runStudy(db, checkpoints, studyId, globalOptions().threads, cb);
    bar.finish();
    std::printf("study %lld %s: %lld of %lld cells finished, %lld failed\n", (long long)studyId,
                p.status.c_str(), (long long)p.cellsFinished, (long long)p.cells,
                (long long)p.cellsFailed);
    if (p.status == "cancelled" || p.status == "stopped")
        std::printf("resume it with: sentilab-cli study resume %lld\n", (long long)studyId);
    if (p.status == "finished")
        std::printf("results: sentilab-cli study show %lld\n", (long long)studyId);
    return p.status == "finished" ? (p.cellsFailed > 0 ? 1 : 0)
                                  : (p.status == "cancelled" ? 130 : 1);
}

void printStatus(const RunStore &store, int64_t id)
{
    const StudyProgress p = studyProgress(store, id);
    const StudyRecord s = store.study(id);
    std::printf("%4lld  %-24s  %-9s  %3lld/%-3lld cells  %3.0f%% of steps  %s\n", (long long)id,
                s.name.c_str(), p.status.c_str(), (long long)p.cellsFinished, (long long)p.cells,
                p.steps > 0 ? 100.0 * double(p.stepsDone) / double(p.steps) : 0.0,
                p.status == "finished" ? "" : ("left: " + etaText(p)).c_str());
}

void status(int64_t id)
{
    const RunStore store = RunStore::openExisting(databasePath());
    if (id == 0) {
        const auto studies = store.listStudies();
        if (studies.empty())
            std::printf("no studies in %s (start one: sentilab-cli study run "
                        "experiments/studies/quick.yaml)\n",
                        store.path().c_str());
        for (const StudyRecord &s : studies)
            printStatus(store, s.id);
        return;
    }
    printStatus(store, id);
    std::printf("  %4s  %-8s  %7s  %6s  %6s  %6s  %-11s\n", "cell", "kind", "train", "seed",
                "steps", "run", "status");
    for (const StudyCell &c : store.studyCells(id)) {
        const std::string runStatus = c.runId ? toString(store.run(c.runId).status) : "waiting";
        std::printf("  %4lld  %-8s  %7lld  %6llu  %6lld  %6s  %-11s\n", (long long)c.index,
                    c.kind.c_str(), (long long)c.trainSize, (unsigned long long)c.seed,
                    (long long)c.steps, c.runId ? std::to_string(c.runId).c_str() : "-",
                    runStatus.c_str());
    }
}

void show(const StudyArgs &a)
{
    const RunStore store = RunStore::openExisting(databasePath());
    const StudySummary s = summarizeStudy(store, a.id, studyMetricFromString(a.metric));
    if (a.json) {
        std::printf("%s\n", toJson(s).dump(2).c_str());
        return;
    }
    std::printf("study %lld %s (%s), %s\n", (long long)s.study.id, s.study.name.c_str(),
                s.progress.status.c_str(), a.metric.c_str());
    std::printf("%8s  %-8s  %2s  %7s  %6s  %7s  %7s\n", "train", "kind", "n", "mean", "sd", "min",
                "max");
    for (const StudyGroup &g : s.groups)
        std::printf("%8lld  %-8s  %2lld  %6.2f%%  %6.2f  %6.2f%%  %6.2f%%\n",
                    (long long)g.trainSize, g.kind.c_str(), (long long)g.n(), 100 * g.mean,
                    100 * g.sd, 100 * g.min, 100 * g.max);
    for (const StudyDifference &d : s.differences)
        std::printf("%8lld  fine-tune - scratch %+.2f points, 95%% CI [%+.2f, %+.2f] over %zu "
                    "seeds (%s)\n",
                    (long long)d.trainSize, 100 * d.mean, 100 * d.interval.low,
                    100 * d.interval.high, d.pairs.size(),
                    d.significant ? "significant" : "not significant");
    std::printf("\n%s\n%s\n", s.readoutText.c_str(), s.stabilityText.c_str());
}

} // namespace

void addStudyCommand(CLI::App &app, int &exitCode)
{
    auto *study = app.add_subcommand(
        "study", "Data-efficiency studies: fine-tune and scratch runs over training-set sizes "
                 "and seeds, with the curve, its seed spread and paired statistics");
    study->require_subcommand(1);
    auto a = std::make_shared<StudyArgs>();

    auto *plan = study->add_subcommand("plan", "Show a study file's cells and estimated time "
                                               "without training anything");
    auto *run = study->add_subcommand("run", "Create a study from a file and train its cells, "
                                             "cheapest first (Ctrl+C stops; resume continues)");
    for (CLI::App *cmd : {plan, run}) {
        cmd->add_option("file", a->file, "Study YAML, e.g. experiments/studies/quick.yaml")
            ->required();
        cmd->add_option("--only", a->only, "Train one side only")
            ->check(CLI::IsMember({"finetune", "scratch"}));
    }
    run->add_option("--checkpoints", a->checkpoints,
                    "Checkpoint folder (default: 'checkpoints' beside the database)");
    plan->callback([a, &exitCode] {
        const StudyPlan p = planFrom(*a);
        const RunStore store = RunStore::open(databasePath());
        printPlan(p, planEstimate(store, p));
        exitCode = 0;
    });
    run->callback([a, &exitCode] {
        const StudyPlan p = planFrom(*a);
        int64_t id = 0;
        {
            RunStore store = RunStore::open(databasePath());
            printPlan(p, planEstimate(store, p));
            id = createStudy(store, p);
        }
        std::printf("study %lld created in %s\n", (long long)id, databasePath().c_str());
        exitCode = train(id, a->checkpoints);
    });

    auto *resume = study->add_subcommand("resume", "Continue a stopped or cancelled study; "
                                                   "finished cells are not repeated");
    resume->add_option("id", a->id, "Study id")->required()->check(CLI::PositiveNumber);
    resume->add_option("--checkpoints", a->checkpoints,
                       "Checkpoint folder (default: 'checkpoints' beside the database)");
    resume->callback([a, &exitCode] { exitCode = train(a->id, a->checkpoints); });

    auto *statusCmd = study->add_subcommand("status", "Every study's progress, or one study's "
                                                      "cells with their runs");
    statusCmd->add_option("id", a->id, "Study id (default: list all)")->check(CLI::PositiveNumber);
    statusCmd->callback([a, &exitCode] { status(a->id), exitCode = 0; });

    auto *showCmd = study->add_subcommand("show", "The curve's numbers, the paired differences "
                                                  "with 95% bootstrap intervals and the readout");
    showCmd->add_option("id", a->id, "Study id")->required()->check(CLI::PositiveNumber);
    showCmd->add_flag("--json", a->json, "Machine-readable (the numbers the app shows)");
    showCmd->add_option("--metric", a->metric, "test_accuracy, validation_accuracy or test_f1")
        ->check(CLI::IsMember({"test_accuracy", "validation_accuracy", "test_f1"}));
    showCmd->callback([a, &exitCode] { show(*a), exitCode = 0; });
}

} // namespace sentilab::cli
