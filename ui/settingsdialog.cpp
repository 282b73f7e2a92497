#include "settingsdialog.h"

#include "appsettings.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include "devicebox.h"

namespace sentilab::ui {
namespace {

// Amber that stays readable on light and dark palettes.
void makeWarningLabel(QLabel *label)
{
    const bool dark = label->palette().color(QPalette::Window).lightness() < 128;
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText, dark ? QColor(0xff, 0xca, 0x6b) : QColor(0x8a, 0x53, 0x00));
    label->setPalette(p);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
}

void showWarning(QLabel *label, const QString &text)
{
    label->setText(text.isEmpty() ? QString() : QStringLiteral("\u26a0 ") + text);
    label->setVisible(!text.isEmpty());
}

QString missingFiles(const QString &dir, const QStringList &names)
{
    QStringList missing;
    for (const QString &name : names) {
        if (!QFileInfo(QDir(dir).filePath(name)).isFile())
            missing << name;
    }
    return missing.join(QLatin1String(", "));
}

} // namespace

QString SettingsDialog::dataDirProblem(const QString &dir)
{
    if (dir.isEmpty())
        return {};
    if (!QFileInfo(dir).isDir())
        return tr("This folder does not exist.");
    const QString missing =
        missingFiles(dir, {QStringLiteral("train.jsonl"), QStringLiteral("validation.jsonl"),
                           QStringLiteral("test.jsonl")});
    if (missing.isEmpty())
        return {};
    return tr("Missing %1: the SST-2 folder holds train.jsonl, validation.jsonl and test.jsonl.")
        .arg(missing);
}

QString SettingsDialog::modelDirProblem(const QString &dir)
{
    if (dir.isEmpty())
        return {};
    if (!QFileInfo(dir).isDir())
        return tr("This folder does not exist.");
    QStringList missing;
    if (!QFileInfo(QDir(dir).filePath(QStringLiteral("config.json"))).isFile())
        missing << QStringLiteral("config.json");
    if (!QFileInfo(QDir(dir).filePath(QStringLiteral("model.safetensors"))).isFile() &&
        !QFileInfo(QDir(dir).filePath(QStringLiteral("pytorch_model.bin"))).isFile())
        missing << tr("model.safetensors (or pytorch_model.bin)");
    if (missing.isEmpty())
        return {};
    return tr("Missing %1.").arg(missing.join(tr(" and ")));
}

QString SettingsDialog::experimentsDirProblem(const QString &dir)
{
    if (dir.isEmpty())
        return {};
    if (!QFileInfo(dir).isDir())
        return tr("This folder does not exist.");
    const QString missing =
        missingFiles(dir, {QStringLiteral("finetune.yaml"), QStringLiteral("scratch.yaml")});
    if (missing.isEmpty())
        return {};
    return tr("Missing %1: \"Start fine-tune\" and \"Start scratch\" read these files.")
        .arg(missing);
}

SettingsDialog::SettingsDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Settings"));

    auto *locations = new QGroupBox(tr("Locations"), this);
    auto *locationsForm = new QFormLayout(locations);
    locationsForm->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);

    m_dataDir =
        addPathRow(locationsForm, tr("&Data folder:"), QStringLiteral("dataDirEdit"),
                   tr("The SST-2 folder with train.jsonl, validation.jsonl and test.jsonl.\n"
                      "Empty: $SENTILAB_DATA_DIR, else the shared data/sst2 folder when present.\n"
                      "Experiments with their own data.dir ignore this."),
                   &m_dataWarning);
    m_dataDir->setPlaceholderText(tr("Automatic ($SENTILAB_DATA_DIR)"));
    connect(m_dataDir, &QLineEdit::textChanged, this, &SettingsDialog::updateWarnings);

    m_modelDir = addPathRow(
        locationsForm, tr("&Pre-trained model:"), QStringLiteral("modelDirEdit"),
        tr("Folder with the pre-trained distilbert-base-uncased weights: config.json, vocab.txt "
           "and model.safetensors (or pytorch_model.bin).\n"
           "Empty: the Hugging Face cache ($HF_HOME, default ~/.cache/huggingface), where "
           "\"sentilab-cli download model distilbert-base-uncased\" puts them.\n"
           "Only fine-tuning needs them."),
        &m_modelWarning);
    m_modelDir->setPlaceholderText(tr("Hugging Face cache"));
    connect(m_modelDir, &QLineEdit::textChanged, this, &SettingsDialog::updateWarnings);

    // The database row has a save-file browser, so it is built here rather than by addPathRow().
    {
        auto *field = new QWidget(locations);
        field->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
        auto *column = new QVBoxLayout(field);
        column->setContentsMargins(0, 0, 0, 0);
        auto *row = new QHBoxLayout;
        m_database = new QLineEdit(field);
        m_database->setObjectName(QStringLiteral("databaseEdit"));
        m_database->setPlaceholderText(tr("Default location"));
        m_database->setClearButtonEnabled(true);
        auto *browse = new QPushButton(tr("Browse…"), field);
        browse->setAutoDefault(false);
        row->addWidget(m_database, 1);
        row->addWidget(browse);
        column->addLayout(row);
        m_databaseNote = new QLabel(field);
        makeWarningLabel(m_databaseNote);
        m_databaseNote->hide();
        column->addWidget(m_databaseNote);
        const QString help =
            tr("The SQLite file that stores every run: its configuration, metrics, evaluations "
               "and checkpoints.\nA new file is created when it does not exist. "
               "$SENTILAB_DB, when set, overrides this setting.\nEmpty: the default location.");
        m_database->setToolTip(help);
        browse->setToolTip(tr("Choose an existing database or a name for a new one"));
        auto *label = new QLabel(tr("Run &database:"), locations);
        label->setBuddy(m_database);
        label->setToolTip(help);
        locationsForm->addRow(label, field);
        connect(browse, &QPushButton::clicked, this, &SettingsDialog::browseDatabase);
        connect(m_database, &QLineEdit::textChanged, this, &SettingsDialog::updateWarnings);
    }

    m_experimentsDir = addPathRow(
        locationsForm, tr("&Experiments:"), QStringLiteral("experimentsDirEdit"),
        tr("Folder with the experiment definitions finetune.yaml and scratch.yaml that \"Start "
           "fine-tune\" and \"Start scratch\" open.\n"
           "Empty: $SENTILAB_EXPERIMENTS_DIR, else the ones installed with SentiLab."),
        &m_experimentsWarning);
    m_experimentsDir->setPlaceholderText(tr("Installed experiments"));
    connect(m_experimentsDir, &QLineEdit::textChanged, this, &SettingsDialog::updateWarnings);

    auto *training = new QGroupBox(tr("Training"), this);
    auto *trainingForm = new QFormLayout(training);
    {
        auto *field = new QWidget(training);
        auto *row = new QHBoxLayout(field);
        row->setContentsMargins(0, 0, 0, 0);
        m_threads = new QSpinBox(field);
        m_threads->setObjectName(QStringLiteral("threadsSpinBox"));
        m_threads->setRange(0, 1024); // train.threads' range
        m_threads->setSpecialValueText(tr("All cores"));
        m_threads->setMinimumWidth(m_threads->sizeHint().width() + 16);
        const int cores = QThread::idealThreadCount();
        auto *hint = new QLabel(cores == 1 ? tr("(1 core on this computer)")
                                           : tr("(%1 cores on this computer)").arg(cores),
                                field);
        QPalette muted = hint->palette();
        muted.setColor(QPalette::WindowText, muted.color(QPalette::PlaceholderText));
        hint->setPalette(muted);
        row->addWidget(m_threads);
        row->addWidget(hint);
        row->addStretch(1);
        const QString help = tr("CPU threads a training run uses (LibTorch intra-op threads).\n"
                                "0 = all cores, shared between runs that train at the same time.\n"
                                "Fewer threads keep the computer responsive; an experiment's own "
                                "train.threads wins when it is not 0.");
        m_threads->setToolTip(help);
        auto *label = new QLabel(tr("&Threads:"), training);
        label->setBuddy(m_threads);
        label->setToolTip(help);
        trainingForm->addRow(label, field);
    }
    m_initialDevice = AppSettings::device();
    m_device = newDeviceBox(m_initialDevice, training);
    m_device->setToolTip(deviceHelp() +
                         tr("\nUsed when an experiment leaves train.device at auto."));
    auto *deviceLabel = new QLabel(tr("De&vice:"), training);
    deviceLabel->setBuddy(m_device);
    trainingForm->addRow(deviceLabel, m_device);

    m_appearance = new QComboBox(training);
    m_appearance->setObjectName(QStringLiteral("appearanceBox"));
    m_appearance->addItem(tr("System"), QStringLiteral("system"));
    m_appearance->addItem(tr("Light"), QStringLiteral("light"));
    m_appearance->addItem(tr("Dark"), QStringLiteral("dark"));
    m_appearance->setToolTip(tr("Colours of the whole window; applied at once"));
    m_appearance->setCurrentIndex(m_appearance->findData(AppSettings::appearance()));
    auto *appearanceLabel = new QLabel(tr("&Appearance:"), training);
    appearanceLabel->setBuddy(m_appearance);
    trainingForm->addRow(appearanceLabel, m_appearance);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(locations);
    layout->addWidget(training);
    layout->addStretch(1);
    layout->addWidget(buttons);

    m_initialDataDir = AppSettings::dataDir();
    m_initialModelDir = AppSettings::modelDir();
    m_initialDatabase = AppSettings::databasePath();
    m_initialExperimentsDir = AppSettings::experimentsDir();
    m_initialThreads = AppSettings::threads();
    m_dataDir->setText(m_initialDataDir);
    m_modelDir->setText(m_initialModelDir);
    m_database->setText(m_initialDatabase);
    m_experimentsDir->setText(m_initialExperimentsDir);
    m_threads->setValue(m_initialThreads);
    updateWarnings();

    const int width = qMax(sizeHint().width(), 640);
    resize(width,
           layout->hasHeightForWidth() ? layout->totalHeightForWidth(width) : sizeHint().height());
}

QLineEdit *SettingsDialog::addPathRow(QFormLayout *form, const QString &label,
                                      const QString &objectName, const QString &help,
                                      QLabel **warning)
{
    QWidget *parent = form->parentWidget();
    auto *field = new QWidget(parent);
    field->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    auto *column = new QVBoxLayout(field);
    column->setContentsMargins(0, 0, 0, 0);
    auto *row = new QHBoxLayout;
    auto *edit = new QLineEdit(field);
    edit->setObjectName(objectName);
    edit->setClearButtonEnabled(true);
    edit->setToolTip(help);
    auto *browse = new QPushButton(tr("Browse…"), field);
    browse->setAutoDefault(false); // Enter means OK, wherever the focus is
    browse->setToolTip(tr("Choose a folder"));
    row->addWidget(edit, 1);
    row->addWidget(browse);
    column->addLayout(row);
    *warning = new QLabel(field);
    makeWarningLabel(*warning);
    (*warning)->hide();
    column->addWidget(*warning);

    auto *labelWidget = new QLabel(label, parent);
    labelWidget->setBuddy(edit);
    labelWidget->setToolTip(help);
    form->addRow(labelWidget, field);
    QString caption = label;
    caption.remove(QLatin1Char('&')).chop(1); // "&Data folder:" -> "Data folder"
    connect(browse, &QPushButton::clicked, this,
            [this, edit, caption] { browseFolder(edit, caption); });
    return edit;
}

void SettingsDialog::browseFolder(QLineEdit *edit, const QString &caption)
{
    const QString dir = QFileDialog::getExistingDirectory(this, caption, edit->text());
    if (!dir.isEmpty())
        edit->setText(QDir::toNativeSeparators(dir));
}

void SettingsDialog::browseDatabase()
{
    // A save dialog, because a new file name is a valid answer; choosing an existing database
    // opens it, so no "replace?" question.
    const QString file = QFileDialog::getSaveFileName(
        this, tr("Run database"), m_database->text(),
        tr("SQLite databases (*.db *.sqlite *.sqlite3);;All files (*)"), nullptr,
        QFileDialog::DontConfirmOverwrite);
    if (!file.isEmpty())
        m_database->setText(QDir::toNativeSeparators(file));
}

void SettingsDialog::updateWarnings()
{
    showWarning(m_dataWarning, dataDirProblem(m_dataDir->text().trimmed()));
    showWarning(m_modelWarning, modelDirProblem(m_modelDir->text().trimmed()));
    showWarning(m_experimentsWarning, experimentsDirProblem(m_experimentsDir->text().trimmed()));

    QStringList notes;
    const QString database = m_database->text().trimmed();
    if (!m_databaseInUse.isEmpty() && QFileInfo(m_databaseInUse).absoluteFilePath() !=
                                          QFileInfo(AppSettings::databasePath()).absoluteFilePath())
        notes << tr("In use now: %1 (given when SentiLab was started).")
                     .arg(QDir::toNativeSeparators(m_databaseInUse));
    if (qEnvironmentVariableIsSet("SENTILAB_DB"))
        notes << tr("$SENTILAB_DB is set and wins over this setting.");
    if (!database.isEmpty()) {
        const QFileInfo info(database);
        if (info.isDir())
            notes << tr("This is a folder; give a file name, e.g. runs.db.");
        else if (!info.absoluteDir().exists())
            notes << tr("The folder %1 does not exist.")
                         .arg(QDir::toNativeSeparators(info.absolutePath()));
    }
    if (database != m_initialDatabase)
        notes << tr("A new database takes effect after SentiLab restarts.");
    showWarning(m_databaseNote, notes.join(QLatin1Char(' ')));

    // A warning that appears must not be squeezed; the dialog never shrinks here.
    layout()->activate();
    const int needed = layout()->hasHeightForWidth() ? layout()->totalHeightForWidth(width())
                                                     : layout()->totalSizeHint().height();
    if (needed > height())
        resize(width(), needed);
}

void SettingsDialog::setDatabaseInUse(const QString &path)
{
    m_databaseInUse = path;
    updateWarnings();
}

void SettingsDialog::accept()
{
    const QString dataDir = m_dataDir->text().trimmed();
    if (dataDir != m_initialDataDir)
        AppSettings::setDataDir(dataDir);
    const QString modelDir = m_modelDir->text().trimmed();
    if (modelDir != m_initialModelDir)
        AppSettings::setModelDir(modelDir);
    const QString experimentsDir = m_experimentsDir->text().trimmed();
    if (experimentsDir != m_initialExperimentsDir)
        AppSettings::setExperimentsDir(experimentsDir);
    if (m_threads->value() != m_initialThreads)
        AppSettings::setThreads(m_threads->value());
    if (const QString d = m_device->currentData().toString(); d != m_initialDevice)
        AppSettings::setDevice(d);
    if (const QString a = m_appearance->currentData().toString(); a != AppSettings::appearance()) {
        AppSettings::setAppearance(a);
        AppSettings::applyAppearance(); // live: every window follows the new palette
    }

    const QString database = m_database->text().trimmed();
    if (database != m_initialDatabase)
        AppSettings::setDatabasePath(database);
    // The effective path: an emptied field means the default, and $SENTILAB_DB wins over both.
    const QString effective = AppSettings::databasePath();

    QDialog::accept();
    if (effective != m_initialDatabase)
        Q_EMIT databaseChanged(effective);
}

} // namespace sentilab::ui
