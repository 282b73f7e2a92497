#include "commands.h"

namespace sentilab::cli {

GlobalOptions &globalOptions()
{
    static GlobalOptions options;
    return options;
}

} // namespace sentilab::cli
