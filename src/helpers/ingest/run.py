"""One ingest run: files and folders in, canonical store out, with full row accounting.

For each file: hash it (the ledger knows exports already ingested: a duplicate is reported and not
counted again), read its sheets, detect each sheet's export type by its headers, apply the mapping
block by block, stage what it contributed to each (table, session) as a *part*, and record what was
quarantined or skipped and the platform-ratio cross-checks. Then, for every (table, session)
touched, merge its parts into the canonical file. Everything is staged in a transaction and moved
into place at the end: an exception anywhere leaves the store as it was.

The run is plan (:mod:`.inputs`) → read (:mod:`.readers`) → apply (:mod:`.apply`, per block) →
assemble the file's tables (:mod:`.assemble`, :mod:`.sink`) → stage parts and merge
(:mod:`.staging`) → commit. A newer export of the same type and session replaces the older part
explicitly (the old part moves to ``_history/``; the file's result lists it under ``replaced``).
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from helpers.data import schema
from helpers.data import store as st
from helpers.ingest import assemble, known
from helpers.ingest.apply import apply_block
from helpers.ingest.identity import Target
from helpers.ingest.inputs import (
    Reader,
    expand,
    order_key,
    progress_bar,
)
from helpers.ingest.known import make_target
from helpers.ingest.mapping import ExportMapping
from helpers.ingest.outcome import FileResult, IngestOutcome, log_results
from helpers.ingest.readers import Sheet
from helpers.ingest.records import (
    CHECK_SCHEMA,
    Q_SCHEMA,
    SKIP_SCHEMA,
    Applied,
    Context,
    SheetError,
    concat_or_empty,
)
from helpers.ingest.rooms import Rooms, load_rooms
from helpers.ingest.sink import Sink, check_required
from helpers.ingest.staging import Staging, by_session

__all__ = ["FileResult", "IngestOutcome", "ingest_paths", "make_target"]

log = logging.getLogger(__name__)

LIST_LIMIT = 50
COUNTS = ("rows_in", "rows_kept", "rows_quarantined")
# what makes a file's data not canonical: the file is rejected, the run goes on
DATA_ERRORS = (schema.SchemaError, pl.exceptions.PolarsError, ValueError, KeyError, TypeError)


@dataclass
class _Collected:
    """What a file's blocks gave, in order."""

    apps: assemble.Apps = field(default_factory=list)
    quarantine: list[pl.DataFrame] = field(default_factory=list)
    skipped: list[pl.DataFrame] = field(default_factory=list)
    checks: list[pl.DataFrame] = field(default_factory=list)


def _sheet_info(sheet: Sheet, m: ExportMapping) -> dict[str, Any]:
    return {
        "sheet": sheet.name,
        "export_type": m.id,
        "header_row": sheet.header_row,
        **dict.fromkeys((*COUNTS, "rows_skipped"), 0),
    }


def _export_type(r: FileResult, apps: assemble.Apps) -> str:
    """The file's export type: its mappings' group when several of one group, else their ids."""
    types = sorted({s["export_type"] for s in r.sheets if "error" not in s})
    groups = {next(m.group for _s, m, _a in apps if m.id == t) for t in types}
    if len(groups) == 1 and None not in groups and len(types) > 1:
        return str(groups.pop())
    return "+".join(types)


class _Run(Reader, Staging):
    def __init__(
        self,
        root: Path,
        txn: st.Transaction,
        progress: bool,
        rooms: Rooms | None = None,
        target: Target | None = None,
    ) -> None:
        self.root = root
        self.txn = txn
        self.progress = progress
        self.rooms = rooms or Rooms()
        self.target = target
        self._win: pl.DataFrame | None = None
        self._win_key = -1
        self.ledger = {
            e["sha256"]: e
            for e in st.read_ledger(root)
            if e.get("status", "ingested") == "ingested"
        }
        self.seen: dict[str, str] = {}
        self.batch_sessions: list[pl.DataFrame] = []
        self.touched: dict[tuple[str, str], str] = {}
        self.staged_parts: dict[tuple[str, str, str], tuple[str, str, int]] = {}
        self.entries: list[dict[str, Any]] = []
        self.checks: list[pl.DataFrame] = []
        self.quarantine: list[pl.DataFrame] = []
        self.sinks: dict[tuple[str, str], Sink] = {}
        self.sizes: set[int] = set()
        self.hashing: dict[str, tuple[FileResult, Future[str]]] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-sha256")

    # -- apply ----------------------------------------------------------------------------
    def _context(self, path: Path, sheet: Sheet, m: ExportMapping, sid: str | None) -> Context:
        by_room = bool(self.rooms.by_account and m.session.get("start"))
        needs_known = m.session.get("assign_by_time") or by_room
        return Context(
            file=str(path),
            sheet=sheet.name,
            session_id=sid,
            known_sessions=known.known_sessions(self.root, self.batch_sessions)
            if needs_known
            else None,
            windows=self._windows() if known.needs_windows(m, sheet) else None,
            rooms=self.rooms,
            target=self.target,
            base_ts=self._base(sheet),
        )

    def _take(
        self, r: FileResult, sheet: Sheet, a: Applied, info: dict[str, Any], got: _Collected
    ) -> None:
        """Count a block's outcome and keep its frames (a streamable export's rows go to sinks)."""
        m = sheet.mapping
        assert m is not None
        r.attached_by_time = sorted({*r.attached_by_time, *a.attached})
        if m.streamable:
            self._sink(r, m, a)
        got.apps.append((sheet, m, a))
        for k in COUNTS:
            info[k] += getattr(a, k)
        info["rows_skipped"] += a.skipped.height
        got.quarantine.append(a.quarantine)
        got.skipped.append(a.skipped)
        got.checks.append(a.checks)

    def _apply_sheet(
        self, path: Path, r: FileResult, sheet: Sheet, sid: str | None, got: _Collected
    ) -> str | None:
        """Apply the sheet's mapping block by block; returns the session a key/value sheet names
        (the workbook's other sheets belong to it)."""
        m = sheet.mapping
        assert m is not None
        ctx = self._context(path, sheet, m, sid)
        info = _sheet_info(sheet, m)
        bar = progress_bar(path) if self.progress else None
        try:
            for block in sheet.blocks:
                if bar is not None:
                    bar.update(block.nbytes)
                a = apply_block(block, sheet, m, ctx)
                self._take(r, sheet, a, info, got)
                found = a.tables.get("sessions")
                if found is not None and ctx.session_id is None and sheet.layout == "keyvalue":
                    sids = found["session_id"].unique().to_list()
                    ctx.session_id = sids[0] if len(sids) == 1 else None
        except SheetError as exc:
            r.errors.append(f"sheet {sheet.name!r}: {exc}" if sheet.name else str(exc))
            info["error"] = str(exc)
        finally:
            if bar is not None:
                bar.close()
        r.sheets.append(info)
        return ctx.session_id

    def _apply(self, path: Path, r: FileResult, sheets: list[Sheet]) -> _Collected:
        """Every sheet of the file (key/value sheets first: they name the session)."""
        got = _Collected()
        sid: str | None = None
        for sheet in sorted(sheets, key=lambda s: 0 if s.layout == "keyvalue" else 1):
            if sheet.mapping is None:
                heads = ", ".join(sheet.headers[:6])
                r.notes.append(
                    f"sheet {sheet.name!r}: no known export type; not ingested (headers: {heads})"
                )
                continue
            sid = self._apply_sheet(path, r, sheet, sid, got)
        return got

    def process(self, path: Path, r: FileResult, sheets: list[Sheet]) -> None:
        """Apply, assemble and stage one file; record its quarantine, checks and ledger entry."""
        t0 = time.perf_counter()
        got = self._apply(path, r, sheets)
        if not any("error" not in s for s in r.sheets):
            r.status = "rejected"
            r.errors = r.errors or ["no sheet could be ingested"]
            return
        r.export_type = _export_type(r, got.apps)
        r.platform = got.apps[0][1].platform if got.apps else None
        for k in (*COUNTS, "rows_skipped"):
            setattr(r, k, sum(s[k] for s in r.sheets))
        tables, checked, dups = assemble.file_tables(got.apps, str(path))
        sessions, streamed = self._close_sinks(r)
        n = sum(d.height for d in dups)
        r.rows_kept, r.rows_quarantined = r.rows_kept - n, r.rows_quarantined + n
        quarantine = concat_or_empty([*got.quarantine, *dups, *streamed], Q_SCHEMA)
        sessions |= self.stage_tables(r, tables, checked, got.apps)
        r.sessions = sorted(sessions)
        skipped = concat_or_empty(got.skipped, SKIP_SCHEMA)
        self._hash_of(r)
        self._record(r, quarantine, skipped, concat_or_empty(got.checks, CHECK_SCHEMA))
        r.seconds = round(time.perf_counter() - t0, 3)
        self.entries.append(self._entry(path, r))

    # -- record ---------------------------------------------------------------------------
    def _record(
        self, r: FileResult, quarantine: pl.DataFrame, skipped: pl.DataFrame, checks: pl.DataFrame
    ) -> None:
        """Stage the file's quarantine (with skipped rows) and checks; list the first of each."""
        tag = (r.sha256 or "x")[:16]
        q = pl.concat(
            [
                quarantine.with_columns(pl.lit("quarantined").alias("action")),
                skipped.with_columns(
                    *(pl.lit(None, dtype=pl.String).alias(c) for c in ("column", "value")),
                    pl.lit(None, dtype=pl.String).alias("expected"),
                    pl.lit("skipped").alias("action"),
                ),
            ],
            how="diagonal_relaxed",
        )
        sha = pl.lit(r.sha256).alias("sha256")
        if q.height:
            self.txn.write_parquet(f"{st.QUARANTINE}/{tag}.parquet", q.with_columns(sha))
        elif (self.root / st.QUARANTINE / f"{tag}.parquet").exists():  # read again, none set aside
            self.txn.remove(f"{st.QUARANTINE}/{tag}.parquet")
        if checks.height:
            self.txn.write_parquet(f"{st.CHECKS}/{tag}.parquet", checks.with_columns(sha))
            self.checks.append(checks)
        self.quarantine.append(quarantine)
        r.quarantined = quarantine.head(LIST_LIMIT).to_dicts()
        r.skipped = skipped.head(LIST_LIMIT).to_dicts()
        if r.rows_quarantined > LIST_LIMIT:
            r.notes.append(
                f"{r.rows_quarantined} rows quarantined; the first {LIST_LIMIT} are listed, "
                f"all are in {st.QUARANTINE}/{tag}.parquet"
            )
        mism = checks.filter(pl.col("status") == "mismatch")
        r.checks = {
            "ok": int((checks["status"] == "ok").sum()),
            "mismatch": mism.height,
            "mismatches": mism.head(LIST_LIMIT).to_dicts(),
        }

    def _entry(self, path: Path, r: FileResult) -> dict[str, Any]:
        """The file's ledger entry."""
        return {
            "sha256": r.sha256,
            "path": str(path),
            "name": Path(path).name,
            "size": os.path.getsize(path),
            "export_type": r.export_type,
            "status": "ingested",
            "sessions": r.sessions,
            "rows_in": r.rows_in,
            "rows_kept": r.rows_kept,
            "rows_quarantined": r.rows_quarantined,
            "rows_skipped": r.rows_skipped,
            "ingested_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "txn": self.txn.stamp,
            "replaces": r.replaced,
        }

    # -- sessions known so far ------------------------------------------------------------
    def _windows(self) -> pl.DataFrame:
        """:func:`known.windows`, cached until this run adds sessions."""
        key = len(self.batch_sessions)
        if self._win is None or self._win_key != key:
            self._win, self._win_key = known.windows(self.root, self.batch_sessions), key
        return self._win

    def _base(self, sheet: Sheet) -> datetime | None:
        """What relative times count from: the fromtime file, --start, the --session's start."""
        if sheet.base_ts is not None:
            return sheet.base_ts
        if self.target is None:
            return None
        if self.target.start is not None:
            return self.target.start
        w = self._windows().filter(pl.col("session_id") == self.target.session_id)
        return w["start_ts"][0] if w.height else None

    # -- a file that cannot be made canonical ----------------------------------------------
    def _snapshot(self) -> tuple[Any, ...]:
        return (
            set(self.txn.put),
            dict(self.txn.retire),
            set(self.txn.delete),
            dict(self.staged_parts),
            dict(self.touched),
            len(self.batch_sessions),
            len(self.checks),
            len(self.quarantine),
            len(self.entries),
        )

    def _restore(self, saved: tuple[Any, ...]) -> None:
        """Take back what a file staged (its sinks, parts, sessions, records)."""
        for sink in self.sinks.values():
            sink.abandon()
        self.sinks.clear()
        put, retire, delete, parts, touched, nb, nc, nq, ne = saved
        for rel in set(self.txn.put) - put:
            self.txn.unstage(rel)
        self.txn.retire, self.txn.delete = retire, delete
        self.staged_parts, self.touched = parts, touched
        del self.batch_sessions[nb:], self.checks[nc:], self.quarantine[nq:], self.entries[ne:]

    def process_safely(self, path: Path, r: FileResult, sheets: list[Sheet]) -> None:
        """:meth:`process`, but a file whose data cannot be made canonical is rejected, not fatal.

        What the file staged is taken back; store errors (OSError) still abort the whole run.
        """
        saved = self._snapshot()
        try:
            self.process(path, r, sheets)
        except DATA_ERRORS as exc:
            self._hash_of(r)
            self._restore(saved)
            self.seen.pop(r.sha256 or "", None)
            log.exception("ingest of %s failed", path)
            r.status = "rejected"
            r.errors = [*r.errors, f"cannot ingest the file: {type(exc).__name__}: {exc}"]
            r.rows_in = r.rows_kept = r.rows_quarantined = 0
            r.tables, r.replaced, r.sessions = {}, [], []

    # -- streamed parts -------------------------------------------------------------------
    def _sink(self, r: FileResult, m: ExportMapping, a: Applied) -> None:
        """Collect a block's rows of a streamable export (viewer-level): kept in memory up to
        :data:`sink.STREAM_ROWS` rows, then streamed block by block into the staged part."""
        for t, df in a.tables.items():
            if t not in schema.TABLES or t == "sessions" or df.height == 0:
                continue
            for sid, part in by_session(schema.conform(t, df)):
                check_required(t, part)
                key = (t, sid)
                if key not in self.sinks:
                    rel = self._part_rel(r, t, sid, m.id, m.priority)
                    self.sinks[key] = Sink(self.txn.path(rel))
                self.sinks[key].add(part)
                r.tables[t] = r.tables.get(t, 0) + part.height
        for t in list(a.tables):
            if t in schema.TABLES and t != "sessions":
                del a.tables[t]

    def _close_sinks(self, r: FileResult) -> tuple[set[str], list[pl.DataFrame]]:
        """Write the collected parts of a file: the sessions written, and the quarantine records
        of the rows whose key repeated an earlier row's (across blocks)."""
        sessions: set[str] = set()
        records: list[pl.DataFrame] = []
        for (t, sid), sink in list(self.sinks.items()):
            del self.sinks[(t, sid)]
            sessions.add(sid)
            dup = sink.close([k for k in schema.TABLES[t].key if k != "session_id"])
            if dup.height:
                r.rows_kept -= dup.height
                r.rows_quarantined += dup.height
                r.notes.append(f"{dup.height} duplicate {t} key(s) in session {sid} quarantined")
                records.append(assemble.duplicate_records(r.path, dup, list(schema.TABLES[t].key)))
        return sessions, records


def ingest_paths(
    paths: list[Path] | list[str],
    store: Path | str,
    *,
    progress: bool = False,
    session: str | None = None,
    room: str | None = None,
    start: datetime | None = None,
    platform: str = "douyin",
    rooms: Rooms | Path | str | None = None,
) -> IngestOutcome:
    """Ingest export files and folders into the canonical store; see the module docstring.

    ``session`` attaches every file to that session (``room`` + ``start``, China time, create it
    when unknown); ``rooms`` is a rooms file (or :class:`Rooms`) naming the ids of one room.
    Never modifies the input files. Returns per-file results; ``outcome.ok`` is False when any file
    was rejected whole. Raises only on store failures (then nothing was written) and on a
    ``session`` that cannot be known (ValueError).
    """
    t0 = time.perf_counter()
    root = Path(store).expanduser().absolute()
    rooms = rooms if isinstance(rooms, Rooms) else load_rooms(rooms)
    target = make_target(root, rooms, session, room, start, platform)
    files, missing = expand([Path(p) for p in paths])
    results = [
        FileResult(path=str(m), status="rejected", errors=[f"no such file or folder: {m}"])
        for m in missing
    ]
    txn = st.Transaction(root)
    run: _Run | None = None
    try:
        run = _Run(root, txn, progress, rooms, target)
        items = [(f, *run.read(f)) for f in files]
        for f, r, sheets in sorted(items, key=order_key):
            if sheets is not None:
                run.process_safely(f, r, sheets)
        run._join_all()
        run.finalize()
        st.stage_ledger(txn, run.entries)
        txn.commit()
    except BaseException:
        txn.abort()
        raise
    finally:
        if run is not None:
            run._pool.shutdown()
    order = {str(f): i for i, f in enumerate(files)}
    results += sorted((r for _f, r, _s in items), key=lambda r: order.get(r.path, 0))
    checks = concat_or_empty(run.checks, CHECK_SCHEMA)
    quarantine = concat_or_empty(run.quarantine, Q_SCHEMA)
    out = IngestOutcome(root, results, round(time.perf_counter() - t0, 3), checks, quarantine)
    log_results(results)
    return out
