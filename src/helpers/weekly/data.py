"""The week's data: its units (sessions, or room-days when the store has only the daily room
overview), the trailing weeks *with data* used as the reference, and which tables are present.

Every metric comes from :mod:`helpers.metrics.definitions` (one definition): session KPIs from
``kpi_frame``; a week's (a host's, an hour's) value of a ratio pools its units by the ratio's own
denominator (``metrics.RATIOS``), i.e. Σ numerator / Σ denominator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from helpers.data.schema import TZ
from helpers.data.store import _safe_name, list_sessions
from helpers.data.weeks import resolve_week, room_days, shift_week, week_of
from helpers.paths import resolve

GLANCE_KEYS = (
    "gmv",
    "paid_gmv",
    "net_gmv",
    "viewers",
    "conversion_rate",
    "uv_value",
    "gpm",
    "refund_rate",
)
SUM_KEYS = (
    "gmv",
    "paid_gmv",
    "net_gmv",
    "refund_amount",
    "viewers",
    "views",
    "buyers",
    "orders",
    "units",
    "new_followers",
    "duration_min",
)
POOLED_KEYS = (
    "conversion_rate",
    "uv_value",
    "gpm",
    "refund_rate",
    "aov",
    "avg_watch_s",
    "follower_rate",
    "returning_rate",
)
#: The reference is the mean of the last ``TRAILING_WEEKS`` weeks *with data* before the week,
#: looked for at most ``TRAILING_LOOKBACK`` weeks back (empty weeks are skipped, not counted as 0).
TRAILING_WEEKS = 4
TRAILING_LOOKBACK = 26
WEEK_TABLES = (
    "sessions",
    "viewers",
    "orders",
    "trend",
    "products",
    "traffic",
    "session_totals",
    "comments",
)


@dataclass
class WeekData:
    """A week, last week and the trailing weeks with data: the units (``kpis``: one row per session,
    or per room-day when ``basis`` is ``room_days``), the sessions, damaged sessions, and one row
    per present table (``tables``: what section needs are checked on)."""

    week: str
    store: Path
    weeks: list[str]
    sessions: pl.DataFrame
    kpis: pl.DataFrame
    unreadable: dict[str, str]
    trailing: list[str] = field(default_factory=list)
    basis: str = "sessions"
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def last_week(self) -> str:
        return shift_week(self.week, -1)

    @property
    def this_week(self) -> pl.DataFrame:
        return self.kpis.filter(pl.col("week") == self.week) if self.kpis.height else self.kpis

    def ids(self, week: str | None = None) -> list[str]:
        """Session ids (room-day ids on the ``room_days`` basis) of a week, or of the window."""
        if self.kpis.height == 0:
            return []
        df = self.kpis if week is None else self.kpis.filter(pl.col("week") == week)
        return df["session_id"].to_list()

    def trailing_units(self) -> pl.DataFrame:
        """The units of the trailing weeks with data (the reference)."""
        return (
            self.kpis.filter(pl.col("week").is_in(self.trailing)) if self.kpis.height else self.kpis
        )

    def trailing_info(self) -> list[dict[str, Any]]:
        """Each reference week with the sessions (or room-days) it contributed."""
        unit = "sessions" if self.basis == "sessions" else "days"
        return [{"week": w, unit: self.ids(w)} for w in self.trailing]


def unreadable_sessions(store: Path, session_ids: Sequence[str]) -> dict[str, str]:
    """Sessions with a store file that cannot be opened (truncated, not Parquet), with the error."""
    bad: dict[str, str] = {}
    for sid in session_ids:
        for f in sorted(store.glob(f"*/platform=*/date=*/{_safe_name(sid)}.parquet")):
            try:
                pl.read_parquet_schema(f)
            except Exception as exc:
                bad[sid] = (
                    f"{f.relative_to(store)}: {type(exc).__name__}: "
                    f"{str(exc).splitlines()[0][:160]}"
                )
                break
    return bad


def week_tables(store: Path, session_ids: Sequence[str]) -> dict[str, pl.LazyFrame]:
    """Lazy canonical tables of some sessions, reading only their files."""
    from helpers.data.store import scan_table

    ids = list(session_ids)
    out = {
        n: scan_table(n, store, session_ids=ids).filter(pl.col("session_id").is_in(ids))
        for n in WEEK_TABLES
    }
    out["sessions"] = out["sessions"].with_columns(
        pl.col("start_ts").dt.convert_time_zone(TZ), pl.col("end_ts").dt.convert_time_zone(TZ)
    )
    return out


def presence(lf: pl.LazyFrame) -> pl.DataFrame:
    """One row holding each column's first non-null value (empty for an empty table): enough to
    tell which tables and columns a section can use without loading them."""
    if lf.select(pl.len()).collect().item() == 0:
        return pl.DataFrame(schema=lf.collect_schema())
    return lf.select(pl.all().drop_nulls().first()).collect()


def _trailing_weeks(weeks_with_data: Sequence[str], week: str, n: int, lookback: int) -> list[str]:
    oldest = shift_week(week, -lookback)
    return [w for w in sorted(set(weeks_with_data)) if oldest <= w < week][-n:]


def _ratio_columns(df: pl.DataFrame) -> pl.DataFrame:
    """Pooled ratio columns of room-day rows from their sums (``metrics.RATIOS``)."""
    from helpers.metrics.definitions import RATIOS

    exprs = []
    for key in POOLED_KEYS:
        num, den, mult = RATIOS[key]
        if num in df.columns and den in df.columns:
            exprs.append(
                pl.when(pl.col(den) > 0)
                .then(pl.col(num) * mult / pl.col(den))
                .otherwise(None)
                .alias(key)
            )
    if "net_gmv" not in df.columns and {"gmv", "refund_amount"} <= set(df.columns):
        exprs.append((pl.col("gmv") - pl.col("refund_amount")).alias("net_gmv"))
    return df.with_columns(exprs) if exprs else df


def room_day_units(days: pl.DataFrame) -> pl.DataFrame:
    """Room-days as units: one row per room and day (``session_id`` is ``room date``)."""
    if days.height == 0:
        return pl.DataFrame(schema={"session_id": pl.String, "week": pl.String})
    wide = days.pivot(
        on="metric", index=["room", "date", "week"], values="value", aggregate_function="sum"
    )
    wide = wide.with_columns(
        (pl.col("room") + " " + pl.col("date").cast(pl.String)).alias("session_id")
    )
    return _ratio_columns(wide).sort("date", "room")


def window_sessions(
    store: Path,
    week: str,
    rooms: Sequence[str] = (),
    trailing: int = TRAILING_WEEKS,
    lookback: int = TRAILING_LOOKBACK,
) -> tuple[pl.DataFrame, list[str], list[str]]:
    """The sessions the report of ``week`` reads (with a ``week`` column), its reference weeks and
    its window (the week, last week and the reference weeks)."""
    all_s = list_sessions(store)
    if rooms:
        all_s = all_s.filter(pl.col("room").is_in(list(rooms)))
    all_s = all_s.with_columns(
        pl.Series("week", [week_of(t) for t in all_s["start_ts"].to_list()], dtype=pl.String)
    )
    ref = _trailing_weeks(all_s["week"].to_list(), week, trailing, lookback)
    window = sorted({*ref, shift_week(week, -1), week})
    return all_s.filter(pl.col("week").is_in(window)), ref, window


def _load_sessions(
    store: Path, week: str, rooms: Sequence[str], trailing: int, lookback: int
) -> WeekData:
    from helpers.metrics.definitions import kpi_frame

    sessions, ref, window = window_sessions(store, week, rooms, trailing, lookback)
    bad = unreadable_sessions(store, sessions["session_id"].to_list())
    ok = sessions.filter(~pl.col("session_id").is_in(list(bad)))
    tables = week_tables(store, ok["session_id"].to_list())
    kpis = kpi_frame(tables) if ok.height else pl.DataFrame()
    if kpis.height:
        kpis = kpis.join(ok.select("session_id", "week"), on="session_id", how="left")
    present = {n: presence(lf) for n, lf in tables.items()} if ok.height else {}
    return WeekData(week, store, window, sessions, kpis, bad, ref, "sessions", present)


def load_week(
    store: str | Path,
    week: str,
    rooms: Sequence[str] = (),
    trailing: int = TRAILING_WEEKS,
    lookback: int = TRAILING_LOOKBACK,
) -> WeekData:
    """The week, last week and the last ``trailing`` weeks with data (within ``lookback`` weeks):
    session KPIs (``helpers.metrics.definitions``), or, when the week has no sessions but the daily
    room overview covers it, room-days. Sessions whose files cannot be read are left out and
    listed."""
    store = resolve(store)
    week = resolve_week(week, store)
    data = _load_sessions(store, week, rooms, trailing, lookback)
    days = room_days(store, rooms)
    if data.kpis.height and week in data.kpis["week"].to_list():
        data.tables["room_days"] = days.head(1)
        return data
    if week not in days["week"].to_list():
        return data
    ref = _trailing_weeks(days["week"].to_list(), week, trailing, lookback)
    window = sorted({*ref, shift_week(week, -1), week})
    units = room_day_units(days.filter(pl.col("week").is_in(window)))
    return WeekData(
        week,
        store,
        window,
        pl.DataFrame(schema={"session_id": pl.String, "week": pl.String}),
        units,
        {},
        ref,
        "room_days",
        {"room_days": days.head(1)},
    )


def pooled(df: pl.DataFrame, key: str) -> float | None:
    """A ratio KPI over several units: their values weighted by the ratio's denominator
    (``metrics.RATIOS``), i.e. sum(numerator) / sum(denominator)."""
    from helpers.metrics.definitions import RATIOS

    den = RATIOS[key][1]
    if key not in df.columns or den not in df.columns:
        return None
    d = df.filter(pl.col(key).is_not_null() & pl.col(den).is_not_null() & (pl.col(den) > 0))
    w = d[den].sum() if d.height else 0
    return float((d[key] * d[den]).sum()) / float(w) if w else None


def aggregate(df: pl.DataFrame) -> dict[str, float | None]:
    """Totals (sums) and pooled ratios of a set of units."""
    out: dict[str, float | None] = {"sessions": float(df.height)}
    for k in SUM_KEYS:
        out[k] = (
            float(df[k].sum())
            if k in df.columns and df.height and df[k].null_count() < df.height
            else None
        )
    for k in POOLED_KEYS:
        out[k] = pooled(df, k) if df.height else None
    return out


def week_totals(data: WeekData) -> pl.DataFrame:
    """One row per week of the window (oldest first): totals and pooled ratios."""
    if data.kpis.height == 0:
        return pl.DataFrame({"week": data.weeks})
    rows = [{"week": w, **aggregate(data.kpis.filter(pl.col("week") == w))} for w in data.weeks]
    return pl.DataFrame(rows)


def trailing_mean(data: WeekData, key: str) -> tuple[float | None, list[float]]:
    """The mean over the trailing weeks with data of a week's value of ``key``, and the values."""
    totals = week_totals(data)
    vals = [
        r[key]
        for r in totals.iter_rows(named=True)
        if r["week"] in data.trailing and r.get(key) is not None
    ]
    return (sum(vals) / len(vals) if vals else None), vals


def session_ids(data: WeekData, week: str | None = None) -> list[str]:
    """Real session ids (none on the ``room_days`` basis)."""
    return data.ids(week) if data.basis == "sessions" else []


def run(key: str, data: WeekData, *args: Any, **kwargs: Any) -> Any:
    """Run weekly section ``key`` on the week's tables (``helpers.present.sections.run``; never
    raises)."""
    from helpers.present import sections

    return sections.run(key, data.tables, data, *args, **kwargs)


def check_parameters(category: str, reviews: Any) -> None:
    """Raise ValueError for a benchmark category that does not exist or a malformed ``reviews``."""
    from helpers.metrics.benchmarks import CATEGORIES

    if category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    if not isinstance(reviews, list):
        raise ValueError("reviews must be a list of {session_id, status, error, href}")
