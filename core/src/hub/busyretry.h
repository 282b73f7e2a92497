#pragma once
// Retries of one URL while the hub answers 429 (rate limit) or 503 (busy), as its Retry-After
// header asks. Internal to core; used by the hub client on its downloading thread.
#include "httpclient.h"

#include <functional>
#include <string>
#include <vector>

namespace sentilab::detail {

class BusyRetry
{
public:
    using Say = std::function<void(const std::string &message)>;
    // Waits `seconds`; may throw (DownloadCancelled) to stop the retries.
    using Sleep = std::function<void(double seconds)>;

    // Up to `attempts` requests in all (< 1 counts as 1); each wait is what Retry-After asks
    // (1, 2, 4, ... s when it does not say), at most `capSeconds`. `subject` ("'vocab.txt' of
    // model 'x'", already escaped) starts every message. One object per URL, living across its
    // attempts.
    BusyRetry(int attempts, double capSeconds, std::string subject, Say say, Sleep sleep);

    // Call after a response arrived. True when it was a 429/503 and attempts are left: the wait
    // was announced through `say` ("<subject>: rate-limited by the hub, retrying in 4 s (attempt
    // 2 of 5)") and `sleep` has returned. False for other statuses and after the last attempt.
    bool waitAfter(const HttpResult &result);

    // Appended to the error for a 429/503 not retried any more (" Gave up after 5 attempts and
    // 12 s of waiting; ..."); "" for other statuses.
    std::string gaveUp(const HttpResult &result) const;

    // After a success: adds a note saying that the hub made us wait, when it did.
    void addNote(std::vector<std::string> &notes) const;

private:
    int m_attempts;
    double m_capSeconds;
    std::string m_subject;
    Say m_say;
    Sleep m_sleep;
    int m_attempt = 1;   // requests made so far
    long m_status = 0;   // the last 429/503
    double m_asked = -1; // the last Retry-After in seconds; -1 = none
    double m_waited = 0; // seconds
};

// "0.05", "1.5", "30": seconds for messages.
std::string formatSeconds(double seconds);

} // namespace sentilab::detail
