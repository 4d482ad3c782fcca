"""Viewers, buyers, conversion (Wilson interval), GMV share and AOV (bootstrap interval) per value
of any column; first-order AOV; retention; demographic cuts and channel shares."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import polars as pl

from helpers.metrics.definitions import BUYING_STATUSES
from helpers.metrics.stats import bootstrap_ratio, proportion

# --------------------------------------------------------------------------------------------
# Group cuts with intervals
# --------------------------------------------------------------------------------------------


def group_table(
    design: pd.DataFrame,
    by: str,
    *,
    outcome: str = "bought",
    gmv: str = "gmv",
    alpha: float = 0.05,
    n_boot: int = 500,
    seed: int = 0,
    labels: dict[Any, str] | None = None,
) -> pd.DataFrame:
    """Per value of ``by``: viewers, share of viewers and of buyers (Wilson), conversion (Wilson),
    GMV share, AOV = GMV / buyers (bootstrap over buyers).

    ``design`` is one row per viewer with a 0/1 ``outcome`` and per-viewer ``gmv``
    (:func:`helpers.models.viewer_design`). ``labels`` renames values (0/1 flags: ``{1: "returning",
    0: "new"}``); 0/1 flags without labels show as ``yes``/``no``.
    """
    d = design[[by, outcome, gmv]].copy()
    if (
        labels is None
        and pd.api.types.is_numeric_dtype(d[by])
        and set(d[by].dropna().unique()) <= {0, 1}
    ):
        labels = {1: "yes", 0: "no"}
    if labels:
        d[by] = d[by].map(lambda v: labels.get(v, v))
    d[by] = d[by].astype(object).where(d[by].notna(), "unknown").astype(str)
    n_all, b_all, g_all = len(d), int(d[outcome].sum()), float(d[gmv].sum())
    rows = []
    for lv, g in sorted(d.groupby(by, sort=False), key=lambda kv: (-len(kv[1]), kv[0])):
        n, b = len(g), int(g[outcome].sum())
        conv = proportion(b, n, alpha)
        vshare = proportion(n, n_all, alpha)
        bshare = proportion(b, b_all, alpha) if b_all else None
        amounts = g.loc[g[outcome] == 1, gmv].to_numpy(dtype=float)
        aov = bootstrap_ratio(amounts, n_boot=n_boot, alpha=alpha, seed=seed) if b >= 2 else None
        rows.append(
            {
                by: lv,
                "viewers": n,
                "viewer_share": vshare.estimate,
                "viewer_share_lo": vshare.lo,
                "viewer_share_hi": vshare.hi,
                "buyers": b,
                "buyer_share": bshare.estimate if bshare else math.nan,
                "buyer_share_lo": bshare.lo if bshare else math.nan,
                "buyer_share_hi": bshare.hi if bshare else math.nan,
                "conversion": conv.estimate,
                "conversion_lo": conv.lo,
                "conversion_hi": conv.hi,
                "gmv": float(g[gmv].sum()),
                "gmv_share": float(g[gmv].sum()) / g_all if g_all else math.nan,
                "aov": aov.estimate if aov else (float(amounts.mean()) if b else math.nan),
                "aov_lo": aov.lo if aov else math.nan,
                "aov_hi": aov.hi if aov else math.nan,
            }
        )
    return pd.DataFrame(rows)


def first_order_aov(orders: pl.DataFrame, *, n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
    """AOV of buyers' first orders in the room vs other orders (seed: first orders 25–40% lower).

    Uses ``orders.first_order``; returns kind (first, repeat), orders, aov, aov_lo, aov_hi and the
    relative gap of first vs repeat in the first row's ``gap`` column.
    """
    cols = ["kind", "orders", "aov", "aov_lo", "aov_hi", "gap"]
    if "first_order" not in orders.columns or orders.height == 0:
        return pd.DataFrame(columns=cols)
    o = orders.filter(
        pl.col("status").is_in(list(BUYING_STATUSES)) & pl.col("first_order").is_not_null()
    )
    rows = []
    for kind, flag in (("first", True), ("repeat", False)):
        a = o.filter(pl.col("first_order") == flag)["amount"].to_numpy()
        iv = bootstrap_ratio(a, n_boot=n_boot, seed=seed) if a.size >= 2 else None
        rows.append(
            {
                "kind": kind,
                "orders": int(a.size),
                "aov": iv.estimate if iv else math.nan,
                "aov_lo": iv.lo if iv else math.nan,
                "aov_hi": iv.hi if iv else math.nan,
            }
        )
    out = pd.DataFrame(rows)
    f, r = out["aov"].iloc[0], out["aov"].iloc[1]
    out["gap"] = (f / r - 1) if (r and not math.isnan(r) and not math.isnan(f)) else math.nan
    return out[cols]


def retention(
    viewers: pl.DataFrame, sessions: pl.DataFrame, by: str, labels: dict[Any, str] | None = None
) -> pd.DataFrame:
    """Share of each group's viewers seen again in a later session of ``sessions`` (Wilson
    interval).

    Only viewers of sessions followed by at least one later session count (the others could not
    come back yet). ``labels`` renames group values (``{True: "returning", False: "new"}``).
    Returns by, viewers, came_back, rate, lo, hi.
    """
    cols = [by, "viewers", "came_back", "rate", "lo", "hi"]
    if by not in viewers.columns or sessions.height < 2:
        return pd.DataFrame(columns=cols)
    order = sessions.sort("start_ts").select("session_id", pl.int_range(pl.len()).alias("k"))
    col = pl.col(by)
    if labels:
        col = col.replace_strict(labels, default=None, return_dtype=pl.String)
    v = viewers.select(
        "session_id", "viewer_id", col.cast(pl.String).fill_null("unknown").alias(by)
    ).join(order, on="session_id")
    last_k = v.group_by("viewer_id").agg(pl.col("k").max().alias("last_k"))
    maxk = order["k"].max()
    v = (
        v.filter(pl.col("k") < maxk)
        .join(last_k, on="viewer_id")
        .with_columns((pl.col("last_k") > pl.col("k")).alias("back"))
    )
    g = (
        v.group_by(by)
        .agg(pl.len().alias("viewers"), pl.col("back").sum().alias("came_back"))
        .sort(by)
    )
    rows = []
    for r in g.iter_rows(named=True):
        p = proportion(int(r["came_back"]), int(r["viewers"]))
        rows.append(
            {
                by: r[by],
                "viewers": r["viewers"],
                "came_back": r["came_back"],
                "rate": p.estimate,
                "lo": p.lo,
                "hi": p.hi,
            }
        )
    return pd.DataFrame(rows, columns=cols)


DEMOGRAPHICS = ("age_band", "gender", "region", "device", "channel")


def demographic_cuts(design: pd.DataFrame, dims: tuple[str, ...] = DEMOGRAPHICS) -> pd.DataFrame:
    """:func:`group_table` for each demographic column present, stacked with a ``dimension`` column
    (the group value in ``level``)."""
    parts = []
    for dim in dims:
        if dim in design.columns and design[dim].notna().any():
            t = group_table(design, dim).rename(columns={dim: "level"})
            t.insert(0, "dimension", dim)
            parts.append(t)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def channel_shares(traffic: pl.DataFrame) -> pd.DataFrame:
    """From the per-channel aggregates alone (no viewer-level data): each channel's share of
    viewers and of attributed orders, each with a Wilson interval, pooled over the sessions."""
    cols = [
        "channel",
        "viewers",
        "viewer_share",
        "viewer_share_lo",
        "viewer_share_hi",
        "orders",
        "order_share",
        "order_share_lo",
        "order_share_hi",
    ]
    if traffic is None or traffic.height == 0:
        return pd.DataFrame(columns=cols)
    has_orders = "orders" in traffic.columns
    g = (
        traffic.group_by("channel")
        .agg(
            pl.col("viewers").sum(),
            (pl.col("orders").sum() if has_orders else pl.lit(None, dtype=pl.Int64)).alias(
                "orders"
            ),
        )
        .sort("viewers", "channel", descending=[True, False])
    )
    nv = int(g["viewers"].sum())
    no = int(g["orders"].fill_null(0).sum())
    rows = []
    for r in g.iter_rows(named=True):
        v = proportion(int(r["viewers"]), nv)
        o = proportion(int(r["orders"] or 0), no) if has_orders and no else None
        rows.append(
            {
                "channel": r["channel"],
                "viewers": r["viewers"],
                "viewer_share": v.estimate,
                "viewer_share_lo": v.lo,
                "viewer_share_hi": v.hi,
                "orders": r["orders"],
                "order_share": o.estimate if o else math.nan,
                "order_share_lo": o.lo if o else math.nan,
                "order_share_hi": o.hi if o else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=cols)
