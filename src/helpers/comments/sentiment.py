"""Sentiment of live comments, where it means something: opinions, not questions.

A live room's questions (链接呢？多少钱) are not negative reviews, yet review-trained models such as
SnowNLP score them low. Here sentiment is a lexicon score calibrated to live comments:

    logit = pos_weight·positive_hits − neg_weight·negative_hits + prior[intent_group]
    sentiment = sigmoid(scale · logit)             (probability that the comment is positive)

Positive words are the praise rules plus a few extra (开心, 期待); negative words are every
complaint rule plus a few extra (失望, 😡); negations are rewritten first (不好看 counts as negative,
不起球 as positive). Weights and priors live in ``resources/comments/intents.yaml``.

Sentiment is null where it is not meaningful: questions and spam, and any comment with no opinion
word that is not itself praise or a complaint (已拍, 666, 大家好).
"""

from __future__ import annotations

import polars as pl

from .intent import Rules, load_rules


def sentiment_expr(rules: Rules | None = None) -> pl.Expr:
    """Probability of positive from ``pos_hits``, ``neg_hits`` and ``intent_group`` columns."""
    s = (rules or load_rules()).sentiment
    prior = pl.col("intent_group").replace_strict(
        {k: float(v) for k, v in s["prior"].items()}, default=0.0, return_dtype=pl.Float64
    )
    logit = (
        float(s["pos_weight"]) * pl.col("pos_hits")
        - float(s["neg_weight"]) * pl.col("neg_hits")
        + prior
    ) * float(s["scale"])
    prob = (1.0 / (1.0 + (-logit).exp())).round(3)
    hits = pl.col("pos_hits") + pl.col("neg_hits")
    meaningful = ~pl.col("intent_group").is_in(["question", "spam"]) & (
        pl.col("intent_group").is_in(["praise", "complaint"]) | (hits > 0)
    )
    return pl.when(meaningful).then(prob).otherwise(None).alias("sentiment")


def label(prob: float | None, threshold: float = 0.5) -> str:
    """``pos``/``neg`` for a probability, ``none`` for null (not an opinion)."""
    if prob is None:
        return "none"
    return "pos" if prob >= threshold else "neg"
