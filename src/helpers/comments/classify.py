"""Classify a frame of comments: intent, coarse group, sentiment, tokens — each distinct text once.

Live comments repeat a lot (已拍, 666, 链接呢), so :func:`classify_frame` normalises and tokenises
each distinct text once, classifies the distinct texts (vectorised regex rules, then one sparse
matrix product for the learned models) and joins the result back onto every row.
"""

from __future__ import annotations

import logging

import polars as pl

from helpers.comments.intent import intent_frame, load_rules
from helpers.comments.intent_model import combine, learned_intents
from helpers.comments.learned import ngram_frame
from helpers.comments.sentiment import MODES, sentiment_column
from helpers.comments.tokenize import normalise, tokenize_many

log = logging.getLogger(__name__)

OUTPUT_COLUMNS = ("intent", "intent_group", "sentiment", "tokens")
_KEY = "__comment_text"


def classify_texts(
    texts: list[str] | pl.Series, *, tokens: bool = True, mode: str = "live"
) -> pl.DataFrame:
    """Classify texts as given (no de-duplication): text, norm, intent, intent_group, sentiment,
    tokens. ``mode``: ``live`` (questions and greetings have no sentiment) or ``review`` (every
    non-empty text gets one)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    s = pl.Series("text", texts, dtype=pl.String)
    norm = pl.Series("norm", [normalise(t) for t in s.to_list()], dtype=pl.String)
    rules = load_rules()
    feats = intent_frame(norm, rules, flags=True)
    grams = ngram_frame(norm)  # cut once, for both learned models
    intent = combine(feats["intent"], learned_intents(norm, feats, grams=grams), norm)
    out = pl.DataFrame({"text": s, "norm": norm}).with_columns(
        intent=intent,
        intent_group=intent.str.split("_").list.first(),
        pos_hits=feats["pos_hits"],
        neg_hits=feats["neg_hits"],
    )
    out = out.with_columns(sentiment_column(out, rules, mode, grams))
    if tokens:
        out = out.with_columns(tokenize_many(norm.to_list(), normalised=True))
    return out.drop("pos_hits", "neg_hits")


def classify_frame(
    df: pl.DataFrame, text_col: str = "text", *, tokens: bool = True, mode: str = "live"
) -> pl.DataFrame:
    """``df`` with ``intent``, ``intent_group``, ``sentiment`` (P(positive); in ``live`` mode null
    where not an opinion, in ``review`` mode set for every non-empty text) and ``tokens``
    (list[str]) added; rows and order kept, existing columns of those names replaced.
    ``tokens=False`` skips jieba (intent and sentiment do not need it)."""
    if text_col not in df.columns:
        raise KeyError(f"no text column {text_col!r}; columns: {', '.join(df.columns)}")
    keyed = df.drop([c for c in OUTPUT_COLUMNS if c in df.columns]).with_columns(
        pl.col(text_col).cast(pl.String).fill_null("").alias(_KEY)
    )
    distinct = keyed.get_column(_KEY).unique(maintain_order=True)
    log.info("classifying %d rows, %d distinct texts", df.height, distinct.len())
    table = classify_texts(distinct, tokens=tokens, mode=mode).rename({"text": _KEY}).drop("norm")
    out = keyed.join(table, on=_KEY, how="left", maintain_order="left")
    return out.drop(_KEY)
