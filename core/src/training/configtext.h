#pragma once
// The text rules of the one YAML config parser (experimentconfig.cpp), shared with the study
// file reader (studyconfig.cpp) so both accept numbers, empty files, second documents and
// misspelt keys the same way. Private to core.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sentilab::configtext {

// Locale-independent, whole-text conversions ("+3" allowed; no trailing characters; finite).
bool parseDouble(std::string_view text, double &out);
bool parseInt(std::string_view text, int64_t &out);
bool parseUnsigned(std::string_view text, uint64_t &out);
// True when the text holds anything but blank lines, comments and document markers.
bool hasYamlContent(const std::string &text);
// The 1-based line of a "---" that starts a second document, else 0.
int secondDocumentLine(const std::string &text);
// A YAML double-quoted scalar.
std::string quoted(const std::string &text);
// "; did you mean 'x'?" for the candidate within edit distance 2 of `key`, else "".
std::string didYouMean(const std::string &key, const std::vector<std::string> &candidates);
// [A-Za-z0-9._-]{1,64}: names that prefix run names and folders.
bool isPlainName(const std::string &name);

} // namespace sentilab::configtext
