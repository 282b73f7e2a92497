#pragma once
// The Compare dashboard's table: results (best/last validation, test accuracy and F1, training
// time, steps, status, split sizes, parameters) and the configuration side by side, one column
// per run, values that differ between the runs highlighted. Everything comes from the read model
// (compareRuns); each value cell keeps the number behind its text in kComparisonValueRole.
#include <Qt>

class QTableWidget;

namespace sentilab {
struct Comparison;
}

namespace sentilab::ui {

constexpr int kComparisonValueRole = Qt::UserRole + 1;

// Replaces the table's contents with `comparison`'s runs.
void fillComparisonTable(QTableWidget *table, const sentilab::Comparison &comparison);

} // namespace sentilab::ui
