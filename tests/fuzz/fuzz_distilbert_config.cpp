// libFuzzer target: config.json parsing, the input being the file's text, through what
// DistilBertConfig::fromFile() runs after reading it: parseJson() (nesting limit) and fromJson()
// (types, ranges, the parameter budget, id2label).
// A bug: a crash, a hang, an exception other than sentilab::Error, an ASan/UBSan report, or a
// broken contract: an accepted config whose toJson() does not load back into the same config.
#include <sentilab/boundedjson.h>
#include <sentilab/distilbertconfig.h>
#include <sentilab/error.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    sentilab::DistilBertConfig config;
    try {
        config = sentilab::DistilBertConfig::fromJson(sentilab::parseJson(text, "config.json"),
                                                      "config.json");
    } catch (const sentilab::Error &) {
        return 0;
    }
    check(config.numLabels() >= 1 && config.dim % config.nHeads == 0);
    check(config.padTokenId >= 0 && config.padTokenId < config.vocabSize);
    const nlohmann::json saved = config.toJson();
    sentilab::DistilBertConfig again;
    try {
        again = sentilab::DistilBertConfig::fromJson(saved, "round-trip config.json");
    } catch (const sentilab::Error &) {
        __builtin_trap();
    }
    check(again.toJson() == saved && again.labels == config.labels);
    return 0;
}
