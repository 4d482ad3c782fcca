"""The units of a room's history: one row per session (from the session list and its totals) or,
when the store holds no sessions of the room, one row per room-day (from the daily overview).

Every KPI comes from :func:`helpers.metrics.definitions.kpi_frame`, so a room-day's conversion or
GPM is defined exactly as a session's: the room-day's platform totals stand in for a session's
``session_totals``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

import polars as pl

from helpers.data import schema
from helpers.data.store import load_table
from helpers.metrics import definitions as metrics

# the history's columns, in the order the report shows them
KEYS = ("gmv", "viewers", "conversion_rate", "uv_value", "gpm", "aov", "refund_rate")
SUM_KEYS = ("gmv", "paid_gmv", "refund_amount", "viewers", "views", "buyers", "orders", "ad_spend")


@dataclass
class RoomUnits:
    """The room's sessions or days with their KPIs (``frame``) and what they were built from."""

    room: str
    grain: str  # "session" or "day"
    frame: (
        pl.DataFrame
    )  # unit_id, room, host, start_ts, date, hour, weekday, duration_h, KPI columns
    rooms: list[str]
    date_from: date | None
    date_to: date | None

    def tables(self) -> dict[str, pl.DataFrame]:
        """What section needs are checked on: the units as a one-table mapping."""
        return {"units": self.frame}


def _as_date(value: str | date | None) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _session_units(store: str | os.PathLike[str], room: str) -> pl.DataFrame:
    sessions = load_table("sessions", store).filter(pl.col("room") == room)
    if sessions.height == 0:
        return pl.DataFrame()
    ids = sessions["session_id"].to_list()
    return metrics.kpi_table(store, ids).rename({"session_id": "unit_id"})


def _day_units(store: str | os.PathLike[str], room: str) -> pl.DataFrame:
    """Room-days as pseudo-sessions: the day's totals are the 'platform totals' of kpi_frame.

    Days without a show (no air time, no viewers: the overview writes zeros or blanks) are left out.
    """
    days = load_table("room_days", store).filter(pl.col("room") == room)
    if days.height == 0:
        return pl.DataFrame()
    wide = days.pivot(on="metric", index="date", values="value", aggregate_function="first")
    minutes = pl.coalesce(
        [
            pl.col(c) * f
            for c, f in (("duration_min", 1.0), ("duration_h", 60.0))
            if c in wide.columns
        ]
        or [pl.lit(None, dtype=pl.Float64)]
    )
    shown = pl.any_horizontal(
        [pl.col(c).fill_null(0) > 0 for c in ("viewers", "gmv") if c in wide.columns]
        or [pl.lit(True)]
    )
    ids = (
        wide.filter(shown | (minutes.fill_null(0) > 0))
        .select("date", minutes.alias("_dur"))
        .sort("date")
    )
    unit_id = pl.concat_str([pl.lit(f"{room}|"), pl.col("date").cast(pl.String)])
    start = pl.col("date").cast(pl.Datetime("us")).dt.replace_time_zone(schema.TZ)
    sessions = ids.select(
        unit_id.alias("session_id"),
        pl.lit("daily").alias("platform"),
        pl.lit(room).alias("room"),
        start.alias("start_ts"),
        (start + pl.duration(minutes=pl.col("_dur").fill_null(0.0))).alias("end_ts"),
    )
    totals = days.join(ids.select("date"), on="date").select(
        unit_id.alias("session_id"), "metric", "value"
    )
    kpis = metrics.kpi_frame({"sessions": sessions, "session_totals": totals})
    return kpis.rename({"session_id": "unit_id"}).with_columns(
        pl.when(pl.col("duration_min") > 0).then(pl.col("duration_min")).otherwise(None)
    )


def _decorate(df: pl.DataFrame, grain: str) -> pl.DataFrame:
    hour = pl.col("start_ts").dt.hour() if grain == "session" else pl.lit(None, dtype=pl.Int8)
    return df.with_columns(
        pl.col("start_ts").dt.date().alias("date"),
        hour.alias("hour"),
        pl.col("start_ts").dt.weekday().alias("weekday"),
        (pl.col("duration_min") / 60.0).alias("duration_h"),
    ).sort("start_ts", "unit_id")


def room_names(store: str | os.PathLike[str]) -> list[str]:
    """Every room the store knows, from sessions and daily overviews."""
    names = set(load_table("sessions", store)["room"].to_list())
    names |= set(load_table("room_days", store)["room"].to_list())
    return sorted(n for n in names if n)


def open_room(
    store: str | os.PathLike[str],
    room: str = "",
    date_from: str | date | None = None,
    date_to: str | date | None = None,
) -> RoomUnits:
    """The room's units between ``date_from`` and ``date_to`` (inclusive; empty = all).

    ``room`` empty: the only room of the store, else the one with the most units (stated in the
    report). Sessions win over room-days when the store has both for the room.
    """
    rooms = room_names(store)
    if not rooms:
        raise ValueError(f"the store {store} holds no sessions and no daily room overview")
    if room and room not in rooms:
        raise ValueError(f"room {room!r} is not in the store; rooms: {', '.join(rooms)}")
    room = room or main_room(store, rooms)
    frame, grain = _session_units(store, room), "session"
    if frame.height == 0:
        frame, grain = _day_units(store, room), "day"
    frame = _decorate(frame, grain)
    lo, hi = _as_date(date_from), _as_date(date_to)
    if lo:
        frame = frame.filter(pl.col("date") >= lo)
    if hi:
        frame = frame.filter(pl.col("date") <= hi)
    return RoomUnits(room, grain, frame, rooms, lo, hi)


def main_room(store: str | os.PathLike[str], rooms: list[str] | None = None) -> str:
    """The store's room with the most sessions (or days); ties by name."""
    rooms = rooms if rooms is not None else room_names(store)
    if not rooms:
        raise ValueError(f"the store {store} holds no sessions and no daily room overview")
    return max(rooms, key=lambda r: (_count(store, r), r))


def _count(store: str | os.PathLike[str], room: str) -> int:
    n = load_table("sessions", store).filter(pl.col("room") == room).height
    return n or load_table("room_days", store).filter(pl.col("room") == room)["date"].n_unique()
