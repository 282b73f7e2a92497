#pragma once
// The application's persistent settings (QSettings, organisation "SentiLab"), with the fallbacks
// every view and the CLI-equivalent paths agree on. All returned paths are absolute or empty.
#include <QString>
#include <QStringList>

#include <sentilab/experimentconfig.h>

namespace sentilab::ui {

class AppSettings
{
public:
    // $SENTILAB_DB, else the saved path, else RunStore::defaultPath().
    static QString databasePath();
    static void setDatabasePath(const QString &path);

    // Saved folder with train/validation/test files, else $SENTILAB_DATA_DIR, else
    // $SENTILAB_SHARED_DIR/data/sst2 or ../shared/data/sst2 when present, else empty.
    static QString dataDir();
    static void setDataDir(const QString &dir);

    // Folder with the pre-trained weights (config.json + model.safetensors); empty = look in the
    // Hugging Face cache.
    static QString modelDir();
    static void setModelDir(const QString &dir);

    // Fills what an experiment file leaves to the environment from these settings: an empty
    // data.dir from dataDir(); with modelDir() set, an empty model.pretrained_dir of a fine-tune,
    // or an empty model.config_json/vocab of a scratch run when modelDir() holds config.json and
    // vocab.txt. Empty settings leave the fields empty (the Hugging Face cache is searched).
    static void applyPaths(sentilab::ExperimentConfig &config);

    // Where experiments/*.yaml are: saved folder, else $SENTILAB_EXPERIMENTS_DIR, else the
    // source tree's experiments/ (development builds), else <prefix>/share/sentilab/experiments.
    static QString experimentsDir();
    static void setExperimentsDir(const QString &dir);

    // LibTorch threads for training; 0 = all cores (split between concurrent runs).
    static int threads();
    static void setThreads(int threads);
    // Where training runs when an experiment says train.device: auto ("auto", "cpu" or "cuda").
    static QString device();
    static void setDevice(const QString &device);

    // Sentences of the inference pane and the report (two positive, two negative by default).
    static QStringList starterSentences();
    static void setStarterSentences(const QStringList &sentences);
    static QStringList defaultStarterSentences();

    // "system" (default), "light" or "dark".
    static QString appearance();
    static void setAppearance(const QString &appearance);
    // Sets the application palette for appearance() now (the system palette is remembered on the
    // first call, so "system" restores it).
    static void applyAppearance();
};

} // namespace sentilab::ui
