#pragma once
// The first-run dialog of "Start scratch" and "Start fine-tune": what the experiment still needs
// from the Hugging Face hub (sentilab::missingDownloads: the SST-2 dataset; the tokenizer and
// configuration; for a fine-tune the pre-trained weights), how large each item is, where it will
// be stored (the Hugging Face cache, shared with Python) and the sentilab-cli command that does
// the same. "Download" fetches every missing item, one DownloadDialog after another (progress,
// cancel; a cancelled or failed download keeps its partial file and resumes on the next try);
// "Choose folder…" on an item uses files already on disk instead (saved in AppSettings).
#include <QDialog>
#include <QString>

#include <vector>

#include <sentilab/experimentconfig.h>
#include <sentilab/firstrun.h>
#include <sentilab/hubclient.h>

class QLabel;
class QPushButton;
class QVBoxLayout;

namespace sentilab::ui {

class FirstRunDialog : public QDialog
{
    Q_OBJECT

public:
    // exec() result of "Train from scratch instead" (offered for a fine-tune experiment).
    static constexpr int ScratchInstead = 2;

    // `config` as loaded from the experiment file; the dialog applies AppSettings::applyPaths().
    explicit FirstRunDialog(const sentilab::ExperimentConfig &config, QWidget *parent = nullptr);

    // What `config` (with AppSettings::applyPaths()) still needs; empty = ready to run.
    static std::vector<sentilab::NeededDownload>
    missingFor(const sentilab::ExperimentConfig &config);

    // Options for the downloads (endpoint, token, ...); the defaults follow HF_ENDPOINT,
    // HF_TOKEN, HF_HUB_OFFLINE. Leave cacheDir empty: the lookups read the default cache
    // (HF_HUB_CACHE, HF_HOME, ...). Files are set per item.
    void setHubOptions(const sentilab::HubOptions &options) { m_hubOptions = options; }

    const std::vector<sentilab::NeededDownload> &missing() const { return m_missing; }
    QString errorText() const { return m_error; } // the last download failure or folder problem

    // Uses `dir` for the item at `index` of missing(): a folder with the split files for the
    // dataset (AppSettings::setDataDir), with config.json and vocab.txt (and for the weights
    // model.safetensors or pytorch_model.bin) for the model files (AppSettings::setModelDir).
    // Returns false and shows what is missing in it when it is incomplete. Accepts the dialog
    // when nothing is missing any more. "Choose folder…" calls it.
    bool useFolder(int index, const QString &dir);

public Q_SLOTS:
    // Downloads every missing item in turn (modal DownloadDialogs); stops at the first that is
    // cancelled or fails (the dialog stays open, with the reason). Accepts when all arrived.
    void downloadAll();

Q_SIGNALS:
    // Emitted with each DownloadDialog before it runs (tests cancel through it).
    void downloadStarted(QDialog *downloadDialog);

private:
    void refresh(); // recomputes missing(), rebuilds the rows, accepts when empty
    void chooseFolder(int index);

    sentilab::ExperimentConfig m_config;
    sentilab::HubOptions m_hubOptions;
    std::vector<sentilab::NeededDownload> m_missing;
    QString m_error;

    QPushButton *m_scratchButton = nullptr;
    QLabel *m_intro = nullptr;
    QVBoxLayout *m_rows = nullptr;
    QWidget *m_rowsWidget = nullptr;
    QLabel *m_errorLabel = nullptr;
    QPushButton *m_downloadButton = nullptr;
};

} // namespace sentilab::ui
