// sentilab-cli: headless front end over sentilab_core. Argument parsing and wiring only.
#include <algorithm>
#include <iostream>
#include <string_view>

#include <CLI/CLI.hpp>

#include <sentilab/error.h>
#include <sentilab/runtime.h>
#include <sentilab/textexcerpt.h>
#include <sentilab/version.h>

#include "commands.h"

int main(int argc, char **argv)
{
    sentilab::tuneRuntimeEnvironment(argv);
    sentilab::reportFileSizeLimitAsError();

    CLI::App app{"SentiLab command line: tokenizer, model checks, benchmarks.\n"
                 "How much does pre-training buy you? DistilBERT fine-tune vs scratch on SST-2."};
    // `--version --verbose` adds the runtime (threads, CPU, BLAS library and kernel). CLI11 acts on
    // --version as soon as it reads it, so the flag is looked up in argv beforehand.
    const bool verbose = std::any_of(
        argv + 1, argv + argc, [](const char *a) { return std::string_view(a) == "--verbose"; });
    auto &global = sentilab::cli::globalOptions();
    app.set_version_flag("--version", [verbose, &global] {
        std::string text = std::string("sentilab-cli ") + sentilab::kVersion;
        if (verbose) {
            sentilab::setComputeThreads(global.threads); // what a subcommand would run with
            text += "\n" + sentilab::environmentSummary();
        }
        return text;
    });
    app.add_flag("--verbose", "With --version: also LibTorch, threads, CPU and BLAS kernel");
    app.require_subcommand(1);
    // Subcommands (created below, inheriting this) hand options they do not know to the parent,
    // so the global --db and --threads work after the subcommand too: `train X --db F`.
    app.fallthrough();
    app.add_option("--threads", global.threads, "LibTorch intra-op threads (0 = all cores)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--db", global.db,
                   "Run store (SQLite file); default $SENTILAB_DB or "
                   "~/.local/share/sentilab/sentilab.db");

    int exitCode = 0;
    sentilab::cli::addTokenizeCommand(app, exitCode);
    sentilab::cli::addForwardCommand(app, exitCode);
    sentilab::cli::addCheckAttentionCommand(app, exitCode);
    sentilab::cli::addBenchCommand(app, exitCode);
    sentilab::cli::addTrainCommand(app, exitCode);
    sentilab::cli::addRunsCommand(app, exitCode);
    sentilab::cli::addStudyCommand(app, exitCode);
    sentilab::cli::addCompareCommand(app, exitCode);
    sentilab::cli::addEvalCommand(app, exitCode);
    sentilab::cli::addPredictCommand(app, exitCode);
    sentilab::cli::addExplainCommand(app, exitCode);
    sentilab::cli::addExportCommand(app, exitCode);
#ifdef SENTILAB_WITH_REPORT
    sentilab::cli::addReportCommand(app, exitCode);
#endif
    sentilab::cli::addDownloadCommand(app, exitCode);
    app.parse_complete_callback([&] { sentilab::setComputeThreads(global.threads); });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e);
    } catch (const sentilab::Error &e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    } catch (const std::exception &e) {
        // Not expected to reach here (core turns failures into sentilab::Error), but a clear line
        // beats std::terminate: e.g. a system error for a path the kernel refuses.
        std::cerr << "error: " << sentilab::excerpt(sentilab::firstLine(e.what()), 1000) << '\n';
        return 1;
    }
    return exitCode;
}
