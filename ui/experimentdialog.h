#pragma once
// The dialog behind "Start fine-tune" / "Start scratch": an experiment file's recipe as a form
// and as YAML, validated by the core (ExperimentConfig::fromYaml) before the run can start.
#include <QDialog>
#include <QString>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <sentilab/experimentconfig.h>
#include <sentilab/runanalysis.h>

#include "experimentestimate.h"

class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QToolButton;
class QWidget;

namespace sentilab::ui {

class ExperimentDialog : public QDialog
{
    Q_OBJECT

public:
    // Loads `yamlPath` (experiments/finetune.yaml, scratch.yaml, ...) with
    // ExperimentConfig::fromFile(). Where the file leaves them empty/0, the data folder, the
    // pre-trained weights folder and threads come from AppSettings (dataDir(), modelDir(),
    // threads()). A file that fails to load shows its text in the open YAML box and the core's
    // error, with Start disabled, so it can be fixed in place.
    explicit ExperimentDialog(const QString &yamlPath, QWidget *parent = nullptr);

    // The validated config: after accept(), the one to start (sourcePath = the opened file);
    // before, the last valid state (default-constructed if there never was one).
    ExperimentConfig config() const { return m_config; }
    // Free text for TrainingRequest::runName, trimmed; empty = "<config().name>-<run id>".
    QString runName() const;
    // The message the error label shows; empty while the form and the YAML are valid.
    QString errorText() const { return m_errorText; }

    // Validates: ExperimentConfig::fromYaml(YAML box, "<dialog>", the form's fields as
    // "section.key=value" overrides). Closes only on success; otherwise shows the error inline
    // and stays open. Start is also disabled while the last edit left things invalid.
    void accept() override;
    // The kind the user asked for ("finetune" from Start fine-tune, "scratch" from Start
    // scratch; empty = any file). While the experiment's kind differs, a warning says so.
    void setRequestedKind(const QString &kind);
    // How to time a step of (kind, batch size, model width) on this machine, e.g. from the run
    // store (sentilab::measuredStepTime); the dialog then shows the run's estimated duration.
    using StepTimeLookup = std::function<std::optional<sentilab::StepTime>(
        const std::string &kind, int64_t batchSize, int64_t dim)>;
    void setStepTimeLookup(StepTimeLookup lookup);

private:
    // One form field bound to one config key. `read` gives the override value ("3e-05");
    // `write` shows a config's value (callers set m_syncing, so the edit handlers ignore it).
    struct Binding
    {
        std::string key; // "train.lr"
        QString label;   // names the field in error messages
        std::function<QString()> read;
        std::function<void(const ExperimentConfig &)> write;
        bool finetuneOnly = false;
    };

    QWidget *buildForm();
    QWidget *pathField(QLineEdit *edit, const QString &caption);
    void addRow(QFormLayout *form, const QString &label, QWidget *field, const QString &help);
    void bind(Binding binding);

    std::vector<std::string> formOverrides() const;
    // fromYaml(YAML box, overrides); on success updates m_config, clears the error, returns true.
    bool rebuild();
    void formEdited();
    void yamlEdited();
    void showConfig(const ExperimentConfig &config); // form <- config, no signals
    void setYamlText(const QString &text);           // YAML box <- text, keeps the scroll
    void showError(const QString &coreMessage);      // "" clears
    void updateWarnings();
    void updateDuration(const QString &dataDir);
    void setAdvancedOpen(bool open);
    void growToFit(); // grows (never shrinks) the dialog to its layout's height

    QString m_yamlPath;
    QString m_requestedKind;
    StepTimeLookup m_stepTime;
    QLabel *m_duration = nullptr;
    TrainExampleCounter m_examples;
    ExperimentConfig m_config;
    QString m_errorText;
    bool m_syncing = false; // set while the dialog itself writes the form or the YAML box
    bool m_finetune = true; // kind of the config last shown; the weights row is fine-tune only
    std::vector<Binding> m_bindings;
    std::vector<QFormLayout *> m_forms; // column by column: Run, Data, Optimisation, Evaluation

    QLabel *m_title = nullptr;
    QLabel *m_description = nullptr;
    QFormLayout *m_runForm = nullptr;
    QLineEdit *m_runName = nullptr;
    QLineEdit *m_pretrainedDir = nullptr;
    QWidget *m_pretrainedField = nullptr;
    QLineEdit *m_dataDir = nullptr;
    QLabel *m_warning = nullptr;
    QToolButton *m_advancedToggle = nullptr;
    QPlainTextEdit *m_yaml = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_start = nullptr;
};

} // namespace sentilab::ui
