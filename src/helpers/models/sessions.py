"""Session-level conversion (buyers / viewers) when there are no viewer rows: what the platform's
own counts allow.

:func:`session_frame` builds one row per session from ``sessions``, ``session_totals`` (viewers,
buyers) and, when present, ``traffic`` (paid share of viewers). :func:`fit_session_conversion`
fits a binomial GLM of conversion on start hour, weekend, duration and paid share with
heteroskedasticity-robust (HC1) standard errors when there are at least
:data:`MIN_MODEL_SESSIONS` sessions; with fewer it describes each session's conversion with its
Wilson interval instead (a regression on a handful of sessions would be noise).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import polars as pl

from helpers.data.schema import TZ
from helpers.metrics.stats import proportion
from helpers.models.design import _r

MIN_MODEL_SESSIONS = 20
SESSION_TERMS = ("start_hour", "weekend", "duration_h", "paid_share")


def session_frame(
    sessions: pl.DataFrame, totals: pl.DataFrame, traffic: pl.DataFrame | None = None
) -> pd.DataFrame:
    """One row per session with platform viewers and buyers: session_id, start_hour, weekday
    (1 = Monday), weekend (0/1), duration_h, paid_share (paid channels' share of traffic viewers,
    absent without a traffic table), viewers, buyers."""
    counts = (
        totals.filter(pl.col("metric").is_in(["viewers", "buyers"]))
        .group_by("session_id")
        .agg(
            pl.col("value").filter(pl.col("metric") == "viewers").sum().alias("viewers"),
            pl.col("value").filter(pl.col("metric") == "buyers").sum().alias("buyers"),
        )
        .filter((pl.col("viewers") > 0) & (pl.col("buyers") <= pl.col("viewers")))
    )
    start = pl.col("start_ts").dt.convert_time_zone(TZ)
    s = sessions.select(
        "session_id",
        start.dt.hour().cast(pl.Float64).alias("start_hour"),
        start.dt.weekday().alias("weekday"),
        (start.dt.weekday() >= 6).cast(pl.Float64).alias("weekend"),
        ((pl.col("end_ts") - pl.col("start_ts")).dt.total_seconds() / 3600).alias("duration_h"),
        pl.col("start_ts"),
    ).join(counts, on="session_id", how="inner")
    if (
        traffic is not None
        and traffic.height
        and "paid" in traffic.columns
        and traffic["paid"].null_count() < traffic.height
    ):
        paid = traffic.group_by("session_id").agg(
            (
                pl.col("viewers").filter(pl.col("paid").fill_null(False)).sum()
                / pl.col("viewers").sum()
            ).alias("paid_share")
        )
        s = s.join(paid, on="session_id", how="left")
    return s.sort("start_ts", "session_id").drop("start_ts").to_pandas()


@dataclass
class SessionModel:
    """Session-level conversion: a fitted model (``kind = "model"``) or, with too few sessions,
    each session's conversion (``kind = "descriptive"``)."""

    kind: str
    n_sessions: int
    per_session: pd.DataFrame  # session_id, ..., viewers, buyers, conversion, lo, hi
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # term, odds_ratio, or_lo, or_hi, p
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-able result (documented in docs/summary-models.md)."""
        return {
            "kind": self.kind,
            "n_sessions": self.n_sessions,
            "min_model_sessions": MIN_MODEL_SESSIONS,
            "terms": {
                r["term"]: {k: _r(r[k]) for k in ("odds_ratio", "or_lo", "or_hi", "p")}
                for r in self.table.to_dict("records")
            },
            "conversion": {
                r["session_id"]: _r(r["conversion"]) for r in self.per_session.to_dict("records")
            },
            "notes": self.notes,
        }


def _with_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    rows = [
        proportion(int(b), int(n)) for b, n in zip(frame["buyers"], frame["viewers"], strict=True)
    ]
    return frame.assign(
        conversion=[p.estimate for p in rows], lo=[p.lo for p in rows], hi=[p.hi for p in rows]
    )


def fit_session_conversion(
    frame: pd.DataFrame, *, min_sessions: int = MIN_MODEL_SESSIONS, alpha: float = 0.05
) -> SessionModel:
    """Binomial GLM of buyers / viewers per session on :data:`SESSION_TERMS` (those that vary),
    robust HC1 errors, odds ratios per unit (hour, 0/1 weekend, hour of duration, paid share
    from 0 to 1); descriptive only below ``min_sessions`` sessions."""
    per = _with_intervals(frame)
    n = len(per)
    if n < min_sessions:
        return SessionModel(
            "descriptive",
            n,
            per,
            notes=[f"{n} sessions (< {min_sessions}): described, not modelled"],
        )
    import numpy as np
    import statsmodels.api as sm

    terms = [
        c
        for c in SESSION_TERMS
        if c in per.columns and per[c].notna().all() and per[c].nunique() > 1
    ]
    X = sm.add_constant(per[terms].astype(float), has_constant="add")
    y = np.column_stack([per["buyers"], per["viewers"] - per["buyers"]]).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(y, X, family=sm.families.Binomial()).fit(cov_type="HC1")
    ci = res.conf_int(alpha)
    rows = [
        {
            "term": c,
            "odds_ratio": math.exp(float(res.params[c])),
            "or_lo": math.exp(float(ci.loc[c, 0])),
            "or_hi": math.exp(float(ci.loc[c, 1])),
            "p": float(res.pvalues[c]),
        }
        for c in terms
    ]
    dropped = [c for c in SESSION_TERMS if c not in terms]
    notes = [f"no variation or missing: {', '.join(dropped)}"] if dropped else []
    return SessionModel(
        "model",
        n,
        per,
        pd.DataFrame(rows, columns=["term", "odds_ratio", "or_lo", "or_hi", "p"]),
        notes,
    )
