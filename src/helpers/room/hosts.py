"""Hosts per hour of air time: GMV per hour on air with a seeded bootstrap interval over
sessions."""

from __future__ import annotations

import numpy as np
import polars as pl

from helpers.present import sections
from helpers.room.units import RoomUnits

MIN_SESSIONS = 3  # fewer sessions than this: the interval says "too little data"
N_BOOT = 2000


def _ratio_interval(
    gmv: np.ndarray, hours: np.ndarray, rng: np.random.Generator
) -> tuple[float, float]:
    idx = rng.integers(0, len(gmv), size=(N_BOOT, len(gmv)))
    ratios = gmv[idx].sum(axis=1) / hours[idx].sum(axis=1)
    lo, hi = np.quantile(ratios, [0.025, 0.975])
    return float(lo), float(hi)


@sections.section("room_hosts", needs=["units.host", "units.gmv", "units.duration_min"])
def host_hours(units: RoomUnits, seed: int = 0) -> pl.DataFrame:
    """One row per host: sessions, hours on air, GMV, GMV per hour with its 95% interval (null
    under :data:`MIN_SESSIONS` sessions), sorted by GMV per hour."""
    df = units.frame.drop_nulls(["host", "gmv", "duration_h"]).filter(pl.col("duration_h") > 0)
    rng = np.random.default_rng(seed)
    rows = []
    for (host,), part in df.sort("host").group_by(["host"], maintain_order=True):
        gmv, hours = part["gmv"].to_numpy(), part["duration_h"].to_numpy()
        lo, hi = _ratio_interval(gmv, hours, rng) if len(gmv) >= MIN_SESSIONS else (None, None)
        rows.append(
            {
                "host": host,
                "sessions": len(gmv),
                "hours": float(hours.sum()),
                "gmv": float(gmv.sum()),
                "gmv_per_hour": float(gmv.sum() / hours.sum()),
                "lo": lo,
                "hi": hi,
            }
        )
    schema = {
        "host": pl.String,
        "sessions": pl.Int64,
        "hours": pl.Float64,
        "gmv": pl.Float64,
        "gmv_per_hour": pl.Float64,
        "lo": pl.Float64,
        "hi": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema).sort("gmv_per_hour", "host", descending=[True, False])
