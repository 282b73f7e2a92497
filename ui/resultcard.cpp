#include "resultcard.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QScrollArea>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "common/colors.h"
#include "common/palettes.h"
#include "uitypes.h"

namespace sentilab::ui {

// A tug-of-war bar: the negative share from the left, the positive share from the right, a tick
// at 0.5.
class ProbabilityBar : public QWidget
{
public:
    explicit ProbabilityBar(QWidget *parent = nullptr) : QWidget(parent)
    {
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    void setPositive(double p)
    {
        m_positive = p;
        update();
    }
    QSize sizeHint() const override { return {200, fontMetrics().height()}; }
    QSize minimumSizeHint() const override { return {60, fontMetrics().height()}; }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const QRectF r = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
        QPainterPath clip;
        clip.addRoundedRect(r, 4, 4);
        p.setClipPath(clip);
        p.fillRect(
            r, blendColors(palette().color(QPalette::Base), palette().color(QPalette::Text), 0.1));
        if (m_positive >= 0) {
            const double split = r.left() + r.width() * (1.0 - m_positive);
            p.fillRect(QRectF(r.left(), r.top(), split - r.left(), r.height()),
                       sentimentColor(false));
            p.fillRect(QRectF(split, r.top(), r.right() - split, r.height()), sentimentColor(true));
        }
        p.setClipping(false);
        p.setPen(QPen(palette().color(QPalette::Window), 2));
        p.drawLine(QPointF(r.center().x(), r.top()), QPointF(r.center().x(), r.bottom()));
        p.setPen(palette().color(QPalette::Mid));
        p.setBrush(Qt::NoBrush);
        p.drawRoundedRect(r, 4, 4);
    }

private:
    double m_positive = -1;
};

ResultCard::ResultCard(int slot, QWidget *parent) : QFrame(parent), m_slot(slot)
{
    setObjectName(slot == 0 ? "finetuneCard" : "scratchCard");
    setFrameShape(QFrame::StyledPanel);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);

    m_swatch = new QLabel(this);
    m_title = new QLabel(this);
    m_title->setObjectName("title");
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *kind = new QLabel(slot == 0 ? InferencePane::tr("pre-trained, fine-tuned")
                                      : InferencePane::tr("random init, from scratch"),
                            this);
    setSecondaryText(kind);
    auto *header = new QHBoxLayout;
    header->addWidget(m_swatch);
    header->addWidget(m_title, 1);
    header->addWidget(kind);

    m_summary = new QLabel(this);
    m_summary->setObjectName("summary");
    setSecondaryText(m_summary);

    m_message = new QLabel(this);
    m_message->setObjectName("message");
    m_message->setWordWrap(true);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setMargin(12);

    auto *result = new QWidget(this);
    m_verdict = new QLabel(result);
    m_verdict->setObjectName("verdict");
    QFont big = m_verdict->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    m_verdict->setFont(big);
    m_probability = new QLabel(result);
    m_probability->setObjectName("probability");
    m_probability->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    auto *verdictRow = new QHBoxLayout;
    verdictRow->addWidget(m_verdict);
    verdictRow->addStretch();
    verdictRow->addWidget(m_probability);

    m_bar = new ProbabilityBar(result);
    auto *negative = new QLabel(InferencePane::tr("negative"), result);
    auto *positive = new QLabel(InferencePane::tr("positive"), result);
    setSecondaryText(negative);
    setSecondaryText(positive);
    auto *ends = new QHBoxLayout;
    ends->addWidget(negative);
    ends->addStretch();
    ends->addWidget(positive);

    auto *tokensCaption = new QLabel(InferencePane::tr("WordPiece tokens"), result);
    setSecondaryText(tokensCaption);
    m_tokens = new QLabel(result);
    m_tokens->setObjectName("tokens");
    m_tokens->setWordWrap(true);
    m_tokens->setTextFormat(Qt::RichText);
    m_tokens->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    // A long input has hundreds of tokens: they scroll inside the card instead of being clipped.
    m_tokenScroll = new QScrollArea(result);
    m_tokenScroll->setObjectName("tokenScroll");
    m_tokenScroll->setWidget(m_tokens);
    m_tokenScroll->setWidgetResizable(true);
    m_tokenScroll->setFrameShape(QFrame::NoFrame);
    m_tokenScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_tokenScroll->setMaximumHeight(m_tokens->fontMetrics().lineSpacing() * 10);
    m_truncated = new QLabel(result);
    m_truncated->setObjectName("truncated");
    m_truncated->setWordWrap(true);
    m_truncated->hide();
    m_latency = new QLabel(result);
    m_latency->setObjectName("latency");
    setSecondaryText(m_latency);

    auto *resultLayout = new QVBoxLayout(result);
    resultLayout->setContentsMargins(0, 0, 0, 0);
    resultLayout->addLayout(verdictRow);
    resultLayout->addWidget(m_bar);
    resultLayout->addLayout(ends);
    resultLayout->addSpacing(6);
    resultLayout->addWidget(tokensCaption);
    resultLayout->addWidget(m_tokenScroll, 1);
    resultLayout->addWidget(m_truncated);
    resultLayout->addSpacing(6);
    resultLayout->addWidget(m_latency);
    resultLayout->addStretch();

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_message);
    m_stack->addWidget(result);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_summary);
    layout->addWidget(m_stack, 1);
    setRun(0, QString());
    showMessage(InferencePane::tr("Open a run database to try the models."));
}

void ResultCard::setRun(qint64 runId, const QString &name)
{
    m_state.runId = runId;
    m_swatch->setPixmap(colorSwatch(runId > 0 ? runColor(runId) : palette().color(QPalette::Mid),
                                    fontMetrics().height() * 2 / 3));
    m_title->setText(runId > 0 ? name
                               : (m_slot == 0 ? InferencePane::tr("Fine-tuned model")
                                              : InferencePane::tr("Scratch model")));
}

void ResultCard::showMessage(const QString &message)
{
    m_state = {m_state.runId, {}, -1, {}, 0, 0, message};
    m_summary->clear();
    m_message->setText(message);
    m_stack->setCurrentIndex(0);
}

void ResultCard::showLoading()
{
    m_state = {m_state.runId, {}, -1, {}, 0, 0, {}};
    m_summary->clear();
    m_message->setText(InferencePane::tr("Loading the model…"));
    m_stack->setCurrentIndex(0);
}

void ResultCard::showReady(const QString &summary)
{
    m_state = {m_state.runId, {}, -1, {}, 0, 0, {}};
    m_summary->setText(summary);
    m_message->setText(InferencePane::tr("Type a sentence above or pick an example."));
    m_stack->setCurrentIndex(0);
}

void ResultCard::showResult(const QString &label, double positive, const QStringList &tokens,
                            int inputTokens, double ms)
{
    m_state = {m_state.runId, label, positive, tokens, inputTokens, ms, {}};
    showTruncation();
    const bool isPositive = label == QLatin1String("positive");
    m_verdict->setText(label.isEmpty() ? label : label.at(0).toUpper() + label.mid(1));
    QPalette pal = m_verdict->palette();
    pal.setColor(QPalette::WindowText,
                 readableOn(sentimentColor(isPositive), pal.color(QPalette::Window),
                            pal.color(QPalette::Window)));
    m_verdict->setPalette(pal);
    const double shown = isPositive ? positive : 1.0 - positive;
    m_probability->setText(InferencePane::tr("%1% %2").arg(shown * 100, 0, 'f', 1).arg(label));
    m_probability->setToolTip(InferencePane::tr("P(positive) = %1").arg(positive, 0, 'f', 4));
    m_bar->setPositive(positive);
    m_bar->setToolTip(m_probability->toolTip());
    m_latency->setText(InferencePane::tr("%1 ms for %2 tokens")
                           .arg(ms, 0, 'f', ms < 10 ? 2 : 1)
                           .arg(tokens.size()));
    renderTokens();
    m_stack->setCurrentIndex(1);
}

void ResultCard::changeEvent(QEvent *event)
{
    QFrame::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        renderTokens();
        setRun(m_state.runId, m_title->text());
    }
}

void ResultCard::renderTokens()
{
    const QColor base = palette().color(QPalette::Base);
    const QColor text = palette().color(QPalette::Text);
    const QColor plain = blendColors(base, text, 0.12);
    const QColor special =
        blendColors(base, m_state.runId > 0 ? runColor(m_state.runId) : text, 0.3);
    QString html = QStringLiteral("<p style=\"line-height:150%\">");
    for (const QString &token : m_state.tokens) {
        const bool isSpecial = token.startsWith('[') && token.endsWith(']');
        QString escaped = token.toHtmlEscaped();
        escaped.replace(' ', QStringLiteral("&nbsp;"));
        html += QStringLiteral("<span style=\"background-color:%1; color:%2;\">&nbsp;%3&nbsp;"
                               "</span> ")
                    .arg((isSpecial ? special : plain).name(), text.name(), escaped);
    }
    m_tokens->setText(html + QStringLiteral("</p>"));
}

void ResultCard::showTruncation()
{
    const int kept = int(m_state.tokens.size());
    if (m_state.inputTokens <= kept || kept < 3) {
        m_truncated->hide();
        return;
    }
    // The last word the model still reads: the last kept WordPiece before [SEP], joined with the
    // "##" pieces before it.
    QString word;
    for (int i = kept - 2; i >= 1; --i) {
        const QString &t = m_state.tokens[i];
        word.prepend(t.startsWith(QLatin1String("##")) ? t.mid(2) : t);
        if (!t.startsWith(QLatin1String("##")))
            break;
    }
    m_truncated->setText(
        InferencePane::tr("Input truncated: the model reads %1 of the sentence's %2 tokens (its "
                          "limit); the rest after \u201c%3\u201d is ignored.")
            .arg(kept)
            .arg(m_state.inputTokens)
            .arg(word.toHtmlEscaped()));
    QPalette pal = m_truncated->palette();
    pal.setColor(QPalette::WindowText, readableOn(wrongColor(), pal.color(QPalette::Window),
                                                  pal.color(QPalette::Window)));
    m_truncated->setPalette(pal);
    m_truncated->show();
}

} // namespace sentilab::ui
