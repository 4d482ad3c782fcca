"""Where a streamable export's rows go, per (table, session): in memory while small, streamed
block by block into the staged Parquet part when large (flat memory for a 10M-row file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from helpers.data import schema

STREAM_ROWS = 1_500_000


def repeats(lf: pl.LazyFrame, key: list[str]) -> int:
    """How many rows repeat an earlier row's ``key``: 64-bit hashes first (cheap); only a
    collision or a real repeat needs the exact count."""
    if not key:
        return 0
    expr = pl.col(key[0]) if len(key) == 1 else pl.struct(key)
    if lf.select(pl.len() - expr.hash(seed=7).n_unique()).collect().item() == 0:
        return 0
    return int(lf.select(pl.len() - expr.n_unique()).collect().item())


def check_required(table: str, df: pl.DataFrame) -> None:
    """Required values present and enumerations respected (what validate checks, per chunk)."""
    for c in schema.TABLES[table].columns:
        if c.name not in df.columns:
            continue
        if c.required and df[c.name].null_count():
            raise schema.SchemaError(f"{table}.{c.name}: required value is missing")
        if c.allowed:
            bad = df[c.name].is_not_null() & ~df[c.name].is_in(list(c.allowed))
            if bad.any():
                allowed = ", ".join(c.allowed)
                raise schema.SchemaError(f"{table}.{c.name}: value not one of {allowed}")


def _write(df: pl.DataFrame, path: Path) -> None:
    df.write_parquet(path, compression="zstd", compression_level=1, statistics=True)


class Sink:
    """One (table, session) part of a large export: in memory while small, streamed when large."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.frames: list[pl.DataFrame] = []
        self.rows = 0
        self.writer: Any = None
        self.schema: Any = None

    def add(self, df: pl.DataFrame) -> None:
        self.rows += df.height
        if self.writer is not None:
            self.writer.write_table(df.to_arrow().cast(self.schema))
            return
        self.frames.append(df)
        if self.rows > STREAM_ROWS:
            import pyarrow.parquet as pq

            first = pl.concat(self.frames, how="vertical_relaxed").to_arrow()
            self.schema = first.schema
            self.writer = pq.ParquetWriter(
                str(self.path), self.schema, compression="zstd", compression_level=1
            )
            self.writer.write_table(first)
            self.frames = []

    def close(self, key: list[str]) -> pl.DataFrame:
        """Finish the file; returns the rows that repeated an earlier row's key (dropped)."""
        if self.writer is None:
            df = pl.concat(self.frames, how="vertical_relaxed") if self.frames else pl.DataFrame()
            self.frames = []
            dup = df.head(0)
            if repeats(df.lazy(), key):
                first = df.select(pl.struct(key).is_first_distinct()).to_series()
                df, dup = df.filter(first), df.filter(~first)
            _write(df, self.path)
            return dup
        self.writer.close()
        if not repeats(pl.scan_parquet(self.path), key):
            return pl.DataFrame()
        df = pl.read_parquet(self.path)
        first = df.select(pl.struct(key).is_first_distinct()).to_series()
        _write(df.filter(first), self.path)
        return df.filter(~first)

    def abandon(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.frames = []
