#include "heartbeat.h"

#include <chrono>

#include <sentilab/runstore.h>

namespace sentilab {

Heartbeat::Heartbeat(const std::string &dbPath, int64_t runId, int periodSeconds)
{
    m_thread = std::thread([this, dbPath, runId, periodSeconds] {
        try {
            RunStore store = RunStore::open(dbPath);
            std::unique_lock lock(m_mutex);
            while (!m_wake.wait_for(lock, std::chrono::seconds(periodSeconds),
                                    [this] { return m_stop; })) {
                lock.unlock();
                try {
                    store.heartbeat(runId);
                } catch (const std::exception &) {
                }
                lock.lock();
            }
        } catch (const std::exception &) {
            // The store could not be opened here; the training thread will report why.
        }
    });
}

Heartbeat::~Heartbeat()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

} // namespace sentilab
