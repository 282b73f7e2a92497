#pragma once
// First-run help when the pre-trained distilbert-base-uncased weights are missing: says what they
// are and where SentiLab looked, and offers a folder, a download or scratch-only training.
#include <QDialog>
#include <QString>

class QLabel;
class QPlainTextEdit;

namespace sentilab::ui {

class PretrainedWeightsDialog : public QDialog
{
    Q_OBJECT

public:
    // exec()/result() values: QDialog::Accepted = a complete folder was chosen and saved with
    // AppSettings::setModelDir(); QDialog::Rejected = "Train from scratch only" or closed;
    // DownloadRequested = "Download…" was pressed (downloadRequested() was emitted).
    enum Result { DownloadRequested = 2 };

    // Looks for the weights once, on construction, and shows where it looked.
    explicit PretrainedWeightsDialog(QWidget *parent = nullptr);

    // True when sentilab::resolvePretrainedDir() finds the weights with model.pretrained_dir =
    // AppSettings::modelDir() (empty: the Hugging Face cache under $HF_HOME). Otherwise false,
    // and *whereLooked (when given) receives the core's message listing every place it looked and
    // how to get the weights. File-system checks only; cheap enough before every fine-tune.
    static bool pretrainedWeightsAvailable(QString *whereLooked = nullptr);

    // Uses `dir` when it holds config.json and model.safetensors or pytorch_model.bin (presence
    // only): saves it with AppSettings::setModelDir(), accepts and returns true. Otherwise shows
    // what is missing in the dialog, stays open and returns false. "Choose folder…" calls it.
    bool useFolder(const QString &dir);

Q_SIGNALS:
    // "Download…" was pressed; emitted just before the dialog closes with DownloadRequested.
    // The receiver shows the download; the dialog downloads nothing itself.
    void downloadRequested();

private:
    void chooseFolder();

    QPlainTextEdit *m_whereLooked = nullptr;
    QLabel *m_folderError = nullptr;
};

} // namespace sentilab::ui
