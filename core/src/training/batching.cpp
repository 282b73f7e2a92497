// Epoch and evaluation batch plans (declared in dataset.h).
#include <sentilab/dataset.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <random>

#include <sentilab/error.h>

namespace sentilab {
namespace {

// Examples per length-sorted chunk, in batches: large enough that batches hold similar lengths,
// small enough that the epoch order stays random at the scale of the whole split.
constexpr int64_t kBatchesPerBucket = 50;

void requireBatchSize(int64_t batchSize)
{
    if (batchSize < 1)
        throw Error("batch size must be >= 1, got " + std::to_string(batchSize));
}

// SplitMix64 finaliser: spreads (seed, epoch) so that nearby pairs give unrelated streams
// (seed + epoch alone would make seed 42 / epoch 1 replay seed 43 / epoch 0).
uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Uniform in [0, bound) by rejection: unbiased, and defined by mt19937_64's specified output
// alone (std::uniform_int_distribution differs between standard libraries).
uint64_t uniformBelow(std::mt19937_64 &rng, uint64_t bound)
{
    const uint64_t threshold = (0 - bound) % bound; // 2^64 mod bound
    while (true) {
        const uint64_t r = rng();
        if (r >= threshold)
            return r % bound;
    }
}

template <typename T> void fisherYates(std::vector<T> &items, std::mt19937_64 &rng)
{
    for (std::size_t i = items.size(); i > 1; --i) {
        const std::size_t j = std::size_t(uniformBelow(rng, uint64_t(i)));
        std::swap(items[i - 1], items[j]);
    }
}

void appendBatches(std::vector<int64_t>::const_iterator begin,
                   std::vector<int64_t>::const_iterator end, int64_t batchSize,
                   std::vector<Batch> &plan)
{
    while (begin != end) {
        const auto step = std::min<std::ptrdiff_t>(batchSize, end - begin);
        plan.push_back(Batch{std::vector<int64_t>(begin, begin + step)});
        begin += step;
    }
}

} // namespace

std::vector<Batch> planEpoch(const std::vector<int64_t> &tokenLengths, int64_t batchSize,
                             uint64_t seed, int64_t epoch, bool bucketByLength)
{
    requireBatchSize(batchSize);
    std::mt19937_64 rng(mix(seed ^ mix(static_cast<uint64_t>(epoch))));
    std::vector<int64_t> order(tokenLengths.size());
    std::iota(order.begin(), order.end(), int64_t(0));
    fisherYates(order, rng);

    std::vector<Batch> plan;
    if (!bucketByLength) {
        appendBatches(order.cbegin(), order.cend(), batchSize, plan);
        return plan;
    }
    const auto byLength = [&tokenLengths](int64_t a, int64_t b) {
        return tokenLengths[std::size_t(a)] < tokenLengths[std::size_t(b)];
    };
    // One bucket holds the whole split when batchSize * 50 would reach past it (or overflow).
    const std::size_t bucket = batchSize > int64_t(order.size()) / kBatchesPerBucket
                                   ? std::max<std::size_t>(order.size(), 1)
                                   : std::size_t(batchSize * kBatchesPerBucket);
    for (std::size_t start = 0; start < order.size(); start += bucket) {
        const auto first = order.begin() + std::ptrdiff_t(start);
        const auto last = order.begin() + std::ptrdiff_t(std::min(order.size(), start + bucket));
        std::stable_sort(first, last, byLength);
        // A bucket is a whole number of batches, so only the final one can leave a remainder.
        appendBatches(first, last, batchSize, plan);
    }
    fisherYates(plan, rng);
    return plan;
}

std::vector<Batch> planEvaluation(const std::vector<int64_t> &tokenLengths, int64_t batchSize)
{
    requireBatchSize(batchSize);
    std::vector<int64_t> order(tokenLengths.size());
    std::iota(order.begin(), order.end(), int64_t(0));
    std::stable_sort(order.begin(), order.end(), [&tokenLengths](int64_t a, int64_t b) {
        return tokenLengths[std::size_t(a)] < tokenLengths[std::size_t(b)];
    });
    std::vector<Batch> plan;
    appendBatches(order.cbegin(), order.cend(), batchSize, plan);
    return plan;
}

double paddingRatio(const std::vector<Batch> &plan, const std::vector<int64_t> &tokenLengths)
{
    double padded = 0;
    double real = 0;
    for (const Batch &batch : plan) {
        int64_t longest = 0;
        for (int64_t index : batch.indices) {
            if (index < 0 || index >= int64_t(tokenLengths.size()))
                throw Error("paddingRatio: example index " + std::to_string(index) +
                            " outside the split (size " + std::to_string(tokenLengths.size()) +
                            ")");
            longest = std::max(longest, tokenLengths[std::size_t(index)]);
            real += double(tokenLengths[std::size_t(index)]);
        }
        padded += double(longest) * double(batch.indices.size());
    }
    return real > 0 ? padded / real : 1.0;
}

std::vector<int64_t> stratifiedSubset(const std::vector<int64_t> &labels, int64_t size,
                                      uint64_t seed)
{
    const auto total = int64_t(labels.size());
    if (size < 1 || size > total)
        throw Error("a training subset of " + std::to_string(size) +
                    " examples is impossible: the "
                    "training split has " +
                    std::to_string(total) + " (subset sizes are 1.." + std::to_string(total) + ")");
    std::array<std::vector<int64_t>, 2> byLabel;
    for (int64_t i = 0; i < total; ++i) {
        if (labels[std::size_t(i)] != 0 && labels[std::size_t(i)] != 1)
            throw Error("stratifiedSubset: example " + std::to_string(i) + " has label " +
                        std::to_string(labels[std::size_t(i)]) + ", expected 0 or 1");
        byLabel[std::size_t(labels[std::size_t(i)])].push_back(i);
    }
    // One stream per label, so the order of one label does not depend on the other's count.
    for (std::size_t label = 0; label < 2; ++label) {
        std::mt19937_64 rng(mix(seed ^ mix(0x5375627365740000ULL + label)));
        fisherYates(byLabel[label], rng);
    }
    const auto positives = int64_t(byLabel[1].size());
    // round(size * positives / total) in integers; non-decreasing in size and rising by at most
    // one per example, so both labels' shares only grow with size (what nesting needs).
    int64_t takePositive = (2 * size * positives + total) / (2 * total);
    if (size >= 2 && positives > 0 && positives < total)
        takePositive = std::clamp<int64_t>(takePositive, 1, size - 1);
    takePositive = std::min(takePositive, positives);
    const int64_t takeNegative = size - takePositive;
    std::vector<int64_t> subset(byLabel[0].begin(), byLabel[0].begin() + takeNegative);
    subset.insert(subset.end(), byLabel[1].begin(), byLabel[1].begin() + takePositive);
    std::sort(subset.begin(), subset.end());
    return subset;
}

} // namespace sentilab
