#include "progressmeter.h"

#include <algorithm>

namespace sentilab::detail {

ProgressMeter::ProgressMeter(const std::function<void(const DownloadProgress &)> &callback,
                             int intervalMs)
    : m_callback(callback), m_interval(std::chrono::milliseconds(std::max(0, intervalMs)))
{}

void ProgressMeter::beginAll(int fileCount, int64_t allTotal)
{
    m_state.fileCount = fileCount;
    m_state.allTotal = allTotal;
}

void ProgressMeter::beginFile(int index, const std::string &file, int64_t total, int64_t onDisk)
{
    m_state.fileIndex = index;
    m_state.file = file;
    m_state.fileTotal = total;
    m_state.fileBytes = onDisk;
    m_inFile = true;
    report(true);
}

void ProgressMeter::restartFile(int64_t onDisk)
{
    m_state.fileBytes = onDisk;
    report(true);
}

void ProgressMeter::received(int64_t bytes)
{
    m_state.fileBytes += bytes;
    m_network += bytes;
    report(false);
}

void ProgressMeter::endFile()
{
    m_done += std::max<int64_t>(0, m_state.fileTotal >= 0 ? m_state.fileTotal : m_state.fileBytes);
    if (m_state.fileTotal >= 0)
        m_state.fileBytes = m_state.fileTotal;
    m_inFile = false; // counted in m_done now
    report(true);
}

void ProgressMeter::report(bool force)
{
    const auto now = Clock::now();
    if (!force && now - m_lastReport < m_interval)
        return;
    m_lastReport = now;
    // Rate over the last ~5 s, so that a resume or a stall shows up quickly.
    m_samples.emplace_back(now, m_network);
    while (m_samples.size() > 2 && now - m_samples[1].first > std::chrono::seconds(5))
        m_samples.pop_front();
    const double seconds = std::chrono::duration<double>(now - m_samples.front().first).count();
    m_state.bytesPerSecond =
        seconds > 0.2 ? double(m_network - m_samples.front().second) / seconds : 0.0;
    m_state.allBytes = m_done + (m_inFile ? m_state.fileBytes : 0);
    const int64_t left = m_state.allTotal - m_state.allBytes;
    if (left <= 0)
        m_state.etaSeconds = 0.0;
    else
        m_state.etaSeconds =
            m_state.bytesPerSecond > 0 ? double(left) / m_state.bytesPerSecond : -1.0;
    if (m_callback)
        m_callback(m_state);
}

} // namespace sentilab::detail
