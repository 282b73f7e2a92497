#pragma once
// Subcommands of sentilab-cli. Each add*Command registers its subcommand (with --help) on `app`;
// when the subcommand is chosen its callback runs and stores the process exit code in `exitCode`.
// Callbacks may throw sentilab::Error; main() turns it into "error: <message>" and exit code 1.
#include <string>

#include <CLI/CLI.hpp>

namespace sentilab::cli {

// Options shared by all subcommands, filled by main() before any callback runs.
struct GlobalOptions
{
    std::string db;  // run store; empty = $SENTILAB_DB or the XDG data directory
    int threads = 0; // LibTorch intra-op threads; 0 = all cores
};
GlobalOptions &globalOptions();
// The run store path to use: --db, else RunStore::defaultPath().
std::string databasePath();

void addTokenizeCommand(CLI::App &app, int &exitCode);
void addForwardCommand(CLI::App &app, int &exitCode);
void addCheckAttentionCommand(CLI::App &app, int &exitCode);
void addBenchCommand(CLI::App &app, int &exitCode);
void addTrainCommand(CLI::App &app, int &exitCode);
void addRunsCommand(CLI::App &app, int &exitCode);
void addCompareCommand(CLI::App &app, int &exitCode);
void addEvalCommand(CLI::App &app, int &exitCode);
void addPredictCommand(CLI::App &app, int &exitCode);
void addExplainCommand(CLI::App &app, int &exitCode);
void addExportCommand(CLI::App &app, int &exitCode);
void addReportCommand(CLI::App &app, int &exitCode); // only with SENTILAB_WITH_REPORT
void addDownloadCommand(CLI::App &app, int &exitCode);
void addStudyCommand(CLI::App &app, int &exitCode);

} // namespace sentilab::cli
