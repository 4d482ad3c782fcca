"""Per minute: what the host said next to viewers, orders and the run sheet.

Speech is spread over the minutes each line spans (its characters in proportion to the overlap),
so a minute's ``chars_per_min`` is the host's speaking rate (Chinese is counted in characters,
汉字/分钟); ``silent_s`` is the part of the minute with no line, and ``gaps`` counts silences of
at least :data:`GAP_S` seconds starting in the minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

import polars as pl

from helpers.pitch.rules import element_rules

GAP_S = 5.0
RUN_SHEET_KINDS = ("explain", "lottery", "coupon", "flash_sale")
POINT_EVENT_MIN = 3  # an event without an end lasts this many minutes


def _empty_speech(detected: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "minute_ts": detected.schema["start_ts"],
            "text": pl.String,
            "chars_per_min": pl.Float64,
            "spoken_s": pl.Float64,
            "silent_s": pl.Float64,
            "gaps": pl.Int64,
            **{k: pl.Int64 for k in keys},
        }
    )


def _seconds(delta: pl.Expr) -> pl.Expr:
    return delta.dt.total_microseconds() / 1e6


def _spoken(detected: pl.DataFrame) -> pl.DataFrame:
    """Per minute: characters spoken (each line's spread over the minutes it spans, in
    proportion to the overlap) and seconds spoken (at most 60)."""
    spans = detected.with_columns(
        pl.datetime_ranges(pl.col("start_ts").dt.truncate("1m"), pl.col("end_ts"), "1m").alias(
            "minute_ts"
        ),
        _seconds(pl.col("end_ts") - pl.col("start_ts")).alias("dur"),
    ).explode("minute_ts")
    m_end = pl.col("minute_ts") + timedelta(minutes=1)
    overlap = _seconds(
        pl.min_horizontal(pl.col("end_ts"), m_end)
        - pl.max_horizontal(pl.col("start_ts"), pl.col("minute_ts"))
    ).clip(lower_bound=0)
    spans = spans.with_columns(overlap.alias("ov")).filter(
        (pl.col("ov") > 0) | (pl.col("dur") == 0)
    )
    share = pl.when(pl.col("dur") > 0).then(pl.col("ov") / pl.col("dur")).otherwise(1.0)
    return spans.group_by("minute_ts").agg(
        (pl.col("chars") * share).sum().alias("chars_per_min"),
        pl.col("ov").sum().clip(upper_bound=60).alias("spoken_s"),
    )


def _gaps(detected: pl.DataFrame) -> pl.DataFrame:
    """Per minute: silences of at least :data:`GAP_S` starting in it (after everything said so
    far has ended)."""
    said_until = pl.col("end_ts").cum_max()
    gap = _seconds(pl.col("start_ts").shift(-1) - said_until)
    return (
        detected.with_columns(gap.alias("gap"), said_until.dt.truncate("1m").alias("minute_ts"))
        .filter(pl.col("gap") >= GAP_S)
        .group_by("minute_ts")
        .agg(pl.len().cast(pl.Int64).alias("gaps"))
    )


def speech_per_minute(detected: pl.DataFrame) -> pl.DataFrame:
    """minute_ts, text (the lines starting in the minute), chars_per_min, spoken_s, silent_s,
    gaps, and the number of lines with each element."""
    keys = list(element_rules().elements)
    if detected.height == 0:
        return _empty_speech(detected, keys)
    starts = detected.with_columns(pl.col("start_ts").dt.truncate("1m").alias("minute_ts"))
    text = starts.group_by("minute_ts").agg(
        pl.col("text").str.join(" "), *[pl.col(k).sum().cast(pl.Int64) for k in keys]
    )
    first = cast(datetime, starts["minute_ts"].min())
    minutes = pl.datetime_range(first, cast(datetime, detected["end_ts"].max()), "1m", eager=True)
    out = (
        pl.DataFrame({"minute_ts": minutes})
        .join(text, on="minute_ts", how="left")
        .join(_spoken(detected), on="minute_ts", how="left")
        .join(_gaps(detected), on="minute_ts", how="left")
    )
    return (
        out.with_columns(
            pl.col("chars_per_min", "spoken_s").fill_null(0.0),
            (60 - pl.col("spoken_s").fill_null(0.0)).alias("silent_s"),
            pl.col("gaps", *keys).fill_null(0),
        )
        .select("minute_ts", "text", "chars_per_min", "spoken_s", "silent_s", "gaps", *keys)
        .sort("minute_ts")
    )


def market_per_minute(
    trend: pl.DataFrame | None, orders: pl.DataFrame | None
) -> pl.DataFrame | None:
    """minute_ts, online, entries, orders, gmv and ``counted`` (True where orders come from order
    lines, so a minute without one had none): the trend's orders when it has them, else the order
    lines (orders placed per minute, GMV their amount); None without either."""
    cols = ("online", "entries", "orders", "gmv")
    out = None
    if trend is not None and trend.height:
        out = trend.select(
            "minute_ts", *[pl.col(c) if c in trend.columns else pl.lit(None).alias(c) for c in cols]
        )
    counted = (
        (out is None or out["orders"].null_count() == out.height)
        and orders is not None
        and orders.height > 0
    )
    if counted:
        assert orders is not None  # `counted` says so
        o = orders.group_by(pl.col("ts").dt.truncate("1m").alias("minute_ts")).agg(
            pl.len().cast(pl.Int64).alias("orders"), pl.col("amount").sum().alias("gmv")
        )
        out = (
            o
            if out is None
            else out.drop("orders", "gmv").join(o, on="minute_ts", how="full", coalesce=True)
        )
    if out is None:
        return None
    out = out.with_columns([pl.lit(None).alias(c) for c in cols if c not in out.columns])
    out = out.select(
        "minute_ts",
        pl.col("online", "entries", "orders").cast(pl.Int64),
        pl.col("gmv").cast(pl.Float64),
        pl.lit(counted).alias("counted"),
    )
    if counted:
        out = out.with_columns(pl.col("orders").fill_null(0), pl.col("gmv").fill_null(0.0))
    return out.sort("minute_ts")


def run_sheet_flags(minutes: pl.Series, events: pl.DataFrame | None) -> pl.DataFrame:
    """minute_ts and, per run-sheet kind (explain, lottery, coupon, flash_sale), whether an event
    of that kind was on during the minute; ``on_air`` names them (or is empty)."""
    out = pl.DataFrame({"minute_ts": minutes})
    ev = events if events is not None and events.height else None
    if ev is not None:
        if "end_ts" not in ev.columns:
            ev = ev.with_columns(pl.lit(None, dtype=ev.schema["start_ts"]).alias("end_ts"))
        ev = ev.with_columns(
            pl.coalesce("end_ts", pl.col("start_ts") + timedelta(minutes=POINT_EVENT_MIN))
        )
    for kind in RUN_SHEET_KINDS:
        if ev is None:
            out = out.with_columns(pl.lit(False).alias(kind))
            continue
        k = ev.filter(pl.col("kind") == kind).select("start_ts", "end_ts")
        on = (
            out.join(k, how="cross")
            .filter(
                (pl.col("start_ts") < pl.col("minute_ts") + timedelta(minutes=1))
                & (pl.col("end_ts") > pl.col("minute_ts"))
            )
            .select("minute_ts")
            .unique()
        )
        out = out.with_columns(pl.col("minute_ts").is_in(on["minute_ts"].implode()).alias(kind))
    names = [pl.when(pl.col(k)).then(pl.lit(k)).otherwise(None) for k in RUN_SHEET_KINDS]
    return out.with_columns(pl.concat_str(names, separator=",", ignore_nulls=True).alias("on_air"))


def minute_table(
    detected: pl.DataFrame,
    trend: pl.DataFrame | None = None,
    orders: pl.DataFrame | None = None,
    events: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The per-minute table of the pitch report: speech, elements, viewers, orders, GMV and the
    run sheet on one minute grid (the span of the speech and the trend together)."""
    speech = speech_per_minute(detected)
    market = market_per_minute(trend, orders)
    grid = speech.select("minute_ts")
    if market is not None and market.height:
        lo = min(x for x in (speech["minute_ts"].min(), market["minute_ts"].min()) if x is not None)
        hi = max(x for x in (speech["minute_ts"].max(), market["minute_ts"].max()) if x is not None)
        start, end = cast(datetime, lo), cast(datetime, hi)
        grid = pl.DataFrame({"minute_ts": pl.datetime_range(start, end, "1m", eager=True)})
    out = grid.join(speech, on="minute_ts", how="left")
    keys = list(element_rules().elements)
    out = out.with_columns(
        pl.col("chars_per_min", "spoken_s").fill_null(0.0),
        pl.col("silent_s").fill_null(60.0),
        pl.col("gaps", *keys).fill_null(0),
    )
    if market is not None:
        counted = bool(market["counted"].any())
        out = out.join(market.drop("counted"), on="minute_ts", how="left")
        if counted:  # minutes outside the order lines' span had no order either
            out = out.with_columns(pl.col("orders").fill_null(0), pl.col("gmv").fill_null(0.0))
    flags = run_sheet_flags(out["minute_ts"], events)
    return out.join(flags, on="minute_ts", how="left").sort("minute_ts")
