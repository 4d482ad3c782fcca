"""Comments over time: the minute of a comment, the product explanation windows of the run sheet,
and the per-minute series of intent groups and sentiment beside online viewers and orders."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from helpers.comments.intent import GROUPS


def minute_of(col: str = "ts") -> pl.Expr:
    """The minute of ``col`` as ``minute_ts``."""
    return pl.col(col).dt.truncate("1m").alias("minute_ts")


def explain_windows(events: pl.DataFrame, default_minutes: int = 5) -> pl.DataFrame:
    """Product explanation windows (kind ``explain``): product_id, label, start_ts, end_ts.

    A missing end is the next explanation's start, else ``default_minutes`` after the start.
    """
    cols = ["product_id", "label", "start_ts", "end_ts"]
    ts = events.schema.get("start_ts", pl.Datetime("us", "Asia/Shanghai"))
    dtypes: dict[str, pl.DataType | type[pl.DataType]] = {
        "product_id": pl.String,
        "label": pl.String,
        "start_ts": ts,
        "end_ts": ts,
    }
    if events.is_empty() or "kind" not in events.columns:
        return pl.DataFrame(schema=dtypes)
    ex = events.filter(pl.col("kind") == "explain").sort("start_ts")
    for c in ("product_id", "label", "end_ts"):
        if c not in ex.columns:
            ex = ex.with_columns(pl.lit(None, dtype=dtypes[c]).alias(c))
    nxt = pl.col("start_ts").shift(-1)
    fallback = pl.col("start_ts") + timedelta(minutes=default_minutes)
    end = pl.coalesce(pl.col("end_ts"), pl.min_horizontal(nxt, fallback), fallback)
    return ex.with_columns(end.alias("end_ts")).select(cols)


def product_at(minutes: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """Add ``product_id`` (explained during the minute, else null) to a frame with minute_ts."""
    out = minutes.with_columns(pl.lit(None, dtype=pl.String).alias("product_id"))
    for pid, start, end in windows.select("product_id", "start_ts", "end_ts").iter_rows():
        inside = (pl.col("minute_ts") >= start.replace(second=0, microsecond=0)) & (
            pl.col("minute_ts") < end
        )
        out = out.with_columns(
            pl.when(inside).then(pl.lit(pid)).otherwise(pl.col("product_id")).alias("product_id")
        )
    return out


def _minute_counts(classified: pl.DataFrame) -> pl.DataFrame:
    """Per minute: comments, one count per intent group, mean sentiment and opinions."""
    return (
        classified.with_columns(minute_of())
        .group_by("minute_ts")
        .agg(
            pl.len().alias("comments"),
            *[(pl.col("intent_group") == g).sum().alias(g) for g in GROUPS],
            pl.col("sentiment").mean().round(3).alias("sentiment"),
            pl.col("sentiment").count().alias("opinions"),
        )
    )


def per_minute(
    classified: pl.DataFrame,
    trend: pl.DataFrame | None = None,
    events: pl.DataFrame | None = None,
    *,
    smooth: int = 5,
) -> pl.DataFrame:
    """One row per minute of the session: minute_ts, minute (from the first minute), comments,
    one column per intent group, sentiment (mean P(positive) of the minute's opinions, null
    without any), opinions, sentiment_smooth (over the last ``smooth`` minutes, weighted by
    opinions) and — when given — online, orders and gmv from the trend and the product explained."""
    counts = _minute_counts(classified)
    if trend is not None and not trend.is_empty():
        keep = [c for c in ("online", "orders", "gmv") if c in trend.columns]
        base = trend.select("minute_ts", *keep)
        out = base.join(counts, on="minute_ts", how="full", coalesce=True)
    else:
        out = counts
    out = out.sort("minute_ts").with_columns(pl.col("comments", *GROUPS, "opinions").fill_null(0))
    first = out["minute_ts"].min() if out.height else None
    weighted = (pl.col("sentiment").fill_null(0) * pl.col("opinions")).rolling_sum(
        smooth, min_samples=1
    )
    out = out.with_columns(
        ((pl.col("minute_ts") - first).dt.total_minutes()).cast(pl.Int64).alias("minute"),
        (weighted / pl.col("opinions").rolling_sum(smooth, min_samples=1))
        .round(3)
        .alias("sentiment_smooth"),
    )
    if events is not None:
        out = product_at(out, explain_windows(events))
    lead = ["minute_ts", "minute"]
    return out.select(lead + [c for c in out.columns if c not in lead])
