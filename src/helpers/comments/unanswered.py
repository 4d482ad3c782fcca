"""Question themes that kept coming back: still asked by new viewers minutes after they were first
asked — a proxy for "not answered on air" (the comments report has no transcript of the host)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from helpers.comments.series import explain_windows, minute_of, product_at

KEY = ["intent", "product_id"]


def _schema(ts: pl.DataType) -> dict[str, pl.DataType]:
    return {
        "intent": pl.String(),
        "product_id": pl.String(),
        "asks": pl.UInt32(),
        "askers": pl.UInt32(),
        "re_askers": pl.UInt32(),
        "minutes": pl.UInt32(),
        "first_ts": ts,
        "last_ts": ts,
        "examples": pl.List(pl.String),
    }


def _questions(classified: pl.DataFrame, events: pl.DataFrame | None) -> pl.DataFrame:
    """The questions with their minute, the product explained then, and a viewer id (each
    comment its own viewer when the comments have none)."""
    q = classified.filter(pl.col("intent_group") == "question").with_columns(minute_of())
    if events is not None:
        q = product_at(q, explain_windows(events))
    else:
        q = q.with_columns(pl.lit(None, dtype=pl.String).alias("product_id"))
    if "viewer_id" not in q.columns:
        q = q.with_row_index("viewer_id").with_columns(pl.col("viewer_id").cast(pl.String))
    return q.sort("ts").with_columns(pl.col("ts").min().over(KEY).alias("_first"))


def _re_askers(q: pl.DataFrame, gap_minutes: int) -> pl.DataFrame:
    """Per theme: viewers whose first ask came ``gap_minutes`` or more after the theme's first."""
    first_ask = q.group_by([*KEY, "viewer_id"]).agg(
        pl.col("ts").min().alias("_vfirst"), pl.col("_first").first()
    )
    late = first_ask.filter(pl.col("_vfirst") >= pl.col("_first") + timedelta(minutes=gap_minutes))
    return late.group_by(KEY).agg(pl.len().cast(pl.UInt32).alias("re_askers"))


def _examples(q: pl.DataFrame, examples: int) -> pl.DataFrame:
    """Per theme: its most frequent texts."""
    return (
        q.group_by([*KEY, "text"])
        .len()
        .sort([*KEY, "len", "text"], descending=[False, False, True, False], nulls_last=True)
        .group_by(KEY, maintain_order=True)
        .agg(pl.col("text").head(examples).alias("examples"))
    )


def unanswered_questions(
    classified: pl.DataFrame,
    events: pl.DataFrame | None = None,
    *,
    gap_minutes: int = 3,
    top: int = 10,
    examples: int = 3,
) -> pl.DataFrame:
    """Question themes still asked by new viewers ``gap_minutes`` or more after first asked.

    A theme is a question intent and the product explained when asked (``product_id``, null
    outside explanations). The workbook has no transcript of the host, so a theme that keeps being
    asked by viewers who had not asked it before is read as not (clearly) answered on air.
    Columns: intent, product_id, asks, askers, re_askers (new askers after the gap), minutes
    (distinct minutes with an ask), first_ts, last_ts, examples (most frequent texts).
    """
    schema = _schema(classified.schema.get("ts", pl.Datetime()))
    if classified.filter(pl.col("intent_group") == "question").is_empty():
        return pl.DataFrame(schema=schema)
    q = _questions(classified, events)
    agg = q.group_by(KEY).agg(
        pl.len().alias("asks"),
        pl.col("viewer_id").n_unique().cast(pl.UInt32).alias("askers"),
        pl.col("minute_ts").n_unique().cast(pl.UInt32).alias("minutes"),
        pl.col("ts").min().alias("first_ts"),
        pl.col("ts").max().alias("last_ts"),
    )
    out = (
        agg.join(_re_askers(q, gap_minutes), on=KEY, how="left", nulls_equal=True)
        .join(_examples(q, examples), on=KEY, how="left", nulls_equal=True)
        .with_columns(pl.col("re_askers").fill_null(0))
        .sort(
            ["re_askers", "asks", "intent", "product_id"],
            descending=[True, True, False, False],
            nulls_last=True,
        )
        .head(top)
    )
    return out.select(list(schema)).cast({"asks": pl.UInt32})
