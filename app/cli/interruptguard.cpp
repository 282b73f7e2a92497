#include "interruptguard.h"

#include <csignal>

namespace sentilab::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void onInterrupt(int)
{
    g_interrupted.store(true);
    std::signal(SIGINT, SIG_DFL);
}

} // namespace

InterruptGuard::InterruptGuard()
{
    g_interrupted.store(false);
    std::signal(SIGINT, onInterrupt);
}

InterruptGuard::~InterruptGuard()
{
    std::signal(SIGINT, SIG_DFL);
}

const std::atomic<bool> *InterruptGuard::flag() const
{
    return &g_interrupted;
}

} // namespace sentilab::cli
