"""Pitch elements in the host's speech: one flag per element and the link numbers, per line.

Each transcript line is normalised once (:func:`helpers.pitch.text.normalise_expr`) and matched
against every element's alternation regex (``elements.yaml``) by polars; link numbers are parsed
only on the lines that call a link.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from helpers.data.schema import TS
from helpers.pitch.rules import ElementRules, element_rules
from helpers.pitch.text import link_numbers, normalise_expr

SPEECH_COLUMNS = ("session_id", "start_ts", "end_ts", "text", "speaker", "source")
DEFAULT_LINE_S = 3.0  # a line without an end lasts until the next one, at most this long


def prepare(transcript: pl.DataFrame) -> pl.DataFrame:
    """Transcript lines sorted by start, with an end for every line (next start, else +3 s) and
    ``chars`` (characters spoken: letters and digits, no spaces or punctuation)."""
    df = transcript
    if "end_ts" not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=df.schema.get("start_ts", TS)).alias("end_ts"))
    df = df.filter(pl.col("start_ts").is_not_null()).sort(
        "start_ts", "end_ts", "text", nulls_last=True
    )
    fallback = pl.col("start_ts") + timedelta(seconds=DEFAULT_LINE_S)
    end = pl.coalesce(
        pl.col("end_ts"), pl.min_horizontal(pl.col("start_ts").shift(-1), fallback), fallback
    )
    return df.with_columns(
        pl.max_horizontal(end, pl.col("start_ts")).alias("end_ts"),
        pl.col("text").cast(pl.String).fill_null(""),
    ).with_columns(pl.col("text").str.count_matches(r"[\p{L}\p{N}]").alias("chars"))


def detect(transcript: pl.DataFrame, rules: ElementRules | None = None) -> pl.DataFrame:
    """``transcript`` (prepared) with ``norm``, one boolean column per element and ``links``
    (list of link numbers called in the line)."""
    r = rules or element_rules()
    df = prepare(transcript).with_columns(normalise_expr("text", r.fixes).alias("norm"))
    df = df.with_columns(
        [pl.col("norm").str.contains(e.pattern).alias(k) for k, e in r.elements.items()]
    )
    links = [
        link_numbers(t) if flag else [] for t, flag in zip(df["norm"], df["link_call"], strict=True)
    ]
    return df.with_columns(pl.Series("links", links, dtype=pl.List(pl.Int64)))


def element_hits(detected: pl.DataFrame, rules: ElementRules | None = None) -> pl.DataFrame:
    """One row per (line, element found): ts, element, text, links — ordered by time."""
    r = rules or element_rules()
    keys = list(r.elements)
    if detected.height == 0:
        return pl.DataFrame(
            schema={
                "ts": detected.schema.get("start_ts", TS),
                "element": pl.String,
                "text": pl.String,
                "links": pl.List(pl.Int64),
            }
        )
    long = detected.select(pl.col("start_ts").alias("ts"), "text", "links", *keys).unpivot(
        index=["ts", "text", "links"], on=keys, variable_name="element", value_name="hit"
    )
    order = {k: i for i, k in enumerate(keys)}
    return (
        long.filter(pl.col("hit"))
        .with_columns(pl.col("element").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort("ts", "_o")
        .select("ts", "element", "text", "links")
    )


def element_counts(detected: pl.DataFrame, rules: ElementRules | None = None) -> pl.DataFrame:
    """Per element: lines with it, minutes with it, first time heard."""
    r = rules or element_rules()
    rows = []
    for k in r.elements:
        hit = detected.filter(pl.col(k)) if detected.height else detected
        rows.append(
            {
                "element": k,
                "lines": hit.height,
                "minutes": hit["start_ts"].dt.truncate("1m").n_unique() if hit.height else 0,
                "first_ts": hit["start_ts"].min() if hit.height else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "element": pl.String,
            "lines": pl.Int64,
            "minutes": pl.Int64,
            "first_ts": detected.schema.get("start_ts", TS),
        },
    )
