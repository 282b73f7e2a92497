#include "appsettings.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QPalette>
#include <QSettings>

#include <sentilab/device.h>
#include <sentilab/runstore.h>

#include "common/formatting.h"
#include "common/palettes.h"

namespace sentilab::ui {
namespace {

QString absolute(const QString &path)
{
    return path.isEmpty() ? path : QFileInfo(path).absoluteFilePath();
}

QString envPath(const char *name)
{
    return absolute(qEnvironmentVariable(name));
}

QString saved(const char *key)
{
    return QSettings().value(QLatin1String(key)).toString();
}

} // namespace

QString AppSettings::databasePath()
{
    if (const QString env = envPath("SENTILAB_DB"); !env.isEmpty())
        return env;
    if (const QString path = saved("paths/database"); !path.isEmpty())
        return path;
    return QString::fromStdString(RunStore::defaultPath());
}

void AppSettings::setDatabasePath(const QString &path)
{
    QSettings().setValue("paths/database", absolute(path));
}

QString AppSettings::dataDir()
{
    if (const QString dir = saved("paths/data"); !dir.isEmpty())
        return dir;
    if (const QString env = envPath("SENTILAB_DATA_DIR"); !env.isEmpty())
        return env;
    QStringList candidates;
    if (const QString shared = envPath("SENTILAB_SHARED_DIR"); !shared.isEmpty())
        candidates << shared + "/data/sst2";
    candidates << QStringLiteral("../shared/data/sst2");
    for (const QString &c : candidates) {
        if (QFileInfo::exists(c + "/train.jsonl"))
            return absolute(c);
    }
    return {};
}

void AppSettings::setDataDir(const QString &dir)
{
    QSettings().setValue("paths/data", absolute(dir));
}

QString AppSettings::modelDir()
{
    return saved("paths/model");
}

void AppSettings::setModelDir(const QString &dir)
{
    QSettings().setValue("paths/model", absolute(dir));
}

void AppSettings::applyPaths(ExperimentConfig &config)
{
    if (config.data.dir.empty())
        config.data.dir = dataDir().toStdString();
    const QString model = modelDir();
    if (model.isEmpty())
        return;
    if (config.kind == "finetune" && config.model.pretrainedDir.empty()) {
        config.model.pretrainedDir = model.toStdString();
    } else if (config.kind == "scratch" && config.model.configJson.empty() &&
               QFileInfo(model + "/config.json").isFile() &&
               QFileInfo(model + "/vocab.txt").isFile()) {
        config.model.configJson = (model + "/config.json").toStdString();
        if (config.model.vocab.empty())
            config.model.vocab = (model + "/vocab.txt").toStdString();
    }
}

QString AppSettings::experimentsDir()
{
    if (const QString dir = saved("paths/experiments"); !dir.isEmpty())
        return dir;
    if (const QString env = envPath("SENTILAB_EXPERIMENTS_DIR"); !env.isEmpty())
        return env;
#ifdef SENTILAB_SOURCE_EXPERIMENTS_DIR
    if (QFileInfo::exists(QStringLiteral(SENTILAB_SOURCE_EXPERIMENTS_DIR "/finetune.yaml")))
        return QStringLiteral(SENTILAB_SOURCE_EXPERIMENTS_DIR);
#endif
    return absolute(QCoreApplication::applicationDirPath() + "/../share/sentilab/experiments");
}

void AppSettings::setExperimentsDir(const QString &dir)
{
    QSettings().setValue("paths/experiments", absolute(dir));
}

int AppSettings::threads()
{
    return QSettings().value("training/threads", 0).toInt();
}

void AppSettings::setThreads(int threads)
{
    QSettings().setValue("training/threads", threads);
}

QString AppSettings::device()
{
    const QString device = QSettings().value("training/device", "auto").toString();
    for (const std::string &choice : sentilab::deviceChoices())
        if (device == QString::fromStdString(choice))
            return device;
    return QStringLiteral("auto"); // an edited settings file: fall back to the safe choice
}

void AppSettings::setDevice(const QString &device)
{
    QSettings().setValue("training/device", device);
}

QStringList AppSettings::defaultStarterSentences()
{
    return sentilab::ui::defaultStarterSentences();
}

QStringList AppSettings::starterSentences()
{
    const QStringList s = QSettings().value("inference/sentences").toStringList();
    return s.size() == 4 ? s : defaultStarterSentences();
}

void AppSettings::setStarterSentences(const QStringList &sentences)
{
    QSettings().setValue("inference/sentences", sentences);
}

QString AppSettings::appearance()
{
    const QString a = QSettings().value("ui/appearance", "system").toString();
    return a == QLatin1String("light") || a == QLatin1String("dark") ? a : QStringLiteral("system");
}

void AppSettings::setAppearance(const QString &appearance)
{
    QSettings().setValue("ui/appearance", appearance);
}

void AppSettings::applyAppearance()
{
    static const QPalette system = QGuiApplication::palette();
    QGuiApplication::setPalette(paletteFor(appearance(), system));
}

} // namespace sentilab::ui
