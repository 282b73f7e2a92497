#pragma once
// SST-2 split files and the order in which their examples are batched. Torch-free: the trainer
// turns a Batch's indices into tensors.
#include <cstdint>
#include <string>
#include <vector>

#include <sentilab/experimentconfig.h>

namespace sentilab {

struct Example
{
    std::string text;  // valid UTF-8, not empty, as in the file (no stripping or normalisation)
    int64_t label = 0; // 0 = negative, 1 = positive
};

// Reads an SST-2 split file. The format follows the extension (.jsonl/.json, .tsv, .csv; any other
// extension is sniffed from the first non-empty line):
//  - JSONL: one object per line, {"text": string, "label": 0|1[, "label_text": string]}, as the
//    Hugging Face SetFit/sst2 files; "sentence" is accepted instead of "text" (GLUE). A
//    label_text of "negative"/"positive" must agree with the label. Other keys are ignored.
//  - TSV (no quoting) or CSV (RFC 4180 quoting, "" inside quotes, quoted line breaks): a header row
//    naming the text column ("sentence" or "text") and "label"; other columns are ignored.
// Labels must be 0 or 1. A UTF-8 byte order mark, '\r' line ends and empty lines are skipped.
// Throws sentilab::Error "<path>:<line>: <what>" (1-based physical lines) for: a file that cannot
// be opened, bad JSON, a row that is not an object, a missing key or column, a wrong type, a
// label outside {0, 1}, invalid UTF-8 in the text (with the byte offset), an empty (all
// whitespace) text, a wrong column count, an unterminated CSV quote, and a file without examples.
// maxExamples 0 = all; N > 0 stops after the first N examples (later lines are not read).
std::vector<Example> readExamples(const std::string &path, int64_t maxExamples = 0);

// Path of a split file: `fileName` itself when absolute; else fileName under the first set of
// data.dir, $SENTILAB_DATA_DIR, $SENTILAB_SHARED_DIR/data/sst2; when none is set, under the
// newest snapshot of SetFit/sst2 in the Hugging Face cache that holds data.train, data.validation
// and data.test (findCachedSnapshot). Throws sentilab::Error when there is none, or when the file
// does not exist, naming every place looked at, what to set and the download command.
std::string resolveDataFile(const DataOptions &data, const std::string &fileName);

// Example indices into the split, in the order they go into the batch.
struct Batch
{
    std::vector<int64_t> indices;
};

// The training order of one epoch; deterministic and platform-independent: the same
// (tokenLengths, batchSize, seed, epoch, bucketByLength) gives the same plan with every compiler
// and standard library (std::mt19937_64, seeded from a mix of seed and epoch, and our own
// Fisher-Yates with unbiased bounded draws). All indices are shuffled; with bucketByLength the
// shuffled order is cut into chunks of 50 * batchSize, each chunk is sorted by length (stable),
// cut into batches, and the order of all batches is shuffled, so batches hold similar lengths
// (little padding) and still come in random order; without it the shuffled order is cut as is.
// Every index appears exactly once; every batch has batchSize indices except possibly one
// (the remainder, never empty). Throws sentilab::Error when batchSize < 1.
std::vector<Batch> planEpoch(const std::vector<int64_t> &tokenLengths, int64_t batchSize,
                             uint64_t seed, int64_t epoch, bool bucketByLength);

// Evaluation order: indices sorted by length (stable, so ties keep file order) and cut into
// batches; minimal padding, deterministic. Throws sentilab::Error when batchSize < 1.
std::vector<Batch> planEvaluation(const std::vector<int64_t> &tokenLengths, int64_t batchSize);

// Padded tokens / real tokens of a plan, where each batch is padded to its longest example
// (>= 1; 1 for an empty plan or zero real tokens). Throws sentilab::Error on an index outside
// tokenLengths.
double paddingRatio(const std::vector<Batch> &plan, const std::vector<int64_t> &tokenLengths);

// The `size` examples a training subset holds, as sorted indices into `labels` (0/1 per example).
// Stratified: label 1 gets round(size * positives / total) places (at least one per label present
// when size >= 2), label 0 the rest. Nested: each label's examples are put in one order fixed by
// `seed` (mt19937_64 and our Fisher-Yates, the same on every platform) and a subset takes the first
// ones of each, so for one seed the subset of size n is contained in that of every size > n.
// Throws sentilab::Error when size < 1 or size > labels.size(), or a label is not 0 or 1.
std::vector<int64_t> stratifiedSubset(const std::vector<int64_t> &labels, int64_t size,
                                      uint64_t seed);

} // namespace sentilab
