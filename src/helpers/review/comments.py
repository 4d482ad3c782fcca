"""Comments: the most frequent texts and intents per minute."""

from __future__ import annotations

import logging

import polars as pl

from helpers.data.store import Session
from helpers.present import sections
from helpers.review.common import _minute, _norm_text

log = logging.getLogger(__name__)


@sections.section("review.intents", needs=["comments"])
def comment_intents(s: Session, *, top: int = 6) -> pl.DataFrame | None:
    """Comments per minute by intent (``helpers.comments.classify_frame``), or None when that module
    is unavailable or the session has no comments. Intents beyond the ``top`` most frequent are
    grouped as ``other``."""
    if not s.has("comments"):
        return None
    try:
        from helpers.comments import classify_frame
    except ImportError:
        try:
            from helpers.comments.classify import classify_frame
        except ImportError:
            log.info("helpers.comments not available: comment intents skipped")
            return None
    try:
        c = classify_frame(s.comments.select("ts", "text"), "text", tokens=False)
    except TypeError:
        c = classify_frame(s.comments.select("ts", "text"), "text")
    if "intent" not in c.columns:
        return None
    freq = c["intent"].fill_null("other").value_counts(sort=True)
    keep = freq.filter(pl.col("intent") != "other")["intent"].head(top).to_list()
    return (
        c.with_columns(
            _minute("ts").alias("minute_ts"),
            pl.when(pl.col("intent").is_in(keep))
            .then(pl.col("intent"))
            .otherwise(pl.lit("other"))
            .alias("intent"),
        )
        .group_by("minute_ts", "intent")
        .agg(pl.len().cast(pl.Int64).alias("comments"))
        .sort("minute_ts", "intent")
    )


@sections.section("review.comments", needs=["comments"])
def top_comments(s: Session, *, n: int = 10, min_chars: int = 2) -> pl.DataFrame:
    """The most frequent comment texts (as posted, escaped when shown) with counts and authors."""
    schema = {"text": pl.String, "comments": pl.Int64, "authors": pl.Int64}
    if not s.has("comments"):
        return pl.DataFrame(schema=schema)
    c = s.comments.with_columns(_norm_text().alias("norm")).filter(
        pl.col("norm").str.len_chars() >= min_chars
    )
    author = pl.col("viewer_id").n_unique() if "viewer_id" in c.columns else pl.len()
    return (
        c.group_by("norm")
        .agg(
            pl.col("text").first(),
            pl.len().cast(pl.Int64).alias("comments"),
            author.cast(pl.Int64).alias("authors"),
        )
        .sort(["comments", "norm"], descending=[True, False])
        .head(n)
        .select(list(schema))
    )


def intent_totals(intents: pl.DataFrame) -> pl.DataFrame:
    """Comments per intent over the session, the most frequent first (ties by intent)."""
    return (
        intents.group_by("intent")
        .agg(pl.col("comments").sum())
        .sort(["comments", "intent"], descending=[True, False])
    )
