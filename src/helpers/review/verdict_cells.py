"""Where the verdict's gap came from: viewers, paying buyers and paid GMV per paid vs free traffic ×
followers vs non-followers (the 2×2 of Compass's self-broadcast diagnosis), each against the same
cell of the reference sessions."""

from __future__ import annotations

import os
from typing import Any

import polars as pl

from helpers.data.store import Session
from helpers.metrics import definitions as metrics
from helpers.review.common import PAID_CHANNELS, _f, per_viewer_gmv

CELL_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "traffic_type": pl.String,
    "audience": pl.String,
    "viewers": pl.Float64,
    "buyers": pl.Float64,
    "gmv": pl.Float64,
}
CELL_KEYS = ["traffic_type", "audience"]
CELL_VALUES = ("viewers", "buyers", "gmv")


def _paid_flags(s: Session) -> dict[str, bool]:
    if s.has("traffic") and "paid" in s.traffic.columns:
        return {
            c: bool(p) for c, p in s.traffic.select("channel", "paid").iter_rows() if p is not None
        }
    return {}


def is_paid(channel: str | None, flags: dict[str, bool] | None = None) -> bool:
    """Whether a channel is paid: the traffic table's ``paid`` flag, else the known paid channel
    names (千川, 随心推, 品牌投放, 其他投放, 千川PC). Everything else is free."""
    if channel is None:
        return False
    flags = flags or {}
    return flags.get(channel, channel in PAID_CHANNELS)


def _traffic_type(col: str, flags: dict[str, bool], *, skip_nulls: bool) -> pl.Expr:
    """``paid`` or ``free`` per channel in ``col``; a null channel is free unless ``skip_nulls``."""
    return pl.col(col).map_elements(
        lambda c: "paid" if is_paid(c, flags) else "free",
        return_dtype=pl.String,
        skip_nulls=skip_nulls,
    )


def _known(v: pl.DataFrame, col: str) -> bool:
    return col in v.columns and v[col].null_count() < v.height


def _cells_from_viewers(s: Session) -> pl.DataFrame:
    v = s.viewers
    traffic = (
        _traffic_type("source", _paid_flags(s), skip_nulls=False)
        if _known(v, "source")
        else pl.lit("all")
    )
    audience = (
        pl.when(pl.col("was_follower")).then(pl.lit("followers")).otherwise(pl.lit("non_followers"))
        if _known(v, "was_follower")
        else pl.lit("all")
    )
    pay = per_viewer_gmv(s, paid_only=True)
    rows = (
        v.select("viewer_id", traffic.alias("traffic_type"), audience.alias("audience"))
        .join(pay.select("viewer_id", "gmv"), on="viewer_id", how="left")
        .group_by(CELL_KEYS)
        .agg(
            pl.len().cast(pl.Float64).alias("viewers"),
            pl.col("gmv").is_not_null().sum().cast(pl.Float64).alias("buyers"),
            pl.col("gmv").fill_null(0.0).sum().alias("gmv"),
        )
    )
    return rows.select(list(CELL_SCHEMA)).sort(CELL_KEYS)


def _cell(traffic: str, audience: str, viewers: Any, gmv: Any = None) -> dict[str, Any]:
    return {
        "traffic_type": traffic,
        "audience": audience,
        "viewers": viewers,
        "buyers": None,
        "gmv": gmv,
    }


def _traffic_margin(s: Session) -> list[dict[str, Any]]:
    """Paid and free viewers (and GMV where the traffic table has it), all audiences together."""
    if not s.has("traffic"):
        return []
    tr = s.traffic
    g = tr.with_columns(
        _traffic_type("channel", _paid_flags(s), skip_nulls=True).alias("traffic_type")
    )
    agg = g.group_by("traffic_type").agg(
        pl.col("viewers").sum().cast(pl.Float64),
        (pl.col("gmv").sum() if "gmv" in tr.columns else pl.lit(None))
        .cast(pl.Float64)
        .alias("gmv"),
    )
    return [
        _cell(r["traffic_type"], "all", r["viewers"], r["gmv"])
        for r in agg.sort("traffic_type").iter_rows(named=True)
    ]


def _follower_margin(s: Session) -> list[dict[str, Any]]:
    """Followers and non-followers from the platform's follower share, all traffic together."""
    k = metrics.session_kpis(s)
    share, viewers = _f(k.get("follower_share")), _f(k.get("viewers"))
    if share is None or not viewers:
        return []
    return [
        _cell("all", "followers", share * viewers),
        _cell("all", "non_followers", (1 - share) * viewers),
    ]


def cells(s: Session) -> pl.DataFrame:
    """Viewers, paying buyers and paid GMV per traffic (paid/free) × audience (followers/
    non_followers) cell: from viewer rows when present, else margins from the traffic table and
    the platform's follower share (buyers and GMV unknown there)."""
    if s.has("viewers"):
        return _cells_from_viewers(s)
    return pl.DataFrame(_traffic_margin(s) + _follower_margin(s), schema=CELL_SCHEMA)


# what :func:`cells` reads of a session (its KPIs included): a reference session loads only these
CELL_TABLES = ("viewers", "orders", "trend", "products", "traffic", "session_totals")


def source_cells(
    s: Session, store: str | os.PathLike[str] | None, ref_ids: list[str]
) -> pl.DataFrame:
    """:func:`cells` with each cell's change against the mean of the same cell in ``ref_ids``."""
    from helpers.data.store import load_session

    cur = cells(s)
    refs = []
    for sid in ref_ids if store is not None else []:
        try:
            refs.append(cells(load_session(sid, store, only=CELL_TABLES)))
        except (OSError, KeyError, pl.exceptions.PolarsError):
            continue
    if refs:
        ref = (
            pl.concat(refs)
            .group_by(CELL_KEYS)
            .agg((pl.col(c).sum() / len(refs)).alias(f"ref_{c}") for c in CELL_VALUES)
        )
        cur = cur.join(ref, on=CELL_KEYS, how="left")
    for c in CELL_VALUES:
        if f"ref_{c}" not in cur.columns:
            cur = cur.with_columns(pl.lit(None, dtype=pl.Float64).alias(f"ref_{c}"))
        cur = cur.with_columns(
            pl.when(pl.col(f"ref_{c}") > 0)
            .then(pl.col(c) / pl.col(f"ref_{c}") - 1)
            .alias(f"change_{c}")
        )
    return cur.sort(CELL_KEYS)
