#pragma once
// Turns byte counts of a multi-file download into throttled DownloadProgress reports with a rate
// and an ETA. Internal to core; single-threaded (the downloading thread).
#include <sentilab/hubclient.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>

namespace sentilab::detail {

class ProgressMeter
{
public:
    // `callback` (may be empty) must outlive the meter. Reports of one file come at most every
    // `intervalMs`, except the forced ones at file start, restart and end.
    ProgressMeter(const std::function<void(const DownloadProgress &)> &callback, int intervalMs);

    void beginAll(int fileCount, int64_t allTotal);
    // A file starts with `onDisk` bytes already there (cached: onDisk == total).
    void beginFile(int index, const std::string &file, int64_t total, int64_t onDisk);
    // The file on disk restarts from `onDisk` bytes (a resume, or a server that ignored Range).
    void restartFile(int64_t onDisk);
    void received(int64_t bytes); // network bytes appended to the current file
    void endFile();               // the current file is complete
    int64_t networkBytes() const { return m_network; }

private:
    using Clock = std::chrono::steady_clock;
    void report(bool force);

    const std::function<void(const DownloadProgress &)> &m_callback;
    Clock::duration m_interval;
    Clock::time_point m_lastReport{};
    DownloadProgress m_state;
    bool m_inFile = false; // between beginFile() and endFile()
    int64_t m_done = 0;    // bytes of finished files
    int64_t m_network = 0; // bytes received since construction
    std::deque<std::pair<Clock::time_point, int64_t>> m_samples; // (time, m_network)
};

} // namespace sentilab::detail
