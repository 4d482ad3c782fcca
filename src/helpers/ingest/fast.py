"""The fast path of canonical CSV files: typed columns by polars' own casts, no per-cell parsing.

A canonical file (headers are exactly the model's column names, ``canonical_<table>``) is read in
chunks as text like every CSV; :func:`typed_sheet` then casts each chunk's number, count, boolean,
date and date-time columns to their model types with polars' strict casts (ISO times, plain
numbers, ``true``/``false``), so the mapping's parsers have nothing left to do for them. A column
a strict cast cannot take whole (a ``-``, ``1,234``, ``是``, a padded or non-finite value, another
time format) stays text and goes through the general parsers, which quarantine what is wrong with
its reason; a chunk that holds rows that are not data (repeated header, total or empty rows) stays
text whole. The kept rows, their values and the quarantine are the same either way
(``tests/test_ingest_fast.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import polars as pl

from helpers.data import schema
from helpers.ingest.mapping import ExportMapping
from helpers.ingest.readers import Block, Sheet

PREFIX = "canonical_"
_BOOL = {"true": True, "false": False}
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


def _expr(name: str, dtype: pl.DataType, first: str | None) -> pl.Expr:
    """The strict cast of text column ``name`` to ``dtype`` (raises on any cell it cannot take);
    times with a UTC offset (as ``first`` shows) become UTC, times without stay naive (China time)."""
    c = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        zoned = first is not None and _OFFSET.search(first) is not None
        return c.str.to_datetime(time_unit="us", time_zone="UTC" if zoned else None, strict=True)
    if dtype == pl.Date():
        return c.str.to_date(strict=True)
    if dtype == pl.Boolean():
        return c.replace_strict(_BOOL, return_dtype=pl.Boolean)  # raises on any other spelling
    return c.cast(dtype, strict=True)


def _exact(text: pl.Series, out: pl.Series) -> bool:
    """The cast kept every value: no new nulls, no NaN/inf (the parsers set those to null)."""
    if out.null_count() != text.null_count():
        return False
    return out.dtype != pl.Float64 or bool(out.drop_nulls().is_finite().all())


def _cast_all(df: pl.DataFrame, dtypes: dict[str, pl.DataType]) -> list[pl.Series]:
    """The columns a strict cast takes whole: all at once (polars runs them in parallel), else
    one by one when some column refuses."""
    names = [n for n in df.columns if n in dtypes]
    first = {n: df[n].drop_nulls().head(1).to_list() for n in names}
    exprs = {n: _expr(n, dtypes[n], (first[n] or [None])[0]) for n in names}
    try:
        cast = df.select(list(exprs.values()))
        return [cast[n] for n in names if _exact(df[n], cast[n])]
    except (pl.exceptions.PolarsError, ValueError):
        pass
    out = []
    for n in names:
        try:
            one = df.select(exprs[n]).to_series()
        except (pl.exceptions.PolarsError, ValueError):
            continue
        if _exact(df[n], one):
            out.append(one)
    return out


def typed_block(block: Block, mapping: ExportMapping, dtypes: dict[str, pl.DataType]) -> Block:
    """The block with every column a strict cast takes whole converted (others stay text)."""
    from helpers.ingest.apply import _skip_reasons

    df = block.frame
    if df.height == 0 or _skip_reasons(df, mapping).is_not_null().any():
        return block
    typed = _cast_all(df, dtypes)
    if not typed:
        return block
    out = df.with_columns(typed)
    if _skip_reasons(out, mapping).is_not_null().any():  # the text columns alone read otherwise
        return block
    return Block(out, block.first_row, block.kv_rows, block.nbytes)


def typed_sheet(sheet: Sheet) -> Sheet:
    """A canonical CSV sheet whose blocks come typed (:func:`typed_block`); any other as it is."""
    m = sheet.mapping
    if m is None or not m.id.startswith(PREFIX) or sheet.skipped_above:
        return sheet
    table = schema.TABLES.get(m.id.removeprefix(PREFIX))
    if table is None:
        return sheet
    dtypes = {
        name: dtype
        for name, dtype in table.dtypes.items()
        if isinstance(dtype, pl.Datetime)
        or dtype in (pl.Date(), pl.Boolean(), pl.Int64(), pl.Float64())
    }

    def blocks(text: Iterator[Block]) -> Iterator[Block]:
        for block in text:
            yield typed_block(block, m, dtypes)

    sheet.blocks = blocks(sheet.blocks)
    return sheet
