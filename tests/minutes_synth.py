"""A synthetic minute trend and run sheet with a known per-viewer order rate and event lifts
(what tests/test_models.py checks the count models against)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 16, 19, 0, tzinfo=TZ)


def _explain_runs(ex_on: np.ndarray, start: datetime) -> list[dict[str, Any]]:
    """One explain event per run of consecutive explained minutes."""
    evs, i, minutes = [], 0, len(ex_on)
    while i < minutes:
        if not ex_on[i]:
            i += 1
            continue
        j = i
        while j < minutes and ex_on[j]:
            j += 1
        evs.append(
            {
                "start_ts": start + timedelta(minutes=i),
                "kind": "explain",
                "end_ts": start + timedelta(minutes=j),
                "product_id": f"p{i % 4}",
            }
        )
        i = j
    return evs


def _run_sheet(
    minutes: int, start: datetime
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Explain, lottery and coupon minutes of one session, and its events."""
    m = np.arange(minutes)
    ex_on = (m // 7) % 3 != 0
    lot = np.zeros(minutes, bool)
    cou = np.zeros(minutes, bool)
    evs: list[dict[str, Any]] = []
    for a in range(25, minutes - 5, 60):
        lot[a : a + 5] = True
        evs.append({"start_ts": start + timedelta(minutes=a), "kind": "lottery", "end_ts": None})
    for a in (10, 90):
        cou[a : a + 10] = True
        evs.append(
            {
                "start_ts": start + timedelta(minutes=a),
                "kind": "coupon",
                "end_ts": start + timedelta(minutes=a + 10),
            }
        )
    return ex_on, lot, cou, evs + _explain_runs(ex_on, start)


def minutes_synth(
    n_sessions: int = 3,
    minutes: int = 180,
    seed: int = 0,
    lifts: dict[str, float] | None = None,
    nb_alpha: float = 0.0,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Trend + events + sessions with a known per-viewer order rate and event lifts."""
    lifts = lifts or {"explain": 1.5, "lottery": 1.3, "coupon": 1.8}
    rng = np.random.default_rng(seed)
    trends, events, sessions = [], [], []
    for s in range(n_sessions):
        sid, start = f"s{s}", T0 + timedelta(days=s)
        m = np.arange(minutes)
        online = (300 + 200 * np.sin(m / 30) ** 2).astype(int)
        ex_on, lot, cou, evs = _run_sheet(minutes, start)
        mu = online * 0.002 * np.where(ex_on, lifts["explain"], 1)
        mu = mu * np.where(lot, lifts["lottery"], 1) * np.where(cou, lifts["coupon"], 1)
        if nb_alpha:
            mu = mu * rng.gamma(1 / nb_alpha, nb_alpha, minutes)
        stamps = [start + timedelta(minutes=int(x)) for x in m]
        trends.append(
            pl.DataFrame(
                {
                    "session_id": sid,
                    "minute_ts": stamps,
                    "online": online,
                    "orders": rng.poisson(mu),
                }
            )
        )
        events.append(
            pl.DataFrame(
                [{"session_id": sid, "product_id": None, **e} for e in evs],
                schema_overrides={
                    "end_ts": pl.Datetime("us", "Asia/Shanghai"),
                    "product_id": pl.String,
                },
            )
        )
        sessions.append(
            {"session_id": sid, "start_ts": start, "end_ts": start + timedelta(minutes=minutes)}
        )
    return pl.concat(trends), pl.concat(events, how="diagonal_relaxed"), pl.DataFrame(sessions)
