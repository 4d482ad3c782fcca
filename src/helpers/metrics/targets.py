"""Targets: a CSV/YAML targets file and the store's ``targets`` table, resolved for one session.

File formats (``metric`` keys are those of :data:`helpers.metrics.definitions.METRICS`; ratios as
fractions):

- CSV with columns ``metric,target`` and optionally ``session_id``, ``room``, ``date``;
- YAML either a mapping ``{metric: target}`` (applies to every session) or a list of rows with the
  CSV's keys.

For a session, the most specific row wins: ``session_id`` match, then ``room`` + ``date`` match,
then rows naming neither (global). A targets file overrides the store's table.
"""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path

import polars as pl

from helpers.data import schema
from helpers.metrics.definitions import METRICS
from helpers.paths import read_yaml

log = logging.getLogger(__name__)


def read_targets(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a targets file (CSV or YAML) into the canonical ``targets`` table."""
    p = Path(path)
    if p.suffix.lower() in (".yaml", ".yml"):
        data = read_yaml(p) or {}
        if isinstance(data, dict):
            rows = [{"metric": k, "target": float(v)} for k, v in data.items()]
        else:
            rows = [dict(r) for r in data]
        df = pl.DataFrame(rows, infer_schema_length=None) if rows else schema.empty("targets")
    else:
        df = pl.read_csv(p, infer_schema_length=0)
    for col in ("session_id", "room"):
        if col in df.columns:
            df = df.with_columns(pl.col(col).cast(pl.String))
    if "date" in df.columns and df.schema["date"] != pl.Date:
        df = df.with_columns(pl.col("date").cast(pl.String).str.to_date(strict=False))
    df = schema.validate("targets", df)
    unknown = sorted(set(df["metric"]) - set(METRICS))
    if unknown:
        raise schema.SchemaError(
            f"targets file {p}: unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}"
        )
    return df


def _pick(
    df: pl.DataFrame, session_id: str, room: str | None, day: date | None
) -> dict[str, float]:
    out: dict[str, float] = {}
    cols = df.columns
    sid = pl.col("session_id") if "session_id" in cols else pl.lit(None, dtype=pl.String)
    rm = pl.col("room") if "room" in cols else pl.lit(None, dtype=pl.String)
    dt = pl.col("date") if "date" in cols else pl.lit(None, dtype=pl.Date)
    general = df.filter(sid.is_null() & rm.is_null())
    room_day = df.filter(sid.is_null() & (rm == room) & (dt.is_null() | (dt == day)))
    own = df.filter(sid == session_id)
    for part in (general, room_day, own):  # most specific last, so it wins
        for r in part.iter_rows(named=True):
            out[r["metric"]] = float(r["target"])
    return out


def session_targets(
    info: dict,
    path: str | os.PathLike[str] | None = None,
    store: str | os.PathLike[str] | None = None,
) -> dict[str, float]:
    """The targets that apply to a session (``info``: its ``sessions`` row), file over store."""
    from helpers.data.store import load_table

    sid, room = info["session_id"], info.get("room")
    start = info.get("start_ts")
    day = start.date() if start is not None else None
    out: dict[str, float] = {}
    stored = load_table("targets", store)
    if stored.height:
        out |= _pick(stored, sid, room, day)
    if path:
        out |= _pick(read_targets(path), sid, room, day)
    log.debug("targets for %s: %s", sid, out)
    return out
