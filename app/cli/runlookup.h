#pragma once
#include <string>

#include <sentilab/runstore.h>

namespace sentilab::cli {

// The run named by `idOrName` (numeric id or exact name); throws sentilab::Error listing how to
// see the runs when there is none.
RunInfo resolveRun(const RunStore &store, const std::string &idOrName);

} // namespace sentilab::cli
