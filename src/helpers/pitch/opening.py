"""The "golden 30 seconds" (黄金30秒) of each explanation: what its opening contained.

Openings are the run sheet's explanations (events of kind ``explain``) or, without a run sheet,
the host's link calls: a link number named for the first time, or again after
:data:`REOPEN_S` seconds without it. The first :data:`OPENING_S` seconds are the transcript lines
overlapping them; the opening has a hook when one of the ``hook_elements`` of ``elements.yaml``
(pain point, price/discount, scarcity, giveaway) is among their elements.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from helpers.data.schema import TS
from helpers.pitch.rules import element_rules

OPENING_S = 30
REOPEN_S = 180
OPENING_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "start_ts": TS,
    "source": pl.String,
    "product_id": pl.String,
    "link": pl.Int64,
    "label": pl.String,
    "elements": pl.List(pl.String),
    "hook": pl.Boolean,
    "chars": pl.Int64,
    "text": pl.String,
}


def openings_from_events(events: pl.DataFrame | None) -> pl.DataFrame:
    """Explanation starts of the run sheet: start_ts, source, product_id, link, label."""
    empty = pl.DataFrame(
        schema={
            k: OPENING_COLUMNS[k] for k in ("start_ts", "source", "product_id", "link", "label")
        }
    )
    if events is None or events.height == 0:
        return empty
    ex = events.filter(pl.col("kind") == "explain")
    get = {
        c: (pl.col(c).cast(pl.String) if c in ex.columns else pl.lit(None, dtype=pl.String))
        for c in ("product_id", "label")
    }
    return ex.select(
        "start_ts",
        pl.lit("events").alias("source"),
        get["product_id"].alias("product_id"),
        pl.lit(None, dtype=pl.Int64).alias("link"),
        get["label"].alias("label"),
    ).sort("start_ts")


def openings_from_links(detected: pl.DataFrame, reopen_s: int = REOPEN_S) -> pl.DataFrame:
    """Link calls that open an explanation: first call of a number, or again after ``reopen_s``."""
    calls = (
        detected.select("start_ts", pl.col("links").alias("link"))
        .explode("link")
        .drop_nulls("link")
    )
    calls = calls.sort("link", "start_ts").with_columns(
        ((pl.col("start_ts") - pl.col("start_ts").shift(1).over("link")).dt.total_seconds()).alias(
            "gap"
        )
    )
    opens = calls.filter(pl.col("gap").is_null() | (pl.col("gap") >= reopen_s)).sort(
        "start_ts", "link"
    )
    return opens.select(
        "start_ts",
        pl.lit("link_call").alias("source"),
        pl.lit(None, dtype=pl.String).alias("product_id"),
        pl.col("link").cast(pl.Int64),
        pl.format("#{}", "link").alias("label"),
    )


def golden_30s(
    detected: pl.DataFrame, events: pl.DataFrame | None = None, *, seconds: int = OPENING_S
) -> pl.DataFrame:
    """One row per opening: start_ts, source, product_id, link, label, elements (in the first
    ``seconds``), hook, chars spoken, text said."""
    r = element_rules()
    opens = openings_from_events(events)
    if opens.height == 0:
        opens = openings_from_links(detected)
    if opens.height == 0 or detected.height == 0:
        return pl.DataFrame(schema=OPENING_COLUMNS)
    keys = list(r.elements)
    lines = detected.select(pl.col("start_ts").alias("l_start"), "end_ts", "text", "chars", *keys)
    opens = opens.with_row_index("oid")
    win = opens.with_columns(
        (pl.col("start_ts") + timedelta(seconds=seconds)).alias("o_end")
    ).join_where(lines, pl.col("l_start") < pl.col("o_end"), pl.col("end_ts") > pl.col("start_ts"))
    agg = (
        win.sort("oid", "l_start")
        .group_by("oid")
        .agg(
            pl.col("text").str.join(" "),
            pl.col("chars").sum().cast(pl.Int64),
            *[pl.col(k).any() for k in keys],
        )
    )
    flags = pl.concat_list(
        [pl.when(pl.col(k)).then(pl.lit(k)).otherwise(None) for k in keys]
    ).list.drop_nulls()
    out = opens.join(agg, on="oid", how="left").with_columns(
        flags.alias("elements"), pl.col("chars").fill_null(0)
    )
    out = out.with_columns(pl.col("elements").fill_null([]))
    out = out.with_columns(
        pl.col("elements").list.eval(pl.element().is_in(list(r.hooks))).list.any().alias("hook")
    )
    return out.select(list(OPENING_COLUMNS)).sort("start_ts", "link", nulls_last=True)
