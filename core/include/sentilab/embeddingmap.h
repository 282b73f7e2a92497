#pragma once
// Where sentences fall in a model's own representation: the [CLS] vector that feeds the
// classifier head, for every validation and test sentence of a run, projected to 2-D by PCA, with
// how separable the two classes are in the full space. Computed once per checkpoint and cached in
// the run store (RunStore::embeddingMap).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <sentilab/dataset.h>

namespace sentilab {

class Classifier;

struct MapPoint
{
    float x = 0, y = 0;    // coordinates on the first two principal axes
    int64_t gold = 0;      // the label in the data
    int64_t predicted = 0; // the model's verdict
    std::string split;     // "validation" or "test"
    int64_t index = 0;     // row in its split file
    std::string text;
};

struct EmbeddingMap
{
    std::string checkpoint; // folder of the checkpoint it was computed from
    int64_t step = -1;      // that checkpoint's step
    int64_t dim = 0;
    std::vector<float> mean;      // [dim]: subtracted before projecting
    std::vector<float> axes;      // [2][dim]: the unit principal directions
    double explained[2] = {0, 0}; // share of the total variance along each axis
    // Mean silhouette of the gold classes in the full space (Euclidean): 1 = tight, separate
    // classes, 0 = overlapping, < 0 = points closer to the other class. Over at most 4,000
    // evenly spaced points (it needs every pairwise distance); SST-2's splits have 2,693.
    double silhouette = 0;
    double accuracy = 0; // of `predicted` against `gold` over the points
    std::vector<MapPoint> points;

    // The 2-D position of a representation of this checkpoint (Classifier::represent).
    std::pair<float, float> project(const std::vector<float> &representation) const;
};

// Progress: sentences represented so far of the total. Cancelled: polled between batches.
using MapProgress = std::function<void(int64_t done, int64_t total)>;

// The map of `examples` (each with its split name and row) under `model`. Empty when cancelled.
// Throws sentilab::Error on fewer than 3 examples.
struct MapExample
{
    Example example;
    std::string split;
    int64_t index = 0;
};
std::optional<EmbeddingMap> computeEmbeddingMap(const Classifier &model,
                                                const std::vector<MapExample> &examples,
                                                const MapProgress &progress = {},
                                                const std::function<bool()> &cancelled = {});

// The map of run `runId`'s best checkpoint over its validation and test splits (the same rows its
// evaluations use): from the store's cache when that checkpoint's map is there, else computed and
// stored. Empty when cancelled.
std::optional<EmbeddingMap> embeddingMapForRun(const std::string &dbPath, int64_t runId,
                                               const MapProgress &progress = {},
                                               const std::function<bool()> &cancelled = {});

nlohmann::json toJson(const EmbeddingMap &map);
// Throws sentilab::Error naming what is missing when `j` is not a map toJson wrote.
EmbeddingMap embeddingMapFromJson(const nlohmann::json &j);

} // namespace sentilab
