#pragma once
// Preferences: where the SST-2 data, the pre-trained weights, the run database and the experiment
// files are, and how many threads training uses. Reads and writes AppSettings only.
#include <QDialog>
#include <QString>

class QFormLayout;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace sentilab::ui {

class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    // Shows the current AppSettings values (the effective ones, fallbacks included).
    explicit SettingsDialog(QWidget *parent = nullptr);

    // Folder checks shared by the dialogs. Each returns "" when `dir` looks usable, else one
    // sentence for the user naming what is missing. Only the presence of files is tested, not
    // their content. An empty `dir` means "use the fallback" and is not checked ("").
    static QString dataDirProblem(const QString &dir);        // train/validation/test.jsonl
    static QString modelDirProblem(const QString &dir);       // config.json + model.safetensors or
                                                              // pytorch_model.bin
    static QString experimentsDirProblem(const QString &dir); // finetune.yaml + scratch.yaml

    // Saves, through the AppSettings setters, only the fields that differ from what the dialog
    // showed on opening (an untouched fallback stays a fallback; an emptied field restores it),
    // then emits databaseChanged() if the database path changed, then closes. Warnings never
    // block saving.
    void accept() override;
    // The database this window actually runs on (e.g. from --db), shown when it is not the one
    // the setting names.
    void setDatabaseInUse(const QString &path);

Q_SIGNALS:
    // Emitted by accept(), after saving, when the effective database path (AppSettings::
    // databasePath(), absolute) changed. This dialog reopens no store; it tells the user the
    // change applies after a restart, and a receiver may apply it sooner.
    void databaseChanged(const QString &path);

private:
    QString m_databaseInUse;
    QComboBox *m_appearance = nullptr;
    QLineEdit *addPathRow(QFormLayout *form, const QString &label, const QString &objectName,
                          const QString &help, QLabel **warning);
    void browseFolder(QLineEdit *edit, const QString &caption);
    void browseDatabase();
    void updateWarnings();

    QLineEdit *m_dataDir = nullptr;
    QLineEdit *m_modelDir = nullptr;
    QLineEdit *m_database = nullptr;
    QLineEdit *m_experimentsDir = nullptr;
    QSpinBox *m_threads = nullptr;
    QComboBox *m_device = nullptr;
    QLabel *m_dataWarning = nullptr;
    QLabel *m_modelWarning = nullptr;
    QLabel *m_databaseNote = nullptr;
    QLabel *m_experimentsWarning = nullptr;

    // What the fields showed on opening; accept() saves only what differs.
    QString m_initialDataDir;
    QString m_initialModelDir;
    QString m_initialDatabase;
    QString m_initialExperimentsDir;
    int m_initialThreads = 0;
    QString m_initialDevice;
};

} // namespace sentilab::ui
