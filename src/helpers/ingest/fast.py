"""The fast path of canonical CSV files: typed columns by polars' own reader and casts, no
per-cell parsing.

A canonical file (headers are exactly the model's column names, ``canonical_<table>``) in UTF-8
up to :data:`WHOLE_BYTES` is first read whole by polars from the file (:func:`whole_file`: no
copies through Python, one parallel read); when that read is refused, or the file is larger or in
another encoding, it is read in chunks of whole lines. Each is first read TYPED: polars' CSV reader
takes the number and count columns straight from the schema (it raises on any cell it cannot
read), the booleans, dates and date-times are read as text and cast strictly (ISO times by
position, ``true``/``false`` exactly), the text stays text for the mapping's string parsers. When
the reader refuses a cell (a ``-``, ``1,234``, ``是``, a ragged line), reads a non-finite number,
or the rows are not all data (repeated header, total or empty rows), the chunk is read again as
text (:func:`typed_block`): each column a strict cast takes whole is typed, the others go through
the general parsers, which quarantine what is wrong with its reason. The kept rows, their values
and the quarantine are the same either way (``tests/test_ingest_fast.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

from helpers.data import schema
from helpers.ingest.mapping import ExportMapping
from helpers.ingest.readers import Block, Sheet
from helpers.ingest.skip import skip_reasons

PREFIX = "canonical_"
_BOOL = {"true": True, "false": False}
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
# the layout polars and most tools write: "2026-11-16T20:00:02.729956+0800" (fraction optional)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ])\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$")
_US = 1_000_000


def _strict(name: str, dtype: pl.DataType, first: str | None) -> pl.Expr:
    """The strict cast of text column ``name`` to ``dtype`` (raises on any cell it cannot take);
    times with a UTC offset (as ``first`` shows) become UTC, times without stay naive (China
    time)."""
    c = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        zoned = first is not None and _OFFSET.search(first) is not None
        return c.str.to_datetime(time_unit="us", time_zone="UTC" if zoned else None, strict=True)
    if dtype == pl.Date():
        return c.str.to_date(strict=True)
    if dtype == pl.Boolean():
        return c.replace_strict(_BOOL, return_dtype=pl.Boolean)  # raises on any other spelling
    return c.cast(dtype, strict=True)


def _offset_us(offset: str) -> int:
    """``Z``, ``+0800`` or ``-05:30`` in microseconds east of UTC."""
    if offset in ("", "Z"):
        return 0
    digits = offset[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return (1 if offset[0] == "+" else -1) * minutes * 60 * _US


def _fixed_time(name: str, first: str) -> pl.Expr | None:
    """Date-times laid out like ``first`` (ISO, fixed width, one UTC offset) read by position: the
    second parsed with a cache (it repeats across rows), the fraction as an integer. A cell of any
    other layout becomes null, so the column fails :func:`_exact` and takes :func:`_strict`."""
    m = _ISO.match(first)
    if m is None:
        return None
    sep, frac, offset = m.group(1), m.group(2) or "", m.group(3) or ""
    c = pl.col(name)
    same = (c.str.len_bytes() == len(first)) & (offset == "" or c.str.ends_with(offset))
    secs = c.str.slice(0, 19).str.to_datetime(
        f"%Y-%m-%d{sep}%H:%M:%S", time_unit="us", strict=False, cache=True
    )
    us = secs.cast(pl.Int64) - _offset_us(offset)
    if frac:
        digits = c.str.slice(20, len(frac) - 1)
        same = same & (c.str.slice(19, 1) == ".") & (digits.str.slice(0, 1) != "+")
        us = us + digits.cast(pl.UInt32, strict=False).cast(pl.Int64) * 10 ** (7 - len(frac))
    dtype = pl.Datetime("us", "UTC" if offset else None)
    return pl.when(same).then(us).otherwise(None).cast(dtype).alias(name)


def _exact(text: pl.Series, out: pl.Series) -> bool:
    """The cast kept every value: no new nulls, no NaN/inf (the parsers set those to null)."""
    if out.null_count() != text.null_count():
        return False
    return out.dtype != pl.Float64 or bool(out.drop_nulls().is_finite().all())


def _cast_each(df: pl.DataFrame, exprs: dict[str, pl.Expr]) -> dict[str, pl.Series]:
    """The columns a strict cast takes whole, one by one (after another column refused)."""
    out = {}
    for n, e in exprs.items():
        try:
            one = df.select(e).to_series()
        except (pl.exceptions.PolarsError, ValueError):
            continue
        if _exact(df[n], one):
            out[n] = one
    return out


def _cast_all(df: pl.DataFrame, dtypes: dict[str, pl.DataType]) -> list[pl.Series]:
    """The columns a cast takes whole: all at once (polars runs them in parallel), date-times by
    position where their first value allows, booleans by two comparisons; then one by one by the
    strict casts for the rest."""
    names = [n for n in df.columns if n in dtypes]
    first = {n: (df[n].drop_nulls().head(1).to_list() or [None])[0] for n in names}
    strict = {n: _strict(n, dtypes[n], first[n]) for n in names}
    quick = dict(strict)
    for n in names:
        fixed = (
            _fixed_time(n, first[n]) if isinstance(dtypes[n], pl.Datetime) and first[n] else None
        )
        if dtypes[n] == pl.Boolean():  # another spelling becomes null: the column fails _exact
            c = pl.col(n)
            fixed = pl.when(c == "true").then(True).when(c == "false").then(False).alias(n)
        quick[n] = strict[n] if fixed is None else fixed
    try:
        cast = df.select(list(quick.values()))
        done = {n: cast[n] for n in names if _exact(df[n], cast[n])}
    except (pl.exceptions.PolarsError, ValueError):
        done = {}
    rest = {n: strict[n] for n in names if n not in done}
    done |= _cast_each(df, rest)
    return [done[n] for n in names if n in done]


def typed_block(block: Block, mapping: ExportMapping, dtypes: dict[str, pl.DataType]) -> Block:
    """The block with every column a strict cast takes whole converted (others stay text).

    Rows that are not data are found once, on the text as the general path sees it; the block
    carries them (:attr:`Block.skip`) so the mapping does not look again on the typed columns."""
    df = block.frame
    if df.height == 0:
        return block
    skip = skip_reasons(df, mapping)
    if skip.is_not_null().any():
        return Block(df, block.first_row, block.kv_rows, block.nbytes, skip=skip)
    typed = _cast_all(df, dtypes)
    out = df.with_columns(typed) if typed else df
    return Block(out, block.first_row, block.kv_rows, block.nbytes, skip=skip)


# read typed by polars' CSV reader; booleans stay text (the reader takes "tRuE"), times and dates
# too (its own formats; the casts above are strict and faster)
_READ_TYPED = (pl.Int64(), pl.Float64())
# a canonical UTF-8 file up to this size is read whole (a larger one in chunks: memory stays flat)
WHOLE_BYTES = 256 << 20


def _typed_read(
    source: bytes | Path, headers: list[str], sep: str, dtypes: dict[str, pl.DataType]
) -> pl.DataFrame | None:
    """A chunk (bytes, no header) or a whole file (its path, header first) with its number
    columns read typed and the others as text; None when the reader refuses a cell or a line,
    or reads a non-finite number (the parsers make those null)."""
    read = {h: dtypes[h] if dtypes.get(h) in _READ_TYPED else pl.String for h in headers}
    if len(read) != len(headers) or (isinstance(source, bytes) and not source.strip()):
        return None
    try:
        df = pl.read_csv(source, has_header=isinstance(source, Path), schema=read, separator=sep)
    except (pl.exceptions.PolarsError, ValueError):
        return None
    floats = [n for n, d in read.items() if d == pl.Float64]
    if floats and df.select(pl.any_horizontal((~pl.col(floats).is_finite()).any())).item():
        return None
    return df


def _typed(
    df: pl.DataFrame | None, row: int, size: int, sheet: Sheet, dtypes: dict[str, pl.DataType]
) -> Block | None:
    """The typed read as a block, its text columns cast (:func:`_cast_all`); None when there is
    none or it holds rows that are not data (then the text path reads those bytes)."""
    assert sheet.mapping is not None
    if df is None or df.height == 0:
        return None
    skip = skip_reasons(df, sheet.mapping, every=True)
    if skip.is_not_null().any():
        return None
    rest = {n: d for n, d in dtypes.items() if n in df.columns and df.schema[n] == pl.String}
    typed = _cast_all(df.select(list(rest)), rest) if rest else []
    return Block(df.with_columns(typed), row, nbytes=size, skip=skip)


def typed_chunk(
    data: bytes,
    row: int,
    size: int,
    sheet: Sheet,
    dtypes: dict[str, pl.DataType],
    text: Callable[[bytes, int, int], Block],
) -> Block:
    """A chunk of a canonical CSV read typed (:func:`_typed_read`, then the strict casts of the
    text columns); else read as ``text`` and typed column by column (:func:`typed_block`)."""
    assert sheet.mapping is not None
    block = _typed(_typed_read(data, sheet.headers, sheet.sep, dtypes), row, size, sheet, dtypes)
    return block or typed_block(text(data, row, size), sheet.mapping, dtypes)


def whole_file(
    path: Path, sheet: Sheet, dtypes: dict[str, pl.DataType], chunks: Iterator[Block]
) -> Iterator[Block]:
    """A canonical UTF-8 file read whole by polars (memory-mapped, in parallel, one contiguous
    frame) as one typed block; when that read or its rows would need the text path, the file's
    ``chunks`` instead (each typed or read as text, :func:`typed_chunk`)."""
    df = _typed_read(path, sheet.headers, sheet.sep, dtypes)
    df = None if df is None else df.rechunk()  # later selects need not re-align its chunks
    block = _typed(df, sheet.header_row + 1, path.stat().st_size, sheet, dtypes)
    del df
    if block is not None:
        yield block
        return
    yield from chunks


def typed_sheet(sheet: Sheet) -> Sheet:
    """A canonical CSV sheet whose blocks come typed: a UTF-8 file up to :data:`WHOLE_BYTES`
    read whole (:func:`whole_file`), else in chunks (:func:`typed_chunk`), else block by block
    (:func:`typed_block`); any other sheet as it is."""
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
    text = sheet.chunk_block
    whole = sheet.utf8_path
    if whole is not None and whole.stat().st_size <= WHOLE_BYTES:
        sheet.blocks = whole_file(whole, sheet, dtypes, sheet.blocks)
    if text is not None:

        def chunk_block(data: bytes, row: int, size: int) -> Block:
            return typed_chunk(data, row, size, sheet, dtypes, text)

        sheet.chunk_block = chunk_block
        return sheet

    def blocks(text: Iterator[Block]) -> Iterator[Block]:
        for block in text:
            yield typed_block(block, m, dtypes)

    sheet.blocks = blocks(sheet.blocks)
    return sheet
