"""Complaint themes and keywords: what viewers complained about (themes, example comments with
viewer ids pseudonymised) and the content words of comments, per session or any column."""

from __future__ import annotations

import functools

import polars as pl

from helpers.comments.classify import classify_frame
from helpers.data.privacy import pseudonymise
from helpers.paths import RESOURCES

STOPWORDS_PATH = RESOURCES / "comments" / "stopwords.txt"


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words left out of keyword counts (``resources/comments/stopwords.txt``)."""
    lines = STOPWORDS_PATH.read_text("utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def complaint_themes(classified: pl.DataFrame, *, keywords: int = 5) -> pl.DataFrame:
    """Complaints per theme: intent, comments, share (of complaints), viewers, sentiment (mean),
    top keywords (most frequent content tokens)."""
    c = classified.filter(pl.col("intent_group") == "complaint")
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "intent": pl.String,
        "comments": pl.UInt32,
        "share": pl.Float64,
        "viewers": pl.UInt32,
        "sentiment": pl.Float64,
        "keywords": pl.List(pl.String),
    }
    if c.is_empty():
        return pl.DataFrame(schema=schema)
    viewers = pl.col("viewer_id").n_unique() if "viewer_id" in c.columns else pl.len()
    base = c.group_by("intent").agg(
        pl.len().alias("comments"),
        viewers.cast(pl.UInt32).alias("viewers"),
        pl.col("sentiment").mean().round(3).alias("sentiment"),
    )
    kw = pl.DataFrame(schema={"intent": pl.String, "keywords": pl.List(pl.String)})
    if "tokens" in c.columns:
        kw = (
            content_tokens(c.select("intent", "tokens"))
            .group_by("intent", "token")
            .len()
            .sort(["intent", "len", "token"], descending=[False, True, False])
            .group_by("intent", maintain_order=True)
            .agg(pl.col("token").head(keywords).alias("keywords"))
        )
    return (
        base.join(kw, on="intent", how="left")
        .with_columns((pl.col("comments") / c.height).round(3).alias("share"))
        .sort(["comments", "intent"], descending=[True, False])
        .select(list(schema))
        .cast({"comments": pl.UInt32})
    )


def complaint_examples(
    classified: pl.DataFrame, *, per_theme: int = 3, salt: str | None = None
) -> pl.DataFrame:
    """Example complaints per theme (most repeated texts first): intent, text, times, viewer
    (pseudonymised), first_ts. Texts are data: show them with
    :func:`helpers.present.nb.show_table`."""
    c = classified.filter(pl.col("intent_group") == "complaint")
    if "viewer_id" not in c.columns:
        c = c.with_columns(pl.lit(None, dtype=pl.String).alias("viewer_id"))
    ex = (
        c.sort("ts")
        .group_by("intent", "text", maintain_order=True)
        .agg(
            pl.len().alias("times"),
            pl.col("viewer_id").first(),
            pl.col("ts").first().alias("first_ts"),
        )
        .sort(["intent", "times", "first_ts"], descending=[False, True, False])
        .group_by("intent", maintain_order=True)
        .head(per_theme)
    )
    return ex.with_columns(pseudonymise(ex["viewer_id"], salt).alias("viewer")).select(
        "intent", "text", "times", "viewer", "first_ts"
    )


def content_tokens(df: pl.DataFrame) -> pl.DataFrame:
    """Explode tokens into ``token`` rows, keeping content words (2+ chars or emoji, not digits,
    not stopwords)."""
    return (
        df.explode("tokens")
        .rename({"tokens": "token"})
        .filter(
            pl.col("token").is_not_null()
            & ~pl.col("token").is_in(list(stopwords()))
            & ~pl.col("token").str.contains(r"^[\d.]+$")
            & (
                (pl.col("token").str.len_chars() >= 2)
                | ~pl.col("token").str.contains(r"^[\p{Han}a-z]$")
            )
            & ~pl.col("token").str.contains(r"^[a-z]$")
        )
    )


def keyword_trends(
    comments: pl.DataFrame,
    by: str = "session_id",
    top: int = 20,
    *,
    intents: list[str] | None = None,
) -> pl.DataFrame:
    """Top keywords across groups (sessions by default), for the weekly report.

    Classifies ``comments`` if it has no ``tokens`` column. The ``top`` keywords by total count
    (optionally only in comments of the given intents or intent groups) are reported for every
    group: by, keyword, count, per_1k (per 1,000 comments of the group), rank (within the group,
    1 = most frequent), change_per_1k (against the previous group in ``by`` order; null for the
    first). Sorted by group, then rank.
    """
    if by not in comments.columns:
        raise KeyError(f"keyword_trends: no column {by!r}")
    df = comments if "tokens" in comments.columns else classify_frame(comments)
    totals = df.group_by(by).len().rename({"len": "_n"})
    if intents:
        df = df.filter(pl.col("intent").is_in(intents) | pl.col("intent_group").is_in(intents))
    toks = content_tokens(df.select(by, "tokens"))
    counts = toks.group_by(by, "token").len().rename({"token": "keyword", "len": "count"})
    keep = (
        counts.group_by("keyword")
        .agg(pl.col("count").sum())
        .sort(["count", "keyword"], descending=[True, False])
        .head(top)["keyword"]
    )
    grid = totals.select(by).join(pl.DataFrame({"keyword": keep}), how="cross")
    out = (
        grid.join(counts, on=[by, "keyword"], how="left")
        .join(totals, on=by, how="left")
        .with_columns(pl.col("count").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("count") * 1000 / pl.col("_n")).round(2).alias("per_1k"))
        .with_columns(
            pl.col("count").rank("min", descending=True).over(by).cast(pl.Int64).alias("rank")
        )
        .sort([by, "keyword"])
        .with_columns(
            (pl.col("per_1k") - pl.col("per_1k").shift(1).over("keyword", order_by=by))
            .round(2)
            .alias("change_per_1k")
        )
        .sort([by, "rank", "keyword"])
        .select(by, "keyword", "count", "per_1k", "rank", "change_per_1k")
    )
    return out
