"""One ingest run: files and folders in, canonical store out, with full row accounting.

For each file: hash it (the ledger knows exports already ingested: a duplicate is reported and not
counted again), read its sheets, detect each sheet's export type by its headers, apply the mapping
block by block, stage what it contributed to each (table, session) as a *part*, and record what was
quarantined or skipped and the platform-ratio cross-checks. Then, for every (table, session)
touched, merge its parts into the canonical file. Everything is staged in a transaction and moved
into place at the end: an exception anywhere leaves the store as it was.

A newer export of the same type and session replaces the older part explicitly (the old part moves
to ``_history/``; the file's result lists it under ``replaced``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from helpers.data import schema
from helpers.data import store as st
from helpers.ingest.apply import (
    CHECK_SCHEMA,
    Q_SCHEMA,
    SKIP_SCHEMA,
    Applied,
    Context,
    SheetError,
    apply_block,
)
from helpers.ingest.identity import Target, session_id_for
from helpers.ingest.mapping import ExportMapping, norm
from helpers.ingest.readers import SUFFIXES, ReadError, Sheet, read_sheets
from helpers.ingest.rooms import Rooms, load_rooms

log = logging.getLogger(__name__)

LIST_LIMIT = 50
_ACCOUNT = re.compile(r"^(?:dy|ks)-(.+)-(\d{8}-\d{4})$")


@dataclass
class FileResult:
    """What happened to one input file (the fields of ``--json``)."""

    path: str
    status: str = "ingested"  # ingested | duplicate | rejected
    export_type: str | None = None
    platform: str | None = None
    sha256: str | None = None
    rows_in: int = 0
    rows_kept: int = 0
    rows_quarantined: int = 0
    rows_skipped: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    replaced: list[dict[str, str]] = field(default_factory=list)
    duplicate_of: str | None = None
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)
    attached_by_time: list[str] = field(default_factory=list)  # sessions found by the rows' times
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class IngestOutcome:
    """The result of :func:`ingest_paths`: per-file results and the store they went into."""

    store: Path
    files: list[FileResult]
    seconds: float = 0.0
    cross_checks: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CHECK_SCHEMA))
    quarantine: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=Q_SCHEMA))

    @property
    def ok(self) -> bool:
        """No file was rejected whole."""
        return all(f.status != "rejected" for f in self.files)

    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "ingested": sum(f.status == "ingested" for f in self.files),
            "duplicates": sum(f.status == "duplicate" for f in self.files),
            "rejected": sum(f.status == "rejected" for f in self.files),
            "rows_in": sum(f.rows_in for f in self.files),
            "rows_kept": sum(f.rows_kept for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
            "cross_check_mismatches": int((self.cross_checks["status"] == "mismatch").sum()),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "store": str(self.store),
            "ok": self.ok,
            "totals": self.totals(),
            "files": [f.to_json() for f in self.files],
        }

    def frame(self) -> pl.DataFrame:
        """One row per file: name, export type, rows in/kept/quarantined, status."""
        return pl.DataFrame(
            [
                {
                    "file": Path(f.path).name,
                    "export_type": f.export_type or "",
                    "rows_in": f.rows_in,
                    "rows_kept": f.rows_kept,
                    "rows_quarantined": f.rows_quarantined,
                    "status": f.status,
                    "note": "; ".join(
                        [*f.errors[:1], f"duplicate of {Path(f.duplicate_of).name}"]
                        if f.duplicate_of
                        else f.errors[:1]
                    )
                    or "; ".join(
                        [
                            *_attached_note(f),
                            *(f"replaces {Path(r['path']).name}" for r in f.replaced[:1]),
                        ]
                    ),
                }
                for f in self.files
            ],
            schema={
                "file": pl.String,
                "export_type": pl.String,
                "rows_in": pl.Int64,
                "rows_kept": pl.Int64,
                "rows_quarantined": pl.Int64,
                "status": pl.String,
                "note": pl.String,
            },
        )

    def table(self) -> str:
        """The human summary: one line per file and a total line."""
        df = self.frame()
        head = ("file", "export type", "rows in", "kept", "quarantined", "status")
        rows = [
            (
                r["file"],
                r["export_type"],
                str(r["rows_in"]),
                str(r["rows_kept"]),
                str(r["rows_quarantined"]),
                r["status"] + (f" ({r['note']})" if r["note"] else ""),
            )
            for r in df.iter_rows(named=True)
        ]
        t = self.totals()
        rows.append(
            (
                "TOTAL",
                f"{t['files']} files",
                str(t["rows_in"]),
                str(t["rows_kept"]),
                str(t["rows_quarantined"]),
                f"{t['ingested']} ingested, {t['duplicates']} duplicate, {t['rejected']} rejected",
            )
        )
        widths = [max(_width(x[i]) for x in [head, *rows]) for i in range(len(head))]
        lines = [
            "  ".join(
                _pad(c, w, i in (2, 3, 4)) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in [head, *rows]
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines.insert(len(lines) - 1, "  ".join("-" * w for w in widths))
        if t["cross_check_mismatches"]:
            lines.append(
                f"cross-checks: {t['cross_check_mismatches']} platform ratio(s) disagree with the recomputed value"
            )
        lines.append(f"store: {self.store}")
        return "\n".join(lines)


def _attached_note(f: FileResult) -> list[str]:
    """``attached by time to <session>`` for a file whose rows were placed by their times."""
    if not f.attached_by_time:
        return []
    more = f" (+{len(f.attached_by_time) - 2} more)" if len(f.attached_by_time) > 2 else ""
    return [f"attached by time to {', '.join(f.attached_by_time[:2])}{more}"]


def _width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int, right: bool) -> str:
    fill = " " * (w - _width(s))
    return fill + s if right else s + fill


# ------------------------------------------------------------------------------------ helpers


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def expand(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(files to ingest, missing paths): folders are walked recursively, hidden and temp files skipped."""
    files: list[Path] = []
    missing: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if (
                    f.is_file()
                    and f.suffix.lower() in SUFFIXES
                    and not any(x.startswith((".", "~$", "_")) for x in rel)
                ):
                    files.append(f)
        elif p.is_file():
            files.append(p)
        else:
            missing.append(p)
    seen: set[Path] = set()
    unique = []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, missing


def _collect(
    sheet_apps: list[tuple[Sheet, ExportMapping, Applied]],
) -> tuple[dict[str, list[pl.DataFrame]], dict[str, set[str]]]:
    frames: dict[str, list[pl.DataFrame]] = {}
    cumulative: dict[str, set[str]] = {}
    for _s, _m, a in sheet_apps:
        for t, df in a.tables.items():
            frames.setdefault(t, []).append(df)
        for t, cols in a.cumulative.items():
            cumulative.setdefault(t, set()).update(cols)
    return frames, cumulative


def _difference(df: pl.DataFrame, cols: set[str]) -> pl.DataFrame:
    """Per-minute values from cumulative series (per session, in minute order)."""
    df = df.sort("session_id", "minute_ts")
    return df.with_columns(
        [
            (pl.col(c) - pl.col(c).shift(1).over("session_id")).fill_null(pl.col(c)).alias(c)
            for c in cols
            if c in df.columns
        ]
    )


def _known_sessions(root: Path, batch: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [st.scan_table("sessions", root).select("session_id", "start_ts", "end_ts").collect()]
    frames += [b.select("session_id", "start_ts", "end_ts") for b in batch if b.height]
    df = pl.concat(
        [
            f.with_columns(
                pl.col("start_ts").dt.convert_time_zone(schema.TZ).dt.cast_time_unit("us"),
                pl.col("end_ts").dt.convert_time_zone(schema.TZ).dt.cast_time_unit("us"),
            )
            for f in frames
        ]
    )
    df = df.unique("session_id", keep="last")
    return df.with_columns(
        pl.col("session_id").str.extract(_ACCOUNT.pattern, 1).alias("account")
    ).filter(pl.col("account").is_not_null())


def _needs_windows(m: ExportMapping, sheet: Sheet) -> bool:
    """Whether the sheet's rows are placed by time alone (no account column, or a capture)."""
    if m.session.get("by_time"):
        return True
    if not m.session.get("account") or "sessions" in m.tables:
        return False
    have = {norm(h) for h in sheet.headers}
    return not any(norm(a) in have for a in m.session["account"])


def _windows(root: Path, batch: list[pl.DataFrame]) -> pl.DataFrame:
    """Every session known so far (store and this run): session_id, start_ts, end_ts."""
    frames = [st.scan_table("sessions", root).select("session_id", "start_ts", "end_ts").collect()]
    frames += [b.select("session_id", "start_ts", "end_ts") for b in batch if b.height]
    df = pl.concat(
        [
            f.with_columns(
                pl.col(c).dt.convert_time_zone(schema.TZ).dt.cast_time_unit("us")
                for c in ("start_ts", "end_ts")
            )
            for f in frames
        ]
    )
    return df.unique("session_id", keep="last").sort("start_ts", "session_id")


# --------------------------------------------------------------------------------------- run


class _Run:
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
        # (table, entity) -> {part rel path: (priority, export_type)}
        self.touched: dict[tuple[str, str], str] = {}
        self.staged_parts: dict[tuple[str, str, str], tuple[str, str, int]] = {}
        self.entries: list[dict] = []
        self.checks: list[pl.DataFrame] = []
        self.quarantine: list[pl.DataFrame] = []
        self.sinks: dict[tuple[str, str], _Sink] = {}

    # -- per file ------------------------------------------------------------------------
    def read(self, path: Path) -> tuple[FileResult, list[Sheet] | None]:
        r = FileResult(path=str(path))
        try:
            r.sha256 = sha256_file(path)
        except OSError as exc:
            r.status, r.errors = "rejected", [f"cannot read the file: {exc}"]
            return r, None
        dup = self.ledger.get(r.sha256) or (
            {"path": self.seen[r.sha256]} if r.sha256 in self.seen else None
        )
        if dup is not None and r.sha256 not in self.seen and self._may_place_now(dup):
            r.notes.append(
                f"read again: {dup.get('rows_quarantined')} row(s) were quarantined when it "
                "was first ingested, and this run has a rooms file or --session to place them"
            )
            dup = None
        if dup is not None:
            r.status, r.duplicate_of = "duplicate", dup["path"]
            r.export_type = dup.get("export_type")
            r.notes.append(
                f"same content as {dup['path']} (already ingested); nothing counted again"
            )
            return r, None
        try:
            sheets = read_sheets(path)
        except ReadError as exc:
            r.status, r.errors = "rejected", [_one_line(str(exc))]
            return r, None
        except Exception as exc:  # a file that cannot be read at all: one clear line
            r.status, r.errors = (
                "rejected",
                [_one_line(f"cannot read the file: {type(exc).__name__}: {exc}")],
            )
            return r, None
        if not any(s.mapping for s in sheets):
            heads = (
                "; ".join(f"{s.name or 'csv'}: {', '.join(s.headers[:8])}" for s in sheets)
                or "no data"
            )
            r.status, r.errors = (
                "rejected",
                [f"no known export type recognised by its headers ({heads})"],
            )
            return r, None
        self.seen[r.sha256] = str(path)
        return r, sheets

    def process(self, path: Path, r: FileResult, sheets: list[Sheet]) -> None:
        t0 = time.perf_counter()
        ordered = sorted(sheets, key=lambda s: 0 if s.layout == "keyvalue" else 1)
        ctx_sid: str | None = None
        apps: list[tuple[Sheet, ExportMapping, Applied]] = []
        q_parts, s_parts, c_parts = [], [], []
        for sheet in ordered:
            m = sheet.mapping
            name = sheet.name
            if m is None:
                r.notes.append(
                    f"sheet {name!r}: no known export type; not ingested (headers: {', '.join(sheet.headers[:6])})"
                )
                continue
            by_room = bool(self.rooms.by_account and m.session.get("start"))
            known = None
            if m.session.get("assign_by_time") or by_room:
                known = _known_sessions(self.root, self.batch_sessions)
            windows = self._windows() if _needs_windows(m, sheet) else None
            ctx = Context(
                file=str(path),
                sheet=name,
                session_id=ctx_sid,
                known_sessions=known,
                windows=windows,
                rooms=self.rooms,
                target=self.target,
                base_ts=self._base(sheet),
            )
            info = {
                "sheet": name,
                "export_type": m.id,
                "header_row": sheet.header_row,
                "rows_in": 0,
                "rows_kept": 0,
                "rows_quarantined": 0,
                "rows_skipped": 0,
            }
            bar = _progress_bar(path) if self.progress else None
            try:
                for block in sheet.blocks:
                    if bar is not None:
                        bar.update(block.nbytes)
                    a = apply_block(block, sheet, m, ctx)
                    r.attached_by_time = sorted({*r.attached_by_time, *a.attached})
                    if m.streamable:
                        self._sink(r, m, a)
                    apps.append((sheet, m, a))
                    for k in ("rows_in", "rows_kept", "rows_quarantined"):
                        info[k] += getattr(a, k)
                    info["rows_skipped"] += a.skipped.height
                    q_parts.append(a.quarantine)
                    s_parts.append(a.skipped)
                    c_parts.append(a.checks)
                    if (
                        a.tables.get("sessions") is not None
                        and ctx_sid is None
                        and sheet.layout == "keyvalue"
                    ):
                        sids = a.tables["sessions"]["session_id"].unique().to_list()
                        ctx_sid = sids[0] if len(sids) == 1 else None
                        ctx.session_id = ctx_sid
            except SheetError as exc:
                r.errors.append(f"sheet {name!r}: {exc}" if name else str(exc))
                info["error"] = str(exc)
            finally:
                if bar is not None:
                    bar.close()
            r.sheets.append(info)
        used = [s for s in r.sheets if "error" not in s]
        if not used:
            r.status = "rejected"
            if not r.errors:
                r.errors.append("no sheet could be ingested")
            return
        types = sorted({s["export_type"] for s in used})
        groups = {next(m.group for _s, m, _a in apps if m.id == t) for t in types}
        r.export_type = (
            groups.pop()
            if len(groups) == 1 and None not in groups and len(types) > 1
            else "+".join(types)
        )
        r.platform = apps[0][1].platform if apps else None
        for k in ("rows_in", "rows_kept", "rows_quarantined", "rows_skipped"):
            setattr(r, k, sum(s[k] for s in r.sheets))
        quarantine = (
            pl.concat(q_parts, how="vertical_relaxed") if q_parts else pl.DataFrame(schema=Q_SCHEMA)
        )
        skipped = (
            pl.concat(s_parts, how="vertical_relaxed")
            if s_parts
            else pl.DataFrame(schema=SKIP_SCHEMA)
        )
        checks = (
            pl.concat(c_parts, how="vertical_relaxed")
            if c_parts
            else pl.DataFrame(schema=CHECK_SCHEMA)
        )

        frames, cumulative = _collect(apps)
        tables: dict[str, pl.DataFrame] = {}
        for t, parts in frames.items():
            df = pl.concat(parts, how="diagonal_relaxed")
            if t == "trend" and cumulative.get("trend"):
                df = _difference(df, cumulative["trend"])
            tables[t] = df
        # duplicate keys inside one file: the first row is kept, later ones quarantined
        main = apps[0][1].primary if apps else None
        for t, df in list(tables.items()):
            key = list(schema.TABLES[t].key) if t in schema.TABLES else []
            if (
                t in ("sessions", "session_totals", "room_days", "events")
                or not key
                or not all(k in df.columns for k in key)
            ):
                continue
            dup = df.select(~pl.struct(key).is_first_distinct()).to_series()
            n = int(dup.sum())
            if n:
                tables[t] = df.filter(~dup)
                if t == main:
                    r.rows_kept -= n
                    r.rows_quarantined += n
                    quarantine = pl.concat(
                        [
                            quarantine,
                            pl.DataFrame(
                                {
                                    "file": [str(path)] * n,
                                    "sheet": [None] * n,
                                    "row": [None] * n,
                                    "column": [", ".join(key)] * n,
                                    "value": df.filter(dup)
                                    .select(
                                        pl.concat_str(
                                            [pl.col(k).cast(pl.String) for k in key],
                                            separator=" | ",
                                        )
                                    )
                                    .to_series()
                                    .to_list(),
                                    "expected": ["a key seen once per file"] * n,
                                    "reason": ["duplicate key (an earlier row has it)"] * n,
                                },
                                schema=Q_SCHEMA,
                            ),
                        ],
                        how="vertical_relaxed",
                    )
        if "events" in tables:
            tables["events"] = tables["events"].unique(
                ["session_id", "start_ts", "kind", "product_id"], keep="first", maintain_order=True
            )
        stub = tables.pop("sessions_stub", None)
        if stub is not None and "sessions" not in tables:  # one row per session across blocks
            others = [c for c in stub.columns if c not in ("session_id", "start_ts", "end_ts")]
            tables["sessions_stub"] = stub.group_by("session_id", maintain_order=True).agg(
                *[pl.col(c).first() for c in others],
                pl.col("start_ts").min(),
                pl.col("end_ts").max(),
            )

        # validate and stage parts per (table, entity)
        notes: dict[str, list[str]] = {}
        sessions_all: set[str] = self._close_sinks(r, notes)
        r.notes += notes.get("dups", [])
        for t, df in tables.items():
            canon = "sessions" if t == "sessions_stub" else t
            export_type = f"{_mapping_for(apps, t)}{'~stub' if t == 'sessions_stub' else ''}"
            prio = _priority(apps, t) if t != "sessions_stub" else 0
            if df.height == 0:
                continue
            if canon == "room_days":
                for (room, day), part in df.partition_by(
                    ["room", "date"], as_dict=True, maintain_order=True
                ).items():
                    ent = f"{room}|{day}"
                    part = schema.validate("room_days", part)
                    self._stage_part(
                        r, canon, ent, export_type, prio, part, platform=r.platform or "unknown"
                    )
                r.tables[canon] = r.tables.get(canon, 0) + df.height
                continue
            if canon == "audience_profile":
                self._stage_rooms(r, df, export_type, prio)
                continue
            df = (
                schema.validate(canon, df)
                if canon != "sessions" or t != "sessions_stub"
                else _validate_stub(df)
            )
            if canon == "sessions":
                self.batch_sessions.append(df.select("session_id", "start_ts", "end_ts"))
            for (sid,), part in df.partition_by(
                "session_id", as_dict=True, maintain_order=True
            ).items():
                sessions_all.add(sid)
                self._stage_part(r, canon, sid, export_type, prio, part)
            if t != "sessions_stub":
                r.tables[canon] = r.tables.get(canon, 0) + df.height
        r.sessions = sorted(sessions_all)

        tag = (r.sha256 or "x")[:16]
        q = pl.concat(
            [
                quarantine.with_columns(pl.lit("quarantined").alias("action")),
                skipped.with_columns(
                    pl.lit(None, dtype=pl.String).alias("column"),
                    pl.lit(None, dtype=pl.String).alias("value"),
                    pl.lit(None, dtype=pl.String).alias("expected"),
                    pl.lit("skipped").alias("action"),
                ),
            ],
            how="diagonal_relaxed",
        )
        if q.height:
            self.txn.write_parquet(
                f"{st.QUARANTINE}/{tag}.parquet", q.with_columns(pl.lit(r.sha256).alias("sha256"))
            )
        elif (
            self.root / st.QUARANTINE / f"{tag}.parquet"
        ).exists():  # read again, nothing set aside
            self.txn.remove(f"{st.QUARANTINE}/{tag}.parquet")
        if checks.height:
            self.txn.write_parquet(
                f"{st.CHECKS}/{tag}.parquet", checks.with_columns(pl.lit(r.sha256).alias("sha256"))
            )
            self.checks.append(checks)
        self.quarantine.append(quarantine)
        r.quarantined = quarantine.head(LIST_LIMIT).to_dicts()
        r.skipped = skipped.head(LIST_LIMIT).to_dicts()
        if r.rows_quarantined > LIST_LIMIT:
            r.notes.append(
                f"{r.rows_quarantined} rows quarantined; the first {LIST_LIMIT} are listed, all are in {st.QUARANTINE}/{tag}.parquet"
            )
        mism = checks.filter(pl.col("status") == "mismatch")
        r.checks = {
            "ok": int((checks["status"] == "ok").sum()),
            "mismatch": mism.height,
            "mismatches": mism.head(LIST_LIMIT).to_dicts(),
        }
        r.seconds = round(time.perf_counter() - t0, 3)
        self.entries.append(
            {
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
        )

    def _stage_rooms(self, r: FileResult, df: pl.DataFrame, export_type: str, prio: int) -> None:
        """Stage a portrait: per session when it names one, else per room and first day."""
        dates = ("date_from", "date_to")
        df = df.with_columns(
            pl.lit(None, dtype=pl.Date).alias(c) for c in dates if c not in df.columns
        )
        df = schema.validate("audience_profile", df)
        day = (
            pl.col("date_from").cast(pl.String).fill_null("1970-01-01")
        )  # undated: fixed partition
        ent = pl.coalesce("session_id", pl.concat_str("room", pl.lit("|"), day)).alias("__ent")
        parts = df.with_columns(ent).partition_by("__ent", as_dict=True, maintain_order=True)
        for (e,), part in parts.items():
            part = part.drop("__ent")
            dims = "+".join(sorted(part["dimension"].unique().to_list()))
            kind = f"{export_type}-{dims}"  # one part per dimension set: one file per dimension adds up
            plat = None if part["session_id"].is_not_null().any() else r.platform or "douyin"
            self._stage_part(r, "audience_profile", e, kind, prio, part, platform=plat)
        r.tables["audience_profile"] = r.tables.get("audience_profile", 0) + df.height

    def _windows(self) -> pl.DataFrame:
        """:func:`_windows`, cached until this run adds sessions."""
        key = len(self.batch_sessions)
        if self._win is None or self._win_key != key:
            self._win, self._win_key = _windows(self.root, self.batch_sessions), key
        return self._win

    def _may_place_now(self, entry: dict) -> bool:
        """An already ingested file with quarantined rows is read again when this run brings
        identity it lacked (a rooms file or --session)."""
        brings = self.target is not None or bool(self.rooms.by_account)
        return bool(entry.get("rows_quarantined")) and brings

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

    def process_safely(self, path: Path, r: FileResult, sheets: list[Sheet]) -> None:
        """:meth:`process`, but a file whose data cannot be made canonical is rejected, not fatal.

        What the file staged is taken back; store errors (OSError) still abort the whole run.
        """
        saved = (
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
        try:
            self.process(path, r, sheets)
        except (
            schema.SchemaError,
            pl.exceptions.PolarsError,
            ValueError,
            KeyError,
            TypeError,
        ) as exc:
            for sink in self.sinks.values():
                sink.abandon()
            self.sinks.clear()
            put, retire, delete, parts, touched, nb, nc, nq, ne = saved
            for rel in set(self.txn.put) - put:
                self.txn.unstage(rel)
            self.txn.retire, self.txn.delete = retire, delete
            self.staged_parts, self.touched = parts, touched
            del self.batch_sessions[nb:], self.checks[nc:], self.quarantine[nq:], self.entries[ne:]
            self.seen.pop(r.sha256 or "", None)
            log.exception("ingest of %s failed", path)
            r.status = "rejected"
            r.errors = [*r.errors, f"cannot ingest the file: {type(exc).__name__}: {exc}"]
            r.rows_in = r.rows_kept = r.rows_quarantined = 0
            r.tables, r.replaced, r.sessions = {}, [], []

    def _sink(self, r: FileResult, m: ExportMapping, a: Applied) -> None:
        """Collect a block's rows of a streamable export (viewer-level): kept in memory up to
        :data:`STREAM_ROWS` rows, then streamed block by block into the staged part (flat memory)."""
        for t, df in a.tables.items():
            if t not in schema.TABLES or t == "sessions" or df.height == 0:
                continue
            t_df = schema.conform(t, df)
            for (sid,), part in t_df.partition_by(
                "session_id", as_dict=True, maintain_order=True
            ).items():
                _check_required(t, part)
                key = (t, sid)
                if key not in self.sinks:
                    rel = self._part_rel(r, t, sid, m.id, m.priority)
                    self.sinks[key] = _Sink(self.txn.path(rel))
                self.sinks[key].add(part)
                r.tables[t] = r.tables.get(t, 0) + part.height
        for t in list(a.tables):
            if t in schema.TABLES and t != "sessions":
                del a.tables[t]

    def _close_sinks(self, r: FileResult, notes: dict[str, list[str]]) -> set[str]:
        """Write the collected parts of a file; a key repeated across blocks is quarantined."""
        sessions: set[str] = set()
        for (t, sid), sink in list(self.sinks.items()):
            del self.sinks[(t, sid)]
            sessions.add(sid)
            dup = sink.close([k for k in schema.TABLES[t].key if k != "session_id"])
            if dup:
                r.rows_kept -= dup
                r.rows_quarantined += dup
                notes.setdefault("dups", []).append(
                    f"{dup} duplicate {t} key(s) in session {sid} quarantined"
                )
        return sessions

    def _part_rel(self, r: FileResult, table: str, entity: str, export_type: str, prio: int) -> str:
        """The staged part path of what file ``r`` contributes to (table, entity); replaces older ones."""
        ent = st.entity_name(entity)
        rel = f"{st.PARTS}/{table}/{ent}/{prio:03d}-{export_type}--{(r.sha256 or '')[:12]}.parquet"
        prefix = f"{prio:03d}-{export_type}--"
        # an earlier export of the same type for the same session is replaced (kept in history)
        for old in st.part_files(self.root, table, entity):
            old_rel = old.relative_to(self.root).as_posix()
            if old.name.startswith(prefix) and old_rel != rel and old_rel not in self.txn.retire:
                self.txn.move_to_history(old_rel)
                prev = next(
                    (
                        e
                        for e in self.ledger.values()
                        if e["sha256"][:12] == old.stem.rsplit("--", 1)[-1]
                    ),
                    None,
                )
                if not export_type.endswith("~stub"):
                    r.replaced.append(
                        {
                            "table": table,
                            "session": entity,
                            "path": prev["path"] if prev else old_rel,
                            "sha256": prev["sha256"] if prev else "",
                        }
                    )
        for key, (prev_rel, prev_path, _p) in list(self.staged_parts.items()):
            if (
                key[:2] == (table, ent)
                and prev_rel.split("/")[-1].startswith(prefix)
                and prev_rel != rel
            ):
                self.txn.unstage(prev_rel)
                del self.staged_parts[key]
                if not export_type.endswith("~stub"):
                    r.replaced.append(
                        {"table": table, "session": entity, "path": prev_path, "sha256": ""}
                    )
        self.staged_parts[(table, ent, rel)] = (rel, r.path, prio)
        self.touched[(table, entity)] = self.touched.get((table, entity), "")
        return rel

    def _stage_part(
        self,
        r: FileResult,
        table: str,
        entity: str,
        export_type: str,
        prio: int,
        df: pl.DataFrame,
        platform: str | None = None,
    ) -> None:
        rel = self._part_rel(r, table, entity, export_type, prio)
        self.txn.write_parquet(rel, df)
        self.touched[(table, entity)] = platform or ""

    # -- canonical files ------------------------------------------------------------------
    def _parts_of(self, table: str, entity: str) -> list[Path]:
        ent = st.entity_name(entity)
        stored = [
            p
            for p in st.part_files(self.root, table, entity)
            if p.relative_to(self.root).as_posix() not in self.txn.retire
        ]
        staged = [self.txn.put[rel] for (t, e, rel) in self.staged_parts if t == table and e == ent]
        # order: priority (file name prefix) descending, then newest first
        return sorted([*stored, *staged], key=lambda p: (-int(p.name[:3]), p.name))

    def finalize(self) -> None:
        where: dict[str, tuple[str, str]] = {}
        # sessions first: they decide each session's partition
        for (table, entity), _pf in sorted(self.touched.items()):
            if table != "sessions":
                continue
            merged = st.merge_parts(
                "sessions", [pl.read_parquet(p) for p in self._parts_of("sessions", entity)]
            )
            merged = schema.validate("sessions", merged)
            row = merged.row(0, named=True)
            where[entity] = (row["platform"], row["start_ts"].date().isoformat())
            self._write_canonical(
                "sessions",
                entity,
                merged,
                *where[entity],
                parts=1 + len(self._parts_of("sessions", entity)),
            )
        for (table, entity), platform in sorted(self.touched.items()):
            if table == "sessions":
                continue
            parts = self._parts_of(table, entity)
            if table == "room_days" or (table == "audience_profile" and platform):
                day = entity.rsplit("|", 1)[1]
                plat, date = platform or "unknown", day
            else:
                if entity not in where:
                    where[entity] = self._stored_where(entity)
                plat, date = where[entity]
            if len(parts) == 1 and not set(st.PARTITION_COLUMNS) & set(
                pl.read_parquet_schema(parts[0])
            ):
                self._write_canonical(table, entity, None, plat, date, src=parts[0])
            else:
                merged = st.merge_parts(table, [pl.read_parquet(p) for p in parts])
                self._write_canonical(table, entity, schema.validate(table, merged), plat, date)

    def _stored_where(self, entity: str) -> tuple[str, str]:
        files = st.canonical_files(self.root, "sessions", entity)
        if not files:  # pragma: no cover - every session has at least a stub part
            raise schema.SchemaError(f"session {entity!r} has no sessions row")
        parts = files[0].relative_to(self.root).parts
        return parts[1].split("=", 1)[1], parts[2].split("=", 1)[1]

    def _write_canonical(
        self,
        table: str,
        entity: str,
        df: pl.DataFrame | None,
        platform: str,
        date: str,
        *,
        src: Path | None = None,
        parts: int = 0,
    ) -> None:
        rel = f"{table}/platform={platform}/date={date}/{st.entity_name(entity)}.parquet"
        for old in st.canonical_files(self.root, table, entity):
            old_rel = old.relative_to(self.root).as_posix()
            if old_rel != rel:
                self.txn.remove(old_rel)
        if src is not None:
            self.txn.link(rel, src)
        else:
            assert df is not None
            self.txn.write_parquet(
                rel, df.drop([c for c in st.PARTITION_COLUMNS if c in df.columns])
            )


STREAM_ROWS = 1_500_000


class _Sink:
    """One (table, session) part of a large export: in memory while small, streamed when large."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.frames: list[pl.DataFrame] = []
        self.rows = 0
        self.writer: Any = None
        self.schema: Any = None

    def add(self, df: pl.DataFrame) -> None:
        self.rows += df.height
        if self.writer is None:
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
        else:
            self.writer.write_table(df.to_arrow().cast(self.schema))

    def close(self, key: list[str]) -> int:
        """Finish the file; returns how many rows repeated an earlier row's key (those are dropped)."""

        def dups(lf: pl.LazyFrame) -> int:
            if not key:
                return 0
            expr = pl.col(key[0]) if len(key) == 1 else pl.struct(key)
            # 64-bit hashes first (cheap); only a collision or a real repeat needs the exact count
            if lf.select(pl.len() - expr.hash(seed=7).n_unique()).collect().item() == 0:
                return 0
            return int(lf.select(pl.len() - expr.n_unique()).collect().item())

        if self.writer is None:
            df = pl.concat(self.frames, how="vertical_relaxed") if self.frames else pl.DataFrame()
            self.frames = []
            n = dups(df.lazy())
            if n:
                df = df.filter(pl.struct(key).is_first_distinct())
            df.write_parquet(self.path, compression="zstd", compression_level=1, statistics=True)
            return n
        self.writer.close()
        n = dups(pl.scan_parquet(self.path))
        if n:
            df = pl.read_parquet(self.path)
            df.filter(pl.struct(key).is_first_distinct()).write_parquet(
                self.path, compression="zstd", compression_level=1
            )
        return n

    def abandon(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.frames = []


def _progress_bar(path: Path, min_bytes: int = 16 << 20) -> Any:
    """A byte progress bar on stderr for a large file (None for small files or without tqdm)."""
    size = os.path.getsize(path)
    if size < min_bytes:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with papermill
        return None
    return tqdm(total=size, desc=Path(path).name[:40], unit="B", unit_scale=True, leave=False)


def _check_required(table: str, df: pl.DataFrame) -> None:
    """Required values present and enumerations respected (what validate checks, per chunk)."""
    t = schema.TABLES[table]
    for c in t.columns:
        if c.name in df.columns and c.required and df[c.name].null_count():
            raise schema.SchemaError(f"{table}.{c.name}: required value is missing")
        if c.name in df.columns and c.allowed:
            bad = df[c.name].is_not_null() & ~df[c.name].is_in(list(c.allowed))
            if bad.any():
                raise schema.SchemaError(
                    f"{table}.{c.name}: value not one of {', '.join(c.allowed)}"
                )


def _validate_stub(df: pl.DataFrame) -> pl.DataFrame:
    return schema.validate("sessions", df)


def _mapping_for(apps: list[tuple[Sheet, ExportMapping, Applied]], table: str) -> str:
    for _s, m, a in apps:
        if table in a.tables or (table == "sessions_stub" and "sessions_stub" in a.tables):
            return m.id
    return apps[0][1].id


def _priority(apps: list[tuple[Sheet, ExportMapping, Applied]], table: str) -> int:
    for _s, m, a in apps:
        if table in a.tables:
            return m.priority if table in m.tables else max(1, m.priority - 40)
    return 1


def _order_key(item: tuple[Path, FileResult, list[Sheet] | None]) -> tuple[int, str]:
    """Files that define sessions first (so shop orders can find their session by time)."""
    _p, _r, sheets = item
    defines = any(s.mapping is not None and "sessions" in s.mapping.tables for s in sheets or [])
    needs = any(
        s.mapping is not None and s.mapping.session.get("assign_by_time") for s in sheets or []
    )
    try:
        mtime = os.path.getmtime(_p)
    except OSError:
        mtime = 0.0
    return (0 if defines else 2 if needs else 1, f"{mtime:020.6f}{_p}")


def _one_line(message: str, limit: int = 300) -> str:
    """An error as one line (library messages can span several), cut to ``limit`` characters."""
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def make_target(
    root: Path,
    rooms: Rooms,
    session: str | None,
    room: str | None,
    start: datetime | None,
    platform: str = "douyin",
) -> Target | None:
    """The session ``--session`` / ``--room`` / ``--start`` name; ValueError if it cannot be known.

    A session the store knows is attached to; an unknown one is created from --room and --start
    (its id derived from them when --session is not given; its end is the data's last time)."""
    if session is None and room is None and start is None:
        return None
    known = set(_windows(root, [])["session_id"].to_list())
    if room is not None and start is not None:
        sid = session or session_id_for(room, start, platform, rooms)
        return Target(sid, room, start, platform, create=sid not in known)
    if session is None:
        raise ValueError(
            "give --room and --start together (to create a session), or --session SESSION_ID"
        )
    if session not in known:
        raise ValueError(
            f"session {session!r} is not in the store {root}; "
            'give --room NAME and --start "YYYY-MM-DD HH:MM" to create it'
        )
    return Target(session, start=start, platform=platform)


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
    results: list[FileResult] = [
        FileResult(path=str(m), status="rejected", errors=[f"no such file or folder: {m}"])
        for m in missing
    ]
    txn = st.Transaction(root)
    try:
        run = _Run(root, txn, progress, rooms, target)
        items = []
        for f in files:
            r, sheets = run.read(f)
            items.append((f, r, sheets))
        for f, r, sheets in sorted(items, key=_order_key):
            if sheets is not None:
                run.process_safely(f, r, sheets)
        run.finalize()
        st.stage_ledger(txn, run.entries)
        txn.commit()
    except BaseException:
        txn.abort()
        raise
    order = {str(f): i for i, f in enumerate(files)}
    results += sorted((r for _f, r, _s in items), key=lambda r: order.get(r.path, 0))
    checks = (
        pl.concat(run.checks, how="vertical_relaxed")
        if run.checks
        else pl.DataFrame(schema=CHECK_SCHEMA)
    )
    quarantine = (
        pl.concat(run.quarantine, how="vertical_relaxed")
        if run.quarantine
        else pl.DataFrame(schema=Q_SCHEMA)
    )
    out = IngestOutcome(root, results, round(time.perf_counter() - t0, 3), checks, quarantine)
    for r in results:
        level = logging.WARNING if r.status == "rejected" else logging.INFO
        log.log(
            level,
            "%s: %s%s (%d in, %d kept, %d quarantined)",
            r.path,
            r.status,
            f" as {r.export_type}" if r.export_type else "",
            r.rows_in,
            r.rows_kept,
            r.rows_quarantined,
        )
    return out
