#include "busyretry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace sentilab::detail {

BusyRetry::BusyRetry(int attempts, double capSeconds, std::string subject, Say say, Sleep sleep)
    : m_attempts(std::max(1, attempts)), m_capSeconds(std::max(0.0, capSeconds)),
      m_subject(std::move(subject)), m_say(std::move(say)), m_sleep(std::move(sleep))
{}

bool BusyRetry::waitAfter(const HttpResult &result)
{
    const long status = result.final.status;
    if (status != 429 && status != 503)
        return false;
    m_status = status;
    m_asked = retryAfterSeconds(result.final, std::time(nullptr));
    if (m_attempt >= m_attempts)
        return false;
    const double backoff = double(int64_t(1) << std::min(m_attempt - 1, 30));
    const double wait = std::min(m_capSeconds, m_asked >= 0 ? m_asked : backoff);
    ++m_attempt;
    std::string message =
        m_subject + ": " +
        (status == 429 ? "rate-limited by the hub" : "the hub is busy (HTTP 503)") +
        ", retrying in " + formatSeconds(wait) + " s (attempt " + std::to_string(m_attempt) +
        " of " + std::to_string(m_attempts) + ")";
    if (m_asked > wait)
        message += "; Retry-After asked for " + formatSeconds(m_asked) +
                   " s, waits are capped at " + formatSeconds(m_capSeconds) + " s";
    if (m_say)
        m_say(message);
    if (m_sleep)
        m_sleep(wait);
    m_waited += wait;
    return true;
}

std::string BusyRetry::gaveUp(const HttpResult &result) const
{
    if (result.final.status != 429 && result.final.status != 503)
        return {};
    std::string text =
        " Gave up after " + std::to_string(m_attempt) + (m_attempt == 1 ? " attempt" : " attempts");
    if (m_waited > 0)
        text += " and " + formatSeconds(m_waited) + " s of waiting";
    if (m_asked >= 0)
        text += "; the last Retry-After asked for " + formatSeconds(m_asked) + " s";
    return text + ".";
}

void BusyRetry::addNote(std::vector<std::string> &notes) const
{
    if (m_attempt > 1)
        notes.push_back(m_subject + ": the hub answered HTTP " + std::to_string(m_status) + " (" +
                        (m_status == 429 ? "rate limit" : "busy") + ") " +
                        std::to_string(m_attempt - 1) + " time(s); fetched after waiting " +
                        formatSeconds(m_waited) + " s");
}

std::string formatSeconds(double seconds)
{
    char text[32];
    if (seconds >= 10 || seconds == std::floor(seconds))
        std::snprintf(text, sizeof text, "%.0f", seconds);
    else
        std::snprintf(text, sizeof text, "%.2g", seconds);
    return text;
}

} // namespace sentilab::detail
