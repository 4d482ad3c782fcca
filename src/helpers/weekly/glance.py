"""The week at a glance: KPIs this week, last week and against the trailing weeks with data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from helpers.present import sections
from helpers.weekly.data import GLANCE_KEYS, WeekData, trailing_mean, week_tables, week_totals


def _viewer_units(store: Path, session_ids: Sequence[str]) -> tuple[list[float], list[float]]:
    """Per (session, viewer): order amount (0 for non-buyers) and 1 — the units of UV value."""
    if not session_ids:
        return [], []
    t = week_tables(store, session_ids)
    v = t["viewers"].select("session_id", "viewer_id")
    o = t["orders"].group_by("session_id", "viewer_id").agg(pl.col("amount").sum().alias("gmv"))
    units = (
        v.join(o, on=["session_id", "viewer_id"], how="left")
        .select(pl.col("gmv").fill_null(0.0))
        .collect()
    )
    return units["gmv"].to_list(), [1.0] * units.height


def rel(a: float | None, b: float | None) -> float | None:
    """Relative change of ``a`` against ``b`` (None when either is missing or ``b`` is 0)."""
    return (a - b) / b if a is not None and b not in (None, 0) else None


def _wow_interval(
    data: WeekData, key: str, this: dict, last: dict, seed: int, n_boot: int
) -> tuple:
    from helpers.metrics.stats import bootstrap_ratio_diff, two_proportion

    counts = (this.get("buyers"), this.get("viewers"), last.get("buyers"), last.get("viewers"))
    if key == "conversion_rate" and None not in counts:
        d = two_proportion(*(int(c) for c in counts if c is not None))
        return d.lo, d.hi, "Newcombe"
    if (
        key == "uv_value"
        and data.basis == "sessions"
        and sections.Need.parse("viewers").met(data.tables)
    ):
        n1, d1 = _viewer_units(data.store, data.ids(data.week))
        n0, d0 = _viewer_units(data.store, data.ids(data.last_week))
        if n1 and n0:
            iv = bootstrap_ratio_diff(n1, d1, n0, d0, n_boot=n_boot, seed=seed)
            return iv.lo, iv.hi, "bootstrap (viewers)"
    return None, None, ""


def _t_interval(vals: list[float]) -> tuple[float | None, float | None]:
    from scipy import stats as sps

    if len(vals) < 2:
        return None, None
    mean = sum(vals) / len(vals)
    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1))
    half = float(sps.t.ppf(0.975, len(vals) - 1)) * sd / math.sqrt(len(vals))
    return mean - half, mean + half


@sections.section("week_glance", needs=["sessions|room_days"])
def glance(data: WeekData, *, seed: int = 0, n_boot: int = 500) -> pl.DataFrame:
    """Each of :data:`GLANCE_KEYS` this week, last week, the week-over-week change with a 95%
    interval of the difference (conversion: Newcombe; UV value: bootstrap over viewers when viewer
    rows exist; others: none), and the mean of the trailing weeks *with data* with a t-interval."""
    by_week = {r["week"]: r for r in week_totals(data).iter_rows(named=True)}
    this, last = by_week.get(data.week, {}), by_week.get(data.last_week, {})
    rows = []
    for key in GLANCE_KEYS:
        cur, prev = this.get(key), last.get(key)
        lo = hi = None
        method = ""
        if cur is not None and prev is not None:
            lo, hi, method = _wow_interval(data, key, this, last, seed, n_boot)
        mean, vals = trailing_mean(data, key)
        t_lo, t_hi = _t_interval(vals)
        rows.append(
            {
                "metric": key,
                "this_week": cur,
                "last_week": prev,
                "wow_change": rel(cur, prev),
                "wow_diff": None if cur is None or prev is None else cur - prev,
                "wow_diff_lo": lo,
                "wow_diff_hi": hi,
                "interval": method,
                "trailing_weeks": len(vals),
                "trailing_mean": mean,
                "trailing_lo": t_lo,
                "trailing_hi": t_hi,
                "vs_trailing": rel(cur, mean),
            }
        )
    return pl.DataFrame(
        rows,
        schema_overrides={
            c: pl.Float64
            for c in (
                "this_week",
                "last_week",
                "wow_change",
                "wow_diff",
                "wow_diff_lo",
                "wow_diff_hi",
                "trailing_mean",
                "trailing_lo",
                "trailing_hi",
                "vs_trailing",
            )
        },
    )


@sections.section("week_trend", needs=["sessions|room_days"])
def weeks_trend(data: WeekData) -> pl.DataFrame:
    """Weekly totals of the window (the trailing weeks with data, last week and the week)."""
    return week_totals(data)
