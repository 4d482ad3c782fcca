"""A hand-built session for the review's unit tests: a known start and length, the tables given and
every other core table empty, and the platform's totals as metric rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from helpers.data import schema
from helpers.data.store import Session

T0 = datetime(2026, 11, 16, 20, 0, tzinfo=ZoneInfo(schema.TZ))
CORE = ("trend", "events", "products", "viewers", "orders", "comments", "traffic")


def make_session(
    sid: str,
    minutes: int = 60,
    totals: dict[str, float] | None = None,
    tables: dict[str, pl.DataFrame] | None = None,
    **frames: pl.DataFrame,
) -> Session:
    """A session ``sid`` starting at :data:`T0`; ``frames`` fill core tables, ``tables`` the extra
    session tables, ``totals`` the session totals."""
    info = {
        "session_id": sid,
        "platform": "douyin",
        "room": "r",
        "host": "h",
        "start_ts": T0,
        "end_ts": T0 + timedelta(minutes=minutes),
    }
    core = {n: schema.conform(n, frames[n]) if n in frames else schema.empty(n) for n in CORE}
    rows = {
        "session_id": sid,
        "metric": list(totals or {}),
        "value": [float(v) for v in (totals or {}).values()],
    }
    tot = (
        schema.conform("session_totals", pl.DataFrame(rows))
        if totals
        else schema.empty("session_totals")
    )
    return Session(sid, info, totals=tot, tables=tables or {}, **core)
