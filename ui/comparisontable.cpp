#include "comparisontable.h"

#include <QCoreApplication>
#include <QFont>
#include <QIcon>
#include <QTableWidget>

#include <algorithm>
#include <map>

#include <sentilab/runanalysis.h>

#include "common/colors.h"
#include "common/formatting.h"

namespace sentilab::ui {
namespace {

constexpr int kKeyRole = Qt::UserRole; // the flattened key

QString fromStd(const std::string &s)
{
    return QString::fromStdString(s);
}

// A table value: the text shown and the number (or text) behind it, kept in kComparisonValueRole
// so that a reader of the table (and its test) sees exactly what the read model returned.
struct Cell
{
    QString text;
    QVariant value;
};

Cell accuracyCell(const std::optional<EvalRecord> &e, bool withStep)
{
    if (!e)
        return {QStringLiteral("–"), {}};
    const QString text = withStep ? QCoreApplication::translate("CompareView", "%1 (step %2)")
                                        .arg(formatPercent(e->accuracy, 2))
                                        .arg(e->step)
                                  : formatPercent(e->accuracy, 2);
    return {text, e->accuracy};
}

} // namespace

void fillComparisonTable(QTableWidget *table, const Comparison &comparison)
{
    const std::vector<RunSummary> &runs = comparison.runs;
    const int columns = int(runs.size()) + 1;
    table->clear();
    table->setRowCount(0);
    table->setColumnCount(columns);
    const int icon = table->fontMetrics().height();
    table->setHorizontalHeaderItem(
        0, new QTableWidgetItem(QCoreApplication::translate("CompareView", "Setting")));
    for (int c = 1; c < columns; ++c) {
        const RunInfo &run = runs[size_t(c - 1)].info;
        table->setHorizontalHeaderItem(
            c, new QTableWidgetItem(QIcon(colorSwatch(runColor(run.id), icon)), runTitle(run)));
    }

    const QPalette pal = table->palette();
    QFont sectionFont = table->font();
    sectionFont.setBold(true);
    auto addSection = [&](const QString &title) {
        const int row = table->rowCount();
        table->insertRow(row);
        auto *item = new QTableWidgetItem(title);
        item->setFont(sectionFont);
        item->setFlags(Qt::ItemIsEnabled);
        item->setBackground(
            blendColors(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.08));
        table->setItem(row, 0, item);
        table->setSpan(row, 0, 1, columns);
    };
    // Adds a row; `highlight` marks values that differ between the runs.
    auto addRow = [&](const QString &key, const QList<Cell> &cells, bool highlight) {
        const int row = table->rowCount();
        table->insertRow(row);
        const QColor differ = blendColors(pal.color(QPalette::Base), QColor(230, 159, 0), 0.35);
        for (int c = 0; c < columns; ++c) {
            const Cell cell = c == 0 ? Cell{key, key} : cells.value(c - 1);
            auto *item = new QTableWidgetItem(cell.text);
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            item->setData(kKeyRole, key);
            if (c > 0)
                item->setData(kComparisonValueRole, cell.value);
            item->setToolTip(item->text());
            if (highlight) {
                QFont f = table->font();
                f.setBold(true);
                item->setFont(f);
                item->setBackground(differ);
                item->setToolTip(
                    QCoreApplication::translate("CompareView", "%1 — differs between the runs")
                        .arg(item->text()));
            }
            table->setItem(row, c, item);
        }
    };
    const auto addResult = [&](const QString &label, const auto &cellOf) {
        QList<Cell> cells;
        for (const RunSummary &r : runs)
            cells << cellOf(r);
        addRow(label, cells, false);
    };

    addSection(QCoreApplication::translate("CompareView", "Results"));
    addResult(QCoreApplication::translate("CompareView", "best validation accuracy"),
              [](const RunSummary &r) { return accuracyCell(r.bestValidation, true); });
    addResult(QCoreApplication::translate("CompareView", "last validation accuracy"),
              [](const RunSummary &r) { return accuracyCell(r.lastValidation, true); });
    addResult(QCoreApplication::translate("CompareView", "test accuracy"),
              [](const RunSummary &r) { return accuracyCell(r.test, false); });
    addResult(QCoreApplication::translate("CompareView", "test F1 (positive)"),
              [](const RunSummary &r) {
                  return r.test ? Cell{QString::number(r.test->f1, 'f', 4), r.test->f1}
                                : Cell{QStringLiteral("–"), {}};
              });
    addResult(QCoreApplication::translate("CompareView", "training time"), [](const RunSummary &r) {
        if (r.trainingSeconds < 0)
            return Cell{QStringLiteral("–"), {}};
        return Cell{formatDuration(r.trainingSeconds) +
                        (isTerminal(r.info.status)
                             ? QString()
                             : QCoreApplication::translate("CompareView", " so far")),
                    r.trainingSeconds};
    });
    addResult(QCoreApplication::translate("CompareView", "steps"), [](const RunSummary &r) {
        return Cell{QCoreApplication::translate("CompareView", "%1 of %2")
                        .arg(r.info.lastStep)
                        .arg(r.info.totalSteps),
                    qint64(r.info.lastStep)};
    });
    addResult(QCoreApplication::translate("CompareView", "status"), [](const RunSummary &r) {
        const QString status = fromStd(toString(r.info.status));
        return Cell{status, status};
    });
    addResult(QCoreApplication::translate("CompareView", "examples (train/val/test)"),
              [](const RunSummary &r) {
                  const auto n = [](int64_t v) {
                      return v < 0 ? QStringLiteral("–") : groupedNumber(double(v));
                  };
                  return Cell{
                      QStringLiteral("%1 / %2 / %3")
                          .arg(n(r.examples.train), n(r.examples.validation), n(r.examples.test)),
                      r.examples.train < 0 ? QVariant() : QVariant(qint64(r.examples.train))};
              });
    addResult(QCoreApplication::translate("CompareView", "parameters"), [](const RunSummary &r) {
        return r.architecture.known() ? Cell{groupedNumber(double(r.architecture.parameters)),
                                             qint64(r.architecture.parameters)}
                                      : Cell{QStringLiteral("–"), {}};
    });

    addSection(QCoreApplication::translate("CompareView", "Configuration"));
    std::vector<std::string> keys;
    std::vector<std::map<std::string, std::string>> values(runs.size());
    for (size_t i = 0; i < runs.size(); ++i) {
        for (const auto &[key, value] : runs[i].config) {
            if (std::find(keys.begin(), keys.end(), key) == keys.end())
                keys.push_back(key);
            values[i][key] = value;
        }
    }
    for (const std::string &key : keys) {
        QList<Cell> row;
        bool differs = false;
        for (size_t i = 0; i < runs.size(); ++i) {
            const auto it = values[i].find(key);
            row << (it == values[i].end()
                        ? Cell{QCoreApplication::translate("CompareView", "(not set)"), {}}
                        : Cell{fromStd(it->second), fromStd(it->second)});
            differs = differs || row.back().text != row.front().text;
        }
        addRow(fromStd(key), row, differs);
    }

    table->resizeColumnsToContents();
    for (int c = 0; c < columns; ++c)
        table->setColumnWidth(c, std::min(table->columnWidth(c), c == 0 ? 200 : 150));
    table->resizeRowsToContents();
}

} // namespace sentilab::ui
