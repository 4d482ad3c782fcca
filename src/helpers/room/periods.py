"""The change between two periods of a room, decomposed into the factors of GMV.

GMV = viewers × conversion × order value per buyer, and GMV = views × GPM / 1000: each factor's
contribution in yuan comes from :func:`helpers.metrics.decompose.decompose`, so the contributions
sum to the change. Both periods are totals over their units (more shows means more viewers, which
the viewers factor carries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

import polars as pl

from helpers.metrics.decompose import decompose
from helpers.present import sections
from helpers.room.units import SUM_KEYS, RoomUnits

PERIOD_DAYS = 7


@dataclass
class PeriodChange:
    """Two periods' totals and the decomposition of their GMV difference."""

    current: dict[str, Any]
    reference: dict[str, Any]
    by_conversion: list[dict[str, Any]] = field(default_factory=list)
    by_gpm: list[dict[str, Any]] = field(default_factory=list)

    @property
    def gap(self) -> float:
        return float(self.current["gmv"] - self.reference["gmv"])


def _totals(df: pl.DataFrame, lo: date, hi: date) -> dict[str, Any]:
    part = df.filter((pl.col("date") >= lo) & (pl.col("date") <= hi))
    out: dict[str, Any] = {"from": lo, "to": hi, "units": part.height}
    for key in SUM_KEYS:
        out[key] = (
            float(part[key].sum())
            if key in part.columns and part[key].is_not_null().any()
            else None
        )
    gmv, viewers, buyers, views = out["gmv"], out["viewers"], out["buyers"], out["views"]
    out["conversion"] = buyers / viewers if buyers is not None and viewers else None
    out["aov"] = gmv / buyers if gmv is not None and buyers else None
    out["gpm"] = 1000.0 * gmv / views if gmv is not None and views else None
    return out


def periods(
    units: RoomUnits, days: int = PERIOD_DAYS
) -> tuple[tuple[date, date], tuple[date, date]]:
    """The last ``days`` days of the range (ending at its last unit) and the ``days`` before
    them."""
    last = units.date_to or cast(date, units.frame["date"].max())
    cur = (last - timedelta(days=days - 1), last)
    ref = (cur[0] - timedelta(days=days), cur[0] - timedelta(days=1))
    return cur, ref


@sections.section("room_change", needs=["units.gmv", "units.viewers|units.views"])
def period_change(units: RoomUnits, days: int = PERIOD_DAYS) -> PeriodChange | None:
    """The latest period against the one before it; ``None`` when either has no unit."""
    (c0, c1), (r0, r1) = periods(units, days)
    cur, ref = _totals(units.frame, c0, c1), _totals(units.frame, r0, r1)
    if not cur["units"] or not ref["units"] or not cur["gmv"] or not ref["gmv"]:
        return None
    out = PeriodChange(cur, ref)
    if all(x.get(k) for x in (cur, ref) for k in ("viewers", "conversion", "aov")):
        out.by_conversion = decompose(cur, ref, factors=("viewers", "conversion", "aov"))
    if all(x.get(k) for x in (cur, ref) for k in ("views", "gpm")):
        out.by_gpm = decompose(cur, ref, factors=("views", "gpm"))
    return out
