"""What applying a mapping to a block yields, and what it needs: the quarantine, skipped-row and
cross-check record schemas, the block's :class:`Context` and its :class:`Applied` outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from helpers.ingest import identity
from helpers.ingest.rooms import Rooms

Q_SCHEMA = {
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "expected": pl.String,
    "reason": pl.String,
}
SKIP_SCHEMA = {"file": pl.String, "sheet": pl.String, "row": pl.Int64, "reason": pl.String}
CHECK_SCHEMA = {
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "session_id": pl.String,
    "product_id": pl.String,
    "metric": pl.String,
    "source_column": pl.String,
    "platform_value": pl.Float64,
    "recomputed": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "abs_diff": pl.Float64,
    "tolerance": pl.Float64,
    "status": pl.String,
    "note": pl.String,
}


class SheetError(ValueError):
    """A sheet that cannot be mapped at all (missing identity or required columns)."""


@dataclass
class Context:
    """What a block's mapping may need from outside it."""

    file: str
    sheet: str | None
    session_id: str | None = None  # from the workbook's key/value sheet
    known_sessions: pl.DataFrame | None = None  # session_id, account, start_ts, end_ts
    windows: pl.DataFrame | None = None  # every known session: session_id, start_ts, end_ts
    rooms: Rooms = field(default_factory=Rooms)
    target: identity.Target | None = None  # --session (and --room/--start to create it)
    base_ts: datetime | None = None  # what relative times (transcripts) count from


@dataclass
class Applied:
    """The outcome of one block."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    quarantine: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=Q_SCHEMA))
    skipped: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SKIP_SCHEMA))
    checks: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CHECK_SCHEMA))
    rows_in: int = 0
    rows_kept: int = 0
    rows_quarantined: int = 0
    cumulative: dict[str, set[str]] = field(default_factory=dict)
    attached: set[str] = field(default_factory=set)  # sessions rows were attached to by time


def concat_or_empty(
    frames: list[pl.DataFrame], schema: Mapping[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    """``frames`` stacked (columns by name), or an empty frame of ``schema`` when there are none."""
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, how="vertical_relaxed")
