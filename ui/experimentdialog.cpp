#include "experimentdialog.h"

#include "experimentestimate.h"

#include "appsettings.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QScrollBar>
#include <QSpinBox>
#include <QTextBlock>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>

#include <sentilab/error.h>

#include "devicebox.h"

namespace sentilab::ui {
namespace {

// The source name handed to ExperimentConfig::fromYaml(); its messages start "<dialog>:<line>:".
const char kSource[] = "<dialog>";

QString fromStd(const std::string &s)
{
    return QString::fromStdString(s);
}

// The override value of a double: C locale, shortest round-trip form, as the core parses it.
QString overrideNumber(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

// A QDoubleSpinBox for hyper-parameters: shows and accepts the shortest form of a number ("3e-5",
// "0.06") and keeps 20 decimals, so the values of experiment files are held exactly. With
// gridSteps, the arrows walk the 1-2-3-5 grid (..., 3e-5, 5e-5, 1e-4, ...) that learning rates
// are searched on; otherwise they add singleStep().
class NumberSpinBox : public QDoubleSpinBox
{
public:
    explicit NumberSpinBox(bool gridSteps, QWidget *parent = nullptr)
        : QDoubleSpinBox(parent), m_gridSteps(gridSteps)
    {
        setDecimals(20);
    }

    QString textFromValue(double value) const override
    {
        QLocale loc = locale();
        loc.setNumberOptions(loc.numberOptions() | QLocale::OmitGroupSeparator);
        QString text = loc.toString(value, 'g', QLocale::FloatingPointShortest);
        static const QRegularExpression exponent(QStringLiteral("e\\+?(-?)0*(\\d)"));
        return text.replace(exponent, QStringLiteral("e\\1\\2")); // "3e-05" -> "3e-5"
    }

    double valueFromText(const QString &text) const override
    {
        if (!specialValueText().isEmpty() && text == specialValueText())
            return minimum();
        return locale().toDouble(text.trimmed());
    }

    QValidator::State validate(QString &text, int &) const override
    {
        if (!specialValueText().isEmpty() && text == specialValueText())
            return QValidator::Acceptable;
        bool ok = false;
        const double value = locale().toDouble(text.trimmed(), &ok);
        if (ok)
            return value >= minimum() && value <= maximum() ? QValidator::Acceptable
                                                            : QValidator::Intermediate;
        // Half-typed numbers such as "", "3e" or "3e-" may still become valid.
        static const QRegularExpression partial(
            QStringLiteral("^[+-]?\\d*[.,]?\\d*([eE][+-]?\\d*)?$"));
        return partial.match(text.trimmed()).hasMatch() ? QValidator::Intermediate
                                                        : QValidator::Invalid;
    }

    void stepBy(int steps) override
    {
        if (!m_gridSteps) {
            QDoubleSpinBox::stepBy(steps);
            return;
        }
        double value = this->value();
        for (; steps > 0; --steps)
            value = gridNeighbour(value, true);
        for (; steps < 0; ++steps)
            value = gridNeighbour(value, false);
        setValue(std::clamp(value, minimum(), maximum()));
        selectAll();
    }

private:
    // The next value of {1, 2, 3, 5} x 10^k above (or below) `value`.
    static double gridNeighbour(double value, bool up)
    {
        const int k = value > 0 ? int(std::floor(std::log10(value))) : -9;
        double best = up ? HUGE_VAL : 0;
        for (int e = k - 1; e <= k + 1; ++e) {
            for (int m : {1, 2, 3, 5}) {
                // m / 10^-e is exact to the last bit where m * 10^e is not.
                const double g = e < 0 ? m / std::pow(10.0, -e) : m * std::pow(10.0, e);
                if (up && g > value * (1 + 1e-9) && g < best)
                    best = g;
                if (!up && g < value * (1 - 1e-9) && g > best)
                    best = g;
            }
        }
        return best == HUGE_VAL || best == 0 ? value : best;
    }

    bool m_gridSteps;
};

// Error red / warning amber that stay readable on light and dark palettes.
void setTone(QLabel *label, bool error)
{
    const bool dark = label->palette().color(QPalette::Window).lightness() < 128;
    QColor color;
    if (error)
        color = dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb3, 0x26, 0x1e);
    else
        color = dark ? QColor(0xff, 0xca, 0x6b) : QColor(0x8a, 0x53, 0x00);
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText, color);
    label->setPalette(p);
}

} // namespace

ExperimentDialog::ExperimentDialog(const QString &yamlPath, QWidget *parent)
    : QDialog(parent), m_yamlPath(yamlPath)
{
    m_title = new QLabel(this);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    m_title->setFont(titleFont);
    m_description = new QLabel(this);
    m_description->setWordWrap(true);
    m_description->setTextFormat(Qt::PlainText);
    auto *source = new QLabel(this);
    source->setTextFormat(Qt::PlainText);
    {
        QPalette muted = source->palette();
        muted.setColor(QPalette::WindowText, muted.color(QPalette::PlaceholderText));
        source->setPalette(muted);
    }
    const QString nativePath = QDir::toNativeSeparators(yamlPath);
    source->setText(
        tr("From %1").arg(source->fontMetrics().elidedText(nativePath, Qt::ElideMiddle, 560)));
    source->setToolTip(nativePath);

    QWidget *form = buildForm();

    m_warning = new QLabel(this);
    m_warning->setObjectName(QStringLiteral("warningLabel"));
    m_warning->setWordWrap(true);
    m_warning->setTextFormat(Qt::PlainText);
    setTone(m_warning, false);
    m_warning->hide();

    m_duration = new QLabel(this);
    m_duration->setObjectName(QStringLiteral("durationLabel"));
    m_duration->setWordWrap(true);

    m_advancedToggle = new QToolButton(this);
    m_advancedToggle->setObjectName(QStringLiteral("advancedToggle"));
    m_advancedToggle->setText(tr("&Advanced (YAML)"));
    m_advancedToggle->setCheckable(true);
    m_advancedToggle->setAutoRaise(true);
    m_advancedToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_advancedToggle->setArrowType(Qt::RightArrow);
    m_advancedToggle->setToolTip(
        tr("The whole experiment as YAML, every key included. The form and the YAML stay in step: "
           "a change in either shows in the other. Keys the form does not show (Adam betas, "
           "dropout, max length, ...) can be edited here."));
    connect(m_advancedToggle, &QToolButton::toggled, this, &ExperimentDialog::setAdvancedOpen);

    m_yaml = new QPlainTextEdit(this);
    m_yaml->setObjectName(QStringLiteral("yamlEdit"));
    m_yaml->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_yaml->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_yaml->setTabChangesFocus(true); // YAML indents with spaces; Tab moves on, as in the form
    m_yaml->setMinimumHeight(m_yaml->fontMetrics().lineSpacing() * 16);
    m_yaml->hide();
    connect(m_yaml, &QPlainTextEdit::textChanged, this, &ExperimentDialog::yamlEdited);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText); // messages contain "<dialog>" and other '<'
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setTone(m_error, true);
    m_error->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_start = buttons->button(QDialogButtonBox::Ok);
    m_start->setText(tr("Start"));
    m_start->setDefault(true);
    m_start->setToolTip(tr("Queue the run; training starts when a slot is free (Enter)"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ExperimentDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ExperimentDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_description);
    layout->addWidget(source);
    layout->addSpacing(4);
    layout->addWidget(form);
    layout->addWidget(m_warning);
    layout->addWidget(m_duration);
    layout->addWidget(m_advancedToggle, 0, Qt::AlignLeft);
    layout->addWidget(m_yaml, 1);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    // Load. Values the file leaves to the environment come from Settings, visibly, in the form.
    try {
        ExperimentConfig loaded = ExperimentConfig::fromFile(yamlPath.toStdString());
        AppSettings::applyPaths(loaded);
        if (loaded.train.threads == 0)
            loaded.train.threads = std::clamp(AppSettings::threads(), 0, 1024);
        if (loaded.train.device == "auto")
            loaded.train.device = AppSettings::device().toStdString();
        showConfig(loaded);
        setYamlText(fromStd(loaded.toYaml()));
        rebuild();
    } catch (const std::exception &e) { // sentilab::Error: unreadable or invalid file
        QFile file(yamlPath);
        const QString text =
            file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
        showConfig(ExperimentConfig());
        setYamlText(text);
        showError(fromStd(e.what()));
        m_advancedToggle->setChecked(true);
    }
    updateWarnings();

    // Tab goes down one column, then the other, as the groups read.
    QList<QWidget *> chain;
    for (QFormLayout *form : m_forms) {
        for (int row = 0; row < form->rowCount(); ++row) {
            QWidget *field = form->itemAt(row, QFormLayout::FieldRole)->widget();
            if (qobject_cast<QLineEdit *>(field) || qobject_cast<QAbstractSpinBox *>(field))
                chain << field;
            else // a path field: its line edit, then its Browse… button
                chain << field->findChild<QLineEdit *>() << field->findChild<QPushButton *>();
        }
    }
    chain << m_advancedToggle << m_yaml << m_start << buttons->button(QDialogButtonBox::Cancel);
    for (int i = 1; i < chain.size(); ++i)
        setTabOrder(chain[i - 1], chain[i]);

    const int width = qMax(sizeHint().width(), 760);
    resize(width,
           layout->hasHeightForWidth() ? layout->totalHeightForWidth(width) : sizeHint().height());
}

QString ExperimentDialog::runName() const
{
    return m_runName->text().trimmed();
}

// ---- the form ----------------------------------------------------------------------------------

QWidget *ExperimentDialog::buildForm()
{
    auto *container = new QWidget(this);
    const int fieldWidth = fontMetrics().horizontalAdvance(QStringLiteral("Epoch ends only")) + 56;
    const auto newForm = [](QGroupBox *group) {
        auto *form = new QFormLayout(group);
        form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
        return form;
    };
    const auto spinBox = [this, fieldWidth](const char *name, int lo, int hi, int step,
                                            const QString &special) {
        auto *box = new QSpinBox(this);
        box->setObjectName(QLatin1String(name));
        box->setRange(lo, hi);
        box->setSingleStep(step);
        box->setSpecialValueText(special);
        box->setMinimumWidth(fieldWidth);
        connect(box, &QSpinBox::valueChanged, this, &ExperimentDialog::formEdited);
        return box;
    };
    const auto numberBox = [this, fieldWidth](const char *name, bool grid, double lo, double hi,
                                              double step, const QString &special) {
        auto *box = new NumberSpinBox(grid, this);
        box->setObjectName(QLatin1String(name));
        box->setRange(lo, hi);
        box->setSingleStep(step);
        box->setSpecialValueText(special);
        box->setMinimumWidth(fieldWidth);
        connect(box, &QDoubleSpinBox::valueChanged, this, &ExperimentDialog::formEdited);
        return box;
    };
    const auto intBinding = [](std::string key, QSpinBox *box, const QString &label, auto member) {
        Binding b;
        b.key = std::move(key);
        b.label = label;
        b.read = [box] { return QString::number(box->value()); };
        b.write = [box, member](const ExperimentConfig &c) {
            const auto v = member(c);
            box->setValue(int(std::clamp<int64_t>(v, box->minimum(), box->maximum())));
        };
        return b;
    };
    const auto doubleBinding = [](std::string key, QDoubleSpinBox *box, const QString &label,
                                  auto member) {
        Binding b;
        b.key = std::move(key);
        b.label = label;
        b.read = [box] { return overrideNumber(box->value()); };
        b.write = [box, member](const ExperimentConfig &c) { box->setValue(member(c)); };
        return b;
    };
    const int cores = QThread::idealThreadCount();
    // The ranges are the core's, so a value from the YAML is never clamped by the form; int64
    // counts stop at INT_MAX, which QSpinBox cannot pass.
    const double kBelowOne = std::nextafter(1.0, 0.0); // [0, 1)

    // Run
    auto *runGroup = new QGroupBox(tr("Run"), container);
    m_runForm = newForm(runGroup);
    m_runName = new QLineEdit(this);
    m_runName->setObjectName(QStringLiteral("runNameEdit"));
    m_runName->setClearButtonEnabled(true);
    addRow(m_runForm, tr("Run &name:"), m_runName,
           tr("A name for this run in the runs list, charts and report, e.g. \"lr-2e-5\". "
              "Free text.\nEmpty: the experiment's name and the run's number, e.g. "
              "\"finetune-7\"."));

    m_pretrainedDir = new QLineEdit(this);
    m_pretrainedDir->setObjectName(QStringLiteral("pretrainedDirEdit"));
    m_pretrainedDir->setPlaceholderText(tr("Hugging Face cache"));
    m_pretrainedField = pathField(m_pretrainedDir, tr("Folder with the pre-trained weights"));
    addRow(m_runForm, tr("&Pre-trained weights:"), m_pretrainedField,
           tr("Folder with the pre-trained distilbert-base-uncased weights: config.json, "
              "vocab.txt and model.safetensors (or pytorch_model.bin).\nEmpty: the Hugging "
              "Face cache ($HF_HOME/hub, default ~/.cache/huggingface), where \"sentilab-cli "
              "download model distilbert-base-uncased\" puts them.\nYAML: model.pretrained_dir"));
    {
        Binding b;
        b.key = "model.pretrained_dir";
        b.label = tr("Pre-trained weights");
        b.read = [this] { return QDir::fromNativeSeparators(m_pretrainedDir->text().trimmed()); };
        b.write = [this](const ExperimentConfig &c) {
            m_pretrainedDir->setText(QDir::toNativeSeparators(fromStd(c.model.pretrainedDir)));
        };
        b.finetuneOnly = true;
        bind(std::move(b));
    }

    auto *seed = new QLineEdit(this);
    seed->setObjectName(QStringLiteral("seedEdit"));
    seed->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("[0-9]{1,20}")), seed)); // any uint64
    seed->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    seed->setFixedWidth(fieldWidth);
    connect(seed, &QLineEdit::textChanged, this, &ExperimentDialog::formEdited);
    addRow(m_runForm, tr("&Seed:"), seed,
           tr("Seeds everything random: the initial weights of new layers, dropout and the "
              "order of the batches. Equal seeds and settings give equal runs.\nKeep it the same "
              "for the fine-tune and scratch runs you compare.\nYAML: train.seed"));
    {
        Binding b;
        b.key = "train.seed";
        b.label = tr("Seed");
        b.read = [seed] { return seed->text().trimmed(); };
        b.write = [seed](const ExperimentConfig &c) {
            seed->setText(QString::number(c.train.seed));
        };
        bind(std::move(b));
    }

    auto *threads = spinBox("threadsSpinBox", 0, 1024, 1,
                            tr("All cores (%1)").arg(cores)); // train.threads' range
    addRow(m_runForm, tr("&Threads:"), threads,
           tr("CPU threads this run uses. 0 = all cores (this computer has %1), shared with "
              "runs that train at the same time.\nThe default comes from Settings.\n"
              "YAML: train.threads")
               .arg(cores));
    bind(intBinding("train.threads", threads, tr("Threads"),
                    [](const ExperimentConfig &c) { return int64_t(c.train.threads); }));

    auto *device = newDeviceBox(QStringLiteral("auto"), this);
    device->setMinimumWidth(fieldWidth);
    connect(device, &QComboBox::currentIndexChanged, this, &ExperimentDialog::formEdited);
    addRow(m_runForm, tr("Dev&ice:"), device,
           deviceHelp() + tr("\nThe default comes from Settings."));
    {
        Binding b;
        b.key = "train.device";
        b.label = tr("Device");
        b.read = [device] { return device->currentData().toString(); };
        b.write = [device](const ExperimentConfig &c) {
            device->setCurrentIndex(std::max(0, device->findData(fromStd(c.train.device))));
        };
        bind(std::move(b));
    }

    // Optimisation
    auto *optGroup = new QGroupBox(tr("Optimisation"), container);
    auto *optForm = newForm(optGroup);
    auto *lr = numberBox("lrSpinBox", true, 1e-20, 1, 1e-5, QString()); // (0, 1]
    addRow(optForm, tr("&Learning rate:"), lr,
           tr("Peak learning rate of AdamW: reached at the end of the warm-up, then decayed "
              "linearly to 0.\nTypical: 2e-5 to 5e-5 for fine-tuning, about 1e-4 from scratch. "
              "The arrows step along 1, 2, 3, 5 × 10^n.\nYAML: train.lr, in (0, 1]"));
    bind(doubleBinding("train.lr", lr, tr("Learning rate"),
                       [](const ExperimentConfig &c) { return c.train.lr; }));

    auto *batch = spinBox("batchSizeSpinBox", 1, 4096, 8, QString());
    addRow(optForm, tr("&Batch size:"), batch,
           tr("Sentences per optimizer step. Larger batches give smoother gradients and fewer "
              "steps per epoch, and need more memory.\nTypical: 16 or 32.\n"
              "YAML: train.batch_size, 1 to 4096"));
    bind(intBinding("train.batch_size", batch, tr("Batch size"),
                    [](const ExperimentConfig &c) { return c.train.batchSize; }));

    auto *epochs = spinBox("epochsSpinBox", 1, 1000, 1, QString());
    addRow(optForm, tr("&Epochs:"), epochs,
           tr("Passes over the training sentences. Fine-tuning converges in 2 to 4; training "
              "from scratch needs more, but overfits SST-2 quickly.\n"
              "YAML: train.epochs, 1 to 1000"));
    bind(intBinding("train.epochs", epochs, tr("Epochs"),
                    [](const ExperimentConfig &c) { return c.train.epochs; }));

    auto *warmup = numberBox("warmupSpinBox", false, 0, kBelowOne, 0.01, QString());
    addRow(optForm, tr("&Warm-up ratio:"), warmup,
           tr("Fraction of all steps over which the learning rate rises linearly from 0 to its "
              "peak; afterwards it decays linearly to 0. 0.06 = the first 6 % of the steps.\n"
              "Typical: 0.06 to 0.1.\nYAML: train.warmup_ratio, in [0, 1)"));
    bind(doubleBinding("train.warmup_ratio", warmup, tr("Warm-up ratio"),
                       [](const ExperimentConfig &c) { return c.train.warmupRatio; }));

    auto *decay = numberBox("weightDecaySpinBox", false, 0, kBelowOne, 0.01, QString());
    addRow(optForm, tr("Weight &decay:"), decay,
           tr("AdamW's decoupled weight decay: each step shrinks the weights by learning rate × "
              "this value. Never applied to biases and LayerNorm weights.\n"
              "Typical: 0.01; 0 disables.\nYAML: train.weight_decay, in [0, 1)"));
    bind(doubleBinding("train.weight_decay", decay, tr("Weight decay"),
                       [](const ExperimentConfig &c) { return c.train.weightDecay; }));

    auto *clip = numberBox("gradClipSpinBox", false, 0, 1e12, 0.1, tr("Off"));
    addRow(optForm, tr("&Gradient clipping:"), clip,
           tr("Largest global L2 norm of the gradients; a step with a larger norm is scaled "
              "down to it, which tames loss spikes.\nTypical: 1.0; 0 = off.\n"
              "YAML: train.grad_clip"));
    bind(doubleBinding("train.grad_clip", clip, tr("Gradient clipping"),
                       [](const ExperimentConfig &c) { return c.train.gradClip; }));

    // Evaluation
    auto *evalGroup = new QGroupBox(tr("Evaluation"), container);
    auto *evalForm = newForm(evalGroup);
    auto *evalEvery = spinBox("evalEverySpinBox", 0, INT_MAX, 50, tr("Epoch ends only"));
    evalEvery->setSuffix(tr(" steps"));
    addRow(evalForm, tr("E&valuate every:"), evalEvery,
           tr("Optimizer steps between validation passes (accuracy, F1 and loss on the "
              "validation split), besides the one at each epoch's end. The checkpoint with the "
              "best validation accuracy is the one tested.\n0 = at epoch ends only.\n"
              "YAML: train.eval_every"));
    bind(intBinding("train.eval_every", evalEvery, tr("Evaluate every"),
                    [](const ExperimentConfig &c) { return c.train.evalEvery; }));

    auto *maxEval = spinBox("maxEvalSpinBox", 0, INT_MAX, 100, tr("All"));
    addRow(evalForm, tr("E&xamples per split:"), maxEval,
           tr("Evaluate on the first N sentences of the validation and test splits only, for "
              "quick trial runs.\n0 = all (872 validation and 1,821 test sentences in SST-2).\n"
              "YAML: data.max_eval_examples"));
    bind(intBinding("data.max_eval_examples", maxEval, tr("Examples per split"),
                    [](const ExperimentConfig &c) { return c.data.maxEvalExamples; }));

    // Data
    auto *dataGroup = new QGroupBox(tr("Data"), container);
    auto *dataForm = newForm(dataGroup);
    m_dataDir = new QLineEdit(this);
    m_dataDir->setObjectName(QStringLiteral("dataDirEdit"));
    m_dataDir->setPlaceholderText(tr("$SENTILAB_DATA_DIR"));
    addRow(dataForm, tr("Data &folder:"), pathField(m_dataDir, tr("SST-2 data folder")),
           tr("Folder with the SST-2 splits train.jsonl, validation.jsonl and test.jsonl.\n"
              "The default comes from Settings; empty: $SENTILAB_DATA_DIR.\nYAML: data.dir"));
    {
        Binding b;
        b.key = "data.dir";
        b.label = tr("Data folder");
        b.read = [this] { return QDir::fromNativeSeparators(m_dataDir->text().trimmed()); };
        b.write = [this](const ExperimentConfig &c) {
            m_dataDir->setText(QDir::toNativeSeparators(fromStd(c.data.dir)));
        };
        bind(std::move(b));
    }

    auto *maxTrain = spinBox("maxTrainSpinBox", 0, INT_MAX, 100, tr("All"));
    addRow(dataForm, tr("T&raining examples:"), maxTrain,
           tr("Train on the first N training sentences only, for quick trial runs.\n"
              "0 = all (6,920 in SST-2).\nYAML: data.max_train_examples"));
    bind(intBinding("data.max_train_examples", maxTrain, tr("Training examples"),
                    [](const ExperimentConfig &c) { return c.data.maxTrainExamples; }));

    // Two columns of about equal height: Run + Data | Optimisation + Evaluation.
    auto *grid = new QGridLayout(container);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(runGroup, 0, 0);
    grid->addWidget(dataGroup, 1, 0);
    grid->addWidget(optGroup, 0, 1);
    grid->addWidget(evalGroup, 1, 1);
    grid->setColumnStretch(0, 3);
    grid->setColumnStretch(1, 2);
    m_forms = {m_runForm, dataForm, optForm, evalForm};
    // One label width per column, so that the fields of stacked groups line up.
    for (const auto &column : {std::vector<QFormLayout *>{m_runForm, dataForm},
                               std::vector<QFormLayout *>{optForm, evalForm}}) {
        int width = 0;
        for (QFormLayout *form : column) {
            for (int row = 0; row < form->rowCount(); ++row)
                width = qMax(
                    width, form->itemAt(row, QFormLayout::LabelRole)->widget()->sizeHint().width());
        }
        for (QFormLayout *form : column) {
            for (int row = 0; row < form->rowCount(); ++row)
                form->itemAt(row, QFormLayout::LabelRole)->widget()->setMinimumWidth(width);
        }
    }
    return container;
}

QWidget *ExperimentDialog::pathField(QLineEdit *edit, const QString &caption)
{
    auto *field = new QWidget(this);
    field->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    auto *row = new QHBoxLayout(field);
    row->setContentsMargins(0, 0, 0, 0);
    edit->setClearButtonEnabled(true);
    auto *browse = new QPushButton(tr("Browse…"), field);
    browse->setAutoDefault(false); // Enter means Start, wherever the focus is
    browse->setToolTip(tr("Choose a folder"));
    row->addWidget(edit, 1);
    row->addWidget(browse);
    connect(edit, &QLineEdit::textChanged, this, &ExperimentDialog::formEdited);
    connect(browse, &QPushButton::clicked, this, [this, edit, caption] {
        const QString dir = QFileDialog::getExistingDirectory(this, caption, edit->text());
        if (!dir.isEmpty())
            edit->setText(QDir::toNativeSeparators(dir));
    });
    return field;
}

void ExperimentDialog::addRow(QFormLayout *form, const QString &label, QWidget *field,
                              const QString &help)
{
    auto *labelWidget = new QLabel(label, form->parentWidget());
    labelWidget->setToolTip(help);
    field->setToolTip(help);
    // The buddy is the editable widget: the field itself or the line edit of a path field.
    QWidget *buddy = field;
    if (!qobject_cast<QLineEdit *>(field) && !qobject_cast<QAbstractSpinBox *>(field)) {
        if (auto *edit = field->findChild<QLineEdit *>()) {
            edit->setToolTip(help);
            buddy = edit;
        }
    }
    labelWidget->setBuddy(buddy);
    form->addRow(labelWidget, field);
}

void ExperimentDialog::bind(Binding binding)
{
    m_bindings.push_back(std::move(binding));
}

// ---- form <-> YAML -----------------------------------------------------------------------------

std::vector<std::string> ExperimentDialog::formOverrides() const
{
    std::vector<std::string> overrides;
    for (const Binding &b : m_bindings) {
        if (b.finetuneOnly && !m_finetune)
            continue;
        overrides.push_back(b.key + "=" + b.read().toStdString());
    }
    return overrides;
}

bool ExperimentDialog::rebuild()
{
    try {
        ExperimentConfig config = ExperimentConfig::fromYaml(m_yaml->toPlainText().toStdString(),
                                                             kSource, formOverrides());
        config.sourcePath = m_yamlPath.toStdString();
        m_config = std::move(config);
        m_runName->setPlaceholderText(tr("Automatic (%1-<number>)").arg(fromStd(m_config.name)));
        showError(QString());
        return true;
    } catch (const std::exception &e) { // sentilab::Error; anything else is shown the same way
        showError(fromStd(e.what()));
        return false;
    }
}

void ExperimentDialog::formEdited()
{
    if (m_syncing)
        return;
    if (rebuild())
        setYamlText(fromStd(m_config.toYaml()));
    updateWarnings();
}

void ExperimentDialog::yamlEdited()
{
    if (m_syncing)
        return;
    try {
        showConfig(ExperimentConfig::fromYaml(m_yaml->toPlainText().toStdString(), kSource));
    } catch (const std::exception &e) {
        showError(fromStd(e.what()));
        updateWarnings();
        return;
    }
    rebuild(); // the form now mirrors the YAML, so this confirms it and updates m_config
    updateWarnings();
}

void ExperimentDialog::showConfig(const ExperimentConfig &config)
{
    const bool wasSyncing = m_syncing;
    m_syncing = true;
    m_finetune = config.kind != "scratch";
    for (const Binding &b : m_bindings)
        b.write(config);
    m_runForm->setRowVisible(m_pretrainedField, m_finetune);
    setWindowTitle(m_finetune ? tr("Start fine-tune run") : tr("Start scratch run"));
    m_title->setText(m_finetune ? tr("Fine-tune pre-trained DistilBERT on SST-2")
                                : tr("Train DistilBERT from scratch on SST-2"));
    m_description->setText(fromStd(config.description));
    m_description->setVisible(!config.description.empty());
    m_syncing = wasSyncing;
}

void ExperimentDialog::setYamlText(const QString &text)
{
    if (m_yaml->toPlainText() == text)
        return;
    const bool wasSyncing = m_syncing;
    m_syncing = true;
    const int scroll = m_yaml->verticalScrollBar()->value();
    m_yaml->setPlainText(text);
    m_yaml->verticalScrollBar()->setValue(scroll);
    m_syncing = wasSyncing;
}

void ExperimentDialog::showError(const QString &coreMessage)
{
    // Speak the dialog's language: "<dialog>:7: ..." -> "YAML line 7: ...", and "--set
    // train.seed=: ..." -> "Seed: ...".
    QString shown = coreMessage;
    int errorLine = 0;
    const QString prefix = QLatin1String(kSource) + QLatin1Char(':');
    // Errors name "<dialog>:<line>", or the file's path while the file as loaded is shown.
    const QRegularExpression lineRef(QStringLiteral("^(?:%1|%2):(\\d+): ")
                                         .arg(QRegularExpression::escape(QLatin1String(kSource)),
                                              QRegularExpression::escape(m_yamlPath)));
    if (const auto m = lineRef.match(shown); m.hasMatch()) {
        errorLine = m.captured(1).toInt();
        shown =
            tr("YAML line %1: %2").arg(QString::number(errorLine), shown.mid(m.capturedLength()));
    } else if (shown.startsWith(prefix + QLatin1Char(' '))) {
        shown = tr("YAML: %1").arg(shown.mid(prefix.size() + 1));
    } else if (shown.startsWith(QLatin1String("--set "))) {
        for (const Binding &b : m_bindings) {
            const QString source = QStringLiteral("--set %1=%2: ").arg(fromStd(b.key), b.read());
            if (shown.startsWith(source)) {
                shown = b.label + QLatin1String(": ") + shown.mid(source.size());
                break;
            }
        }
    }
    static const QRegularExpression laterRef(QStringLiteral("<dialog>:(\\d+)"));
    shown.replace(laterRef, tr("line \\1"));

    m_errorText = shown;
    m_error->setText(shown);
    m_error->setVisible(!shown.isEmpty());
    m_start->setEnabled(shown.isEmpty());
    growToFit();

    QList<QTextEdit::ExtraSelection> marks;
    if (errorLine > 0) {
        const QTextBlock block = m_yaml->document()->findBlockByNumber(errorLine - 1);
        if (block.isValid()) {
            QTextEdit::ExtraSelection mark;
            const bool dark = palette().color(QPalette::Base).lightness() < 128;
            mark.format.setBackground(dark ? QColor(0x5c, 0x1f, 0x1f) : QColor(0xfd, 0xe0, 0xdc));
            mark.format.setProperty(QTextFormat::FullWidthSelection, true);
            mark.cursor = QTextCursor(block);
            marks << mark;
            if (!m_yaml->hasFocus()) { // never move the cursor of someone typing
                m_yaml->setTextCursor(QTextCursor(block));
                m_yaml->centerCursor();
            }
        }
    }
    m_yaml->setExtraSelections(marks);
}

void ExperimentDialog::updateWarnings()
{
    QStringList warnings;
    QString details;
    const QString dataDir = QDir::fromNativeSeparators(m_dataDir->text().trimmed());
    if (dataDir.isEmpty()) {
        if (qEnvironmentVariableIsEmpty("SENTILAB_DATA_DIR"))
            warnings << tr("No data folder: choose the SST-2 folder with train.jsonl, "
                           "validation.jsonl and test.jsonl.");
    } else if (!QFileInfo(dataDir).isDir()) {
        warnings << tr("The data folder does not exist.");
    } else {
        QStringList missing;
        for (const std::string &name :
             {m_config.data.train, m_config.data.validation, m_config.data.test}) {
            if (!QFileInfo(QDir(dataDir).filePath(fromStd(name))).isFile())
                missing << fromStd(name);
        }
        if (!missing.isEmpty())
            warnings << tr("The data folder has no %1.").arg(missing.join(QLatin1String(", ")));
    }
    if (m_finetune) {
        ModelOptions model = m_config.model;
        model.pretrainedDir =
            QDir::fromNativeSeparators(m_pretrainedDir->text().trimmed()).toStdString();
        try {
            resolvePretrainedDir(model);
        } catch (const std::exception &e) {
            warnings << tr("Pre-trained weights not found in %1; the run would fail. Choose the "
                           "folder with config.json and model.safetensors.")
                            .arg(model.pretrainedDir.empty()
                                     ? tr("the Hugging Face cache")
                                     : QDir::toNativeSeparators(fromStd(model.pretrainedDir)));
            details = fromStd(e.what());
        }
    }
    // "Start scratch" on a file that trains a fine-tune (or says no kind, which means finetune):
    // start what the file says, but never without saying so.
    if (!m_requestedKind.isEmpty() && fromStd(m_config.kind) != m_requestedKind)
        warnings << tr("This experiment trains a %1 run (kind: %2), not the %3 run you asked for; "
                       "change kind and model.init in the YAML to train %3.")
                        .arg(m_config.kind == "scratch" ? tr("scratch") : tr("fine-tune"),
                             fromStd(m_config.kind), m_requestedKind);
    updateDuration(dataDir);
    m_warning->setText(warnings.isEmpty() ? QString()
                                          : QStringLiteral("\u26a0 ") +
                                                warnings.join(QStringLiteral("\n\u26a0 ")));
    m_warning->setToolTip(details);
    m_warning->setVisible(!warnings.isEmpty());
    growToFit();
}

void ExperimentDialog::setStepTimeLookup(StepTimeLookup lookup)
{
    m_stepTime = std::move(lookup);
    updateWarnings();
}

void ExperimentDialog::updateDuration(const QString &dataDir)
{
    const qint64 examples = m_examples.count(m_config, dataDir);
    const int64_t batch = std::max<int64_t>(1, m_config.train.batchSize);
    const std::optional<StepTime> t =
        m_stepTime ? m_stepTime(m_config.kind, batch, m_config.model.dim) : std::nullopt;
    const QString text = trainingDurationText(m_config, examples, t);
    m_duration->setText(text);
    m_duration->setVisible(!text.isEmpty());
}

void ExperimentDialog::setRequestedKind(const QString &kind)
{
    m_requestedKind = kind;
    updateWarnings();
}

void ExperimentDialog::setAdvancedOpen(bool open)
{
    m_advancedToggle->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    if (m_advancedToggle->isChecked() != open)
        m_advancedToggle->setChecked(open);
    m_yaml->setVisible(open);
    // Grow by the editor when opening, shrink back to the form when closing.
    layout()->activate();
    resize(width(), open ? qMax(height(), sizeHint().height()) : sizeHint().height());
}

void ExperimentDialog::growToFit()
{
    // A label that appears (warning, error) must not be squeezed; the dialog never shrinks here.
    layout()->activate();
    const int needed = layout()->hasHeightForWidth() ? layout()->totalHeightForWidth(width())
                                                     : layout()->totalSizeHint().height();
    if (needed > height())
        resize(width(), needed);
}

void ExperimentDialog::accept()
{
    if (!rebuild())
        return; // the error is shown and Start disabled; the dialog stays open
    QDialog::accept();
}

} // namespace sentilab::ui
