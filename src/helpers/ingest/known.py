"""The sessions known so far (in the store and added by this run), for rows placed by time."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import polars as pl

from helpers.data import schema
from helpers.data import store as st
from helpers.ingest.identity import Target, session_id_for
from helpers.ingest.mapping import ExportMapping, norm
from helpers.ingest.readers import Sheet
from helpers.ingest.rooms import Rooms

_ACCOUNT = re.compile(r"^(?:dy|ks)-(.+)-(\d{8}-\d{4})$")
_COLUMNS = ("session_id", "start_ts", "end_ts")


def _so_far(root: Path, batch: list[pl.DataFrame]) -> pl.DataFrame:
    """session_id, start_ts, end_ts (China time, µs) of the store's sessions and this run's."""
    frames = [st.scan_table("sessions", root).select(*_COLUMNS).collect()]
    frames += [b.select(*_COLUMNS) for b in batch if b.height]
    df = pl.concat(
        [
            f.with_columns(
                pl.col(c).dt.convert_time_zone(schema.TZ).dt.cast_time_unit("us")
                for c in ("start_ts", "end_ts")
            )
            for f in frames
        ]
    )
    return df.unique("session_id", keep="last")


def known_sessions(root: Path, batch: list[pl.DataFrame]) -> pl.DataFrame:
    """The sessions whose id names an account (``dy-<account>-YYYYMMDD-HHMM``), with it."""
    account = pl.col("session_id").str.extract(_ACCOUNT.pattern, 1).alias("account")
    return _so_far(root, batch).with_columns(account).filter(pl.col("account").is_not_null())


def windows(root: Path, batch: list[pl.DataFrame]) -> pl.DataFrame:
    """Every session known so far (store and this run): session_id, start_ts, end_ts."""
    return _so_far(root, batch).sort("start_ts", "session_id")


def needs_windows(m: ExportMapping, sheet: Sheet) -> bool:
    """Whether the sheet's rows are placed by time alone (no account column, or a capture)."""
    if m.session.get("by_time"):
        return True
    if not m.session.get("account") or "sessions" in m.tables:
        return False
    have = {norm(h) for h in sheet.headers}
    return not any(norm(a) in have for a in m.session["account"])


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
    ids = set(windows(root, [])["session_id"].to_list())
    if room is not None and start is not None:
        sid = session or session_id_for(room, start, platform, rooms)
        return Target(sid, room, start, platform, create=sid not in ids)
    if session is None:
        raise ValueError(
            "give --room and --start together (to create a session), or --session SESSION_ID"
        )
    if session not in ids:
        raise ValueError(
            f"session {session!r} is not in the store {root}; "
            'give --room NAME and --start "YYYY-MM-DD HH:MM" to create it'
        )
    return Target(session, start=start, platform=platform)
