#pragma once
// Terminal progress for long CLI work: a redrawn bar with rate and ETA when stdout is a terminal,
// plain periodic lines otherwise (logs, pipes, CI).
#include <chrono>
#include <cstdint>
#include <string>

namespace sentilab::cli {

class ProgressBar
{
public:
    explicit ProgressBar(std::string label);
    // done/total units; `detail` is appended (e.g. "loss 0.41  312 samples/s"); etaSeconds < 0 =
    // unknown.
    void update(int64_t done, int64_t total, const std::string &detail, double etaSeconds);
    // Prints `line` on its own line without corrupting the bar.
    void message(const std::string &line);
    void finish();

    static std::string formatDuration(double seconds); // "1h02m", "4m05s", "12s"

private:
    std::string m_label;
    bool m_tty = false;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_lastDraw{};
};

} // namespace sentilab::cli
