#pragma once
// A background thread that keeps a running run's lease in the store fresh (RunStore::heartbeat),
// so that other machines sharing the database can tell that its owner is alive. Torch-free.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace sentilab {

class Heartbeat
{
public:
    // Starts beating every `periodSeconds` on its own connection to the store at `dbPath`.
    // Failures (busy or full disk) are ignored: the trainer's own writes report those.
    Heartbeat(const std::string &dbPath, int64_t runId, int periodSeconds = 30);
    // Stops and joins the thread (within a few milliseconds).
    ~Heartbeat();
    Heartbeat(const Heartbeat &) = delete;
    Heartbeat &operator=(const Heartbeat &) = delete;

private:
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace sentilab
