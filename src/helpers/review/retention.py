"""Retention: Kaplan–Meier survival since entry and exits against what was on screen."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from helpers.data.store import Session
from helpers.metrics import stats
from helpers.present import sections
from helpers.review.common import _f
from helpers.review.story import MinuteStory, minute_story

CURVE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "group_kind": pl.String,
    "group": pl.String,
    "minute": pl.Float64,
    "survival": pl.Float64,
}
SUMMARY_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "group_kind": pl.String,
    "group": pl.String,
    "viewers": pl.Int64,
    "median_min": pl.Float64,
    "still_5": pl.Float64,
    "still_30": pl.Float64,
}


@dataclass
class Retention:
    curves: pl.DataFrame  # group_kind, group, minute, survival
    summary: pl.DataFrame  # group_kind, group, viewers, median_min, still_5, still_30
    leaving: pl.DataFrame  # on_screen, minutes, online, exits, exit_rate, index, ratio lo hi p
    stay: dict[str, Any] = field(default_factory=dict)  # trend-only drop-off: see :func:`dropoff`


def _durations(s: Session) -> pl.DataFrame:
    """Viewer watch durations in minutes, and whether the viewer left before the end (``event``;
    viewers still there at the end are censored)."""
    v = s.viewers
    end = s.info["end_ts"]
    left = (
        pl.col("leave_ts")
        if "leave_ts" in v.columns
        else pl.col("enter_ts") + pl.duration(seconds=pl.col("watch_s"))
    )
    return v.select(
        (pl.col("watch_s") / 60.0).round(1).clip(0.0).alias("dur"),
        (left.fill_null(pl.col("enter_ts")) < pl.lit(end) - timedelta(minutes=1)).alias("event"),
        pl.col("source").fill_null("?").alias("channel")
        if "source" in v.columns
        else pl.lit("?").alias("channel"),
        (
            pl.when(pl.col("returning")).then(pl.lit("returning")).otherwise(pl.lit("new"))
            if "returning" in v.columns
            else pl.lit("all")
        ).alias("newret"),
    )


def _km(d: pl.DataFrame, grid: np.ndarray) -> tuple[np.ndarray, float]:
    """Kaplan–Meier survival on ``grid`` and the median (statsmodels, frequency-weighted)."""
    from statsmodels.duration.survfunc import SurvfuncRight

    agg = d.group_by("dur", "event").agg(pl.len().alias("n")).sort("dur", "event")
    sf = SurvfuncRight(
        agg["dur"].to_numpy(),
        agg["event"].cast(pl.Int8).to_numpy(),
        freq_weights=agg["n"].to_numpy().astype(float),
    )
    times, surv = sf.surv_times, sf.surv_prob
    pos = np.searchsorted(times, grid, side="right") - 1
    curve = np.where(pos >= 0, surv[np.clip(pos, 0, None)], 1.0)
    below = np.flatnonzero(surv <= 0.5 + 1e-9)
    median = float(times[below[0]]) if below.size else float("nan")
    return curve, median


@sections.section("review.retention", needs=["viewers"])
def retention(s: Session, *, max_minutes: int = 60, min_viewers: int = 30) -> Retention:
    """Share of entering viewers still watching t minutes after entry (Kaplan–Meier, viewers still
    there at the end censored), overall, by channel and new vs returning; plus exit rates by what
    was on screen (Poisson rate ratio against the rest of the session)."""
    curves: list[pl.DataFrame] = []
    summary: list[dict[str, Any]] = []
    if s.has("viewers"):
        d = _durations(s)
        grid = np.arange(0, max_minutes + 1, dtype=float)
        groups: list[tuple[str, str, pl.DataFrame]] = [("all", "all", d)]
        for col, kind in (("channel", "channel"), ("newret", "newret")):
            for (g,), part in sorted(
                d.partition_by(col, as_dict=True).items(), key=lambda kv: str(kv[0])
            ):
                if part.height >= min_viewers and g not in ("?", "all"):
                    groups.append((kind, str(g), part))
        for kind, g, part in groups:
            curve, median = _km(part, grid)
            curves.append(
                pl.DataFrame({"group_kind": kind, "group": g, "minute": grid, "survival": curve})
            )
            summary.append(
                {
                    "group_kind": kind,
                    "group": g,
                    "viewers": part.height,
                    "median_min": median,
                    "still_5": float(curve[5]) if max_minutes >= 5 else None,
                    "still_30": float(curve[30]) if max_minutes >= 30 else None,
                }
            )
    curves_df = pl.concat(curves) if curves else pl.DataFrame(schema=CURVE_SCHEMA)
    summary_df = pl.DataFrame(summary, schema=SUMMARY_SCHEMA)
    return Retention(curves_df, summary_df, leaving_by_screen(s))


TENURE_BUCKETS = (0.0, 1.0, 3.0, 10.0, 30.0, math.inf)  # minutes since entry


def _exposure_per_minute(a: np.ndarray, z: np.ndarray, n_min: int) -> np.ndarray:
    """Viewer-minutes of presence in each minute [m, m+1) of intervals [a, z) (minutes from start):
    F(t) = Σ clip(t − a, 0, z − a) evaluated at integer t from binned counts and sums."""
    t = np.arange(n_min + 1, dtype=float)

    def cum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # x < t  <=>  floor(x) + 1 <= t
        idx = np.clip(np.floor(x).astype(np.int64) + 1, 0, n_min + 1)
        cnt = np.bincount(idx, minlength=n_min + 2)[: n_min + 1].cumsum()
        tot = np.bincount(idx, weights=x, minlength=n_min + 2)[: n_min + 1].cumsum()
        return cnt, tot

    na, sa = cum(a)
    nz, sz = cum(z)
    f = (t * na - sa) - (t * nz - sz)
    return np.diff(f)


def expected_exits(s: Session, minutes: pl.Series) -> pl.DataFrame | None:
    """Per minute, observed exits and the exits expected from how long each present viewer had
    been watching (the session's own exit hazard per tenure band 0–1, 1–3, 3–10, 10–30, 30+ min,
    indirect standardisation). Early bouncers leave fast whatever is on screen; comparing observed
    with expected removes that. Viewers still there in the last minute are not exits. None without
    viewer-level enter/leave times."""
    if not s.has("viewers"):
        return None
    v = s.viewers
    start = minutes.min()
    n_min = minutes.len()
    left = (
        pl.col("leave_ts")
        if "leave_ts" in v.columns
        else pl.col("enter_ts") + pl.duration(seconds=pl.col("watch_s"))
    )
    d = v.select(
        ((pl.col("enter_ts") - start).dt.total_microseconds() / 6e7).alias("e"),
        ((left.fill_null(pl.col("enter_ts")) - start).dt.total_microseconds() / 6e7).alias("l"),
    )
    e = np.clip(d["e"].to_numpy(), 0, n_min)
    lv = np.clip(d["l"].to_numpy(), 0, n_min)
    lv = np.maximum(lv, e)
    exited = lv < n_min - 1  # still there in the last minute: censored
    observed = np.bincount(np.floor(lv[exited]).astype(np.int64), minlength=n_min)[:n_min]
    expected = np.zeros(n_min)
    for lo, hi in itertools.pairwise(TENURE_BUCKETS):
        a = e + lo
        z = np.minimum(e + hi, lv)
        keep = z > a
        if not keep.any():
            continue
        expo = _exposure_per_minute(a[keep], z[keep], n_min)
        exits_b = int((exited & (lv >= e + lo) & (lv < e + hi)).sum())
        total = expo.sum()
        if total > 0:
            expected += expo * (exits_b / total)
    return pl.DataFrame(
        {
            "minute_ts": minutes,
            "exits": observed.astype(np.int64),
            "expected": expected,
            "exposure": _exposure_per_minute(e, lv, n_min),
        }
    )


LEAVING_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "on_screen": pl.String,
    "kind": pl.String,
    "minutes": pl.Int64,
    "exits": pl.Int64,
    "expected": pl.Float64,
    "exit_rate": pl.Float64,
    "obs_exp": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
    "p_value": pl.Float64,
    "method": pl.String,
    "dispersion": pl.Float64,
}


def _minute_exits(s: Session, mins: pl.DataFrame) -> tuple[pl.DataFrame, str] | None:
    """Per minute: what was on screen, exits, expected exits and exposure, and the method. Expected
    from viewer-level tenure (:func:`expected_exits`, ``standardised``), else the session's exits
    per online viewer-minute (``trend``); None without either."""
    std = expected_exits(s, mins["minute_ts"])
    if std is not None and std["exits"].sum() > 0:
        m = mins.select("minute_ts", "on_screen", "kind").join(std, on="minute_ts", how="left")
        m = m.with_columns(
            pl.col("exits").fill_null(0),
            pl.col("expected").fill_null(0.0),
            pl.col("exposure").fill_null(0.0),
        )
        return m, "standardised"
    m = mins.filter(
        pl.col("online").is_not_null() & pl.col("exits").is_not_null() & (pl.col("online") > 0)
    )
    if m.height == 0:
        return None
    total_rate = float(m["exits"].sum()) / float(m["online"].sum())
    m = m.with_columns(
        (pl.col("online") * total_rate).alias("expected"),
        pl.col("online").cast(pl.Float64).alias("exposure"),
    )
    return m, "trend"


def _dispersion(m: pl.DataFrame) -> float:
    """Exits cluster (viewers who came together leave together): the quasi-Poisson dispersion of
    the per-minute counts around expectation, at least 1; it widens every interval by sqrt(phi)."""
    mm = m.filter(pl.col("expected") > 0)
    chi2 = float((((mm["exits"] - mm["expected"]) ** 2) / mm["expected"]).sum())
    return max(1.0, chi2 / max(mm.height - 1, 1))


def _screen_row(
    r: dict[str, Any], tot_o: int, tot_e: float, phi: float, method: str
) -> dict[str, Any]:
    """One on-screen item: its exits against expected, and the rate ratio against the rest."""
    rr = stats.overdispersed(
        stats.rate_ratio(
            int(r["exits"]),
            float(r["expected"]),
            tot_o - int(r["exits"]),
            tot_e - float(r["expected"]),
        ),
        phi,
    )
    return {
        "on_screen": r["on_screen"],
        "kind": r["kind"],
        "minutes": r["minutes"],
        "exits": r["exits"],
        "expected": r["expected"],
        "exit_rate": r["exits"] / r["exposure"] if r["exposure"] else None,
        "obs_exp": r["exits"] / r["expected"] if r["expected"] else None,
        "lo": _f(rr.lo),
        "hi": _f(rr.hi),
        "p_value": _f(rr.p_value),
        "method": method,
        "dispersion": phi,
    }


def leaving_by_screen(
    s: Session, story: MinuteStory | None = None, *, min_minutes: int = 2
) -> pl.DataFrame:
    """Where viewers left, against what was on screen: per on-screen item, exits observed vs
    expected (``obs_exp`` = O/E, 1 = as the session's tenure-specific exit rate predicts) and the
    Poisson rate ratio against the rest of the session with its 95% interval, widened for the
    clustering of exits (quasi-Poisson ``dispersion`` of the per-minute counts; ``method =
    standardised``). Without viewer-level times: the trend's exits per online viewer-minute
    relative to the session (``method = trend``)."""
    found = _minute_exits(s, (story or minute_story(s)).minutes)
    if found is None:
        return pl.DataFrame(schema=LEAVING_SCHEMA)
    m, method = found
    tot_o, tot_e = int(m["exits"].sum()), float(m["expected"].sum())
    phi = _dispersion(m)
    g = (
        m.group_by("on_screen", "kind")
        .agg(
            pl.len().alias("minutes"),
            pl.col("exits").sum(),
            pl.col("expected").sum(),
            pl.col("exposure").sum(),
        )
        .filter(pl.col("minutes") >= min_minutes)
    )
    rows = [_screen_row(r, tot_o, tot_e, phi, method) for r in g.iter_rows(named=True)]
    if not rows:
        return pl.DataFrame(schema=LEAVING_SCHEMA)
    return pl.DataFrame(rows, schema=LEAVING_SCHEMA).sort(
        ["obs_exp", "on_screen"], descending=[True, False], nulls_last=True
    )


def trend_stay(minutes: pl.DataFrame) -> dict[str, Any]:
    """Drop-off from the minute trend alone: entries, exits, viewer-minutes online, the mean stay
    by Little's law (viewer-minutes / entries) and the exits per online viewer-minute."""
    m = minutes.filter(pl.col("online").is_not_null())
    entries = int(m["entries"].fill_null(0).sum()) if "entries" in m.columns else 0
    exits = int(m["exits"].fill_null(0).sum()) if "exits" in m.columns else 0
    vmin = float(m["online"].sum()) if m.height else 0.0
    return {
        "minutes": m.height,
        "entries": entries or None,
        "exits": exits or None,
        "viewer_minutes": vmin or None,
        "mean_stay_min": vmin / entries if entries and vmin else None,
        "exit_rate": exits / vmin if exits and vmin else None,
    }


@sections.section("review.dropoff", needs=["trend.online", "trend.exits"])
def dropoff(s: Session, story: MinuteStory | None = None) -> Retention:
    """Where viewers left when there are no viewer rows: the trend's exits per online viewer-minute
    by what was on screen (:func:`leaving_by_screen`, ``method = trend``) and the mean stay from
    entries and viewer-minutes (:func:`trend_stay`). No survival curves (they need viewer rows)."""
    story = story or minute_story(s)
    curves, summary = pl.DataFrame(schema=CURVE_SCHEMA), pl.DataFrame(schema=SUMMARY_SCHEMA)
    return Retention(curves, summary, leaving_by_screen(s, story), trend_stay(story.minutes))
