#pragma once
// One model's verdict in "Ask the models": run name and colour, predicted label, probability bar
// and text, the WordPiece tokens (scrolling when long), latency; or a message saying why there is
// no model.
#include <QFrame>
#include <QString>
#include <QStringList>

#include "inferencepane.h"

class QLabel;
class QScrollArea;
class QStackedWidget;

namespace sentilab::ui {

class ProbabilityBar;

class ResultCard : public QFrame
{
public:
    ResultCard(int slot, QWidget *parent);
    void setRun(qint64 runId, const QString &name);
    void showMessage(const QString &message);
    void showLoading();
    // The model is ready; nothing (or nothing current) is predicted yet.
    void showReady(const QString &summary);
    // `inputTokens` > tokens.size() says the input was cut to the model's limit (shown).
    void showResult(const QString &label, double positive, const QStringList &tokens,
                    int inputTokens, double ms);
    const InferencePane::ShownPrediction &state() const { return m_state; }
    bool hasResult() const { return m_state.probability >= 0; }

protected:
    void changeEvent(QEvent *event) override;

private:
    // Tokens as chips: non-breaking inside a chip, breakable between chips.
    void renderTokens();
    void showTruncation();
    int m_slot = 0;
    InferencePane::ShownPrediction m_state;
    QLabel *m_swatch = nullptr;
    QLabel *m_title = nullptr;
    QLabel *m_summary = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_message = nullptr;
    QLabel *m_verdict = nullptr;
    QLabel *m_probability = nullptr;
    ProbabilityBar *m_bar = nullptr;
    QLabel *m_tokens = nullptr;
    QScrollArea *m_tokenScroll = nullptr;
    QLabel *m_truncated = nullptr; // says where a long input was cut
    QLabel *m_latency = nullptr;
};

} // namespace sentilab::ui
