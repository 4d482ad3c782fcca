"""The canonical store: Hive-partitioned Parquet that pandas, polars, DuckDB and Spark read as is.

Layout::

    STORE/<table>/platform=<platform>/date=<YYYY-MM-DD>/<session_id>.parquet

One file per session and table, so a newer export of a session replaces exactly its own files.
Room-level tables (``room_days``, ``targets``) use the room in place of the session id. Files are
written to a temporary name and renamed, so a reader never sees half a file.

Analysts load any table with :func:`load_table` (polars, or pandas with ``pandas=True``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl

from . import schema
from .paths import default_store, resolve

PARTITION_COLUMNS = ("platform", "date")
_SAFE = re.compile(r"[^0-9A-Za-z_.\-]")


def _safe_name(value: str) -> str:
    """A file-name-safe form of an id; non-ASCII ids get a short hash to stay unique."""
    safe = _SAFE.sub("_", value)
    if safe != value:
        safe = f"{safe[:40]}-{hashlib.sha1(value.encode()).hexdigest()[:8]}"
    return safe


def partition_dir(store: Path, table: str, platform: str, date: str) -> Path:
    return store / table / f"platform={platform}" / f"date={date}"


def atomic_write_parquet(df: pl.DataFrame, path: Path) -> None:
    """Write Parquet to a temporary file beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".parquet")
    os.close(fd)
    try:
        df.write_parquet(tmp, compression="zstd", statistics=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_session_tables(
    tables: dict[str, pl.DataFrame], store: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Write canonical tables into the store, one file per (table, session); returns the paths.

    ``tables`` must include ``sessions`` (it gives each session's platform and date). Each table
    is validated against the model first. Existing files of the same sessions are replaced.
    """
    root = resolve(store) if store else default_store()
    sessions = schema.validate("sessions", tables["sessions"])
    where = {
        r["session_id"]: (r["platform"], r["start_ts"].date().isoformat())
        for r in sessions.select("session_id", "platform", "start_ts").iter_rows(named=True)
    }
    written: list[Path] = []
    for name, df in tables.items():
        df = schema.validate(name, df)
        if "session_id" not in df.columns:
            raise schema.SchemaError(f"{name}: write_session_tables needs a session_id column")
        for (sid,), part in df.partition_by("session_id", as_dict=True, maintain_order=True).items():
            if sid not in where:
                raise schema.SchemaError(f"{name}: session {sid!r} is not in the sessions table")
            platform, date = where[sid]
            path = partition_dir(root, name, platform, date) / f"{_safe_name(sid)}.parquet"
            atomic_write_parquet(part.drop([c for c in PARTITION_COLUMNS if c in part.columns]), path)
            written.append(path)
    return written


def scan_table(name: str, store: str | os.PathLike[str] | None = None) -> pl.LazyFrame:
    """Lazily scan a canonical table (empty frame with the declared columns if nothing stored)."""
    schema.table(name)
    root = resolve(store) if store else default_store()
    files = sorted((root / name).glob("platform=*/date=*/*.parquet"))
    if not files:
        return schema.empty(name).lazy()
    lf = pl.scan_parquet(files, hive_partitioning=True, missing_columns="insert", extra_columns="ignore")
    declared = schema.table(name).dtypes
    drop = [c for c in PARTITION_COLUMNS if c not in declared]
    return lf.drop(drop, strict=False)


def load_table(
    name: str,
    store: str | os.PathLike[str] | None = None,
    *,
    session_ids: list[str] | str | None = None,
    pandas: bool = False,
) -> pl.DataFrame | pd.DataFrame:
    """Load a canonical table from the store, optionally for some sessions only.

    >>> load_table("orders", session_ids="dy-20261116-20")  # doctest: +SKIP
    """
    lf = scan_table(name, store)
    if session_ids is not None and "session_id" in lf.collect_schema().names():
        ids = [session_ids] if isinstance(session_ids, str) else list(session_ids)
        lf = lf.filter(pl.col("session_id").is_in(ids))
    df = schema.conform(name, lf.collect())
    key = [k for k in schema.table(name).key if k in df.columns]
    if key:
        df = df.sort(key, maintain_order=True)
    return df.to_pandas() if pandas else df


@dataclass
class Session:
    """All canonical tables of one session, as polars frames (empty where the export lacked one)."""

    session_id: str
    info: dict
    trend: pl.DataFrame
    events: pl.DataFrame
    products: pl.DataFrame
    viewers: pl.DataFrame
    orders: pl.DataFrame
    comments: pl.DataFrame
    traffic: pl.DataFrame
    totals: pl.DataFrame

    def has(self, table: str) -> bool:
        """Whether the export carried this table (a section needing it says so otherwise)."""
        return getattr(self, table).height > 0


def load_session(session_id: str, store: str | os.PathLike[str] | None = None) -> Session:
    """Load every table of one session; raise a clear error if the session is not in the store."""
    sessions = load_table("sessions", store, session_ids=session_id)
    if sessions.height == 0:
        known = list_sessions(store)["session_id"].to_list()
        raise KeyError(
            f"session {session_id!r} is not in the store {resolve(store) if store else default_store()}"
            f"; known sessions: {', '.join(known) or 'none (run `workbook ingest` first)'}"
        )
    tables = {
        t: load_table(t, store, session_ids=session_id)
        for t in ("trend", "events", "products", "viewers", "orders", "comments", "traffic")
    }
    totals = load_table("session_totals", store, session_ids=session_id)
    return Session(session_id, sessions.row(0, named=True), totals=totals, **tables)


def list_sessions(store: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """The sessions in the store, ordered by start time."""
    return load_table("sessions", store).sort("start_ts", "session_id")
