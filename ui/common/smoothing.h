#pragma once
// The training-loss smoothing of the charts and the report: a debiased exponential moving
// average (weight `alpha` of the previous value, as TensorBoard's smoothing slider).
#include <QVector>

namespace sentilab::ui {

// Adds one value at a time (live charts). NaN/inf values give NaN and leave the average alone.
class EmaSmoother
{
public:
    explicit EmaSmoother(double alpha = 0.6) : m_alpha(alpha) {}
    double add(double value);
    void reset() { m_numerator = m_denominator = 0; }

private:
    double m_alpha;
    double m_numerator = 0, m_denominator = 0;
};

QVector<double> emaSmoothed(const QVector<double> &values, double alpha);

} // namespace sentilab::ui
