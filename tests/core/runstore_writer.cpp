// Helper for tst_runstore's crash test: creates a run in the database given as argv[1], then logs
// metric batches in a loop, printing "committed <last step>" after each committed batch, until it
// is killed. Prints "run <id>" first. Exit code 2 on errors (message on stderr).
#include <sentilab/error.h>
#include <sentilab/runstore.h>

#include <cstdio>
#include <vector>

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: runstore_writer <database>\n");
        return 2;
    }
    try {
        sentilab::RunStore store = sentilab::RunStore::open(argv[1]);
        sentilab::RunInfo info;
        info.name = "killed-writer";
        info.kind = "scratch";
        info.status = sentilab::RunStatus::Running;
        info.totalSteps = 1000000;
        const int64_t runId = store.createRun(info);
        std::printf("run %lld\n", static_cast<long long>(runId));
        std::fflush(stdout);
        constexpr int64_t kStepsPerBatch = 10;
        for (int64_t batch = 0;; ++batch) {
            std::vector<sentilab::MetricPoint> points;
            for (int64_t i = 0; i < kStepsPerBatch; ++i) {
                const int64_t step = batch * kStepsPerBatch + i;
                const double wallMs = static_cast<double>(step);
                points.push_back({"train/loss", step, wallMs, 1.0 / static_cast<double>(step + 1)});
                points.push_back({"train/lr", step, wallMs, 5e-5});
                points.push_back({"train/accuracy", step, wallMs, 0.5});
            }
            store.logMetrics(runId, points);
            const int64_t last = batch * kStepsPerBatch + kStepsPerBatch - 1;
            store.setProgress(runId, last, info.totalSteps);
            std::printf("committed %lld\n", static_cast<long long>(last));
            std::fflush(stdout);
        }
    } catch (const sentilab::Error &e) {
        std::fprintf(stderr, "runstore_writer: %s\n", e.what());
        return 2;
    }
}
