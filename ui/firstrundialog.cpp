#include "firstrundialog.h"

#include "appsettings.h"
#include "downloaddialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace sentilab::ui {
namespace {

QString fromStd(const std::string &s)
{
    return QString::fromStdString(s);
}

QString sizeText(int64_t bytes)
{
    return fromStd(formatApproxBytes(bytes));
}

} // namespace

std::vector<NeededDownload> FirstRunDialog::missingFor(const ExperimentConfig &config)
{
    ExperimentConfig applied = config;
    AppSettings::applyPaths(applied);
    return missingDownloads(applied);
}

FirstRunDialog::FirstRunDialog(const ExperimentConfig &config, QWidget *parent)
    : QDialog(parent), m_config(config)
{
    setWindowTitle(tr("First run: files to download"));
    setObjectName(QStringLiteral("firstRunDialog"));

    m_intro = new QLabel(this);
    m_intro->setObjectName(QStringLiteral("introLabel"));
    m_intro->setWordWrap(true);
    m_intro->setTextFormat(Qt::RichText);

    m_rowsWidget = new QWidget(this);
    m_rows = new QVBoxLayout(m_rowsWidget);
    m_rows->setContentsMargins(0, 0, 0, 0);

    m_errorLabel = new QLabel(this);
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setStyleSheet(QStringLiteral("color: palette(link);"));
    m_errorLabel->hide();

    auto *buttons = new QDialogButtonBox(this);
    m_downloadButton = buttons->addButton(tr("&Download"), QDialogButtonBox::AcceptRole);
    m_downloadButton->setObjectName(QStringLiteral("downloadButton"));
    m_downloadButton->setDefault(true);
    QPushButton *cancel = buttons->addButton(QDialogButtonBox::Cancel);
    cancel->setObjectName(QStringLiteral("cancelButton"));
    connect(m_downloadButton, &QPushButton::clicked, this, &FirstRunDialog::downloadAll);
    connect(cancel, &QPushButton::clicked, this, &QDialog::reject);
    // A fine-tune without the 268 MB weights: the scratch run needs none of them.
    if (m_config.kind == "finetune") {
        m_scratchButton =
            buttons->addButton(tr("Train from &scratch instead"), QDialogButtonBox::ActionRole);
        m_scratchButton->setObjectName(QStringLiteral("scratchInsteadButton"));
        m_scratchButton->setToolTip(
            tr("Close this and open the scratch experiment, which needs no pre-trained weights"));
        connect(m_scratchButton, &QPushButton::clicked, this, [this] { done(ScratchInstead); });
    }

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_intro);
    layout->addWidget(m_rowsWidget);
    layout->addWidget(m_errorLabel);
    layout->addStretch(1);
    layout->addWidget(buttons);
    resize(720, sizeHint().height());
    refresh();
}

void FirstRunDialog::refresh()
{
    m_missing = missingFor(m_config);
    while (QLayoutItem *item = m_rows->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    if (m_missing.empty()) {
        accept();
        return;
    }
    int64_t total = 0;
    for (const NeededDownload &d : m_missing)
        total += d.approxBytes;
    QString cache;
    try {
        cache = fromStd(hubCacheDir(m_hubOptions));
    } catch (const std::exception &e) {
        cache = fromStd(e.what());
    }
    m_intro->setText(
        tr("<h3>This run needs files that are not on this computer yet</h3>"
           "<p>About <b>%1</b> to download from the Hugging Face hub into the Hugging Face "
           "cache <tt>%2</tt>, where Python's transformers finds them too. Or choose folders "
           "that already hold them.</p>")
            .arg(sizeText(total).toHtmlEscaped(), cache.toHtmlEscaped()));

    for (int i = 0; i < int(m_missing.size()); ++i) {
        const NeededDownload &d = m_missing[std::size_t(i)];
        auto *row = new QWidget(m_rowsWidget);
        row->setObjectName(QStringLiteral("item%1").arg(i));
        auto *grid = new QGridLayout(row);
        grid->setContentsMargins(0, 6, 0, 6);
        auto *what = new QLabel(row);
        what->setObjectName(QStringLiteral("whatLabel"));
        what->setWordWrap(true);
        what->setText(tr("<b>%1</b>, about %2 (%3 <tt>%4</tt>)")
                          .arg(fromStd(d.what).toHtmlEscaped(), sizeText(d.approxBytes),
                               d.kind == RepoKind::Dataset ? tr("dataset") : tr("model"),
                               fromStd(d.repo).toHtmlEscaped()));
        auto *where =
            new QLabel(tr("Goes to %1")
                           .arg(d.cacheDir.empty() ? tr("(no cache: %1)").arg(fromStd(d.detail))
                                                   : fromStd(d.cacheDir)),
                       row);
        where->setObjectName(QStringLiteral("whereLabel"));
        where->setWordWrap(true);
        where->setTextInteractionFlags(Qt::TextSelectableByMouse);
        auto *command = new QLineEdit(fromStd(d.command), row);
        command->setObjectName(QStringLiteral("commandLine"));
        command->setReadOnly(true);
        command->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        command->setToolTip(tr("The same from a terminal"));
        auto *choose = new QPushButton(tr("Choose folder…"), row);
        choose->setObjectName(QStringLiteral("chooseFolderButton"));
        choose->setToolTip(fromStd("Instead: " + d.instead));
        connect(choose, &QPushButton::clicked, this, [this, i] { chooseFolder(i); });
        grid->addWidget(what, 0, 0, 1, 2);
        grid->addWidget(where, 1, 0, 1, 2);
        grid->addWidget(command, 2, 0);
        grid->addWidget(choose, 2, 1);
        m_rows->addWidget(row);
    }
}

void FirstRunDialog::chooseFolder(int index)
{
    if (index < 0 || index >= int(m_missing.size()))
        return;
    const QString dir = QFileDialog::getExistingDirectory(
        this, fromStd(m_missing[std::size_t(index)].what), QDir::homePath());
    if (!dir.isEmpty())
        useFolder(index, dir);
}

bool FirstRunDialog::useFolder(int index, const QString &dir)
{
    if (index < 0 || index >= int(m_missing.size()))
        return false;
    const NeededDownload &d = m_missing[std::size_t(index)];
    const QDir folder(dir);
    QStringList lacking;
    auto need = [&](const QStringList &alternatives) {
        for (const QString &name : alternatives)
            if (QFileInfo(folder.filePath(name)).isFile())
                return;
        lacking << alternatives.join(tr(" or "));
    };
    const bool dataset = d.kind == RepoKind::Dataset;
    if (dataset) {
        for (const std::string *name :
             {&m_config.data.train, &m_config.data.validation, &m_config.data.test})
            need({fromStd(*name)});
    } else {
        need({QStringLiteral("config.json")});
        need({QStringLiteral("vocab.txt")});
        if (d.files.empty()) // the weights, not just the tokenizer and configuration
            need({QStringLiteral("model.safetensors"), QStringLiteral("pytorch_model.bin")});
    }
    if (!lacking.isEmpty()) {
        m_error = tr("%1 has no %2; choose a folder with them, or download.")
                      .arg(QDir::toNativeSeparators(dir), lacking.join(tr(", no ")));
        m_errorLabel->setText(m_error);
        m_errorLabel->show();
        return false;
    }
    if (dataset)
        AppSettings::setDataDir(dir);
    else
        AppSettings::setModelDir(dir);
    m_error.clear();
    m_errorLabel->hide();
    refresh();
    return true;
}

void FirstRunDialog::downloadAll()
{
    const std::vector<NeededDownload> items = m_missing;
    for (const NeededDownload &d : items) {
        DownloadDialog download(fromStd(d.repo), d.kind == RepoKind::Dataset, this);
        HubOptions options = m_hubOptions;
        options.files = d.files;
        download.setOptions(options);
        Q_EMIT downloadStarted(&download);
        if (download.exec() != QDialog::Accepted) {
            m_error = download.errorText().isEmpty()
                          ? tr("The download of %1 was cancelled; the part already fetched is "
                               "kept and Download resumes it.")
                                .arg(fromStd(d.repo))
                          : download.errorText();
            m_errorLabel->setText(m_error);
            m_errorLabel->show();
            refresh(); // what did arrive no longer shows
            return;
        }
    }
    m_error.clear();
    m_errorLabel->hide();
    refresh();
    if (!m_missing.empty()) { // downloaded, yet still not found: say what the lookup said
        m_error = fromStd(m_missing.front().detail);
        m_errorLabel->setText(m_error);
        m_errorLabel->show();
    }
}

} // namespace sentilab::ui
