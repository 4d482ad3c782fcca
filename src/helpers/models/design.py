"""The purchase-model design: one row per (session, viewer) with ``bought`` and covariates."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import polars as pl

from helpers.data.schema import TZ
from helpers.metrics.definitions import BUYING_STATUSES

#: Orders that count as a purchase: placed and paid (refunds later do not undo the decision).
CHANNELS = ("直播推荐", "短视频引流", "关注", "搜索", "商城推荐", "千川")
DEVICES = ("android", "ios", "pc")
REGIONS = ("一线", "新一线", "二线", "三线", "四线及以下")
NUMERIC = ["log_watch_min", "log_interactions", "was_follower", "returning", "prime_time"]
CATEGORICAL = ["channel", "device", "region"]
REFERENCES = {"channel": "直播推荐", "device": "android", "region": "三线"}
PRIME_HOURS = (20, 22)
OTHER = "other"


def buyers_of(orders: pl.DataFrame) -> pl.DataFrame:
    """(session_id, viewer_id, orders, gmv) of viewers with a paid or refunded order."""
    if orders.height == 0 or "viewer_id" not in orders.columns:
        return pl.DataFrame(
            schema={
                "session_id": pl.String,
                "viewer_id": pl.String,
                "n_orders": pl.Int64,
                "gmv": pl.Float64,
            }
        )
    return (
        orders.filter(
            pl.col("status").is_in(list(BUYING_STATUSES)) & pl.col("viewer_id").is_not_null()
        )
        .group_by("session_id", "viewer_id")
        .agg(pl.len().cast(pl.Int64).alias("n_orders"), pl.col("amount").sum().alias("gmv"))
    )


def viewer_frame(viewers: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """Polars form of :func:`viewer_design`: viewers with outcome, GMV and model covariates.

    ``bought`` is 1 when the viewer placed at least one order in the session whose status is
    ``paid`` or ``refunded`` (a refund does not undo the decision to buy; ``unpaid`` and
    ``cancelled`` orders are not purchases). Covariates absent from the export are left out.
    """
    v = viewers
    cols: list[pl.Expr] = [
        pl.col("session_id"),
        pl.col("viewer_id"),
        (pl.col("watch_s").fill_null(0).clip(lower_bound=0) / 60).log1p().alias("log_watch_min"),
    ]
    inter = [c for c in ("likes", "comments", "shares") if c in v.columns]
    if inter:
        cols.append(
            pl.sum_horizontal([pl.col(c).fill_null(0) for c in inter])
            .cast(pl.Float64)
            .log1p()
            .alias("log_interactions")
        )
    for b in ("was_follower", "returning"):
        if b in v.columns:
            cols.append(pl.col(b).fill_null(False).cast(pl.Float64).alias(b))
    hour = pl.col("enter_ts").dt.convert_time_zone(TZ).dt.hour()
    cols.append(
        ((hour >= PRIME_HOURS[0]) & (hour < PRIME_HOURS[1])).cast(pl.Float64).alias("prime_time")
    )
    for name, src in (("channel", "source"), ("device", "device"), ("region", "region")):
        if src in v.columns:
            cols.append(pl.col(src).fill_null("unknown").alias(name))
    extra = [
        c
        for c in ("product_clicks", "gender", "age_band", "watch_s", "enter_ts", "sim_segment")
        if c in v.columns
    ]
    out = v.select(*cols, *[pl.col(c) for c in extra])
    bought = buyers_of(orders)
    out = out.join(bought, on=["session_id", "viewer_id"], how="left").with_columns(
        pl.col("n_orders").fill_null(0),
        pl.col("gmv").fill_null(0.0),
    )
    return out.with_columns((pl.col("n_orders") > 0).cast(pl.Int64).alias("bought"))


def viewer_design(viewers: pl.DataFrame, orders: pl.DataFrame) -> pd.DataFrame:
    """One row per (session, viewer): ``bought`` and the purchase-model covariates, as pandas.

    Columns: session_id, viewer_id, bought, n_orders, gmv, log_watch_min = log1p(watch_s/60),
    log_interactions = log1p(likes+comments+shares), was_follower, returning (0/1),
    prime_time (entry hour in [20, 22) Asia/Shanghai), channel (= viewers.source), device, region.
    """
    return viewer_frame(viewers, orders).to_pandas()


def model_covariates(design: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The purchase-model covariates present in a design (numeric, categorical)."""
    return (
        [c for c in NUMERIC if c in design.columns],
        [c for c in CATEGORICAL if c in design.columns],
    )


def _r(x: Any, nd: int = 6) -> Any:
    if x is None:
        return None
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return x
    return round(xf, nd) if math.isfinite(xf) else None


def _q(name: str) -> str:
    """Quote a column name for a patsy formula."""
    return name if name.isidentifier() else f"Q('{name}')"
