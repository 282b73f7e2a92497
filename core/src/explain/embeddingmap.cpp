// Embedding maps (embeddingmap.h): [CLS] representations, PCA to 2-D, silhouette, store cache.
#include <sentilab/embeddingmap.h>

#include <algorithm>
#include <numeric>

#include <nlohmann/json.hpp>
#include <torch/utils.h>

#include <sentilab/classifier.h>
#include <sentilab/error.h>
#include <sentilab/experimentconfig.h>
#include <sentilab/runstore.h>
#include <sentilab/training.h>

namespace sentilab {

namespace {

constexpr size_t kBatch = 64;

// Points the silhouette measures at most: it needs all pairwise distances (N² floats), so a
// larger split is measured on an evenly spaced subset (4,000 points: 64 MB).
constexpr int64_t kSilhouetteMaxPoints = 4000;

// Mean silhouette of `labels` over the rows of x [N, D] (Euclidean; a point alone in its class
// scores 0, as in the usual definition).
double silhouette(torch::Tensor x, std::vector<int64_t> labels)
{
    if (x.size(0) > kSilhouetteMaxPoints) {
        const torch::Tensor rows =
            torch::linspace(0, double(x.size(0) - 1), kSilhouetteMaxPoints).to(torch::kLong);
        x = x.index_select(0, rows);
        std::vector<int64_t> kept;
        for (int64_t i = 0; i < kSilhouetteMaxPoints; ++i)
            kept.push_back(labels[size_t(rows[i].item<int64_t>())]);
        labels = std::move(kept);
    }
    const int64_t n = x.size(0);
    const torch::Tensor distances = torch::cdist(x, x); // [N, N]
    const torch::Tensor label = torch::tensor(labels, torch::kLong);
    const int64_t classes = label.max().item<int64_t>() + 1;
    // Sum of distances from each point to each class: [N, C].
    const torch::Tensor oneHot = torch::one_hot(label, classes).to(torch::kFloat);
    const torch::Tensor sums = torch::matmul(distances, oneHot);
    const torch::Tensor counts = oneHot.sum(0); // [C]
    double total = 0;
    auto sumAcc = sums.accessor<float, 2>();
    for (int64_t i = 0; i < n; ++i) {
        const int64_t own = labels[size_t(i)];
        const double ownCount = counts[own].item<double>() - 1; // without the point itself
        if (ownCount <= 0)
            continue;
        const double a = sumAcc[i][own] / ownCount;
        double b = std::numeric_limits<double>::infinity();
        for (int64_t c = 0; c < classes; ++c) {
            const double count = counts[c].item<double>();
            if (c != own && count > 0)
                b = std::min(b, sumAcc[i][c] / count);
        }
        if (std::isfinite(b) && std::max(a, b) > 0)
            total += (b - a) / std::max(a, b);
    }
    return total / double(n);
}

} // namespace

std::pair<float, float> EmbeddingMap::project(const std::vector<float> &representation) const
{
    if (int64_t(representation.size()) != dim || int64_t(mean.size()) != dim)
        throw Error("embedding map: a representation of " + std::to_string(representation.size()) +
                    " numbers does not fit a map of dimension " + std::to_string(dim));
    double x = 0, y = 0;
    for (int64_t d = 0; d < dim; ++d) {
        const double v = representation[size_t(d)] - mean[size_t(d)];
        x += v * axes[size_t(d)];
        y += v * axes[size_t(dim + d)];
    }
    return {float(x), float(y)};
}

std::optional<EmbeddingMap> computeEmbeddingMap(const Classifier &model,
                                                const std::vector<MapExample> &examples,
                                                const MapProgress &progress,
                                                const std::function<bool()> &cancelled)
{
    if (examples.size() < 3)
        throw Error("embedding map: needs at least 3 sentences, got " +
                    std::to_string(examples.size()));
    // Similar lengths per batch: less padding.
    std::vector<size_t> order(examples.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return examples[a].example.text.size() < examples[b].example.text.size();
    });
    const int64_t n = int64_t(examples.size());
    const int64_t dim = model.config().dim;
    std::vector<float> vectors(size_t(n * dim));
    std::vector<int64_t> verdicts(static_cast<size_t>(n));
    for (size_t first = 0; first < order.size(); first += kBatch) {
        if (cancelled && cancelled())
            return std::nullopt;
        std::vector<std::string> texts;
        const size_t last = std::min(order.size(), first + kBatch);
        for (size_t i = first; i < last; ++i)
            texts.push_back(examples[order[i]].example.text);
        const Classifier::Representations r = model.represent(texts);
        for (size_t i = first; i < last; ++i) {
            std::copy_n(r.vectors.begin() + std::ptrdiff_t((i - first) * size_t(dim)), dim,
                        vectors.begin() + std::ptrdiff_t(order[i] * size_t(dim)));
            verdicts[order[i]] = r.labels[i - first];
        }
        if (progress)
            progress(int64_t(last), n);
    }

    EmbeddingMap map;
    map.dim = dim;
    std::vector<int64_t> gold;
    for (const MapExample &e : examples)
        gold.push_back(e.example.label);
    try {
        torch::NoGradGuard noGrad;
        const torch::Tensor x = torch::from_blob(vectors.data(), {n, dim}, torch::kFloat);
        const torch::Tensor mean = x.mean(0);
        const torch::Tensor centred = x - mean;
        // Covariance in double: its eigenvectors are the principal axes, largest last.
        const torch::Tensor covariance =
            torch::matmul(centred.t(), centred).to(torch::kDouble) / double(n - 1);
        const auto [values, vectorsOfCov] = torch::linalg_eigh(covariance, "L");
        const torch::Tensor top = vectorsOfCov.narrow(1, dim - 2, 2).flip(1).t().to(torch::kFloat);
        const double trace = values.sum().item<double>();
        map.explained[0] = trace > 0 ? values[dim - 1].item<double>() / trace : 0;
        map.explained[1] = trace > 0 ? values[dim - 2].item<double>() / trace : 0;
        const torch::Tensor coords = torch::matmul(centred, top.t()).contiguous(); // [N, 2]
        map.mean.assign(mean.data_ptr<float>(), mean.data_ptr<float>() + dim);
        const torch::Tensor axes = top.contiguous();
        map.axes.assign(axes.data_ptr<float>(), axes.data_ptr<float>() + 2 * dim);
        map.silhouette = silhouette(x, gold);
        auto c = coords.accessor<float, 2>();
        int64_t right = 0;
        for (int64_t i = 0; i < n; ++i) {
            const MapExample &e = examples[size_t(i)];
            map.points.push_back({c[i][0], c[i][1], e.example.label, verdicts[size_t(i)], e.split,
                                  e.index, e.example.text});
            right += verdicts[size_t(i)] == e.example.label;
        }
        map.accuracy = double(right) / double(n);
    } catch (const c10::Error &e) {
        throw Error(std::string("embedding map: ") + e.what_without_backtrace());
    }
    return map;
}

std::optional<EmbeddingMap> embeddingMapForRun(const std::string &dbPath, int64_t runId,
                                               const MapProgress &progress,
                                               const std::function<bool()> &cancelled)
{
    RunStore store = RunStore::openExisting(dbPath);
    const RunInfo info = store.run(runId);
    const std::string dir = bestCheckpointDir(store, runId);
    std::string storedPath = dir;
    int64_t step = -1;
    for (const CheckpointRecord &c : store.checkpoints(runId))
        if (checkpointPathOnDisk(store, c.path) == dir)
            storedPath = c.path, step = c.step;
    if (const std::optional<std::string> cached = store.embeddingMap(runId, storedPath, step)) {
        try {
            return embeddingMapFromJson(nlohmann::json::parse(*cached));
        } catch (const std::exception &) {
            // A damaged cache entry: compute it again below (and replace it).
        }
    }
    const ExperimentConfig config =
        ExperimentConfig::fromYaml(info.configYaml, "run " + std::to_string(runId));
    std::vector<MapExample> examples;
    for (const auto &[split, file] : {std::pair{std::string("validation"), config.data.validation},
                                      std::pair{std::string("test"), config.data.test}}) {
        const std::vector<Example> rows =
            readExamples(resolveDataFile(config.data, file), config.data.maxEvalExamples);
        for (size_t i = 0; i < rows.size(); ++i)
            examples.push_back({rows[i], split, int64_t(i)});
    }
    const Classifier model = Classifier::load(dir);
    std::optional<EmbeddingMap> map = computeEmbeddingMap(model, examples, progress, cancelled);
    if (!map)
        return std::nullopt;
    map->checkpoint = storedPath;
    map->step = step;
    store.saveEmbeddingMap(runId, storedPath, step, toJson(*map).dump());
    return map;
}

nlohmann::json toJson(const EmbeddingMap &map)
{
    nlohmann::json points = nlohmann::json::array();
    for (const MapPoint &p : map.points)
        points.push_back({{"x", p.x},
                          {"y", p.y},
                          {"gold", p.gold},
                          {"predicted", p.predicted},
                          {"split", p.split},
                          {"index", p.index},
                          {"text", p.text}});
    return {{"checkpoint", map.checkpoint},
            {"step", map.step},
            {"dim", map.dim},
            {"mean", map.mean},
            {"axes", map.axes},
            {"explained", {map.explained[0], map.explained[1]}},
            {"silhouette", map.silhouette},
            {"accuracy", map.accuracy},
            {"points", points}};
}

EmbeddingMap embeddingMapFromJson(const nlohmann::json &j)
{
    try {
        EmbeddingMap map;
        map.checkpoint = j.at("checkpoint").get<std::string>();
        map.step = j.at("step").get<int64_t>();
        map.dim = j.at("dim").get<int64_t>();
        map.mean = j.at("mean").get<std::vector<float>>();
        map.axes = j.at("axes").get<std::vector<float>>();
        map.explained[0] = j.at("explained").at(0).get<double>();
        map.explained[1] = j.at("explained").at(1).get<double>();
        map.silhouette = j.at("silhouette").get<double>();
        map.accuracy = j.at("accuracy").get<double>();
        for (const nlohmann::json &p : j.at("points"))
            map.points.push_back({p.at("x").get<float>(), p.at("y").get<float>(),
                                  p.at("gold").get<int64_t>(), p.at("predicted").get<int64_t>(),
                                  p.at("split").get<std::string>(), p.at("index").get<int64_t>(),
                                  p.at("text").get<std::string>()});
        if (int64_t(map.mean.size()) != map.dim || int64_t(map.axes.size()) != 2 * map.dim)
            throw Error("embedding map: mean or axes do not match its dimension");
        return map;
    } catch (const nlohmann::json::exception &e) {
        throw Error(std::string("embedding map: ") + e.what());
    }
}

} // namespace sentilab
