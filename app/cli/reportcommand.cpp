// `sentilab-cli report`: the PDF report of one or more runs, rendered without a display.
#include <cstdio>
#include <memory>

#include <QApplication>
#include <QByteArray>

#include <sentilab/error.h>
#include <sentilab/runstore.h>

#include "commands.h"
#include "report/reportbuilder.h"
#include "runlookup.h"

namespace sentilab::cli {

void addReportCommand(CLI::App &app, int &exitCode)
{
    auto *cmd = app.add_subcommand(
        "report", "Write a PDF report of runs: settings, curves, accuracy, F1, confusion matrices, "
                  "a side-by-side comparison, the self-attention check and example predictions");
    auto runs = std::make_shared<std::vector<std::string>>();
    auto out = std::make_shared<std::string>();
    auto sentences = std::make_shared<std::vector<std::string>>();
    auto discussion = std::make_shared<std::string>();
    auto cases = std::make_shared<int>(20);
    auto study = std::make_shared<int64_t>(0);
    cmd->add_option("--runs", *runs,
                    "Runs by id or name, comma-separated (e.g. --runs 3,4); with --study the "
                    "default is the study's seed-1 pair at its largest size")
        ->delimiter(',')
        ->allow_extra_args(false);
    cmd->add_option("--out", *out, "PDF file to write")->required();
    cmd->add_option("--study", *study,
                    "Add a section on this data-efficiency study (see `sentilab-cli study status`)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--sentence", *sentences,
                    "Example sentence, repeat for more (default: the comparison's saved sentences, "
                    "else four built-in ones)")
        ->allow_extra_args(false);
    cmd->add_option("--discussion", *discussion,
                    "Discussion text (default: the comparison's saved discussion)");
    cmd->add_option("--attention-cases", *cases, "Self-attention check cases (0 skips the check)")
        ->check(CLI::Range(0, 10000))
        ->capture_default_str();
    cmd->callback([=, &exitCode] {
        const RunStore store = RunStore::openExisting(databasePath());
        ui::ReportOptions options;
        options.databasePath = QString::fromStdString(store.path());
        if (runs->empty() && *study == 0)
            throw Error("report: give --runs (e.g. --runs 3,4) or --study ID");
        for (const std::string &which : *runs)
            options.runIds.append(resolveRun(store, which).id);
        options.studyId = *study;
        for (const std::string &s : *sentences)
            options.sentences.append(QString::fromStdString(s));
        options.discussion = QString::fromStdString(*discussion);
        options.outputPath = QString::fromStdString(*out);
        options.attentionCases = *cases;

        // Charts are offscreen widgets: a QApplication is needed, a display is not.
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        int qtArgc = 1;
        char name[] = "sentilab-cli";
        char *qtArgv[] = {name, nullptr};
        QApplication qtApp(qtArgc, qtArgv);
        ui::writeReport(options);
        std::printf("wrote %s\n", out->c_str());
        exitCode = 0;
    });
}

} // namespace sentilab::cli
