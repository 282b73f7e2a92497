#pragma once
// The train.device choice as a combo box, shared by Settings and the experiment dialog.
#include <QComboBox>

namespace sentilab::ui {

// A combo box named "deviceBox" listing auto, CPU and CUDA GPU (item data: "auto", "cpu",
// "cuda"). The CUDA item is disabled, saying why, when this build or machine has no CUDA, so a
// person cannot pick a device every run would then fail on. `current` is selected (the first
// item when it is none of these).
QComboBox *newDeviceBox(const QString &current, QWidget *parent);

// The help text both dialogs show, with what this machine offers (deviceSummary()).
QString deviceHelp();

} // namespace sentilab::ui
