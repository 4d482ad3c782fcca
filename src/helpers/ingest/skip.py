"""Rows of a block that are not data: a header repeated inside the table, an empty or all-"-" row,
a total row (整体/合计). They are skipped (listed with the reason), not quarantined."""

from __future__ import annotations

import polars as pl

from helpers.ingest import parsing
from helpers.ingest.mapping import ExportMapping


def _candidates(df: pl.DataFrame, strings: list[str], labels: list[str]) -> pl.Series:
    """Rows whose first cells could make them a non-data row (cheap on clean data)."""
    first = df[strings[0]]
    cand = first.is_null() | first.is_in([*parsing.MISSING_TOKENS, *labels, strings[0]])
    cand = (
        cand | first.str.starts_with(" ") | first.str.ends_with(" ") | first.str.starts_with("\t")
    )
    for c in strings[1:3]:
        cand = cand | df[c].is_in(labels)
    return cand.fill_null(True)


def _reason(strings: list[str], labels: list[str]) -> pl.Expr:
    """Why a candidate row is not data, else null: a repeated header first, then empty, total."""
    stripped = {c: pl.col(c).str.strip_chars() for c in strings}
    empty = pl.all_horizontal(
        [s.is_null() | s.is_in(parsing.MISSING_TOKENS) for s in stripped.values()]
    )
    same = pl.sum_horizontal([(s == c).cast(pl.Int32) for c, s in stripped.items()])
    repeated = same >= min(2, len(strings))
    total = pl.any_horizontal(
        [stripped[c].is_in(labels).fill_null(False) for c in strings[: min(3, len(strings))]]
    )
    return (
        pl.when(repeated)
        .then(pl.lit("repeated header row"))
        .when(empty)
        .then(pl.lit("empty or '-' row"))
        .when(total)
        .then(pl.lit("total row (整体/合计), not a data row"))
        .otherwise(None)
    )


def skip_reasons(df: pl.DataFrame, mapping: ExportMapping, *, every: bool = False) -> pl.Series:
    """Why each row is not a data row (repeated header, empty/"-" row, total row), else null.

    Only the text columns are read (``every``: all columns, typed ones as their text, as a block
    read all as text sees them), and only rows whose first cells could be one of those."""
    out = pl.Series("__skip", dtype=pl.String).extend_constant(None, df.height)
    strings = list(df.columns) if every else [c for c in df.columns if df.schema[c] == pl.String]
    if not strings or df.height == 0:
        return out
    labels = list({*mapping.total_labels, "合计", "总计"})
    cand = _candidates(df.select(pl.col(strings[:3]).cast(pl.String)), strings, labels)
    if not cand.any():
        return out
    idx = cand.arg_true()
    rows = df.select(strings)[idx].select(pl.all().cast(pl.String))
    reasons = rows.select(_reason(strings, labels)).to_series()
    return out.scatter(idx, reasons)
