#pragma once
// Subcommands of sentilab-cli. Each add*Command registers its subcommand (with --help) on `app`;
// when the subcommand is chosen its callback runs and stores the process exit code in `exitCode`.
// Callbacks may throw sentilab::Error; main() turns it into "error: <message>" and exit code 1.
#include <CLI/CLI.hpp>

namespace sentilab::cli {

void addTokenizeCommand(CLI::App &app, int &exitCode);
void addForwardCommand(CLI::App &app, int &exitCode);
void addCheckAttentionCommand(CLI::App &app, int &exitCode);
void addBenchCommand(CLI::App &app, int &exitCode);

} // namespace sentilab::cli
