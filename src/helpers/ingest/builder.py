"""The expressions of one block: per canonical field its parsed values, the mask of cells its
parser rejected, and the header it was read from (:class:`Builder`)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl

from helpers.data import schema
from helpers.ingest import parsing
from helpers.ingest.mapping import ColumnSpec, ExportMapping, norm
from helpers.ingest.records import Context, SheetError

PARSE_THREADS = max(2, min(4, os.cpu_count() or 2))
RANGE_PARSERS = ("range_start", "range_end")
UNREADABLE = "unreadable value"


def find(columns: dict[str, str], aliases: tuple[str, ...] | list[str]) -> str | None:
    """The block's column for the first alias it has (``columns``: normalised header → header)."""
    for a in aliases:
        hit = columns.get(norm(a))
        if hit is not None:
            return hit
    return None


def _typed_value(df: pl.DataFrame, col: str, dtype: pl.DataType | None) -> pl.Expr:
    """A typed (Parquet) column cast to the target dtype without string parsing."""
    e = pl.col(col)
    src = df.schema[col]
    if isinstance(src, pl.Datetime):
        e = (
            e.dt.convert_time_zone(schema.TZ)
            if src.time_zone
            else e.dt.replace_time_zone(schema.TZ)
        )
        return e.dt.cast_time_unit("us")
    if dtype is not None:
        return e.cast(dtype, strict=False)
    return e


def _target_dtype(table: str, name: str) -> pl.DataType | None:
    t = schema.TABLES.get(table)
    return None if t is None else t.dtypes.get(name)


def _job_key(col: str, spec: ColumnSpec) -> tuple[str, str, str]:
    return (col, spec.parser, repr(sorted(spec.opts.items())))


class Builder:
    """Collects the expressions of one block: value, rejection and source header per field."""

    def __init__(self, df: pl.DataFrame, mapping: ExportMapping, ctx: Context) -> None:
        self.df = df
        self.m = mapping
        self.ctx = ctx
        self.columns = {norm(c): c for c in df.columns}
        self.values: dict[str, pl.Expr | pl.Series] = {}
        # (key, header, rejected mask, expected, reason) per parsed field
        self.rejects: list[tuple[str, str, pl.Series, str, str]] = []
        self.headers: dict[str, str] = {}
        self.cumulative: dict[str, set[str]] = {}
        self.cache: dict[tuple[str, str, str], parsing.Parsed] = {}
        self.by_time = False  # no account column: rows go to the session whose window holds them
        self.forced = False  # --session: every row goes to the target session

    def _source(self, spec: ColumnSpec) -> str | None:
        return find(self.columns, spec.aliases) or (
            find(self.columns, spec.cumulative) if spec.cumulative else None
        )

    def parse_in_parallel(self, specs: list[ColumnSpec]) -> None:
        """Parse the columns of a large block in threads (polars releases the GIL): one per core."""
        jobs: dict[tuple[str, str, str], tuple[str, ColumnSpec]] = {}
        for spec in specs:
            if spec.const is not None or spec.parser in RANGE_PARSERS:
                continue
            col = self._source(spec)
            if col is not None and self.df.schema[col] == pl.String:
                jobs.setdefault(_job_key(col, spec), (col, spec))
        if len(jobs) < 2:
            return

        def parse(job: tuple[str, ColumnSpec]) -> parsing.Parsed:
            return parsing.parse_series(self.df[job[0]], job[1].parser, **job[1].opts)

        with ThreadPoolExecutor(max_workers=PARSE_THREADS) as pool:
            self.cache = dict(zip(jobs, pool.map(parse, jobs.values()), strict=True))

    def field(self, table: str, spec: ColumnSpec) -> None:
        """Add ``table.spec``'s value (and rejected cells) from the block's column for it."""
        key = f"{table}.{spec.name}"
        if spec.const is not None:
            self.values[key] = pl.lit(spec.const)
            return
        col = find(self.columns, spec.aliases)
        cumulative = False
        if col is None and spec.cumulative:
            col = find(self.columns, spec.cumulative)
            cumulative = col is not None
        if col is None:
            if spec.default is not None:
                self.values[key] = pl.lit(spec.default)
            return
        self.headers[key] = col
        if cumulative:
            self.cumulative.setdefault(table, set()).add(spec.name)
        if self.df.schema[col] != pl.String:
            typed = _typed_value(self.df, col, _target_dtype(table, spec.name))
            self.values[key] = self.df.select(typed).to_series()
            return
        value, bad = self._parsed(col, spec)
        self.values[key] = self._offset(table, spec, value)
        self.rejects.append((key, col, bad, parsing.expected(spec.parser, **spec.opts), UNREADABLE))

    def _parsed(self, col: str, spec: ColumnSpec) -> tuple[pl.Series, pl.Series]:
        """(values, rejected) of text column ``col`` by the spec's parser (cached when parallel)."""
        if spec.parser in RANGE_PARSERS:
            start, end, bad = parsing.parse_range_series(self.df[col])
            return (start if spec.parser == "range_start" else end), bad
        p = self.cache.get(_job_key(col, spec)) or parsing.parse_series(
            self.df[col], spec.parser, **spec.opts
        )
        return p.values, p.rejected

    def _offset(self, table: str, spec: ColumnSpec, value: pl.Series) -> Any:
        """Relative times made absolute: from the recording's start or another field's time."""
        if spec.offset_from == "recording_start":
            return self._from_recording_start(value)
        base = self.values.get(f"{table}.{spec.offset_from}") if spec.offset_from else None
        if base is None:
            return value
        micros = pl.lit((value * 1e6).cast(pl.Int64))
        return pl.select(base + pl.duration(microseconds=micros)).to_series()

    def _from_recording_start(self, seconds: pl.Series) -> pl.Series:
        """Seconds from the recording's start as absolute times (transcripts)."""
        base = self.ctx.base_ts
        if base is None:
            raise SheetError(
                "times are relative to the recording's start: keep its fromtime file beside it, "
                'or give --start "YYYY-MM-DD HH:MM" or --session of a known session'
            )
        us = round(base.timestamp() * 1_000_000) + (seconds * 1e6).round().cast(pl.Int64)
        utc = pl.from_epoch(us, time_unit="us").dt.replace_time_zone("UTC")
        return utc.dt.convert_time_zone(schema.TZ)
