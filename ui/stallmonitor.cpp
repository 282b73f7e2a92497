#include "stallmonitor.h"

namespace sentilab::ui {

StallMonitor::StallMonitor(int intervalMs, QObject *parent)
    : QObject(parent), m_intervalMs(intervalMs)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &StallMonitor::tick);
    m_clock.start();
    m_lastNs = m_clock.nsecsElapsed();
    m_timer.start();
}

void StallMonitor::tick()
{
    const qint64 now = m_clock.nsecsElapsed();
    const double lateMs = double(now - m_lastNs) / 1e6 - m_intervalMs;
    m_lastNs = now;
    m_worstMs = std::max(m_worstMs, lateMs);
}

} // namespace sentilab::ui
