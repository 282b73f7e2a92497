#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace sentilab::ui {

// Measures how responsive the GUI thread is: a timer that should fire every `intervalMs`; any
// extra delay is time the event loop was blocked. Keeps the worst stall since the last reset.
class StallMonitor : public QObject
{
    Q_OBJECT

public:
    explicit StallMonitor(int intervalMs = 10, QObject *parent = nullptr);
    double worstStallMs() const { return m_worstMs; }
    void reset() { m_worstMs = 0; }

private:
    void tick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastNs = 0;
    int m_intervalMs;
    double m_worstMs = 0;
};

} // namespace sentilab::ui
