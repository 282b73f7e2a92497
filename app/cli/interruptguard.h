#pragma once
#include <atomic>

namespace sentilab::cli {

// While an InterruptGuard lives, the first Ctrl+C (SIGINT) only raises flag() so that long work can
// stop cleanly (a run ends "cancelled", a download keeps its .incomplete file); a second Ctrl+C,
// or one after the guard is gone, has the default effect. One guard at a time.
class InterruptGuard
{
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard &) = delete;
    InterruptGuard &operator=(const InterruptGuard &) = delete;

    const std::atomic<bool> *flag() const;
    bool interrupted() const { return flag()->load(); }
};

} // namespace sentilab::cli
