"""Intent from rules plus a learned model: a linear model over character n-grams and the rules'
hits (the rules as features).

The rules (:mod:`helpers.comments.intent`) were written for apparel, beauty and food rooms; on
other rooms (vouchers, local services, electronics, books, courses) their fall-back steps —
``other``, ``question_other``, bare ``interaction`` — collect what they do not know. The learned
model (``resources/comments/intent_model.npz``, ``tools/train_intent.py``) sees the rules' every
hit as a feature, so it follows them where they are reliable and reads the n-grams where they are
not. Policies compared by cross-validation on the dev splits only (docs/comments.md): rules alone,
rules with the learned model only where a fall-back step decided (:func:`combine`), and the learned
model everywhere (:data:`POLICY`, chosen).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from helpers.comments.intent import COMPLAINT_INTENTS, INTENTS, QUESTION_INTENTS
from helpers.comments.learned import NgramModel, packaged

POLICY = "learned"  # or "combined": rules, with the learned model only on their fall-back steps
RULE_FALLBACKS = ("other", "question_other", "interaction")

_QUESTION_THEMES = QUESTION_INTENTS[:-1]
_BOOL_FLAGS = ("is_q", "spam", "purchase", "praise", "request", "lottery", "interaction")
FEATURE_NAMES: tuple[str, ...] = (
    *(f"rule={i}" for i in INTENTS),
    *(f"qtype={q}" for q in _QUESTION_THEMES),
    *(f"strong={k}" for k in COMPLAINT_INTENTS),
    *(f"weak={k}" for k in COMPLAINT_INTENTS),
    *_BOOL_FLAGS,
    "pos_hits>0",
    "neg_hits>0",
)


def rule_features(feats: pl.DataFrame) -> np.ndarray:
    """The rules' hits as 0/1 columns (texts × ``FEATURE_NAMES``), from ``intent_frame(flags=True)``
    output."""
    c = pl.col
    exprs = [
        *((c("intent") == i) for i in INTENTS),
        *((c("qtype") == q).fill_null(False) for q in _QUESTION_THEMES),
        *((c("strong") == k).fill_null(False) for k in COMPLAINT_INTENTS),
        *((c("weak") == k).fill_null(False) for k in COMPLAINT_INTENTS),
        *(c(f) for f in _BOOL_FLAGS),
        c("pos_hits") > 0,
        c("neg_hits") > 0,
    ]
    cols = feats.select([e.cast(pl.Float64).alias(str(i)) for i, e in enumerate(exprs)])
    return cols.to_numpy()


def learned_intents(
    norm: pl.Series,
    feats: pl.DataFrame,
    model: NgramModel | None = None,
    grams: pl.DataFrame | None = None,
) -> pl.Series:
    """The learned model's intent per text (argmax), vectorised; ``grams``: ``ngram_frame(norm)``
    if already cut."""
    m = model or packaged("intent")
    scores = m.decision(m.design(norm, rule_features(feats), grams))
    return pl.Series("learned", np.asarray(m.classes)[scores.argmax(axis=1)], dtype=pl.String)


def combine(
    rule: pl.Series, learned: pl.Series, norm: pl.Series, policy: str = POLICY
) -> pl.Series:
    """The final intent under ``policy`` (see :data:`POLICY`); empty text stays ``other``."""
    df = pl.DataFrame({"rule": rule, "learned": learned, "norm": norm})
    keep_rule = pl.lit(False) if policy == "learned" else ~pl.col("rule").is_in(RULE_FALLBACKS)
    out = (
        pl.when(pl.col("norm").fill_null("") == "")
        .then(pl.lit("other"))
        .when(keep_rule)
        .then(pl.col("rule"))
        .otherwise(pl.col("learned"))
    )
    return df.select(out.alias("intent")).to_series()
