"""What the store says about past ingests: quarantined rows, cross-checks, contents per table."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from .. import schema
from .. import store as st
from ..paths import default_store, resolve
from .apply import CHECK_SCHEMA, Q_SCHEMA


def _root(store: str | os.PathLike[str] | None) -> Path:
    return resolve(store) if store else default_store()


def load_quarantine(store: str | os.PathLike[str] | None = None, *, action: str | None = None) -> pl.DataFrame:
    """Rows set aside by ingests: file, sheet, row, column, value, expected, reason, action.

    ``action`` is ``quarantined`` (a data row that failed) or ``skipped`` (a header/total/empty row).
    """
    files = sorted((_root(store) / st.QUARANTINE).glob("*.parquet"))
    cols = {**Q_SCHEMA, "action": pl.String, "sha256": pl.String}
    if not files:
        return pl.DataFrame(schema=cols)
    df = pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
    if action:
        df = df.filter(pl.col("action") == action)
    return df.select([c for c in cols if c in df.columns]).sort("file", "sheet", "row", nulls_last=True)


def load_checks(store: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Cross-checks of platform ratios against the counts of the same export."""
    files = sorted((_root(store) / st.CHECKS).glob("*.parquet"))
    if not files:
        return pl.DataFrame(schema={**CHECK_SCHEMA, "sha256": pl.String})
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed").sort(
        "file", "metric", "session_id", "product_id", nulls_last=True
    )


def store_contents(store: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Rows and sessions per canonical table in the store."""
    rows = []
    for name in schema.TABLES:
        lf = st.scan_table(name, store)
        cols = lf.collect_schema().names()
        agg = [pl.len().alias("rows")]
        if "session_id" in cols:
            agg.append(pl.col("session_id").n_unique().alias("sessions"))
        df = lf.select(agg).collect()
        rows.append({"table": name, "rows": int(df["rows"][0]),
                     "sessions": int(df["sessions"][0]) if "sessions" in df.columns else None})
    return pl.DataFrame(rows, schema={"table": pl.String, "rows": pl.Int64, "sessions": pl.Int64})
