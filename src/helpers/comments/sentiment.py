"""Sentiment of live comments, where it means something: opinions, not questions.

A live room's questions (链接呢？多少钱) are not negative reviews, yet review-trained models such as
SnowNLP score them low. Here sentiment is a lexicon score calibrated to live comments:

    logit = pos_weight·positive_hits − neg_weight·negative_hits + prior[intent_group]
    sentiment = sigmoid(scale · logit)             (probability that the comment is positive)

Positive words are the praise rules plus a few extra (开心, 期待); negative words are every
complaint rule plus a few extra (失望, 😡); negations are rewritten first (不好看 counts as
negative, 不起球 as positive). Weights and priors live in ``resources/comments/intents.yaml``.

Sentiment is null where it is not meaningful: questions and spam, and any comment with no opinion
word that is not itself praise or a complaint (已拍, 666, 大家好).

Where the lexicon has no word to go on, a learned model decides (``resources/comments/
sentiment_model.npz``: char 1–2-gram TF-IDF + logistic regression, ``tools/train_sentiment.py``):

- ``mode="live"`` (default): praise and complaints with no opinion word get
  ``sigmoid(learned_logit + scale·prior[group])`` instead of the prior alone; the rest as above.
- ``mode="review"`` (商品评价, where every text is an opinion): every non-empty text gets
  ``sigmoid(learned_logit + REVIEW_LEXICON_WEIGHT·scale·lexicon_logit)`` with
  ``lexicon_logit = pos_weight·pos_hits − neg_weight·neg_hits``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from helpers.comments.intent import Rules, load_rules
from helpers.comments.learned import packaged

MODES = ("live", "review")
# weight of the lexicon's logit beside the learned one in review mode (validation: docs/comments.md)
REVIEW_LEXICON_WEIGHT = 0.25


def _sigmoid(x: pl.Expr) -> pl.Expr:
    return (1.0 / (1.0 + (-x).exp())).round(3)


def _lexicon_logit(s: dict) -> pl.Expr:
    return float(s["pos_weight"]) * pl.col("pos_hits") - float(s["neg_weight"]) * pl.col("neg_hits")


def _prior(s: dict) -> pl.Expr:
    return pl.col("intent_group").replace_strict(
        {k: float(v) for k, v in s["prior"].items()}, default=0.0, return_dtype=pl.Float64
    )


def sentiment_expr(rules: Rules | None = None) -> pl.Expr:
    """The lexicon's P(positive) from ``pos_hits``, ``neg_hits`` and ``intent_group`` columns
    (null where not an opinion); live mode without the learned model."""
    s = (rules or load_rules()).sentiment
    prob = _sigmoid((_lexicon_logit(s) + _prior(s)) * float(s["scale"]))
    return pl.when(_meaningful()).then(prob).otherwise(None).alias("sentiment")


def _meaningful() -> pl.Expr:
    hits = pl.col("pos_hits") + pl.col("neg_hits")
    return ~pl.col("intent_group").is_in(["question", "spam"]) & (
        pl.col("intent_group").is_in(["praise", "complaint"]) | (hits > 0)
    )


def learned_logit(norm: list[str] | pl.Series, grams: pl.DataFrame | None = None) -> np.ndarray:
    """The learned model's logit of positive for normalised texts (vectorised; ``grams``: their
    ``ngram_frame`` if already cut)."""
    m = packaged("sentiment")
    if m.classes != ("neg", "pos"):
        raise ValueError(f"sentiment model classes {m.classes}, expected ('neg', 'pos')")
    if len(norm) == 0:
        return np.zeros(0)
    return m.decision(m.design(norm, grams=grams))[:, 0]


def sentiment_column(
    df: pl.DataFrame,
    rules: Rules | None = None,
    mode: str = "live",
    grams: pl.DataFrame | None = None,
) -> pl.Series:
    """P(positive) per row of ``df`` (columns norm, intent_group, pos_hits, neg_hits) in ``mode``
    (``grams``: ``ngram_frame(df["norm"])`` if already cut)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    s = (rules or load_rules()).sentiment
    scale = float(s["scale"])
    hits = pl.col("pos_hits") + pl.col("neg_hits")
    nonempty = pl.col("norm").fill_null("") != ""
    need = _meaningful() & (hits == 0) if mode == "live" else nonempty
    rows = df.with_row_index("_i").filter(need)
    if grams is not None:  # keep the rows needed, renumbered 0..k-1
        keep = rows.select(row="_i").with_row_index("_new")
        grams = grams.join(keep, on="row").select(row="_new", ngram="ngram")
    logit = np.zeros(df.height)
    logit[rows["_i"].to_numpy()] = learned_logit(rows["norm"], grams)
    d = df.with_columns(pl.Series("_learned", logit))
    if mode == "live":
        prob = (
            pl.when(hits > 0)
            .then(_sigmoid((_lexicon_logit(s) + _prior(s)) * scale))
            .otherwise(_sigmoid(pl.col("_learned") + _prior(s) * scale))
        )
        expr = pl.when(_meaningful()).then(prob)
    else:
        lex = _lexicon_logit(s) * (scale * REVIEW_LEXICON_WEIGHT)
        expr = pl.when(need).then(_sigmoid(pl.col("_learned") + lex))
    return d.select(expr.otherwise(None).alias("sentiment")).to_series()


def label(prob: float | None, threshold: float = 0.5) -> str:
    """``pos``/``neg`` for a probability, ``none`` for null (not an opinion)."""
    if prob is None:
        return "none"
    return "pos" if prob >= threshold else "neg"
