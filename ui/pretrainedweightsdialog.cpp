#include "pretrainedweightsdialog.h"

#include "appsettings.h"
#include "settingsdialog.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include <sentilab/error.h>
#include <sentilab/experimentconfig.h>

namespace sentilab::ui {
namespace {

const char kDownloadCommand[] = "sentilab-cli download model distilbert-base-uncased";

// The weights folder, or "" with *error set to the core's explanation.
QString findWeights(QString *error)
{
    ModelOptions model;
    model.pretrainedDir = AppSettings::modelDir().toStdString();
    try {
        return QString::fromStdString(resolvePretrainedDir(model));
    } catch (const std::exception &e) { // sentilab::Error; anything else is reported the same way
        if (error)
            *error = QString::fromStdString(e.what());
        return {};
    }
}

} // namespace

bool PretrainedWeightsDialog::pretrainedWeightsAvailable(QString *whereLooked)
{
    return !findWeights(whereLooked).isEmpty();
}

PretrainedWeightsDialog::PretrainedWeightsDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Pre-trained weights"));

    auto *icon = new QLabel(this);
    const int iconSize = style()->pixelMetric(QStyle::PM_MessageBoxIconSize, nullptr, this);
    icon->setPixmap(
        style()->standardIcon(QStyle::SP_MessageBoxInformation, nullptr, this).pixmap(iconSize));
    icon->setAlignment(Qt::AlignTop);

    auto *intro = new QLabel(this);
    intro->setObjectName(QStringLiteral("introLabel"));
    intro->setWordWrap(true);
    intro->setTextFormat(Qt::RichText);
    intro->setText(
        tr("<h3>Pre-trained weights not found</h3>"
           "<p>Fine-tuning starts from <b>distilbert-base-uncased</b>, a language model that "
           "Hugging Face pre-trained on English books and Wikipedia. Its weights are a file of "
           "about 268&nbsp;MB, downloaded once from the Hugging Face hub and then read from "
           "disk.</p>"
           "<p>Training from scratch does not need them: it starts from random weights, which "
           "is the other half of the comparison.</p>"));

    auto *lookedLabel = new QLabel(tr("Where SentiLab looked:"), this);
    m_whereLooked = new QPlainTextEdit(this);
    m_whereLooked->setObjectName(QStringLiteral("whereLookedText"));
    m_whereLooked->setReadOnly(true);
    m_whereLooked->setTabChangesFocus(true);
    m_whereLooked->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    lookedLabel->setBuddy(m_whereLooked);
    QString whereLooked;
    const QString found = findWeights(&whereLooked);
    m_whereLooked->setPlainText(
        found.isEmpty() ? whereLooked : tr("Found: %1").arg(QDir::toNativeSeparators(found)));
    {
        // Tall enough for the whole message at the dialog's initial width (about 540 pixels of
        // text), so that it reads without scrolling; a narrower dialog scrolls.
        const QFontMetrics fm(m_whereLooked->font());
        const int textHeight =
            fm.boundingRect(QRect(0, 0, 540, 100000), Qt::TextWordWrap | Qt::TextWrapAnywhere,
                            m_whereLooked->toPlainText())
                .height();
        m_whereLooked->setFixedHeight(qMax(fm.lineSpacing() * 4, textHeight) + fm.lineSpacing() +
                                      2 * m_whereLooked->frameWidth());
    }

    auto *choices = new QLabel(this);
    choices->setWordWrap(true);
    choices->setTextFormat(Qt::RichText);
    choices->setText(tr("<p>You can:</p><ul style=\"margin-left: 12px; -qt-list-indent: 0\">"
                        "<li><b>Download…</b> them from the Hugging Face hub (about 268 MB).</li>"
                        "<li><b>Choose folder…</b> that already has config.json and "
                        "model.safetensors (or pytorch_model.bin), e.g. copied from another "
                        "computer.</li>"
                        "<li><b>Train from scratch only</b> for now. Settings can point to the "
                        "weights later.</li></ul>"));

    auto *commandLabel = new QLabel(tr("Or, in a terminal:"), this);
    auto *command = new QLineEdit(QString::fromLatin1(kDownloadCommand), this);
    command->setObjectName(QStringLiteral("commandLine"));
    command->setReadOnly(true);
    command->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    command->setCursorPosition(0);
    commandLabel->setBuddy(command);
    auto *copy = new QToolButton(this);
    copy->setText(tr("Copy"));
    copy->setToolTip(tr("Copy the command to the clipboard"));
    connect(copy, &QToolButton::clicked, this,
            [] { QGuiApplication::clipboard()->setText(QString::fromLatin1(kDownloadCommand)); });
    auto *commandRow = new QHBoxLayout;
    commandRow->addWidget(command, 1);
    commandRow->addWidget(copy);

    m_folderError = new QLabel(this);
    m_folderError->setObjectName(QStringLiteral("folderErrorLabel"));
    m_folderError->setWordWrap(true);
    m_folderError->setTextFormat(Qt::PlainText);
    m_folderError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    {
        const bool dark = palette().color(QPalette::Window).lightness() < 128;
        QPalette p = m_folderError->palette();
        p.setColor(QPalette::WindowText,
                   dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb3, 0x26, 0x1e));
        m_folderError->setPalette(p);
    }
    m_folderError->hide();

    auto *buttons = new QDialogButtonBox(this);
    auto *chooseButton = buttons->addButton(tr("Choose folder…"), QDialogButtonBox::ActionRole);
    chooseButton->setObjectName(QStringLiteral("chooseFolderButton"));
    chooseButton->setToolTip(tr("Use a folder with config.json and model.safetensors"));
    auto *downloadButton = buttons->addButton(tr("Download…"), QDialogButtonBox::AcceptRole);
    downloadButton->setObjectName(QStringLiteral("downloadButton"));
    downloadButton->setToolTip(tr("Download distilbert-base-uncased from the Hugging Face hub"));
    downloadButton->setDefault(true);
    auto *scratchButton =
        buttons->addButton(tr("Train from scratch only"), QDialogButtonBox::RejectRole);
    scratchButton->setObjectName(QStringLiteral("scratchOnlyButton"));
    scratchButton->setToolTip(tr("Close; fine-tuning stays unavailable until the weights are "
                                 "found"));
    connect(chooseButton, &QPushButton::clicked, this, &PretrainedWeightsDialog::chooseFolder);
    connect(downloadButton, &QPushButton::clicked, this, [this] {
        Q_EMIT downloadRequested();
        done(DownloadRequested);
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &PretrainedWeightsDialog::reject);

    auto *text = new QVBoxLayout;
    text->addWidget(intro);
    text->addWidget(lookedLabel);
    text->addWidget(m_whereLooked);
    text->addWidget(choices);
    text->addWidget(commandLabel);
    text->addLayout(commandRow);
    text->addWidget(m_folderError);
    text->addStretch(1);
    auto *top = new QHBoxLayout;
    top->addWidget(icon, 0, Qt::AlignTop);
    top->addSpacing(8);
    top->addLayout(text, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top, 1);
    layout->addWidget(buttons);

    const int width = qMax(sizeHint().width(), 640);
    resize(width,
           layout->hasHeightForWidth() ? layout->totalHeightForWidth(width) : sizeHint().height());
}

bool PretrainedWeightsDialog::useFolder(const QString &dir)
{
    const QString problem =
        dir.isEmpty() ? tr("No folder given.") : SettingsDialog::modelDirProblem(dir);
    if (!problem.isEmpty()) {
        m_folderError->setText(tr("%1: %2").arg(QDir::toNativeSeparators(dir), problem));
        m_folderError->show();
        layout()->activate();
        if (const int needed = layout()->totalHeightForWidth(width()); needed > height())
            resize(width(), needed);
        return false;
    }
    m_folderError->hide();
    AppSettings::setModelDir(dir);
    accept();
    return true;
}

void PretrainedWeightsDialog::chooseFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Folder with the distilbert-base-uncased weights"), AppSettings::modelDir());
    if (!dir.isEmpty())
        useFolder(dir);
}

} // namespace sentilab::ui
