"""Integrity: entry bursts with near-zero watch time and duplicated comment text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from helpers.data.store import Session
from helpers.present import sections
from helpers.review.common import SHORT_WATCH_S, _f, _minute, _norm_text, per_viewer_gmv


@dataclass
class Integrity:
    per_minute: pl.DataFrame  # :data:`BURST_SCHEMA`
    bursts: dict[str, Any]
    duplicates: pl.DataFrame  # :data:`DUPLICATE_SCHEMA`
    duplicate_summary: dict[str, Any]
    # pseudonymised sample of burst entrants
    suspects: pl.DataFrame = field(default_factory=pl.DataFrame)


BURST_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "minute_ts": pl.Datetime("us", "Asia/Shanghai"),
    "entries": pl.Int64,
    "short_entries": pl.Int64,
    "short_share": pl.Float64,
    "baseline": pl.Float64,
    "p_value": pl.Float64,
    "burst": pl.Boolean,
}


def _entries_per_minute(
    v: pl.DataFrame,
    short_s: float,
    window: int,
    p_max: float,
    min_ratio: float,
    min_short_share: float,
) -> pl.DataFrame:
    """Entries and short-watch entries per minute against the rolling median of entries, with the
    Poisson upper-tail p-value and the ``burst`` flag (see :func:`entry_bursts`)."""
    from scipy.stats import poisson

    pm = (
        v.group_by(_minute("enter_ts").alias("minute_ts"))
        .agg(
            pl.len().cast(pl.Int64).alias("entries"),
            (pl.col("watch_s") < short_s).sum().cast(pl.Int64).alias("short_entries"),
        )
        .sort("minute_ts")
    )
    e = pm["entries"].cast(pl.Float64)
    base = e.rolling_median(window, center=True, min_samples=1).clip(lower_bound=1.0)
    pvals = poisson.sf(e.to_numpy() - 1, base.to_numpy())
    return pm.with_columns(
        (pl.col("short_entries") / pl.col("entries")).alias("short_share"),
        base.alias("baseline"),
        pl.Series("p_value", pvals, dtype=pl.Float64),
    ).with_columns(
        (
            (pl.col("p_value") < p_max)
            & (pl.col("entries") >= min_ratio * pl.col("baseline"))
            & (pl.col("short_share") >= min_short_share)
        ).alias("burst")
    )


def _burst_summary(s: Session, pm: pl.DataFrame, short_s: float) -> dict[str, Any]:
    """Burst minutes, the short-watch viewers who entered in them, their share and their buyers."""
    v = s.viewers
    b = pm.filter(pl.col("burst"))
    burst_min = b["minute_ts"].to_list()
    in_burst = v.filter(
        _minute("enter_ts").is_in(b["minute_ts"].implode()) & (pl.col("watch_s") < short_s)
    )
    buyers = per_viewer_gmv(s)
    bought = in_burst.join(buyers, on="viewer_id", how="inner").height if buyers.height else 0
    excess = float((b["entries"] - b["baseline"]).clip(lower_bound=0).sum()) if b.height else 0.0
    return {
        "available": True,
        "burst_minutes": b.height,
        "suspect_viewers": in_burst.height,
        "suspect_share": in_burst.height / v.height if v.height else None,
        "excess_entries": excess,
        "suspect_buyers": bought,
        "short_watch_viewers": int((v["watch_s"] < short_s).sum()),
        "short_watch_share": _f((v["watch_s"] < short_s).mean()),
        "first_burst": burst_min[0] if burst_min else None,
    }


@sections.section("review.bursts", needs=["viewers"])
def entry_bursts(
    s: Session,
    *,
    short_s: float = SHORT_WATCH_S,
    window: int = 31,
    p_max: float = 1e-4,
    min_ratio: float = 2.0,
    min_short_share: float = 0.5,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Minutes whose entries jump far above the rolling median of entries (at least ``min_ratio``×,
    Poisson upper-tail p < ``p_max``) while most of those entrants watched less than ``short_s``
    seconds: the signature of fabricated traffic (a lottery's burst of real viewers stays longer).
    Returns the per-minute frame and a summary (burst minutes, suspect viewers, share, their
    buyers)."""
    if not s.has("viewers"):
        return pl.DataFrame(schema=BURST_SCHEMA), {"available": False}
    pm = _entries_per_minute(s.viewers, short_s, window, p_max, min_ratio, min_short_share)
    return pm, _burst_summary(s, pm, short_s)


DUPLICATE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "text": pl.String,
    "comments": pl.Int64,
    "authors": pl.Int64,
    "first_ts": pl.Datetime("us", "Asia/Shanghai"),
    "last_ts": pl.Datetime("us", "Asia/Shanghai"),
}


def _has_authors(s: Session) -> bool:
    # accounts are counted by author id: without it, many accounts cannot be told from one
    return (
        s.has("comments")
        and "viewer_id" in s.comments.columns
        and s.comments["viewer_id"].null_count() < s.comments.height
    )


def _hot_cells(
    long: pl.DataFrame, per_bucket: pl.DataFrame, total: int, min_authors: int, p_max: float
) -> pl.DataFrame:
    """(text, window) cells with ``min_authors`` or more accounts and far more comments than the
    text's rate over the show predicts for the window (Poisson p < ``p_max``)."""
    from scipy.stats import poisson

    per_text = long.group_by("norm").agg(pl.len().alias("n_text"))
    cells = (
        long.group_by("norm", "bucket")
        .agg(pl.len().alias("c"), pl.col("viewer_id").n_unique().alias("a"))
        .join(per_text, on="norm")
        .join(per_bucket, on="bucket")
        .with_columns((pl.col("n_text") * pl.col("n_bucket") / total).alias("expected"))
        .filter(pl.col("a") >= min_authors)
    )
    if not cells.height:
        return pl.DataFrame(schema={"norm": pl.String, "bucket": long.schema["bucket"]})
    p = poisson.sf(cells["c"].to_numpy() - 1, cells["expected"].to_numpy())
    return (
        cells.with_columns(pl.Series("p", p)).filter(pl.col("p") < p_max).select("norm", "bucket")
    )


@sections.section("review.duplicates", needs=["comments.viewer_id"])
def duplicate_comments(
    s: Session,
    *,
    min_authors: int = 5,
    window: str = "5m",
    min_chars: int = 10,
    p_max: float = 1e-6,
    top: int = 10,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Bought comments: the same long text (``min_chars`` or more, short cheers like "来了" are
    organic) from ``min_authors`` or more accounts inside one ``window``, far more often than the
    text's own rate over the show predicts (Poisson p < ``p_max`` given the window's share of all
    comments). Popular phrases repeat all show long; bought ones arrive together. Returns the
    flagged texts (their comments inside flagged windows) and the share of all comments they make
    up."""
    if not _has_authors(s):
        return pl.DataFrame(schema=DUPLICATE_SCHEMA), {"available": False}
    c = s.comments.filter(pl.col("viewer_id").is_not_null()).with_columns(
        _norm_text().alias("norm"), pl.col("ts").dt.truncate(window).alias("bucket")
    )
    total = c.height
    per_bucket = c.group_by("bucket").agg(pl.len().alias("n_bucket"))
    long = c.filter(pl.col("norm").str.len_chars() >= min_chars)
    hot = _hot_cells(long, per_bucket, total, min_authors, p_max)
    g = (
        long.join(hot, on=["norm", "bucket"], how="inner")
        .group_by("norm")
        .agg(
            pl.col("text").first(),
            pl.len().cast(pl.Int64).alias("comments"),
            pl.col("viewer_id").n_unique().cast(pl.Int64).alias("authors"),
            pl.col("ts").min().alias("first_ts"),
            pl.col("ts").max().alias("last_ts"),
        )
        .sort(["comments", "norm"], descending=[True, False])
    )
    dup_n = int(g["comments"].sum()) if g.height else 0
    summary = {
        "available": True,
        "comments": total,
        "duplicated_comments": dup_n,
        "duplicated_share": dup_n / total if total else None,
        "texts": g.height,
        "top_text": g["text"][0] if g.height else None,
    }
    return g.select(list(DUPLICATE_SCHEMA)).head(top), summary


@sections.section("review.integrity", needs=["viewers|comments.viewer_id"])
def integrity(s: Session, *, sample: int = 8) -> Integrity:
    """Integrity signals: entry bursts with near-zero watch time, duplicated comment text, and a
    sample of the suspect entrants with pseudonymised ids
    (:func:`helpers.data.privacy.pseudonymise`)."""
    from helpers.data.privacy import pseudonymise

    pm, bursts = entry_bursts(s)
    dups, dsum = duplicate_comments(s)
    suspects = pl.DataFrame()
    minutes = (
        pm.filter(pl.col("burst"))["minute_ts"] if pm.height else pl.Series([], dtype=pl.Datetime)
    )
    if minutes.len():
        cols = [
            c
            for c in ("viewer_id", "enter_ts", "watch_s", "source", "device")
            if c in s.viewers.columns
        ]
        suspects = (
            s.viewers.filter(
                _minute("enter_ts").is_in(minutes.implode()) & (pl.col("watch_s") < SHORT_WATCH_S)
            )
            .select(cols)
            .sort("enter_ts", "viewer_id")
            .head(sample)
        )
        suspects = suspects.with_columns(pseudonymise(suspects["viewer_id"]))
    return Integrity(pm, bursts, dups, dsum, suspects)
