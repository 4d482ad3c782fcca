"""Week arithmetic (one definition for every report): ISO weeks, their bounds in Asia/Shanghai,
which week ``last`` is, and which sessions or room-days (``room_days``, the daily room overview)
fall in a week."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from helpers.data.schema import TZ
from helpers.data.store import list_sessions, load_table


def parse_week(week: str) -> date:
    """The Monday of an ISO week ``YYYY-Www`` (raises ValueError with the expected form)."""
    try:
        year, w = week.strip().upper().split("-W")
        return date.fromisocalendar(int(year), int(w), 1)
    except ValueError:
        raise ValueError(
            f"week must look like 2026-W47 (ISO year-week) or 'last', not {week!r}"
        ) from None


def week_of(day: date | datetime) -> str:
    """The ISO week ``YYYY-Www`` of a date."""
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def shift_week(week: str, weeks: int) -> str:
    """The ISO week ``weeks`` after (negative: before) ``week``."""
    return week_of(parse_week(week) + timedelta(weeks=weeks))


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) in Asia/Shanghai."""
    monday = parse_week(week)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=ZoneInfo(TZ))
    return start, start + timedelta(weeks=1)


def in_week(sessions: pl.DataFrame, week: str, *, weeks_before: int = 0) -> pl.DataFrame:
    """The rows of a sessions frame starting in ``week`` (and the ``weeks_before`` weeks before
    it)."""
    start, end = week_bounds(week)
    start -= timedelta(weeks=weeks_before)
    return sessions.filter((pl.col("start_ts") >= start) & (pl.col("start_ts") < end))


def room_days(store: str | Path | None, rooms: Sequence[str] = ()) -> pl.DataFrame:
    """The daily room overview (one row per room, day and metric) with a ``week`` column."""
    df = load_table("room_days", store)
    if rooms:
        df = df.filter(pl.col("room").is_in(list(rooms)))
    return df.with_columns(
        pl.Series("week", [week_of(d) for d in df["date"].to_list()], dtype=pl.String)
    )


def data_weeks(store: str | Path | None, rooms: Sequence[str] = ()) -> list[str]:
    """Every week with sessions or room-days in the store (oldest first)."""
    sessions = list_sessions(store)
    if rooms:
        sessions = sessions.filter(pl.col("room").is_in(list(rooms)))
    weeks = {week_of(ts) for ts in sessions["start_ts"].to_list()}
    return sorted(weeks | set(room_days(store, rooms)["week"].to_list()))


def resolve_week(week: str, store: str | Path | None = None, *, now: datetime | None = None) -> str:
    """An explicit ISO week (normalised), or for ``last`` the latest week with sessions or room-days
    in the store that has ended by ``now`` (so Monday's scheduled run reports the week just ended);
    if no week with data has ended yet, the latest week with data."""
    if week.strip().lower() != "last":
        return week_of(parse_week(week))
    now = now or datetime.now(UTC)
    weeks = data_weeks(store)
    if not weeks:
        raise ValueError("week 'last': the store has no sessions (run `workbook ingest` first)")
    ended = [w for w in weeks if week_bounds(w)[1] <= now]
    return (ended or weeks)[-1]


def week_sessions(
    store: str | Path | None, week: str, rooms: Sequence[str] = (), *, weeks_before: int = 0
) -> pl.DataFrame:
    """Sessions starting in ``week`` (and the ``weeks_before`` weeks before it), optionally of some
    rooms only, ordered by start time, with a ``week`` column."""
    df = in_week(list_sessions(store), week, weeks_before=weeks_before)
    if rooms:
        df = df.filter(pl.col("room").is_in(list(rooms)))
    weeks = [week_of(ts) for ts in df["start_ts"].to_list()]
    return df.with_columns(pl.Series("week", weeks, dtype=pl.String))


def has_data(store: str | Path | None, week: str, rooms: Sequence[str] = ()) -> bool:
    """Whether the week has sessions, or else room-days (a daily-overview-only store)."""
    if week_sessions(store, week, rooms).height:
        return True
    return week in set(room_days(store, rooms)["week"].to_list())
