#include "runlookup.h"

#include <cstdlib>

#include <sentilab/error.h>

#include "commands.h"

namespace sentilab::cli {

std::string databasePath()
{
    return globalOptions().db.empty() ? RunStore::defaultPath() : globalOptions().db;
}

RunInfo resolveRun(const RunStore &store, const std::string &idOrName)
{
    if (auto run = store.findRun(idOrName))
        return *run;
    throw Error("no run '" + idOrName + "' in " + store.path() + "; see `sentilab-cli runs list`");
}

} // namespace sentilab::cli
