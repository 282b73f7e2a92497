#include "mainwindow.h"

#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>

#include <sentilab/runtime.h>
#include <sentilab/version.h>

namespace sentilab::ui {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    setWindowTitle(tr("SentiLab"));
    resize(960, 640);

    auto *intro = new QLabel(this);
    intro->setWordWrap(true);
    intro->setAlignment(Qt::AlignCenter);
    intro->setMargin(32);
    intro->setText(tr("<h2>SentiLab %1</h2>"
                      "<p>How much does pre-training buy you? SentiLab fine-tunes pre-trained "
                      "DistilBERT and trains the same architecture from random initialisation on "
                      "SST-2 sentiment, then compares them.</p>"
                      "<p>The model core (tokenizer, self-attention, DistilBERT, Hugging Face "
                      "checkpoints) is available from <tt>sentilab-cli</tt>; see "
                      "<tt>sentilab-cli --help</tt>.</p>")
                       .arg(QString::fromLatin1(kVersion)));
    setCentralWidget(intro);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About SentiLab"), QKeySequence::HelpContents, this, &MainWindow::showAbout);

    statusBar()->showMessage(QString::fromStdString(environmentSummary()));
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About SentiLab"),
                       tr("SentiLab %1\nDistilBERT fine-tuning versus training from scratch on "
                          "SST-2.\n\n%2")
                           .arg(QString::fromLatin1(kVersion),
                                QString::fromStdString(environmentSummary())));
}

} // namespace sentilab::ui
