#pragma once
// Trains a study's cells through the desktop's job queue (TrainingJobs: at most its concurrency
// at once, cores split between them), cheapest first, keeping the queue filled as cells end, so a
// study shares the machine with the user's other runs like any run does. Which cell is next and
// what trains it come from core (nextStudyCell, studyCellRequest); a cell's run is tagged with
// its study by the trainer, so a study closed mid-cell resumes where it stopped. GUI thread.
#include <QObject>
#include <QSet>

#include <sentilab/runstore.h>

namespace sentilab::ui {

class StoreReader;
class TrainingJobs;

class StudyRunner : public QObject
{
    Q_OBJECT

public:
    StudyRunner(TrainingJobs *jobs, StoreReader *reader, QObject *parent = nullptr);

    // Starts (or resumes) the study: clears its cancel mark and queues its next cells. An error
    // (unknown study, unreadable store) is reported through failed().
    void start(qint64 studyId);
    // Marks the study cancelled, drops its queued cells and stops its running ones.
    void cancel();
    qint64 activeStudy() const { return m_studyId; } // 0 = none

Q_SIGNALS:
    void activeChanged(qint64 studyId); // 0 when the study ended, was cancelled or failed
    void progressed(qint64 studyId);    // a cell started or ended
    void failed(const QString &message);

private:
    void fill();
    void finish(); // no study is active any more
    void onRunEnded(qint64 runId, RunStatus status, const QString &error);

    TrainingJobs *m_jobs;
    StoreReader *m_reader;
    qint64 m_studyId = 0;
    QSet<qint64> m_queuedCells;
    bool m_cancelling = false;
};

} // namespace sentilab::ui
