"""Shared pieces of the review sections: constants, number cleaning, per-buyer GMV."""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from helpers.data.store import Session

SHORT_WATCH_S = 10.0  # "near-zero" watch time of a fabricated entry
POINT_EVENT_MIN = 3  # lottery / note without an end: treat as a window of this many minutes
PAID_CHANNELS = ("千川", "品牌投放", "其他投放", "随心推", "千川PC")
TRAILING_SESSIONS = 5
GMV_SWING = 0.30  # alert when GMV moves more than this against the trailing sessions
ROLE_NORM = {"hero": 0.3, "profit": 0.5, "traffic": 0.2}
ROI_MIN_SPEND = 1000.0  # a ROI on less spend than this (yuan) ...
ROI_MIN_ORDERS = 30  # ... or on fewer orders than this is "too little data", never a headline


def roi_reliable(spend: float | None, orders: float | None) -> bool:
    """Whether a ROI can be stated: at least ¥:data:`ROI_MIN_SPEND` of spend and
    :data:`ROI_MIN_ORDERS` orders behind it."""
    return (spend or 0.0) >= ROI_MIN_SPEND and (orders or 0) >= ROI_MIN_ORDERS


SCREEN_PRIORITY = ("flash_sale", "lottery", "coupon", "explain", "note", "other")


def _f(x: Any) -> float | None:
    """A finite float or None."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _minute(col: str) -> pl.Expr:
    return pl.col(col).dt.truncate("1m")


def session_minutes(s: Session) -> float:
    return max((s.info["end_ts"] - s.info["start_ts"]).total_seconds() / 60.0, 1.0)


def per_viewer_gmv(s: Session, *, paid_only: bool = False) -> pl.DataFrame:
    """Placed GMV and order count per buyer (viewer_id), from the orders table; ``paid_only``:
    paid GMV per paying buyer (statuses :data:`helpers.metrics.definitions.BUYING_STATUSES`)."""
    from helpers.metrics.definitions import BUYING_STATUSES

    if not s.has("orders") or "viewer_id" not in s.orders.columns:
        return pl.DataFrame(
            schema={"viewer_id": pl.String, "gmv": pl.Float64, "n_orders": pl.UInt32}
        )
    keep = pl.col("status").is_in(list(BUYING_STATUSES)) if paid_only else pl.lit(True)
    return (
        s.orders.filter(pl.col("viewer_id").is_not_null() & keep)
        .group_by("viewer_id")
        .agg(pl.col("amount").sum().alias("gmv"), pl.len().alias("n_orders"))
        .sort("viewer_id")
    )


def _norm_text() -> pl.Expr:
    return pl.col("text").cast(pl.String).str.strip_chars().str.replace_all(r"\s+", "")
