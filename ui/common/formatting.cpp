#include "common/formatting.h"

#include <cmath>

#include <QLocale>

namespace sentilab::ui {

QString formatDuration(double seconds)
{
    if (!(seconds >= 0) || seconds > 1e7)
        return QStringLiteral("–");
    const qint64 s = qint64(std::llround(seconds));
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 min")
        .arg(s / 3600)
        .arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString formatPercent(double fraction, int decimals)
{
    if (!(fraction >= 0))
        return QStringLiteral("–");
    return QString::number(fraction * 100, 'f', decimals) + QLatin1Char('%');
}

QString groupedNumber(double value)
{
    return QLocale(QLocale::English, QLocale::UnitedStates).toString(qint64(std::llround(value)));
}

QString labelText(const Prediction &p)
{
    const QString name = QString::fromStdString(p.labelName).toLower();
    if (name.isEmpty() || name.startsWith(QLatin1String("label_")))
        return labelName(p.label);
    return name;
}

QString runTitle(const RunInfo &run)
{
    return QStringLiteral("%1 (#%2)").arg(QString::fromStdString(run.name)).arg(run.id);
}

QString labelName(qint64 label)
{
    return label == 1 ? QStringLiteral("positive") : QStringLiteral("negative");
}

QStringList defaultStarterSentences()
{
    return {QStringLiteral("A moving, beautifully acted film that stays with you long after."),
            QStringLiteral("Funny, warm and surprisingly wise: one of the best films of the year."),
            QStringLiteral("A tedious, badly written mess that wastes a talented cast."),
            QStringLiteral("The plot is predictable and the jokes fall flat.")};
}

} // namespace sentilab::ui
