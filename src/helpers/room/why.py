"""The best and worst units of the range, and which factor of GMV made them so."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.metrics.decompose import decompose
from helpers.present import sections
from helpers.room.units import RoomUnits

FACTORS = ("viewers", "conversion", "aov")
TOP = 3


def typical(df: pl.DataFrame) -> dict[str, float] | None:
    """The range's typical unit: mean viewers, pooled conversion and order value per buyer."""
    d = df.drop_nulls(["gmv", "viewers", "buyers"]).filter(
        (pl.col("viewers") > 0) & (pl.col("buyers") > 0)
    )
    if d.height == 0:
        return None
    viewers, buyers, gmv = (
        float(d["viewers"].sum()),
        float(d["buyers"].sum()),
        float(d["gmv"].sum()),
    )
    return {
        "viewers": viewers / d.height,
        "conversion": buyers / viewers,
        "aov": gmv / buyers,
        "gmv": gmv / d.height,
    }


def _explain(row: dict[str, Any], ref: dict[str, float]) -> dict[str, Any]:
    cur = {
        "viewers": row["viewers"],
        "conversion": row["buyers"] / row["viewers"],
        "aov": row["gmv"] / row["buyers"],
    }
    parts = decompose(cur, ref, factors=FACTORS)
    gap = row["gmv"] - ref["gmv"]
    main = max(parts, key=lambda p: p["contribution"] * (1 if gap >= 0 else -1))
    return {
        "unit_id": row["unit_id"],
        "start_ts": row["start_ts"],
        "host": row.get("host"),
        "gmv": row["gmv"],
        "gap": gap,
        "main_factor": main["factor"],
        "main_contribution": main["contribution"],
        "decomposition": parts,
    }


@sections.section("room_extremes", needs=["units.gmv", "units.viewers", "units.buyers"])
def best_worst(units: RoomUnits, top: int = TOP) -> dict[str, list[dict[str, Any]]]:
    """``best`` and ``worst``: up to ``top`` units each (fewer when the range is short), each
    with its GMV gap to the typical unit and the factor that contributed most to it."""
    df = units.frame.drop_nulls(["gmv", "viewers", "buyers"]).filter(
        (pl.col("viewers") > 0) & (pl.col("buyers") > 0)
    )
    ref = typical(df)
    if ref is None or df.height < 2:
        return {"best": [], "worst": []}
    k = min(top, df.height // 2)
    ranked = df.sort("gmv", "unit_id", descending=[True, False])
    best = [_explain(r, ref) for r in ranked.head(k).iter_rows(named=True)]
    worst = [_explain(r, ref) for r in ranked.tail(k).reverse().iter_rows(named=True)]
    return {"best": best, "worst": worst}
