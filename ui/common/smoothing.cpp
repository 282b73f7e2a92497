#include "common/smoothing.h"

#include <cmath>
#include <limits>

namespace sentilab::ui {

double EmaSmoother::add(double value)
{
    if (!std::isfinite(value))
        return std::numeric_limits<double>::quiet_NaN();
    m_numerator = m_alpha * m_numerator + (1 - m_alpha) * value;
    m_denominator = m_alpha * m_denominator + (1 - m_alpha);
    return m_numerator / m_denominator;
}

QVector<double> emaSmoothed(const QVector<double> &values, double alpha)
{
    EmaSmoother ema(alpha);
    QVector<double> out;
    out.reserve(values.size());
    for (const double v : values)
        out.append(ema.add(v));
    return out;
}

} // namespace sentilab::ui
