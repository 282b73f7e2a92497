#include "reportexport.h"

#include <QMetaObject>
#include <QPointer>

#include <sentilab/error.h>

#include "report/reportbuilder.h"

namespace sentilab::ui {

ReportExport::ReportExport(QObject *parent) : QObject(parent) {}

ReportExport::~ReportExport()
{
    if (m_cancel)
        m_cancel->store(true);
    join();
}

void ReportExport::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

bool ReportExport::start(const ReportOptions &options, QString *error)
{
    if (m_running) {
        *error = tr("A report is already being written; wait for it or cancel it.");
        return false;
    }
    try {
        checkReportOutput(options.outputPath);
    } catch (const std::exception &e) {
        *error = QString::fromUtf8(e.what());
        return false;
    }
    join(); // the previous export's thread has finished its work; reap it
    m_running = true;
    m_outputPath = options.outputPath;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    // The thread reaches this object only through queued calls guarded by QPointer, so a
    // destroyed ReportExport (which joins first anyway) is never touched.
    QPointer<ReportExport> self(this);
    m_thread = std::thread([self, options, cancel = m_cancel] {
        auto data = std::make_shared<ReportData>();
        QString error;
        try {
            *data = buildReportData(options, cancel.get(),
                                    [self](int done, int total, const QString &what) {
                                        QMetaObject::invokeMethod(
                                            self.data(),
                                            [self, done, total, what] {
                                                if (self)
                                                    Q_EMIT self->progress(done, total, what);
                                            },
                                            Qt::QueuedConnection);
                                    });
        } catch (const std::exception &e) {
            error = QString::fromUtf8(e.what());
        }
        QMetaObject::invokeMethod(
            self.data(),
            [self, data, error] {
                if (self)
                    self->complete(data, error);
            },
            Qt::QueuedConnection);
    });
    return true;
}

void ReportExport::cancel()
{
    if (m_running && m_cancel)
        m_cancel->store(true);
}

void ReportExport::complete(std::shared_ptr<ReportData> data, const QString &error)
{
    m_running = false;
    join();
    if (m_cancel && m_cancel->load()) {
        Q_EMIT cancelled();
        return;
    }
    if (!error.isEmpty()) {
        Q_EMIT failed(error);
        return;
    }
    try {
        renderReport(*data, m_outputPath);
    } catch (const std::exception &e) {
        Q_EMIT failed(QString::fromUtf8(e.what()));
        return;
    }
    Q_EMIT finished(m_outputPath);
}

} // namespace sentilab::ui
