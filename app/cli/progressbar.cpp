#include "progressbar.h"

#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace sentilab::cli {

ProgressBar::ProgressBar(std::string label)
    : m_label(std::move(label)), m_tty(isatty(STDOUT_FILENO))
{}

std::string ProgressBar::formatDuration(double seconds)
{
    if (!(seconds >= 0) || !std::isfinite(seconds))
        return "?";
    const long s = long(std::lround(seconds));
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", s);
    return buf;
}

void ProgressBar::update(int64_t done, int64_t total, const std::string &detail, double etaSeconds)
{
    const auto now = std::chrono::steady_clock::now();
    const bool last = done >= total;
    // A terminal is redrawn at most 10 times a second; a log gets a line every 10 seconds.
    const auto interval = m_tty ? std::chrono::milliseconds(100) : std::chrono::milliseconds(10000);
    if (m_drawn && !last && now - m_lastDraw < interval)
        return;
    m_lastDraw = now;
    const double fraction = total > 0 ? double(done) / double(total) : 0.0;
    if (m_tty) {
        const int width = 30;
        const int filled = int(fraction * width);
        std::string bar(size_t(filled), '#');
        bar.resize(width, '.');
        std::printf("\r\033[K%s [%s] %3.0f%% %lld/%lld  %s  ETA %s", m_label.c_str(), bar.c_str(),
                    fraction * 100, (long long)done, (long long)total, detail.c_str(),
                    formatDuration(etaSeconds).c_str());
    } else {
        std::printf("%s %lld/%lld (%.0f%%) %s ETA %s\n", m_label.c_str(), (long long)done,
                    (long long)total, fraction * 100, detail.c_str(),
                    formatDuration(etaSeconds).c_str());
    }
    std::fflush(stdout);
    m_drawn = true;
}

void ProgressBar::message(const std::string &line)
{
    if (m_tty && m_drawn)
        std::printf("\r\033[K");
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    m_lastDraw = {}; // redraw the bar on the next update
}

void ProgressBar::finish()
{
    if (m_tty && m_drawn)
        std::printf("\n");
    std::fflush(stdout);
    m_drawn = false;
}

} // namespace sentilab::cli
