#pragma once
// The experiment definition: what to train, on which data, with which recipe. It is read from a
// YAML file (experiments/*.yaml) in exactly one place, ExperimentConfig::fromYaml(), which also
// applies command-line overrides and validates every value; code downstream can trust the fields.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sentilab {

// YAML section `model`.
struct ModelOptions
{
    std::string init = "pretrained"; // init: "pretrained" (hub weights) | "scratch" (random init)
    std::string pretrainedDir; // pretrained_dir: HF folder with config.json + weights; empty =
                               // search the HF cache (see resolvePretrainedDir)
    std::string configJson;    // config_json: architecture for scratch runs; empty =
                               // <pretrained dir>/config.json, else resolveArchitectureDir()
    std::string vocab;         // vocab: vocab.txt; empty = beside configJson
    int maxLength = 128;       // max_length: tokens per example incl. [CLS]/[SEP], 8..512
    // Architecture overrides for tiny test models (scratch only); 0 = keep config.json's value.
    int64_t dim = 0;       // dim: model width; must be divisible by n_heads
    int64_t nLayers = 0;   // n_layers: transformer blocks
    int64_t nHeads = 0;    // n_heads: attention heads
    int64_t hiddenDim = 0; // hidden_dim: FFN inner width
    // Dropout probabilities in [0, 1); -1 = keep config.json's value.
    double dropout = -1;           // dropout: embeddings and FFN output
    double attentionDropout = -1;  // attention_dropout: on attention probabilities
    double seqClassifDropout = -1; // seq_classif_dropout: before the classifier layer
};

// YAML section `data`.
struct DataOptions
{
    std::string dir;                             // dir: folder with the split files; empty =
                                                 // $SENTILAB_DATA_DIR, else SetFit/sst2 in the
                                                 // HF cache (see resolveDataFile)
    std::string train = "train.jsonl";           // train: file name (or path) of the training split
    std::string validation = "validation.jsonl"; // validation: used for model selection
    std::string test = "test.jsonl";             // test: reported once, for the best checkpoint
    int64_t maxTrainExamples = 0; // max_train_examples: 0 = all; N > 0 keeps the first N
    int64_t maxEvalExamples = 0;  // max_eval_examples: same for validation and test
    // subset_size: 0 = the whole training split; N > 0 trains on N of its examples, chosen by
    // stratifiedSubset() (label proportions kept, nested across sizes) with subset_seed. Applied
    // after max_train_examples; N must not exceed the split. Data-efficiency studies set both.
    int64_t subsetSize = 0;
    uint64_t subsetSeed = 0; // subset_seed: which sentences the subset holds (not the model seed)
};

// YAML section `train`.
struct TrainOptions
{
    double lr = 5e-5;            // lr: peak learning rate of AdamW, in (0, 1]
    int64_t batchSize = 32;      // batch_size: examples per optimizer step, 1..4096
    int64_t epochs = 3;          // epochs: passes over the training split, 1..1000
    double warmupRatio = 0.06;   // warmup_ratio: fraction of all steps with linear warm-up, [0, 1);
                                 // then linear decay to 0
    double weightDecay = 0.01;   // weight_decay: AdamW decoupled decay, [0, 1); never on biases
                                 // and LayerNorm weights
    double adamBeta1 = 0.9;      // adam_beta1: [0, 1)
    double adamBeta2 = 0.999;    // adam_beta2: [0, 1)
    double adamEps = 1e-8;       // adam_eps: (0, 1)
    double gradClip = 1.0;       // grad_clip: max global L2 norm of the gradients; 0 disables
    int64_t evalEvery = 0;       // eval_every: steps between validation passes; 0 = epoch ends only
    bool evalAtEpochEnd = true;  // eval_at_epoch_end: also validate at every epoch end (the last
                                 // step is always validated); studies turn it off for runs of many
                                 // short epochs
    int64_t logEvery = 1;        // log_every: steps between train-metric records, >= 1
    uint64_t seed = 42;          // seed: model init, dropout and batch order
    int threads = 0;             // threads: LibTorch intra-op threads; 0 = all cores
    bool bucketByLength = true;  // bucket_by_length: sort by length within shuffled buckets
    std::string device = "auto"; // device: "auto" (CUDA when this build and machine have it,
                                 // else the CPU) | "cpu" | "cuda" (fails when there is none)
    std::string precision = "fp32"; // precision: "fp32" | "bf16" (autocast on CUDA only; no
                                    // loss scaling is needed, hence no fp16)
};

struct ExperimentConfig
{
    std::string name;              // name: run name prefix [A-Za-z0-9._-]{1,64}; empty = kind
    std::string kind = "finetune"; // kind: "finetune" | "scratch"; must agree with model.init
                                   // (when only one of the two is given the other follows it)
    std::string description;       // description: free text, shown in the UI and report
    ModelOptions model;
    DataOptions data;
    TrainOptions train;
    std::string sourcePath; // the file (or source name) it was loaded from; not serialised

    // Reads the YAML file at `path`, then as fromYaml(). Relative paths in the file (model.*_dir,
    // model.config_json, model.vocab, data.dir) are made absolute against the file's directory;
    // relative paths given in overrides are kept as typed (relative to the working directory).
    static ExperimentConfig fromFile(const std::string &path,
                                     const std::vector<std::string> &overrides = {});
    // Parses YAML text, applies `overrides` ("section.key=value" or "key=value" for top-level
    // keys, e.g. "train.lr=3e-5"; later ones win), validates, and returns the config. Relative
    // paths are kept as they are. Every failure throws sentilab::Error naming where it happened
    // ("<sourceName>:<line>" with 1-based lines, or "--set <override>"), the key path and the
    // allowed values or range, e.g.
    //   experiments/x.yaml:7: unknown key 'train.lrr' (allowed: lr, batch_size, ...)
    //   --set train.lr=abc: train.lr: expected a number in (0, 1], got 'abc'
    // Checked: YAML syntax, one document, mappings where sections belong, unknown and duplicate
    // keys at every level, value types, ranges, enums and the cross-field rules documented above.
    static ExperimentConfig fromYaml(const std::string &yamlText, const std::string &sourceName,
                                     const std::vector<std::string> &overrides = {});

    // The full resolved config: every key, fixed order, strings double-quoted, numbers in their
    // shortest round-trip form. For a config from fromYaml()/fromFile(), fromYaml(toYaml()) gives
    // back an equal config (sourcePath aside); to validate a config built in code, do the same.
    std::string toYaml() const;
    // Hex SHA-256 of toYaml(): equal configs have equal hashes on every machine.
    std::string hash() const;
    // ("train.lr", "5e-05") pairs in toYaml() order, values unquoted, for the params table.
    std::vector<std::pair<std::string, std::string>> flatten() const;
};

// Equal when toYaml() is: compares every serialised field, not sourcePath.
bool operator==(const ExperimentConfig &a, const ExperimentConfig &b);
inline bool operator!=(const ExperimentConfig &a, const ExperimentConfig &b)
{
    return !(a == b);
}

// Where the pre-trained weights are. model.pretrainedDir if set (it must hold config.json and
// model.safetensors or pytorch_model.bin); else the newest complete snapshot (config.json,
// vocab.txt and weights) of distilbert-base-uncased or distilbert/distilbert-base-uncased in the
// Hugging Face cache (HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, ~/.cache/huggingface; see
// findCachedSnapshot()). Returns the folder. Throws sentilab::Error listing every place looked at
// and how to get the weights ("sentilab-cli download model distilbert-base-uncased", or put the
// files in a folder and set model.pretrained_dir).
std::string resolvePretrainedDir(const ModelOptions &model);

// Where a scratch run finds the architecture and vocabulary (config.json + vocab.txt, no
// weights): model.pretrainedDir if it holds both, else $SENTILAB_SHARED_DIR (or ../shared)/
// models/distilbert-base-uncased, else the newest snapshot of distilbert-base-uncased (either id)
// in the Hugging Face cache that has both files. Throws sentilab::Error listing where it looked
// and the download command for just those two files (about 0.2 MB).
std::string resolveArchitectureDir(const ModelOptions &model);

// Lower-case hex SHA-256 (FIPS 180-4) of `bytes`; hash() uses it.
std::string sha256Hex(std::string_view bytes);

// A number as config values are written (flatten(), toYaml()): the shortest form that reads back
// to the same double, locale-independent ("3e-05", "0.1").
std::string formatConfigNumber(double value);

} // namespace sentilab
