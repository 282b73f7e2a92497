#pragma once
// Sits between ProgressMeter and the caller's onProgress of downloadRepo(). Internal to core;
// single-threaded (the downloading thread).
#include <sentilab/hubclient.h>

#include <functional>
#include <string>
#include <utility>

namespace sentilab::detail {

// Passes ProgressMeter's reports on to the caller's onProgress and keeps the last one, so that a
// status message (a wait, a warning) goes out with the current byte counts.
class ProgressRelay
{
public:
    explicit ProgressRelay(std::function<void(const DownloadProgress &)> onProgress)
        : m_onProgress(std::move(onProgress))
    {
        m_forward = [this](const DownloadProgress &progress) {
            m_last = progress;
            if (m_onProgress)
                m_onProgress(progress);
        };
    }
    ProgressRelay(const ProgressRelay &) = delete;
    ProgressRelay &operator=(const ProgressRelay &) = delete;

    // For ProgressMeter; valid as long as the relay.
    const std::function<void(const DownloadProgress &)> &forward() const { return m_forward; }
    // Reports `text` as DownloadProgress::message with the last byte counts.
    void message(const std::string &text)
    {
        DownloadProgress progress = m_last;
        progress.message = text;
        if (m_onProgress)
            m_onProgress(progress);
    }

private:
    std::function<void(const DownloadProgress &)> m_onProgress;
    std::function<void(const DownloadProgress &)> m_forward;
    DownloadProgress m_last;
};

} // namespace sentilab::detail
