"""RFM of buyers: recency, frequency and monetary value across every session in the store at a
reference date, quintile scores, named segments and how buyers move between them."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import cast

import numpy as np
import pandas as pd
import polars as pl

from helpers.metrics.definitions import BUYING_STATUSES
from helpers.present.i18n import t

# --------------------------------------------------------------------------------------------
# RFM
# --------------------------------------------------------------------------------------------

RFM_SEGMENTS = ("champions", "loyal", "new", "promising", "at_risk", "needs_attention", "lost")


def segment_name(segment: str, lang: str = "zh") -> str:
    """An RFM segment (or ``none``: no purchase before) in the report language."""
    return t(f"audience.rfm_{segment}", lang)


#: The segments' Chinese names, for callers that have not moved to :func:`segment_name`.
RFM_ZH = {s: segment_name(s, "zh") for s in RFM_SEGMENTS}


def _score(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Quintile score 1–5: 1 + floor(5 × share of buyers strictly worse), so ties share a score."""
    v = values if higher_is_better else -values
    below = (v.rank(method="min") - 1) / len(v)
    # np.floor of a Series is a Series (numpy's stubs say ndarray)
    return cast(pd.Series, (1 + np.floor(5 * below)).clip(1, 5).astype(int))


def _segment(r: int, f: int) -> str:
    if r >= 4 and f >= 4:
        return "champions"
    if f >= 4:
        return "loyal" if r >= 3 else "at_risk"
    if r >= 4:
        return "new" if f <= 1 else "promising"
    if r == 3:
        return "promising" if f >= 2 else "needs_attention"
    return "at_risk" if f >= 3 else "lost"


def rfm(orders: pl.DataFrame, ref_date: date | datetime | None = None) -> pd.DataFrame:
    """One row per buyer: recency_days, frequency (distinct sessions bought in), monetary (yuan),
    their 1–5 scores and the named segment, using orders placed up to ``ref_date`` (inclusive).

    Segments from the R and F scores: champions (R≥4, F≥4), loyal (F≥4, R=3), at_risk (F≥4 or
    F≥3 with R≤2), new (R≥4, F=1), promising (R≥4, F 2–3; R=3, F≥2), needs_attention (R=3, F=1),
    lost (R≤2, F≤2). Scores are relative to this store's buyers (1 + floor(5 × share of buyers
    strictly worse)), so ties share a score.
    """
    o = orders.filter(
        pl.col("status").is_in(list(BUYING_STATUSES)) & pl.col("viewer_id").is_not_null()
    )
    if ref_date is None:
        ref = cast(datetime, o["ts"].max()).date() if o.height else date.today()
    else:
        ref = ref_date.date() if isinstance(ref_date, datetime) else ref_date
    o = o.with_columns(pl.col("ts").dt.date().alias("day")).filter(pl.col("day") <= ref)
    cols = [
        "viewer_id",
        "recency_days",
        "frequency",
        "monetary",
        "orders",
        "r",
        "f",
        "m",
        "segment",
    ]
    if o.height == 0:
        return pd.DataFrame(columns=cols)
    g = (
        o.group_by("viewer_id")
        .agg(
            pl.col("day").max().alias("last"),
            pl.col("session_id").n_unique().alias("frequency"),
            pl.col("amount").sum().alias("monetary"),
            pl.len().alias("orders"),
        )
        .with_columns((pl.lit(ref) - pl.col("last")).dt.total_days().alias("recency_days"))
        .sort("viewer_id")
        .to_pandas()
    )
    g["r"] = _score(g["recency_days"].astype(float), higher_is_better=False)
    g["f"] = _score(g["frequency"].astype(float))
    g["m"] = _score(g["monetary"].astype(float))
    g["segment"] = [_segment(r, f) for r, f in zip(g["r"], g["f"], strict=True)]
    return g[cols]


def rfm_segments(table: pd.DataFrame) -> pd.DataFrame:
    """Buyers, share of buyers and GMV share per RFM segment (fixed segment order)."""
    total_b, total_m = len(table), float(table["monetary"].sum()) if len(table) else 0.0
    rows = []
    for s in RFM_SEGMENTS:
        t = table[table["segment"] == s]
        rows.append(
            {
                "segment": s,
                "buyers": len(t),
                "buyer_share": len(t) / total_b if total_b else math.nan,
                "gmv": float(t["monetary"].sum()),
                "gmv_share": float(t["monetary"].sum()) / total_m if total_m else math.nan,
                "mean_recency_days": float(t["recency_days"].mean()) if len(t) else math.nan,
                "mean_frequency": float(t["frequency"].mean()) if len(t) else math.nan,
            }
        )
    return pd.DataFrame(rows)


def rfm_migration(orders: pl.DataFrame, date_from: date, date_to: date) -> pd.DataFrame:
    """Buyers moving between RFM segments from ``date_from`` to ``date_to`` (long form:
    from_segment, to_segment, buyers). Buyers with no order by ``date_from`` start in ``none``."""
    a = rfm(orders, date_from)[["viewer_id", "segment"]].rename(columns={"segment": "from_segment"})
    b = rfm(orders, date_to)[["viewer_id", "segment"]].rename(columns={"segment": "to_segment"})
    m = b.merge(a, on="viewer_id", how="left")
    m["from_segment"] = m["from_segment"].fillna("none")
    out = m.groupby(["from_segment", "to_segment"]).size().rename("buyers").reset_index()
    order = {s: i for i, s in enumerate(("none", *RFM_SEGMENTS))}
    return out.sort_values(["from_segment", "to_segment"], key=lambda s: s.map(order)).reset_index(
        drop=True
    )
