#pragma once
// Locating ../shared reference data from tests. SENTILAB_SHARED_DIR (set by ctest) wins; suites
// skip with a clear message when the data is absent instead of failing.
#include <QDir>
#include <QFileInfo>
#include <QString>
#include <QtTest/QtTest>

namespace sentilab::test {

inline QString sharedDir()
{
    const QByteArray env = qgetenv("SENTILAB_SHARED_DIR");
    return env.isEmpty() ? QStringLiteral("../shared") : QString::fromLocal8Bit(env);
}

// Absolute path of `relative` under the shared folder, empty when it does not exist.
inline QString sharedFile(const QString &relative)
{
    const QFileInfo info(QDir(sharedDir()).filePath(relative));
    return info.exists() ? info.absoluteFilePath() : QString();
}

} // namespace sentilab::test

// Declares `var` as the shared file's path or skips the current test function.
#define SENTILAB_REQUIRE_SHARED(var, relative)                                                     \
    const QString var = sentilab::test::sharedFile(QStringLiteral(relative));                      \
    if (var.isEmpty())                                                                             \
        QSKIP(qPrintable(QStringLiteral("SKIPPED: shared reference data not found (expected %1)")  \
                             .arg(QDir(sentilab::test::sharedDir()).filePath(relative))));
