"""What an ingest run reports: one :class:`FileResult` per input file and the run's
:class:`IngestOutcome` (``--json``, the summary table the command prints)."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from helpers.ingest.records import CHECK_SCHEMA, Q_SCHEMA

log = logging.getLogger("helpers.ingest.run")


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
        rows = [
            {
                "file": Path(f.path).name,
                "export_type": f.export_type or "",
                "rows_in": f.rows_in,
                "rows_kept": f.rows_kept,
                "rows_quarantined": f.rows_quarantined,
                "status": f.status,
                "note": _note(f),
            }
            for f in self.files
        ]
        return pl.DataFrame(rows, schema=FRAME_SCHEMA)

    def table(self) -> str:
        """The human summary: one line per file and a total line."""
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
            for r in self.frame().iter_rows(named=True)
        ]
        t = self.totals()
        files = f"{t['ingested']} ingested, {t['duplicates']} duplicate, {t['rejected']} rejected"
        counts = (str(t["rows_in"]), str(t["rows_kept"]), str(t["rows_quarantined"]))
        rows.append(("TOTAL", f"{t['files']} files", *counts, files))
        lines = _aligned([head, *rows], right=(2, 3, 4))
        if t["cross_check_mismatches"]:
            lines.append(
                f"cross-checks: {t['cross_check_mismatches']} platform ratio(s) disagree with "
                "the recomputed value"
            )
        lines.append(f"store: {self.store}")
        return "\n".join(lines)


FRAME_SCHEMA = {
    "file": pl.String,
    "export_type": pl.String,
    "rows_in": pl.Int64,
    "rows_kept": pl.Int64,
    "rows_quarantined": pl.Int64,
    "status": pl.String,
    "note": pl.String,
}


def _note(f: FileResult) -> str:
    """The file's first error (and what it duplicates), else where it was attached or what it
    replaces."""
    errors = f.errors[:1]
    if f.duplicate_of:
        errors = [*errors, f"duplicate of {Path(f.duplicate_of).name}"]
    replaced = [f"replaces {Path(r['path']).name}" for r in f.replaced[:1]]
    return "; ".join(errors) or "; ".join([*_attached_note(f), *replaced])


def _aligned(rows: list[tuple[str, ...]], right: tuple[int, ...]) -> list[str]:
    """Rows as columns padded to their display width (CJK counts double), a rule under the head
    and above the last (total) row."""
    widths = [max(_width(x[i]) for x in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(_pad(c, w, i in right) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    ]
    rule = "  ".join("-" * w for w in widths)
    lines.insert(1, rule)
    lines.insert(len(lines) - 1, rule)
    return lines


def _attached_note(f: FileResult) -> list[str]:
    """``attached by time to <session>`` for a file whose rows were placed by their times."""
    if not f.attached_by_time:
        return []
    more = f" (+{len(f.attached_by_time) - 2} more)" if len(f.attached_by_time) > 2 else ""
    return [f"attached by time to {', '.join(f.attached_by_time[:2])}{more}"]


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int, right: bool) -> str:
    fill = " " * (w - _width(s))
    return fill + s if right else s + fill


def log_results(results: list[FileResult]) -> None:
    """One log line per file (a warning for a rejected one)."""
    for r in results:
        level = logging.WARNING if r.status == "rejected" else logging.INFO
        kind = f" as {r.export_type}" if r.export_type else ""
        counts = (r.rows_in, r.rows_kept, r.rows_quarantined)
        log.log(level, "%s: %s%s (%d in, %d kept, %d quarantined)", r.path, r.status, kind, *counts)
