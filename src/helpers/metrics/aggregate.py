"""Per-table aggregations of the canonical tables, one row per session (lazy): the candidate
values the KPI definitions (:mod:`helpers.metrics.definitions`) choose from.

Columns are prefixed by their table: ``v_`` viewers, ``t_`` trend, ``o_`` orders, ``p_`` products,
``tr_`` traffic and ``pt_`` the platform's own totals (``session_totals``). A column the export did
not carry gives a null, never a zero.
"""

from __future__ import annotations

import polars as pl

from helpers.metrics.registry import BUYING_STATUSES, KPI_KEYS


def _has(lf: pl.LazyFrame, col: str) -> bool:
    return col in lf.collect_schema().names()


#: Sums are taken in fixed point (1/10,000 of a yuan or second): exact and independent of the order
#: polars' threads add rows in, so a figure never flips in its last printed digit between runs.
_FIXED_POINT = 10_000


def _exact_sum(c: pl.Expr) -> pl.Expr:
    """Order-independent sum of a money/time column (see ``_FIXED_POINT``)."""
    return (c * _FIXED_POINT).round().cast(pl.Int64).sum() / _FIXED_POINT


def _sum_if_any(col: str) -> pl.Expr:
    """Sum of a column, null when every value is null (absent data is not zero)."""
    c = pl.col(col)
    return pl.when(c.is_not_null().any()).then(_exact_sum(c)).otherwise(None)


def _null(name: str, dtype: pl.DataType | type[pl.DataType] = pl.Float64) -> pl.Expr:
    return pl.lit(None, dtype=dtype).alias(name)


def _summed(lf: pl.LazyFrame, col: str, name: str) -> pl.Expr:
    """``col`` summed as ``name`` (null when the table lacks the column or every value is null)."""
    return (_sum_if_any(col).cast(pl.Float64) if _has(lf, col) else _null(name)).alias(name)


def _people_with(lf: pl.LazyFrame, col: str, name: str) -> pl.Expr:
    """Viewers with a positive ``col`` as ``name`` (null when nothing of ``col`` is known)."""
    if not _has(lf, col):
        return _null(name)
    c = pl.col(col)
    counted = (c.fill_null(0) > 0).sum()
    return pl.when(c.is_not_null().any()).then(counted).otherwise(None).cast(pl.Float64).alias(name)


def _interacting(lf: pl.LazyFrame) -> pl.Expr:
    """Viewers who liked, commented or shared (null when none of those columns is known)."""
    interact = [c for c in ("likes", "comments", "shares") if _has(lf, c)]
    if not interact:
        return _null("v_interacting")
    any_known = pl.any_horizontal([pl.col(c).is_not_null() for c in interact])
    active = pl.sum_horizontal([pl.col(c).fill_null(0) for c in interact]) > 0
    return (
        pl.when(any_known.any())
        .then(active.sum())
        .otherwise(None)
        .cast(pl.Float64)
        .alias("v_interacting")
    )


def viewer_aggs(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Viewer-level rows: distinct viewers, watch time, visits, followers, interacting viewers."""
    exprs = [
        pl.col("viewer_id").n_unique().cast(pl.Float64).alias("v_viewers"),
        _exact_sum(pl.col("watch_s")).alias("v_watch_total"),
        _summed(lf, "visits", "v_visits"),
        _summed(lf, "followed", "v_new_followers"),
        _summed(lf, "returning", "v_returning"),
        _summed(lf, "was_follower", "v_followers"),
        _interacting(lf),
        _people_with(lf, "comments", "v_commenters"),
        _people_with(lf, "product_clicks", "v_clickers"),
    ]
    return lf.group_by("session_id").agg(exprs)


def trend_aggs(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The per-minute trend: peak and mean online, and the minutes' sums (entries are views)."""
    exprs = [
        pl.col("online").max().cast(pl.Float64).alias("t_pcu"),
        pl.col("online").mean().alias("t_acu"),
        _summed(lf, "entries", "t_views"),
    ]
    for col in ("new_followers", "orders", "gmv", "paid_gmv", "ad_spend"):
        exprs.append(_summed(lf, col, f"t_{col}"))
    return lf.group_by("session_id").agg(exprs)


def order_aggs(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Order lines: GMV placed, paid GMV, refunds, orders, units, paying buyers, last order time."""
    paid = pl.col("status").is_in(list(BUYING_STATUSES))
    refunded = pl.when(pl.col("status") == "refunded").then(pl.col("amount")).otherwise(0.0)
    refund = (
        pl.coalesce(pl.col("refund_amount"), refunded) if _has(lf, "refund_amount") else refunded
    )
    exprs = [
        _exact_sum(pl.col("amount")).alias("o_gmv"),
        _exact_sum(pl.col("amount").filter(paid)).alias("o_paid_gmv"),
        _exact_sum(refund).alias("o_refund"),
        pl.col("order_id").n_unique().cast(pl.Float64).alias("o_orders"),
        pl.col("ts").max().alias("o_last_ts"),
        _summed(lf, "units", "o_units"),
        _buyers(lf, paid),
    ]
    return lf.group_by("session_id").agg(exprs)


def _buyers(lf: pl.LazyFrame, paid: pl.Expr) -> pl.Expr:
    """Distinct viewers with a buying order (null when no order names its viewer)."""
    if not _has(lf, "viewer_id"):
        return _null("o_buyers")
    return (
        pl.when(pl.col("viewer_id").is_not_null().any())
        .then(pl.col("viewer_id").filter(paid).drop_nulls().n_unique())
        .otherwise(None)
        .cast(pl.Float64)
        .alias("o_buyers")
    )


def product_aggs(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The product table summed over products (people counts are then upper bounds)."""
    exprs = [
        _summed(lf, "exposures_uv", "p_exposed"),
        _summed(lf, "clicks_uv", "p_clicks"),
        _summed(lf, "gmv", "p_gmv"),
        _summed(lf, "refund_amount", "p_refund"),
    ]
    return lf.group_by("session_id").agg(exprs)


def traffic_aggs(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Traffic sources: viewers, views and spend, and the paid channels' impressions and GMV."""
    is_paid = pl.col("paid").fill_null(False) if _has(lf, "paid") else pl.lit(False)
    exprs = [
        pl.col("viewers").sum().cast(pl.Float64).alias("tr_viewers"),
        _summed(lf, "views", "tr_views"),
        _summed(lf, "spend", "tr_spend"),
    ]
    if _has(lf, "impressions") and _has(lf, "spend"):
        known = is_paid & pl.col("impressions").is_not_null()
        exprs += [
            pl.col("impressions").filter(known).sum().cast(pl.Float64).alias("tr_impressions"),
            _exact_sum(pl.col("spend").filter(known)).alias("tr_imp_spend"),
        ]
    else:
        exprs += [_null("tr_impressions"), _null("tr_imp_spend")]
    if _has(lf, "gmv"):
        exprs.append(
            pl.when(is_paid.any())
            .then(_exact_sum(pl.col("gmv").filter(is_paid)))
            .otherwise(None)
            .alias("tr_paid_gmv")
        )
    else:
        exprs.append(_null("tr_paid_gmv"))
    return lf.group_by("session_id").agg(exprs)


def totals_wide(lf: pl.LazyFrame) -> pl.LazyFrame:
    """session_totals (metric/value rows) as one row per session with ``pt_<metric>`` columns."""
    known = [*KPI_KEYS]
    df = lf.filter(pl.col("metric").is_in(known)).select("session_id", "metric", "value").collect()
    if df.height == 0:
        return pl.LazyFrame(schema={"session_id": pl.String})
    wide = df.pivot(on="metric", index="session_id", values="value", aggregate_function="first")
    return wide.rename({c: f"pt_{c}" for c in wide.columns if c != "session_id"}).lazy()
