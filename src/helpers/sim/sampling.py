"""Vectorised sampling and conversion helpers shared by the simulator modules."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl

from helpers.data import schema


def to_ts(start: datetime, secs: np.ndarray) -> pl.Series:
    """Seconds from ``start`` → tz-aware Asia/Shanghai timestamps (µs)."""
    base = round(start.timestamp() * 1_000_000)
    us = base + np.round(np.asarray(secs, dtype=float) * 1_000_000).astype(np.int64)
    return (
        pl.Series(us, dtype=pl.Int64)
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(schema.TZ)
    )


def minute_of(t_s: np.ndarray, minutes: int) -> np.ndarray:
    """Minute index (0 .. minutes-1) of times in seconds from the start."""
    return np.minimum((np.asarray(t_s) // 60).astype(np.int64), minutes - 1)


def take(values: tuple[str, ...], codes: np.ndarray) -> pl.Series:
    """Strings for integer codes (a polars gather, no Python objects)."""
    return pl.Series(values, dtype=pl.String).gather(np.asarray(codes, dtype=np.int64))


def distinct_pairs(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> np.ndarray:
    """Per column, the number of distinct rows among the (row, col) pairs (n_cols small)."""
    seen = np.zeros(n_rows * n_cols, dtype=bool)
    seen[rows.astype(np.int64) * n_cols + cols] = True
    return seen.reshape(n_rows, n_cols).sum(axis=0)


def pick_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row of ``weights`` (rows need not be normalised)."""
    cw = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cw[:, -1]
    return np.minimum((cw < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def lift_exposure(lift: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """Integral of the per-minute ``lift`` from the session start to ``t_s`` seconds
    (lift-minutes)."""
    D = len(lift)
    cum = np.concatenate([[0.0], np.cumsum(lift)])
    t = np.clip(np.asarray(t_s) / 60.0, 0, D)
    m = np.minimum(np.floor(t).astype(np.int64), D - 1)
    return cum[m] + (t - m) * lift[m]


def sample_in_windows(
    rng: np.random.Generator, lift: np.ndarray, a_s: np.ndarray, b_s: np.ndarray
) -> np.ndarray:
    """Times in [a, b] (seconds) with density proportional to the per-minute ``lift`` (inverse
    CDF)."""
    cum = np.concatenate([[0.0], np.cumsum(lift)])
    D = len(lift)
    lo, hi = lift_exposure(lift, a_s), lift_exposure(lift, b_s)
    u = lo + rng.random(len(a_s)) * (hi - lo)
    m = np.clip(np.searchsorted(cum, u, side="right") - 1, 0, D - 1)
    t = (m + (u - cum[m]) / lift[m]) * 60.0
    return np.clip(t, a_s, b_s)


def uniform_in_stay(
    rng: np.random.Generator, rows: np.ndarray, enter: np.ndarray, watch: np.ndarray
) -> np.ndarray:
    """One uniform time within each listed viewer's stay."""
    return enter[rows] + rng.random(len(rows)) * watch[rows]
