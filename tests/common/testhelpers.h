#pragma once
// Small helpers shared by the Qt Test suites.
#include <functional>
#include <string>

#include <QByteArray>
#include <QtGlobal>

#include <sentilab/error.h>

namespace sentilab::test {

// The message of the sentilab::Error that `call` throws; empty when it throws none.
inline std::string errorOf(const std::function<void()> &call)
{
    try {
        call();
    } catch (const sentilab::Error &e) {
        return e.what();
    }
    return {};
}

// Restores an environment variable (or its absence) on scope exit.
class EnvGuard
{
public:
    explicit EnvGuard(const char *name)
        : m_name(name), m_had(qEnvironmentVariableIsSet(name)), m_value(qgetenv(name))
    {}
    ~EnvGuard()
    {
        if (m_had)
            qputenv(m_name, m_value);
        else
            qunsetenv(m_name);
    }
    EnvGuard(const EnvGuard &) = delete;
    EnvGuard &operator=(const EnvGuard &) = delete;

private:
    const char *m_name;
    bool m_had;
    QByteArray m_value;
};

} // namespace sentilab::test
