#pragma once
#include <QMainWindow>

namespace sentilab::ui {

// The application's main window. For now it shows what SentiLab is and the environment it runs
// in; the training, comparison and inference views are added by later work (see docs/).
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);

private:
    void showAbout();
};

} // namespace sentilab::ui
