#pragma once
// Report export without freezing the window: the report's data (checkpoints, the attention
// check) is gathered on a worker thread, then drawn on the GUI thread (QCustomPlot needs it),
// which takes well under a second. One export at a time.
#include <atomic>
#include <memory>
#include <thread>

#include <QObject>
#include <QString>

#include "report/reportdata.h"

namespace sentilab::ui {

class ReportExport : public QObject
{
    Q_OBJECT

public:
    explicit ReportExport(QObject *parent = nullptr);
    ~ReportExport() override; // cancels a running export and waits for its thread

    // Starts an export. Returns false with *error when one is already running or the output
    // cannot be written (checked before anything slow starts).
    bool start(const ReportOptions &options, QString *error);
    // Asks the running export to stop after its current step; cancelled() follows.
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    void progress(int done, int total, const QString &what);
    void finished(const QString &pdfPath);
    void failed(const QString &message);
    void cancelled();

private:
    void complete(std::shared_ptr<ReportData> data, const QString &error);
    void join();

    std::thread m_thread;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QString m_outputPath;
    bool m_running = false;
};

} // namespace sentilab::ui
