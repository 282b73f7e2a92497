#include "downloaddialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QThread>
#include <QVBoxLayout>

#include <sentilab/error.h>

#include <cmath>
#include <exception>

namespace sentilab::ui {
namespace {

QString formatSize(double bytes)
{
    return QLocale().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeSIFormat);
}

QString formatEta(double seconds)
{
    if (!(seconds >= 0) || !std::isfinite(seconds))
        return QString();
    const qint64 s = qRound64(seconds);
    if (s >= 3600)
        return DownloadDialog::tr("%1 h %2 min left")
            .arg(s / 3600)
            .arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    if (s >= 60)
        return DownloadDialog::tr("%1 min %2 s left")
            .arg(s / 60)
            .arg(s % 60, 2, 10, QLatin1Char('0'));
    return DownloadDialog::tr("%1 s left").arg(s);
}

} // namespace

DownloadDialog::DownloadDialog(QString repo, bool dataset, QWidget *parent)
    : QDialog(parent), m_repo(std::move(repo)), m_dataset(dataset)
{
    setObjectName(QStringLiteral("DownloadDialog"));
    setWindowTitle(tr("Download %1").arg(m_repo));
    setMinimumWidth(520);

    m_where = new QLabel(this);
    m_where->setWordWrap(true);
    m_where->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_file = new QLabel(tr("Asking the hub for the file list…"), this);
    m_file->setObjectName(QStringLiteral("fileLabel"));
    m_bar = new QProgressBar(this);
    m_bar->setObjectName(QStringLiteral("progressBar"));
    m_bar->setRange(0, 0); // busy until the sizes are known
    m_detail = new QLabel(this);
    m_detail->setObjectName(QStringLiteral("detailLabel"));
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("messageLabel"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setTextFormat(Qt::PlainText);
    m_message->hide();

    auto *buttons = new QDialogButtonBox(this);
    m_retryButton = buttons->addButton(tr("Retry"), QDialogButtonBox::ActionRole);
    m_okButton = buttons->addButton(QDialogButtonBox::Ok);
    m_cancelButton = buttons->addButton(QDialogButtonBox::Cancel);
    m_retryButton->hide();
    m_okButton->hide();
    connect(m_retryButton, &QPushButton::clicked, this, &DownloadDialog::start);
    connect(m_okButton, &QPushButton::clicked, this, &QDialog::accept);
    connect(m_cancelButton, &QPushButton::clicked, this, &DownloadDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_where);
    layout->addWidget(m_file);
    layout->addWidget(m_bar);
    layout->addWidget(m_detail);
    layout->addWidget(m_message, 1);
    layout->addWidget(buttons);
}

DownloadDialog::~DownloadDialog()
{
    m_cancel = true;
    joinWorker();
}

void DownloadDialog::setOptions(const sentilab::HubOptions &options)
{
    m_options = options;
}

void DownloadDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    if (!m_started)
        start();
}

void DownloadDialog::start()
{
    if (m_thread)
        return;
    m_started = true;
    m_cancel = false;
    m_closeWhenStopped = false;
    m_error.clear();
    m_downloadedDir.clear();
    m_message->hide();
    m_retryButton->hide();
    m_okButton->hide();
    m_cancelButton->setText(tr("Cancel"));
    m_cancelButton->setEnabled(true);
    m_bar->setRange(0, 0);
    m_detail->clear();
    m_file->setText(tr("Asking the hub for the file list…"));

    const sentilab::RepoKind kind =
        m_dataset ? sentilab::RepoKind::Dataset : sentilab::RepoKind::Model;
    try {
        m_where->setText(tr("%1 %2 from %3\ninto %4")
                             .arg(m_dataset ? tr("Dataset") : tr("Model"), m_repo,
                                  QString::fromStdString(sentilab::hubEndpoint(m_options)),
                                  QString::fromStdString(sentilab::repoCacheDir(
                                      m_repo.toStdString(), kind, m_options))));
    } catch (const std::exception &e) {
        workerDone(false, false, QString::fromStdString(e.what()), {});
        return;
    }

    const std::string repo = m_repo.toStdString();
    const sentilab::HubOptions options = m_options;
    std::atomic<bool> *cancel = &m_cancel;
    // The dialog outlives the thread (the destructor joins it), so `this` stays valid here; queued
    // calls still pending when the dialog goes away are dropped with it.
    m_thread = QThread::create([this, repo, kind, options, cancel] {
        bool ok = false;
        bool cancelled = false;
        QString text;
        QStringList notes;
        try {
            const sentilab::DownloadResult result = sentilab::downloadRepo(
                repo, kind, options,
                [this](const sentilab::DownloadProgress &p) {
                    QMetaObject::invokeMethod(
                        this, [this, p] { showProgress(p); }, Qt::QueuedConnection);
                },
                cancel);
            ok = true;
            text = QString::fromStdString(result.snapshotDir);
            for (const std::string &note : result.notes)
                notes << QString::fromStdString(note);
        } catch (const sentilab::DownloadCancelled &e) {
            cancelled = true;
            text = QString::fromStdString(e.what());
        } catch (const std::exception &e) {
            text = QString::fromStdString(e.what());
        } catch (...) {
            text = DownloadDialog::tr("the download failed with an unknown error");
        }
        QMetaObject::invokeMethod(
            this, [this, ok, cancelled, text, notes] { workerDone(ok, cancelled, text, notes); },
            Qt::QueuedConnection);
    });
    m_thread->setObjectName(QStringLiteral("DownloadWorker"));
    m_thread->start();
}

void DownloadDialog::cancel()
{
    if (!m_thread)
        return;
    m_cancel = true;
    m_cancelButton->setEnabled(false);
    m_file->setText(tr("Cancelling…"));
}

void DownloadDialog::reject()
{
    if (m_thread) {
        m_closeWhenStopped = true;
        cancel();
        return;
    }
    QDialog::reject();
}

void DownloadDialog::showProgress(const sentilab::DownloadProgress &p)
{
    if (!m_thread || m_cancel)
        return;
    if (!p.message.empty()) { // a wait for a busy hub or a warning: shown until the next bytes
        m_detail->setText(QString::fromStdString(p.message));
        return;
    }
    m_file->setText(tr("%1 (file %2 of %3)")
                        .arg(QString::fromStdString(p.file))
                        .arg(p.fileIndex + 1)
                        .arg(p.fileCount));
    if (p.allTotal > 0) {
        m_bar->setRange(0, 1000);
        m_bar->setValue(int(std::llround(1000.0 * double(p.allBytes) / double(p.allTotal))));
    }
    QStringList parts;
    parts << (p.fileTotal >= 0
                  ? tr("%1 of %2")
                        .arg(formatSize(double(p.fileBytes)), formatSize(double(p.fileTotal)))
                  : formatSize(double(p.fileBytes)));
    if (p.bytesPerSecond > 0)
        parts << tr("%1/s").arg(formatSize(p.bytesPerSecond));
    if (const QString eta = formatEta(p.etaSeconds); !eta.isEmpty() && p.allBytes < p.allTotal)
        parts << eta;
    m_detail->setText(parts.join(QStringLiteral(" · ")));
}

void DownloadDialog::joinWorker()
{
    if (!m_thread)
        return;
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
}

void DownloadDialog::workerDone(bool ok, bool cancelled, const QString &dirOrError,
                                const QStringList &notes)
{
    joinWorker();
    m_cancelButton->setEnabled(true);
    if (ok) {
        m_downloadedDir = dirOrError;
        m_bar->setRange(0, 1000);
        m_bar->setValue(1000);
        m_file->setText(tr("Done: %1").arg(m_downloadedDir));
        m_detail->clear();
        Q_EMIT downloadSucceeded(m_downloadedDir);
        if (notes.isEmpty() && !m_closeWhenStopped) {
            accept();
            return;
        }
        m_message->setText(notes.join(QLatin1Char('\n')));
        m_message->show();
        m_okButton->show();
        m_okButton->setDefault(true);
        m_cancelButton->hide();
        return;
    }
    if (cancelled && m_closeWhenStopped) {
        QDialog::reject();
        return;
    }
    m_error = dirOrError;
    m_bar->setRange(0, 1000);
    m_bar->setValue(0);
    m_file->setText(cancelled ? tr("Cancelled; Retry resumes where it stopped.")
                              : tr("The download failed:"));
    m_detail->clear();
    m_message->setText(dirOrError);
    m_message->setVisible(!cancelled);
    m_retryButton->show();
    m_cancelButton->setText(tr("Close"));
    if (!cancelled)
        Q_EMIT downloadFailed(m_error);
}

} // namespace sentilab::ui
