#pragma once
// The desktop's one GUI-thread connection to the run store. MainWindow owns it and hands it to
// every view (runs table and panel, charts, compare, inference pane): one connection, one place
// where opening fails and is reported, one recovery scan of dead runs (RunStore::open does it),
// and one change notification instead of each view polling. A view created on its own (a test,
// a tool) makes its own reader with setDatabasePath.
//
// GUI thread only (a RunStore is never shared between threads). Worker threads (training,
// inference, report data) open their own connections.
#include <memory>

#include <QObject>
#include <QString>

namespace sentilab {
class RunStore;
}

namespace sentilab::ui {

class StoreReader : public QObject
{
    Q_OBJECT

public:
    explicit StoreReader(QObject *parent = nullptr);
    ~StoreReader() override;

    // Which file to read. `create`: the main window's own store, created when missing
    // (RunStore::open); otherwise the file must exist (RunStore::openExisting). Nothing is opened
    // until store() is first called; views are told through databaseChanged().
    void setDatabasePath(const QString &path, bool create = false);
    const QString &databasePath() const { return m_path; }

    // The connection, opened on first use; nullptr when it cannot be opened (error() says why,
    // errorChanged() fired once; the next call tries again).
    RunStore *store();
    const QString &error() const { return m_error; }

    // Tells every view that runs were added, changed or removed (a write through this connection,
    // a run that started or ended in this process).
    void notifyChanged();

Q_SIGNALS:
    void changed();
    void databaseChanged();
    void errorChanged(const QString &message); // empty once the store opens again

private:
    QString m_path;
    bool m_create = false;
    std::unique_ptr<RunStore> m_store;
    QString m_error;
};

} // namespace sentilab::ui
