// libFuzzer target: the SST-2 split reader, readExamples(). Input: byte 0 picks the file
// extension (bits 0-1: .jsonl, .tsv, .csv, or .txt, which is sniffed) and maxExamples (bits 2-7:
// 0..63, 0 = all); the rest is the file.
// A bug: a crash, a hang, an exception other than sentilab::Error, an ASan/UBSan report, or a
// broken contract: no examples without an error, more than maxExamples, a label other than 0/1,
// a text that is empty, all whitespace or not valid UTF-8.
#include <sentilab/dataset.h>
#include <sentilab/error.h>

#include "fuzztempfile.h"

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

// Well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF).
bool isValidUtf8(const std::string &s)
{
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const size_t length = c < 0x80                ? 1
                              : c >= 0xc2 && c < 0xe0 ? 2
                              : c >= 0xe0 && c < 0xf0 ? 3
                              : c >= 0xf0 && c < 0xf5 ? 4
                                                      : 0;
        if (length == 0 || i + length > s.size())
            return false;
        uint32_t cp = length == 1 ? c : c & (0x7f >> length);
        for (size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(s[i + k]);
            if ((next & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (next & 0x3f);
        }
        const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < smallest[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += length;
    }
    return true;
}

bool isBlank(const std::string &s)
{
    return s.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const char *const kNames[] = {"split.jsonl", "split.tsv", "split.csv", "split.txt"};
    const int64_t maxExamples = data[0] >> 2;
    const std::string path = sentilab::fuzz::writeTempFile(kNames[data[0] & 3], data + 1, size - 1);
    try {
        const std::vector<sentilab::Example> examples = sentilab::readExamples(path, maxExamples);
        check(!examples.empty());
        check(maxExamples == 0 || int64_t(examples.size()) <= maxExamples);
        for (const sentilab::Example &example : examples) {
            check(example.label == 0 || example.label == 1);
            check(!isBlank(example.text) && isValidUtf8(example.text));
        }
    } catch (const sentilab::Error &) {
    }
    return 0;
}
