"""The canonical store: Hive-partitioned Parquet that pandas, polars, DuckDB and Spark read as is.

Layout::

    STORE/<table>/platform=<platform>/date=<YYYY-MM-DD>/<session_id>.parquet

One file per session and table, so a newer export of a session replaces exactly its own files.
Room-level tables (``room_days``, ``targets``) use the room in place of the session id. Files are
written to a temporary name and renamed, so a reader never sees half a file.

Analysts load any table with :func:`load_table` (polars, or pandas with ``pandas=True``), and
one session's tables together with :func:`load_session` (:mod:`helpers.data.session`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal, overload

import polars as pl

from helpers.data import schema
from helpers.data.session import Session as Session
from helpers.data.session import list_sessions as list_sessions
from helpers.data.session import load_session as load_session
from helpers.paths import default_store, resolve

if TYPE_CHECKING:  # pandas only for load_table(pandas=True): the ingest never imports it
    import pandas as pd

PARTITION_COLUMNS = ("platform", "date")
_SAFE = re.compile(r"[^0-9A-Za-z_.\-]")


def _safe_name(value: str) -> str:
    """A file-name-safe form of an id; non-ASCII ids get a short hash to stay unique."""
    safe = _SAFE.sub("_", value)
    if safe != value:
        safe = f"{safe[:40]}-{hashlib.sha1(value.encode()).hexdigest()[:8]}"
    return safe


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
        for (sid,), part in df.partition_by(
            "session_id", as_dict=True, maintain_order=True
        ).items():
            if sid not in where:
                raise schema.SchemaError(f"{name}: session {sid!r} is not in the sessions table")
            platform, date = where[sid]
            folder = root / name / f"platform={platform}" / f"date={date}"
            path = folder / f"{_safe_name(sid)}.parquet"
            atomic_write_parquet(
                part.drop([c for c in PARTITION_COLUMNS if c in part.columns]), path
            )
            written.append(path)
    return written


def _per_session(name: str) -> bool:
    """Whether a table is stored one file per session (named after it)."""
    cols = {c.name: c for c in schema.table(name).columns}
    return "session_id" in cols and cols["session_id"].required


def scan_table(
    name: str, store: str | os.PathLike[str] | None = None, *, session_ids: list[str] | None = None
) -> pl.LazyFrame:
    """Lazily scan a canonical table (empty frame with the declared columns if nothing stored).

    With ``session_ids``, per-session tables read only those sessions' files (a damaged file of
    another session cannot break the read; callers still filter rows by session_id)."""
    schema.table(name)
    root = resolve(store) if store else default_store()
    files = sorted((root / name).glob("platform=*/date=*/*.parquet"))
    if session_ids is not None and _per_session(name):
        stems = {_safe_name(s) for s in session_ids}
        files = [f for f in files if f.stem in stems]
    if not files:
        return schema.empty(name).lazy()
    lf = pl.scan_parquet(
        files,
        hive_partitioning=True,
        missing_columns="insert",
        extra_columns="ignore",
        schema=_union_schema(files),
    )
    declared = schema.table(name).dtypes
    drop = [c for c in PARTITION_COLUMNS if c not in declared]
    return lf.drop(drop, strict=False)


def _union_schema(files: list[Path]) -> pl.Schema | None:
    """The columns of all files (a column only some sessions have must not vanish because the first
    file lacks it); None — polars' own first-file schema — when files agree or cannot be read."""
    try:
        schemas = [pl.read_parquet_schema(f) for f in files]
    except Exception:  # a damaged file: let the scan itself report it
        return None
    union: dict[str, pl.DataType] = {}
    for sch in schemas:
        for col, dtype in sch.items():
            if col in PARTITION_COLUMNS:
                continue
            if col in union and union[col] != dtype:
                if union[col] == pl.Null:
                    union[col] = dtype
                elif dtype != pl.Null:
                    return None  # conflicting types: leave it to polars
            else:
                union.setdefault(col, dtype)
    if all(set(sch) - set(PARTITION_COLUMNS) == set(union) for sch in schemas):
        return None
    return pl.Schema(union)


@overload
def load_table(
    name: str,
    store: str | os.PathLike[str] | None = None,
    *,
    session_ids: list[str] | str | None = None,
    pandas: Literal[False] = False,
) -> pl.DataFrame: ...
@overload
def load_table(
    name: str,
    store: str | os.PathLike[str] | None = None,
    *,
    session_ids: list[str] | str | None = None,
    pandas: Literal[True],
) -> pd.DataFrame: ...
@overload
def load_table(
    name: str,
    store: str | os.PathLike[str] | None = None,
    *,
    session_ids: list[str] | str | None = None,
    pandas: bool = False,
) -> pl.DataFrame | pd.DataFrame: ...
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
    if isinstance(session_ids, str):
        session_ids = [session_ids]
    ids = None if session_ids is None else list(session_ids)
    lf = scan_table(name, store, session_ids=ids)
    if ids is not None and "session_id" in lf.collect_schema().names():
        lf = lf.filter(pl.col("session_id").is_in(ids))
    df = schema.conform(name, lf.collect())
    key = [k for k in schema.table(name).key if k in df.columns]
    if key:
        df = df.sort(key, maintain_order=True)
    return df.to_pandas() if pandas else df


# ---------------------------------------------------------------------------------------------
# Ingest bookkeeping: ledger, parts, history and atomic multi-file commits.
#
#   STORE/_ledger.jsonl                one JSON line per ingested export (content hash, path, ...)
#   STORE/_parts/<table>/<entity>/<export_type>--<sha12>.parquet
#                                      what each export contributed to a (table, session); the
#                                      canonical file is the merge of a session's parts
#   STORE/_history/<txn>/<relpath>     parts replaced by a newer export of the same session
#   STORE/_quarantine/<sha16>.parquet  rows set aside (file, sheet, row, column, value, expected,
#                                      reason)
#   STORE/_checks/<sha16>.parquet      cross-checks of platform ratios
#   STORE/.txn-*/                      a transaction being staged (removed or rolled forward on
#                                      open)

LEDGER = "_ledger.jsonl"
PARTS = "_parts"
HISTORY = "_history"
QUARANTINE = "_quarantine"
CHECKS = "_checks"
_COMMITTED = "COMMITTED"


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def recover(root: Path) -> list[str]:
    """Finish or undo transactions a crash left behind; returns what was done.

    A staged transaction without its COMMITTED marker is removed (the store stays as it was); one
    with the marker is rolled forward (its remaining renames are applied).
    """
    done = []
    for txn in sorted(root.glob(".txn-*")):
        marker = txn / _COMMITTED
        if marker.is_file():
            plan = json.loads(marker.read_text(encoding="utf-8"))
            _apply_plan(root, txn, plan)
            done.append(f"rolled forward {txn.name}")
        else:
            done.append(f"rolled back {txn.name}")
        shutil.rmtree(txn, ignore_errors=True)
    return done


def _apply_plan(root: Path, txn: Path, plan: dict) -> None:
    for rel, hist in plan["retire"]:
        src, dst = root / rel, root / hist
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
    for rel in plan["delete"]:
        (root / rel).unlink(missing_ok=True)
    for rel in plan["put"]:
        src, dst = txn / "files" / rel, root / rel
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)


class Transaction:
    """Stage files under ``STORE/.txn-*/files`` and move them into place on :meth:`commit`.

    Until the COMMITTED marker is written nothing in the store has changed; after it, the renames
    are redone by :func:`recover` if the process dies half way. One transaction at a time (a lock
    file serialises concurrent ingests).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        import fcntl

        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.root / ".lock", "a+")  # noqa: SIM115
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        recover(self.root)
        self.stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{uuid.uuid4().hex[:6]}"
        self.dir = self.root / f".txn-{self.stamp}"
        (self.dir / "files").mkdir(parents=True)
        self.put: dict[str, Path] = {}
        self.retire: dict[str, str] = {}
        self.delete: set[str] = set()
        self.committed = False

    def path(self, rel: str) -> Path:
        """Where to stage a file that will land at ``STORE/rel`` (registers it)."""
        p = self.dir / "files" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        self.put[rel] = p
        self.delete.discard(rel)
        return p

    def write_parquet(self, rel: str, df: pl.DataFrame) -> Path:
        p = self.path(rel)
        df.write_parquet(p, compression="zstd", compression_level=1, statistics=True)
        return p

    def link(self, rel: str, src: Path) -> Path:
        """Stage ``rel`` as the same content as the staged file ``src`` (hard link, else copy)."""
        p = self.path(rel)
        p.unlink(missing_ok=True)
        try:
            os.link(src, p)
        except OSError:
            shutil.copyfile(src, p)
        return p

    def unstage(self, rel: str) -> None:
        p = self.put.pop(rel, None)
        if p is not None:
            p.unlink(missing_ok=True)

    def move_to_history(self, rel: str) -> str:
        """On commit, move the store's ``rel`` to ``_history/<txn>/rel``."""
        hist = f"{HISTORY}/{self.stamp}/{rel}"
        self.retire[rel] = hist
        return hist

    def remove(self, rel: str) -> None:
        """On commit, delete the store's ``rel`` (a derived file that moved partition)."""
        if rel not in self.put:
            self.delete.add(rel)

    def commit(self) -> None:
        plan = {
            "retire": sorted(self.retire.items()),
            "delete": sorted(self.delete),
            "put": sorted(self.put),
        }
        _fsync_write(self.dir / ".plan", json.dumps(plan, ensure_ascii=False).encode())
        os.replace(self.dir / ".plan", self.dir / _COMMITTED)
        self.committed = True  # from here on the transaction is rolled forward, never back
        _apply_plan(self.root, self.dir, plan)
        shutil.rmtree(self.dir, ignore_errors=True)
        self._release()

    def abort(self) -> None:
        """Drop the staged files (the store is untouched); a committed one is left for
        :func:`recover`."""
        if not self.committed:
            shutil.rmtree(self.dir, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        import fcntl

        if not self._lock.closed:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def read_ledger(store: str | os.PathLike[str] | None = None) -> list[dict]:
    """The ledger's entries (one per ingested export), oldest first."""
    root = resolve(store) if store else default_store()
    path = root / LEDGER
    if not path.is_file():
        return []
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def ledger_table(store: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """The ledger as a frame: ingested_at, path, export_type, sha256, rows, sessions, replaces."""
    rows = read_ledger(store)
    cols = ["ingested_at", "path", "export_type", "sha256"]
    cols += ["rows_in", "rows_kept", "rows_quarantined"]
    if not rows:
        return pl.DataFrame(
            schema={c: pl.Int64 if c.startswith("rows") else pl.String for c in cols}
        )
    return pl.DataFrame(
        [
            {c: r.get(c) for c in cols}
            | {
                "sessions": ", ".join(r.get("sessions", [])),
                "replaces": ", ".join(x.get("path", "") for x in r.get("replaces", [])),
            }
            for r in rows
        ]
    )


def stage_ledger(txn: Transaction, entries: list[dict]) -> None:
    """Stage the ledger with ``entries`` appended (nothing staged when there is nothing new)."""
    if not entries:
        return
    current = txn.root / LEDGER
    old = current.read_bytes() if current.is_file() else b""
    new = "".join(
        json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries
    ).encode()
    _fsync_write(txn.path(LEDGER), old + new)


def entity_name(value: str) -> str:
    """The file-name form of a session id (or room|date) used for parts and canonical files."""
    return _safe_name(value)


def part_files(root: Path, table: str, entity: str) -> list[Path]:
    """The stored parts of a (table, session)."""
    return sorted((root / PARTS / table / _safe_name(entity)).glob("*.parquet"))


def canonical_files(root: Path, table: str, entity: str) -> list[Path]:
    """Where a (table, session) canonical file currently is (normally one path)."""
    return sorted((root / table).glob(f"platform=*/date=*/{_safe_name(entity)}.parquet"))


def merge_parts(table: str, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Merge what several exports contributed to one (table, session), first part winning.

    Keyed tables are joined on their key with, per column, the first non-null value in part order
    (so a session list fills the room name a trend file only knew as an account). Tables without a
    key (comments) cannot be matched row by row: the first part is taken whole, so the same
    comments exported twice in two formats are never counted twice.
    """
    parts = [p for p in parts if p.height]
    if not parts:
        return schema.empty(table)
    if len(parts) == 1:
        return parts[0]
    key = list(schema.table(table).key) if table in schema.TABLES else []
    if not key:
        return parts[0]
    both = pl.concat(
        [p.with_columns(pl.lit(i).alias("__part")) for i, p in enumerate(parts)],
        how="diagonal_relaxed",
    )
    others = [c for c in both.columns if c not in key and c != "__part"]
    merged = (
        both.sort("__part")
        .group_by(key, maintain_order=True)
        .agg([pl.col(c).drop_nulls().first().alias(c) for c in others])
    )
    return merged.select([c for c in both.columns if c != "__part"])
