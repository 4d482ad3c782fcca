"""Integrity signals of the comments: long texts copy-pasted by many viewers within minutes,
minutes with a burst of comments, and viewers repeating one text (bought comments read so)."""

from __future__ import annotations

from typing import Any, cast

import polars as pl

from helpers.comments.series import minute_of


def duplicate_texts(
    classified: pl.DataFrame, *, min_chars: int = 10, min_viewers: int = 8, window_min: int = 10
) -> pl.DataFrame:
    """Copy-paste: texts of at least ``min_chars`` characters (punctuation and spaces ignored)
    posted by ``min_viewers`` or more distinct viewers within one ``window_min``-minute window —
    bought comments read like this. Short stock phrases (已拍, 链接呢, 666) fall under the length
    floor, and a popular phrase repeated over the whole session does not reach the window
    threshold. Columns: text, comments, viewers, peak_viewers (most distinct viewers in one
    window), first_ts, last_ts, span_min, intent."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "text": pl.String,
        "comments": pl.UInt32,
        "viewers": pl.UInt32,
        "peak_viewers": pl.UInt32,
        "first_ts": classified.schema.get("ts", pl.Datetime()),
        "last_ts": classified.schema.get("ts", pl.Datetime()),
        "span_min": pl.Float64,
        "intent": pl.String,
    }
    if classified.is_empty() or "viewer_id" not in classified.columns:
        return pl.DataFrame(schema=schema)
    key = pl.col("text").fill_null("").str.replace_all(r"[\s\p{P}]", "")
    long = classified.with_columns(key.alias("_key")).filter(
        pl.col("_key").str.len_chars() >= min_chars
    )
    peak = (
        long.group_by("_key", pl.col("ts").dt.truncate(f"{window_min}m").alias("_w"))
        .agg(pl.col("viewer_id").n_unique().alias("_v"))
        .group_by("_key")
        .agg(pl.col("_v").max().cast(pl.UInt32).alias("peak_viewers"))
    )
    out = (
        long.group_by("_key")
        .agg(
            pl.col("text").first(),
            pl.len().cast(pl.UInt32).alias("comments"),
            pl.col("viewer_id").n_unique().cast(pl.UInt32).alias("viewers"),
            pl.col("ts").min().alias("first_ts"),
            pl.col("ts").max().alias("last_ts"),
            pl.col("intent").first(),
        )
        .join(peak, on="_key")
        .filter(pl.col("peak_viewers") >= min_viewers)
        .with_columns(
            ((pl.col("last_ts") - pl.col("first_ts")).dt.total_seconds() / 60)
            .round(1)
            .alias("span_min")
        )
        .sort(["viewers", "text"], descending=[True, False])
    )
    return out.select(list(schema))


def comment_bursts(
    classified: pl.DataFrame, *, z: float = 4.0, min_comments: int = 10
) -> pl.DataFrame:
    """Minutes with far more comments than usual: robust z = (n − median) / (1.4826·MAD) ≥ ``z``
    and at least ``min_comments``. Columns: minute_ts, comments, robust_z, top_text,
    top_text_share (share of the minute's comments with its most common text)."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "minute_ts": classified.schema.get("ts", pl.Datetime()),
        "comments": pl.UInt32,
        "robust_z": pl.Float64,
        "top_text": pl.String,
        "top_text_share": pl.Float64,
    }
    if classified.is_empty():
        return pl.DataFrame(schema=schema)
    m = classified.with_columns(minute_of())
    per = m.group_by("minute_ts").len().rename({"len": "comments"}).sort("minute_ts")
    med = float(cast(float, per["comments"].median()))
    mad = float(cast(float, (per["comments"] - med).abs().median())) * 1.4826
    scale = mad if mad > 0 else max(med**0.5, 1.0)
    per = per.with_columns(((pl.col("comments") - med) / scale).round(2).alias("robust_z"))
    hot = per.filter((pl.col("robust_z") >= z) & (pl.col("comments") >= min_comments))
    if hot.is_empty():
        return pl.DataFrame(schema=schema)
    top = (
        m.join(hot.select("minute_ts"), on="minute_ts")
        .group_by("minute_ts", "text")
        .len()
        .sort(["minute_ts", "len", "text"], descending=[False, True, False])
        .group_by("minute_ts", maintain_order=True)
        .first()
        .rename({"text": "top_text", "len": "_top"})
    )
    return (
        hot.join(top, on="minute_ts", how="left")
        .with_columns((pl.col("_top") / pl.col("comments")).round(3).alias("top_text_share"))
        .select(list(schema))
        .cast({"comments": pl.UInt32})
    )


def integrity(classified: pl.DataFrame, **kwargs: Any) -> dict[str, Any]:
    """Integrity figures: copy-pasted texts, the comments they make up, bot-like viewers (same
    text three or more times), burst minutes, and whether a burst is mostly one text."""
    dup = duplicate_texts(
        classified,
        **{k: v for k, v in kwargs.items() if k in ("min_chars", "min_viewers", "window_min")},
    )
    bursts = comment_bursts(
        classified, **{k: v for k, v in kwargs.items() if k in ("z", "min_comments")}
    )
    n = max(classified.height, 1)
    repeaters = 0
    if "viewer_id" in classified.columns and classified.height:
        repeaters = (
            classified.group_by("viewer_id", "text")
            .len()
            .filter(pl.col("len") >= 3)["viewer_id"]
            .n_unique()
        )
    return {
        "comments": classified.height,
        "duplicate_texts": dup.height,
        "duplicate_comments": int(dup["comments"].sum()) if dup.height else 0,
        "duplicate_share": round(float(dup["comments"].sum()) / n, 4) if dup.height else 0.0,
        "repeating_viewers": int(repeaters),
        "burst_minutes": bursts.height,
        "bursts_single_text": int((bursts["top_text_share"] >= 0.5).sum()) if bursts.height else 0,
        "flag": bool(dup.height > 0 or (bursts.height and (bursts["top_text_share"] >= 0.5).any())),
    }
