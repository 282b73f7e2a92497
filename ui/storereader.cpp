#include "storereader.h"

#include <sentilab/runstore.h>

namespace sentilab::ui {

StoreReader::StoreReader(QObject *parent) : QObject(parent) {}

StoreReader::~StoreReader() = default;

void StoreReader::setDatabasePath(const QString &path, bool create)
{
    m_path = path;
    m_create = create;
    m_store.reset();
    m_error.clear();
    Q_EMIT databaseChanged();
}

RunStore *StoreReader::store()
{
    if (m_store || m_path.isEmpty())
        return m_store.get();
    try {
        const std::string path = m_path.toStdString();
        m_store = std::make_unique<RunStore>(m_create ? RunStore::open(path)
                                                      : RunStore::openExisting(path));
        if (!m_error.isEmpty()) {
            m_error.clear();
            Q_EMIT errorChanged(m_error);
        }
    } catch (const std::exception &e) {
        const QString message =
            tr("The run database %1 cannot be read: %2").arg(m_path, QString::fromUtf8(e.what()));
        if (message != m_error) {
            m_error = message;
            Q_EMIT errorChanged(m_error);
        }
    }
    return m_store.get();
}

void StoreReader::notifyChanged()
{
    Q_EMIT changed();
}

} // namespace sentilab::ui
