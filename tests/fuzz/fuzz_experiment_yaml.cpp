// libFuzzer target: the YAML experiment and study loaders. Input: YAML text, optionally followed
// by a NUL byte and `--set` overrides, one per line. It goes through ExperimentConfig::fromYaml()
// and, written to a file, through fromFile() (relative paths, the empty-file rule), and through
// StudyConfig::fromYaml() (a study's toYaml() must load back to the same text).
// A bug: a crash, a hang, an exception other than sentilab::Error, an ASan/UBSan report, or a
// broken contract: a loaded config whose toYaml() does not load back into an equal config with
// the same text and hash.
#include <sentilab/error.h>
#include <sentilab/experimentconfig.h>
#include <sentilab/study.h>

#include "fuzztempfile.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

// toYaml() must describe the config completely: loading it gives the same config back.
void checkRoundTrip(const sentilab::ExperimentConfig &config)
{
    const std::string yaml = config.toYaml();
    sentilab::ExperimentConfig again;
    try {
        again = sentilab::ExperimentConfig::fromYaml(yaml, "round-trip.yaml");
    } catch (const sentilab::Error &) {
        __builtin_trap();
    }
    check(again == config && again.toYaml() == yaml && again.hash() == config.hash());
    check(again.flatten() == config.flatten());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string input(reinterpret_cast<const char *>(data), size);
    const size_t nul = input.find('\0');
    const std::string yaml = input.substr(0, nul);
    std::vector<std::string> overrides;
    if (nul != std::string::npos) {
        for (size_t start = nul + 1; start <= input.size() && overrides.size() < 8;) {
            const size_t end = std::min(input.find('\n', start), input.size());
            overrides.push_back(input.substr(start, end - start));
            start = end + 1;
        }
    }

    try {
        checkRoundTrip(sentilab::ExperimentConfig::fromYaml(yaml, "fuzz.yaml", overrides));
    } catch (const sentilab::Error &) {
    }
    try {
        const sentilab::StudyConfig study = sentilab::StudyConfig::fromYaml(yaml, "fuzz.yaml");
        try {
            check(sentilab::StudyConfig::fromYaml(study.toYaml(), "round-trip.yaml").toYaml() ==
                  study.toYaml());
        } catch (const sentilab::Error &) {
            __builtin_trap();
        }
    } catch (const sentilab::Error &) {
    }
    const std::string path = sentilab::fuzz::writeTempFile(
        "experiment.yaml", reinterpret_cast<const uint8_t *>(yaml.data()), yaml.size());
    try {
        checkRoundTrip(sentilab::ExperimentConfig::fromFile(path, overrides));
    } catch (const sentilab::Error &) {
    }
    return 0;
}
