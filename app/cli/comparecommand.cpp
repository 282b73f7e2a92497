// `sentilab-cli compare A B [...]`: the comparison the dashboard and the report show, from the
// same read model (sentilab/runanalysis.h), as a table or as JSON.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <sentilab/error.h>
#include <sentilab/runanalysis.h>
#include <sentilab/textexcerpt.h>

#include "commands.h"
#include "runlookup.h"

namespace sentilab::cli {
namespace {

struct CompareOptions
{
    std::vector<std::string> runs;
    bool json = false;
    int sentences = 10;
};

std::string percent(const std::optional<EvalRecord> &e)
{
    if (!e)
        return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%% @%lld", e->accuracy * 100, (long long)e->step);
    return buf;
}

std::string seconds(double s)
{
    if (s < 0)
        return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f s", s);
    return buf;
}

std::string count(int64_t n)
{
    return n < 0 ? "-" : std::to_string(n);
}

void printTable(const Comparison &c, int sentences)
{
    const auto row = [&](const char *label, const auto &cell) {
        std::printf("  %-26s", label);
        for (const RunSummary &r : c.runs)
            std::printf(" %22s", cell(r).c_str());
        std::printf("\n");
    };
    std::printf("  %-26s", "run");
    for (const RunSummary &r : c.runs)
        std::printf(" %22s",
                    ("#" + std::to_string(r.info.id) + " " + excerpt(r.info.name, 18)).c_str());
    std::printf("\n");
    row("kind", [](const RunSummary &r) { return r.info.kind; });
    row("status", [](const RunSummary &r) { return toString(r.info.status); });
    row("steps", [](const RunSummary &r) {
        return std::to_string(r.info.lastStep) + " of " + std::to_string(r.info.totalSteps);
    });
    row("best validation accuracy", [](const RunSummary &r) { return percent(r.bestValidation); });
    row("last validation accuracy", [](const RunSummary &r) { return percent(r.lastValidation); });
    row("test accuracy", [](const RunSummary &r) { return percent(r.test); });
    row("test F1 (positive)", [](const RunSummary &r) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.4f", r.test ? r.test->f1 : 0.0);
        return r.test ? std::string(buf) : std::string("-");
    });
    row("training time", [](const RunSummary &r) { return seconds(r.trainingSeconds); });
    row("examples train/val/test", [](const RunSummary &r) {
        return count(r.examples.train) + "/" + count(r.examples.validation) + "/" +
               count(r.examples.test);
    });
    row("parameters", [](const RunSummary &r) {
        return r.architecture.known() ? std::to_string(r.architecture.parameters)
                                      : std::string("-");
    });
    if (!c.hasPair()) {
        std::printf("\nno pair to compare: name at least two runs\n");
        return;
    }
    const RunSummary &a = c.runs[size_t(c.a)], &b = c.runs[size_t(c.b)];
    std::printf("\ncompared: #%lld %s minus #%lld %s%s\n", (long long)a.info.id,
                a.info.name.c_str(), (long long)b.info.id, b.info.name.c_str(),
                c.kindsDiffer ? " (fine-tune minus scratch)" : "");
    if (c.difference.empty()) {
        std::printf("validation accuracy difference: no validation steps in common yet\n");
    } else {
        std::printf("validation accuracy difference (points) at %zu steps:", c.difference.size());
        bool interpolated = false;
        for (const DifferencePoint &p : c.difference) {
            std::printf(" %lld:%+.2f%s", (long long)p.step, p.points, p.interpolated ? "*" : "");
            interpolated = interpolated || p.interpolated;
        }
        std::printf("\n");
        if (interpolated)
            std::printf("  (* = one run's value interpolated between its evaluations)\n");
    }
    if (c.aMatchedBestOfB)
        std::printf("#%lld first reached #%lld's best validation accuracy at step %lld (epoch "
                    "%.2f)\n",
                    (long long)a.info.id, (long long)b.info.id, (long long)c.aMatchedBestOfB->step,
                    c.aMatchedBestOfB->epoch);
    if (c.testJoined == 0) {
        std::printf("test disagreements: not both runs have test predictions yet\n");
        return;
    }
    std::printf("test disagreements: %zu of %lld sentences; #%lld right on %lld, #%lld on %lld "
                "(McNemar exact p = %.3g, %s)\n",
                c.disagreements.size(), (long long)c.testJoined, (long long)a.info.id,
                (long long)c.aRightOnDisagreements, (long long)b.info.id,
                (long long)c.bRightOnDisagreements, c.mcnemarP,
                c.mcnemarP < 0.05 ? "significant at 5%" : "not significant");
    if (!c.textError.empty())
        std::printf("  (sentences unavailable: %s)\n", excerpt(c.textError, 300).c_str());
    const auto label = [](int64_t l) { return l == 1 ? "pos" : "neg"; };
    for (size_t i = 0; i < c.disagreements.size() && int(i) < sentences; ++i) {
        const Disagreement &d = c.disagreements[i];
        std::printf("  [%lld] gold %s, #%lld %s %.2f, #%lld %s %.2f  %s\n", (long long)d.index,
                    label(d.label), (long long)a.info.id, label(d.a.predicted), d.a.probPositive,
                    (long long)b.info.id, label(d.b.predicted), d.b.probPositive,
                    excerpt(d.text, 120).c_str());
    }
    if (int64_t(c.disagreements.size()) > sentences)
        std::printf("  ... %zu more (--sentences N, or --json for all)\n",
                    c.disagreements.size() - size_t(sentences));
}

} // namespace

void addCompareCommand(CLI::App &app, int &exitCode)
{
    auto o = std::make_shared<CompareOptions>();
    auto *cmd = app.add_subcommand(
        "compare", "Compare runs as the dashboard and the report do: results side by side, the "
                   "validation-accuracy difference curve and the test sentences they disagree on");
    cmd->add_option("runs", o->runs, "Two or more run ids or names (see `runs list`)")
        ->required()
        ->expected(2, 64);
    cmd->add_flag("--json", o->json, "Print one JSON object (every number the views show)");
    cmd->add_option("--sentences", o->sentences, "Disagreeing sentences to print (table form)")
        ->check(CLI::NonNegativeNumber);
    cmd->callback([o, &exitCode] {
        const RunStore store = RunStore::openExisting(databasePath());
        std::vector<int64_t> ids;
        for (const std::string &which : o->runs)
            ids.push_back(resolveRun(store, which).id);
        const Comparison c = compareRuns(store, ids);
        if (o->json)
            std::cout << toJson(c).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                      << '\n';
        else
            printTable(c, o->sentences);
        exitCode = 0;
    });
}

} // namespace sentilab::cli
