#pragma once
#include <QDialog>
#include <QString>
#include <QStringList>

#include <sentilab/hubclient.h>

#include <atomic>

class QLabel;
class QProgressBar;
class QPushButton;
class QThread;

namespace sentilab::ui {

// Downloads a hub repo into the Hugging Face cache (sentilab::downloadRepo) on a worker thread
// and shows the file, a progress bar over all files, bytes, rate and ETA. The download starts
// when the dialog is first shown. Success accepts the dialog (downloadedDir() then names the
// snapshot folder) unless there are notes to read first; a failure is shown in the dialog with
// Retry and Close; Cancel, Esc and the window's close button stop the transfer within about a
// second (the partial file is kept, so the next attempt resumes) and then reject the dialog.
// Only values cross from the worker to the dialog; the worker catches every exception.
class DownloadDialog : public QDialog
{
    Q_OBJECT

public:
    DownloadDialog(QString repo, bool dataset, QWidget *parent = nullptr);
    ~DownloadDialog() override; // cancels a running download and waits for its thread

    // Options for downloadRepo(); the defaults follow HF_ENDPOINT, HF_HOME, HF_TOKEN and
    // HF_HUB_OFFLINE. Takes effect at the next start().
    void setOptions(const sentilab::HubOptions &options);

    QString downloadedDir() const { return m_downloadedDir; } // empty until a success
    QString errorText() const { return m_error; }             // the last failure; empty if none
    bool isRunning() const { return m_thread != nullptr; }

public Q_SLOTS:
    void start();           // no-op while running
    void cancel();          // asks the worker to stop; the dialog stays open
    void reject() override; // cancels first when running, closes when the worker has stopped

Q_SIGNALS:
    void downloadSucceeded(const QString &snapshotDir);
    void downloadFailed(const QString &message);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void showProgress(const sentilab::DownloadProgress &progress);
    void workerDone(bool ok, bool cancelled, const QString &dirOrError, const QStringList &notes);
    void joinWorker();

    QString m_repo;
    bool m_dataset = false;
    sentilab::HubOptions m_options;
    std::atomic<bool> m_cancel{false};
    QThread *m_thread = nullptr;
    bool m_started = false;
    bool m_closeWhenStopped = false;
    QString m_downloadedDir;
    QString m_error;

    QLabel *m_where = nullptr;
    QLabel *m_file = nullptr;
    QProgressBar *m_bar = nullptr;
    QLabel *m_detail = nullptr;
    QLabel *m_message = nullptr;
    QPushButton *m_retryButton = nullptr;
    QPushButton *m_okButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
};

} // namespace sentilab::ui
