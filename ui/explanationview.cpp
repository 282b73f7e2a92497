#include "explanationview.h"

#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "attentionmaps.h"
#include "embeddingmapview.h"
#include "tokenstrip.h"
#include "uitypes.h"

namespace sentilab::ui {

namespace {

QString methodTitle(const Explanation &e)
{
    switch (e.method) {
    case AttributionMethod::IntegratedGradients:
        return ExplanationView::tr("Integrated Gradients, %1 steps").arg(e.steps);
    case AttributionMethod::GradientTimesInput:
        return ExplanationView::tr("gradient × input");
    case AttributionMethod::Occlusion:
        return ExplanationView::tr("leave one word out");
    }
    return {};
}

QStringList tokenList(const Explanation &e)
{
    QStringList tokens;
    for (const std::string &t : e.tokens)
        tokens << QString::fromStdString(t);
    return tokens;
}

} // namespace

ExplanationView::ExplanationView(QWidget *parent) : QWidget(parent)
{
    m_header = new QLabel(this);
    m_header->setObjectName("explanationHeader");
    m_header->setWordWrap(true);
    m_scores = new TokenStrip(this);
    m_scores->setObjectName("attributionStrip");
    m_rolloutCaption = new QLabel(tr("Attention rollout from [CLS] (all layers)"), this);
    setSecondaryText(m_rolloutCaption);
    m_rollout = new TokenStrip(this);
    m_rollout->setObjectName("rolloutStrip");
    m_headCaption = new QLabel(this);
    m_headCaption->setWordWrap(true);
    setSecondaryText(m_headCaption);
    m_grid = new AttentionGrid(this);
    m_grid->setObjectName("attentionGrid");
    m_grid->setToolTip(tr("Every attention head: layers top to bottom, heads left to right"));
    m_head = new HeadMap(this);
    m_head->setObjectName("headMap");
    connect(m_grid, &AttentionGrid::headChosen, this, &ExplanationView::chooseHead);

    auto *heads = new QGridLayout;
    auto *headsCaption = new QLabel(tr("Every head, layers down (click one):"), this);
    headsCaption->setWordWrap(true);
    heads->addWidget(headsCaption, 0, 0);
    heads->addWidget(m_headCaption, 0, 1);
    heads->addWidget(m_grid, 1, 0, Qt::AlignTop);
    heads->addWidget(m_head, 1, 1);
    heads->setColumnStretch(1, 1);

    m_map = new EmbeddingMapView(this);
    m_map->setObjectName("embeddingMap");
    m_map->showMessage(tr("Embedding map: click “Embedding maps” above to place every validation "
                          "and test sentence by this model's [CLS] vector (a pass over both "
                          "splits the first time, about a minute per full-size model here; "
                          "kept in the run store afterwards)."));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_header);
    layout->addWidget(m_scores);
    layout->addWidget(m_rolloutCaption);
    layout->addWidget(m_rollout);
    layout->addLayout(heads, 1);
    layout->addWidget(m_map, 1);
    showMessage(tr("Type a sentence to see why each model decides."));
}

void ExplanationView::showPending()
{
    m_attention.reset();
    m_attributions.reset();
    m_header->setText(tr("explaining…"));
    renderAttributions();
    renderAttention();
}

void ExplanationView::showMessage(const QString &message)
{
    m_attention.reset();
    m_attributions.reset();
    renderAttributions();
    renderAttention();
    m_header->setText(message);
}

void ExplanationView::addPart(std::shared_ptr<const Explanation> part)
{
    if (!part)
        return;
    if (!part->attention.empty()) {
        m_attention = part;
        renderAttention();
    }
    if (!part->tokenScores.empty()) {
        m_attributions = part;
        renderAttributions();
    }
    if (!m_attributions)
        m_header->setText(tr("attention shown; computing the attributions…"));
}

void ExplanationView::setAttributionScale(double scale)
{
    m_scale = scale > 0 ? scale : 1;
    renderAttributions();
}

double ExplanationView::largestAttribution() const
{
    double largest = 0;
    if (m_attributions)
        for (float s : m_attributions->tokenScores)
            largest = std::max(largest, double(std::abs(s)));
    return largest;
}

void ExplanationView::renderAttributions()
{
    if (!m_attributions) {
        m_scores->clear();
        return;
    }
    const Explanation &e = *m_attributions;
    QVector<double> scores;
    QStringList tips;
    for (size_t t = 0; t < e.tokens.size(); ++t) {
        scores << e.tokenScores[t];
        QString tip = tr("%1: %2 towards “%3”")
                          .arg(QString::fromStdString(e.tokens[t]))
                          .arg(e.tokenScores[t], 0, 'f', 4)
                          .arg(QString::fromStdString(e.labelName));
        if (e.wordOf[t] >= 0 && e.method != AttributionMethod::Occlusion)
            tip += tr("\nword “%1”: %2")
                       .arg(QString::fromStdString(e.words[size_t(e.wordOf[t])]))
                       .arg(e.wordScores[size_t(e.wordOf[t])], 0, 'f', 4);
        tips << tip;
    }
    m_scores->setTokens(tokenList(e), scores, tips, TokenStrip::Scale::Diverging, m_scale);
    QString header = tr("%1 on the log-odds of “%2” (%3)")
                         .arg(methodTitle(e), QString::fromStdString(e.labelName))
                         .arg(e.target, 0, 'f', 2);
    if (std::isfinite(e.residual))
        header += tr(" · completeness residual %1 of %2")
                      .arg(e.residual, 0, 'g', 2)
                      .arg(e.target - e.baselineTarget, 0, 'f', 2);
    header += tr(" · %1 ms").arg(e.milliseconds, 0, 'f', 0);
    m_header->setText(header);
}

void ExplanationView::renderAttention()
{
    m_grid->setExplanation(m_attention);
    const bool shown = m_attention != nullptr;
    m_rolloutCaption->setVisible(shown);
    m_rollout->setVisible(shown);
    if (!shown) {
        m_rollout->clear();
        m_head->setExplanation(nullptr, 0, 0);
        m_headCaption->clear();
        return;
    }
    const Explanation &e = *m_attention;
    QVector<double> weights;
    QStringList tips;
    double largest = 0;
    for (size_t t = 0; t < e.rollout.size(); ++t) {
        weights << e.rollout[t];
        largest = std::max(largest, double(e.rollout[t]));
        tips << tr("%1: %2 of [CLS]'s attention after all layers")
                    .arg(QString::fromStdString(e.tokens[t]))
                    .arg(e.rollout[t], 0, 'f', 3);
    }
    m_rollout->setTokens(tokenList(e), weights, tips, TokenStrip::Scale::Sequential, largest);
    chooseHead(m_grid->selectedLayer(), m_grid->selectedHead());
}

void ExplanationView::chooseHead(int layer, int head)
{
    m_head->setExplanation(m_attention, layer, head);
    m_headCaption->setText(
        tr("layer %1, head %2: rows attend to columns (darkest = the head's largest weight; "
           "hover for the numbers)")
            .arg(layer + 1)
            .arg(head + 1));
}

} // namespace sentilab::ui
