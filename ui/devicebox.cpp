#include "devicebox.h"

#include <algorithm>

#include <QStandardItemModel>

#include <sentilab/device.h>

namespace sentilab::ui {

QComboBox *newDeviceBox(const QString &current, QWidget *parent)
{
    auto *box = new QComboBox(parent);
    box->setObjectName(QStringLiteral("deviceBox"));
    box->addItem(QObject::tr("Auto (GPU when available)"), QStringLiteral("auto"));
    box->addItem(QObject::tr("CPU"), QStringLiteral("cpu"));
    box->addItem(QObject::tr("CUDA GPU"), QStringLiteral("cuda"));
    if (!cudaAvailable()) {
        auto *model = qobject_cast<QStandardItemModel *>(box->model());
        QStandardItem *cuda = model->item(2);
        cuda->setEnabled(false);
        cuda->setToolTip(QString::fromStdString(deviceSummary()));
    }
    const int index = box->findData(current);
    // A disabled CUDA item can still be current (an experiment file that asks for it): the run
    // then fails at once with the trainer's message, instead of silently training elsewhere.
    box->setCurrentIndex(std::max(index, 0));
    box->setToolTip(deviceHelp());
    return box;
}

QString deviceHelp()
{
    return QObject::tr("Where training runs. Auto uses a CUDA GPU when this build of SentiLab "
                       "and the computer have one, else the CPU.\nThis computer: %1.\nYAML: "
                       "train.device (auto, cpu or cuda)")
        .arg(QString::fromStdString(deviceSummary()));
}

} // namespace sentilab::ui
