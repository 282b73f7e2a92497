#pragma once
// QCustomPlot for code built with QT_NO_KEYWORDS (sentilab_ui, sentilab_report): its header uses
// Qt's lower-case keywords (signals, slots, emit, foreach), which are mapped to their Q_ forms
// for this one include and removed again, so they never reach our code or LibTorch's names.
#ifdef QT_NO_KEYWORDS
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
#else
#include <qcustomplot.h>
#endif
