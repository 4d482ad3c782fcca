"""THE one definition of every live-commerce metric (METRICS.md), computed from canonical tables.

- :data:`METRICS`: registry ``key -> Metric`` (中文 name, English name, formula, platform
  convention, unit, direction). ``docs/metrics.md`` is generated from it (``python -m helpers.metrics.definitions``)
  and the reports' glossaries read it.
- :func:`kpi_frame`: the session KPIs of any number of sessions, vectorised with polars over the
  canonical tables (lazy), each KPI with its source. :func:`kpi_table` runs it on a store (the weekly
  report uses it), :func:`session_kpis` on one loaded :class:`~helpers.data.store.Session`.

Sources: each KPI is computed from viewer-level data where the export carried it (viewers, orders),
else from the per-minute trend or the product table, else it falls back to the platform's own total
(the store's ``session_totals`` table, source ``platform``), and the source says which.

Conventions (where platforms disagree, documented per metric): GMV is the value of orders *placed*
(refunds not removed; all order statuses), paid GMV is what was paid (``paid`` and later
``refunded`` orders); GPM divides by views (PV, entries counting repeats), not viewers;
conversion is buyers / viewers (not Taobao's buyers / clickers); interaction rate divides by
viewers (not Compass's per-minute online count).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from helpers.data import schema

if TYPE_CHECKING:
    from helpers.data.store import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Metric:
    """One metric: names, formula, platform convention, unit and which direction is good."""

    zh: str
    en: str
    formula: str
    convention: str = ""
    unit: str = ""
    higher_is_better: bool | None = True
    group: str = "traffic"
    decimals: int = 0


def _m(
    zh: str,
    en: str,
    formula: str,
    convention: str = "",
    unit: str = "",
    hib: bool | None = True,
    group: str = "traffic",
    decimals: int = 0,
) -> Metric:
    return Metric(zh, en, formula, convention, unit, hib, group, decimals)


METRICS: dict[str, Metric] = {
    # traffic
    "viewers": _m(
        "观看人数",
        "Viewers (UV)",
        "distinct viewers",
        "UV: one viewer counted once; one UI labels 观看次数 'uv' – mapped by meaning",
        "人",
        decimals=0,
    ),
    "views": _m(
        "观看次数",
        "Views (PV)",
        "entries into the room, counting repeats",
        "PV ≥ UV; per-viewer visits, else channel views, else the platform total, else per-minute entries",
        "次",
    ),
    "impressions": _m(
        "直播间曝光人数",
        "Room impressions",
        "people the room was shown to in a feed",
        "platform total only",
        "人",
    ),
    "impression_watch_rate": _m(
        "曝光-观看率",
        "Impression→view rate",
        "viewers / room impressions",
        "人数 (people) variant",
        "%",
        decimals=1,
    ),
    "pcu": _m(
        "最高在线人数",
        "Peak concurrent viewers (PCU)",
        "max over minutes of the online count",
        "",
        "人",
    ),
    "acu": _m(
        "平均在线人数",
        "Average concurrent viewers (ACU)",
        "mean over minutes of the online count",
        "",
        "人",
    ),
    "avg_watch_s": _m(
        "人均观看时长",
        "Average watch time",
        "total watch seconds / viewers",
        "weight by viewers when averaging sessions",
        "秒",
    ),
    "duration_min": _m("直播时长", "Duration", "end − start, minutes", "", "分钟", None),
    "returning_rate": _m(
        "回访率",
        "Returning viewers share",
        "viewers seen in an earlier session / viewers",
        "",
        "%",
        decimals=1,
    ),
    "follower_share": _m(
        "观看老粉占比",
        "Followers among viewers",
        "viewers who followed before the session / viewers",
        "",
        "%",
        decimals=1,
    ),
    # engagement
    "new_followers": _m(
        "新增粉丝数",
        "New followers",
        "viewers who followed during the session",
        "",
        "人",
        group="engagement",
    ),
    "follower_rate": _m(
        "转粉率",
        "Follower conversion",
        "new followers / viewers",
        "rule of thumb: apparel rooms should exceed 3%",
        "%",
        group="engagement",
        decimals=2,
    ),
    "interaction_rate": _m(
        "互动率",
        "Interaction rate",
        "distinct viewers who liked, commented or shared / viewers",
        "divides by viewers; Compass's trend chart divides by the online count instead",
        "%",
        group="engagement",
        decimals=1,
    ),
    "comment_rate": _m(
        "评论率",
        "Comment rate",
        "commenting viewers / viewers",
        "",
        "%",
        group="engagement",
        decimals=1,
    ),
    # funnel
    "product_exposed": _m(
        "商品曝光人数",
        "Product-exposed viewers",
        "distinct viewers shown any product",
        "room level (直播间商品曝光人数); a single product's count is never used for the room",
        "人",
        group="funnel",
    ),
    "product_clickers": _m(
        "商品点击人数",
        "Product clickers",
        "distinct viewers who clicked any product",
        "room level: viewer rows, else the platform's 商品点击人数",
        "人",
        group="funnel",
    ),
    "product_ctr": _m(
        "商品曝光-点击率(人数)",
        "Product exposure→click",
        "product clickers / product-exposed viewers (room level, else summed over products)",
        "人数 variant; a 次数 variant uses counts",
        "%",
        group="funnel",
        decimals=1,
    ),
    "click_to_order": _m(
        "商品点击-成交率(人数)",
        "Click→order",
        "buyers / product clickers",
        "",
        "%",
        group="funnel",
        decimals=1,
    ),
    "conversion_rate": _m(
        "观看-成交率(人数)",
        "Conversion (watch→order)",
        "buyers / viewers",
        "not Taobao's 种草成交转化率 (buyers / clickers); rule of thumb: live rooms 6–8%",
        "%",
        group="funnel",
        decimals=2,
    ),
    # money
    "gmv": _m(
        "成交金额",
        "GMV (placed)",
        "value of orders placed, refunds not removed",
        "placed (直播间成交金额), not paid",
        "元",
        group="money",
        decimals=0,
    ),
    "paid_gmv": _m(
        "用户支付金额",
        "Paid GMV",
        "amount paid (paid and later-refunded orders)",
        "lower than GMV: unpaid and cancelled orders excluded",
        "元",
        group="money",
    ),
    "refund_amount": _m(
        "退款金额",
        "Refunds",
        "refunded amount as of the data's as-of time",
        "refunds mature for days (D+7)",
        "元",
        False,
        group="money",
    ),
    "net_gmv": _m(
        "净成交金额",
        "Net GMV",
        "GMV − refunds",
        "Compass's 净成交金额 uses 1-hour refunds",
        "元",
        group="money",
    ),
    "refund_rate": _m(
        "退款率",
        "Refund rate",
        "refund amount / GMV",
        "rule of thumb: live 15–25%, apparel ~30%",
        "%",
        False,
        group="money",
        decimals=1,
    ),
    "buyers": _m(
        "成交人数",
        "Buyers",
        "distinct viewers with a paid order (refunded later included)",
        "Compass 成交人数 counts paid buyers",
        "人",
        group="money",
    ),
    "orders": _m("成交订单数", "Orders", "order lines placed", "", "单", group="money"),
    "units": _m("成交件数", "Units", "units in orders placed", "", "件", group="money"),
    "aov": _m(
        "客单价",
        "Average order value per buyer (AOV)",
        "paid GMV / paying buyers",
        "per buyer, not per order; one basis: paid orders over paying buyers (件单价 stays on the GMV basis)",
        "元",
        None,
        group="money",
        decimals=1,
    ),
    "unit_price": _m(
        "件单价", "Price per unit", "GMV / units", "", "元", None, group="money", decimals=1
    ),
    "uv_value": _m(
        "UV价值",
        "UV value",
        "GMV / viewers",
        "rule of thumb: above 20 yuan is a strong room",
        "元",
        group="money",
        decimals=2,
    ),
    "gpm": _m(
        "千次观看成交金额",
        "GPM",
        "GMV × 1000 / views (PV)",
        "platform divides by views, not viewers; product GPM divides by exposures",
        "元",
        group="money",
        decimals=0,
    ),
    # paid traffic
    "ad_spend": _m(
        "投放消耗", "Ad spend", "spend of paid channels", "", "元", None, group="traffic_sources"
    ),
    "roi": _m(
        "整体ROI",
        "Overall ROI",
        "GMV / ad spend",
        "overall, not ad-attributed (see ad_roi)",
        "×",
        group="traffic_sources",
        decimals=2,
    ),
    "ad_roi": _m(
        "投放ROI",
        "Ad ROI",
        "GMV attributed to paid channels / ad spend",
        "ad-attributed revenue, not GMV/spend",
        "×",
        group="traffic_sources",
        decimals=2,
    ),
    "cpm": _m(
        "千次展示费用",
        "CPM",
        "spend × 1000 / impressions of paid channels",
        "rule of thumb: act on channels costing 20% over the average",
        "元",
        False,
        group="traffic_sources",
        decimals=1,
    ),
}

KPI_KEYS: tuple[str, ...] = tuple(METRICS)
PLATFORM = "platform"


def label(key: str, lang: str = "zh") -> str:
    """The metric's display name in a language (the key itself if unknown)."""
    m = METRICS.get(key)
    if m is None:
        return key
    return m.zh if lang == "zh" else m.en


# --------------------------------------------------------------------------------------------
# per-table aggregations (lazy, per session)


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


def _null(name: str, dtype: pl.DataType = pl.Float64) -> pl.Expr:
    return pl.lit(None, dtype=dtype).alias(name)


def _viewer_aggs(lf: pl.LazyFrame) -> pl.LazyFrame:
    interact = [c for c in ("likes", "comments", "shares") if _has(lf, c)]
    exprs = [
        pl.col("viewer_id").n_unique().cast(pl.Float64).alias("v_viewers"),
        _exact_sum(pl.col("watch_s")).alias("v_watch_total"),
        (_sum_if_any("visits") if _has(lf, "visits") else _null("v_visits"))
        .cast(pl.Float64)
        .alias("v_visits"),
    ]
    for col, name in (
        ("followed", "v_new_followers"),
        ("returning", "v_returning"),
        ("was_follower", "v_followers"),
    ):
        exprs.append(
            (_sum_if_any(col).cast(pl.Float64) if _has(lf, col) else _null(name)).alias(name)
        )
    if interact:
        any_known = pl.any_horizontal([pl.col(c).is_not_null() for c in interact])
        active = pl.sum_horizontal([pl.col(c).fill_null(0) for c in interact]) > 0
        exprs.append(
            pl.when(any_known.any())
            .then(active.sum())
            .otherwise(None)
            .cast(pl.Float64)
            .alias("v_interacting")
        )
    else:
        exprs.append(_null("v_interacting"))
    for col, name in (("comments", "v_commenters"), ("product_clicks", "v_clickers")):
        exprs.append(
            (
                pl.when(pl.col(col).is_not_null().any())
                .then((pl.col(col).fill_null(0) > 0).sum())
                .otherwise(None)
                .cast(pl.Float64)
                if _has(lf, col)
                else _null(name)
            ).alias(name)
        )
    return lf.group_by("session_id").agg(exprs)


def _trend_aggs(lf: pl.LazyFrame) -> pl.LazyFrame:
    exprs = [
        pl.col("online").max().cast(pl.Float64).alias("t_pcu"),
        pl.col("online").mean().alias("t_acu"),
    ]
    for col in ("entries", "new_followers", "orders", "gmv", "paid_gmv", "ad_spend"):
        name = "t_views" if col == "entries" else f"t_{col}"
        exprs.append(
            (_sum_if_any(col).cast(pl.Float64) if _has(lf, col) else _null(name)).alias(name)
        )
    return lf.group_by("session_id").agg(exprs)


#: Order statuses that count as a purchase (成交): paid, including orders refunded later. Buyers,
#: paid GMV and the conversion models' outcome all use this one definition.
BUYING_STATUSES = ("paid", "refunded")


def _order_aggs(lf: pl.LazyFrame) -> pl.LazyFrame:
    paid = pl.col("status").is_in(list(BUYING_STATUSES))
    refund = (
        pl.coalesce(
            pl.col("refund_amount"),
            pl.when(pl.col("status") == "refunded").then(pl.col("amount")).otherwise(0.0),
        )
        if _has(lf, "refund_amount")
        else pl.when(pl.col("status") == "refunded").then(pl.col("amount")).otherwise(0.0)
    )
    exprs = [
        _exact_sum(pl.col("amount")).alias("o_gmv"),
        _exact_sum(pl.col("amount").filter(paid)).alias("o_paid_gmv"),
        _exact_sum(refund).alias("o_refund"),
        pl.col("order_id").n_unique().cast(pl.Float64).alias("o_orders"),
        pl.col("ts").max().alias("o_last_ts"),
        (_sum_if_any("units").cast(pl.Float64) if _has(lf, "units") else _null("o_units")).alias(
            "o_units"
        ),
        (
            pl.when(pl.col("viewer_id").is_not_null().any())
            .then(pl.col("viewer_id").filter(paid).drop_nulls().n_unique())
            .otherwise(None)
            .cast(pl.Float64)
            if _has(lf, "viewer_id")
            else _null("o_buyers")
        ).alias("o_buyers"),
    ]
    return lf.group_by("session_id").agg(exprs)


def _product_aggs(lf: pl.LazyFrame) -> pl.LazyFrame:
    exprs = []
    for col, name in (
        ("exposures_uv", "p_exposed"),
        ("clicks_uv", "p_clicks"),
        ("gmv", "p_gmv"),
        ("refund_amount", "p_refund"),
    ):
        exprs.append(
            (_sum_if_any(col).cast(pl.Float64) if _has(lf, col) else _null(name)).alias(name)
        )
    return lf.group_by("session_id").agg(exprs)


def _traffic_aggs(lf: pl.LazyFrame) -> pl.LazyFrame:
    is_paid = pl.col("paid").fill_null(False) if _has(lf, "paid") else pl.lit(False)
    spend = _has(lf, "spend")
    exprs = [
        pl.col("viewers").sum().cast(pl.Float64).alias("tr_viewers"),
        (_sum_if_any("views").cast(pl.Float64) if _has(lf, "views") else _null("tr_views")).alias(
            "tr_views"
        ),
        (_sum_if_any("spend").cast(pl.Float64) if spend else _null("tr_spend")).alias("tr_spend"),
    ]
    if _has(lf, "impressions") and spend:
        imp = pl.col("impressions").filter(is_paid & pl.col("impressions").is_not_null())
        sp = pl.col("spend").filter(is_paid & pl.col("impressions").is_not_null())
        exprs += [
            imp.sum().cast(pl.Float64).alias("tr_impressions"),
            _exact_sum(sp).alias("tr_imp_spend"),
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


def _totals_wide(lf: pl.LazyFrame) -> pl.LazyFrame:
    """session_totals (metric/value rows) as one row per session with ``pt_<metric>`` columns."""
    known = [*KPI_KEYS]
    df = lf.filter(pl.col("metric").is_in(known)).select("session_id", "metric", "value").collect()
    if df.height == 0:
        return pl.LazyFrame(schema={"session_id": pl.String})
    wide = df.pivot(on="metric", index="session_id", values="value", aggregate_function="first")
    return wide.rename({c: f"pt_{c}" for c in wide.columns if c != "session_id"}).lazy()


# --------------------------------------------------------------------------------------------
# combining sources


# each base KPI: candidate columns in order of preference, with the source label
BASES: dict[str, tuple[tuple[str, str], ...]] = {
    "viewers": (("v_viewers", "viewers"), ("pt_viewers", PLATFORM), ("tr_viewers", "traffic")),
    # PV needs repeat entries: per-viewer visits, else the channel table's views, else the platform's
    # total, else per-minute entries (which some exports count per person: then PV = UV, say so)
    "views": (
        ("v_visits", "viewers"),
        ("tr_views", "traffic"),
        ("pt_views", PLATFORM),
        ("t_views", "trend"),
    ),
    "impressions": (("pt_impressions", PLATFORM),),
    "pcu": (("t_pcu", "trend"), ("pt_pcu", PLATFORM)),
    "acu": (("t_acu", "trend"), ("pt_acu", PLATFORM)),
    "gmv": (("o_gmv", "orders"), ("t_gmv", "trend"), ("p_gmv", "products"), ("pt_gmv", PLATFORM)),
    "paid_gmv": (("o_paid_gmv", "orders"), ("t_paid_gmv", "trend"), ("pt_paid_gmv", PLATFORM)),
    "refund_amount": (
        ("o_refund", "orders"),
        ("p_refund", "products"),
        ("pt_refund_amount", PLATFORM),
    ),
    "buyers": (("o_buyers", "orders"), ("pt_buyers", PLATFORM)),
    "orders": (("o_orders", "orders"), ("t_orders", "trend"), ("pt_orders", PLATFORM)),
    "units": (("o_units", "orders"), ("pt_units", PLATFORM)),
    "new_followers": (
        ("v_new_followers", "viewers"),
        ("t_new_followers", "trend"),
        ("pt_new_followers", PLATFORM),
    ),
    "ad_spend": (("tr_spend", "traffic"), ("t_ad_spend", "trend"), ("pt_ad_spend", PLATFORM)),
    "_watch_total": (("v_watch_total", "viewers"),),
    "_interacting": (("v_interacting", "viewers"),),
    "_commenters": (("v_commenters", "viewers"),),
    "_returning": (("v_returning", "viewers"),),
    "_followers": (("v_followers", "viewers"),),
    "product_exposed": (("pt_product_exposed", PLATFORM),),
    "product_clickers": (("v_clickers", "viewers"), ("pt_product_clickers", PLATFORM)),
    # click→order's denominator: distinct clickers, else the products' summed clickers (an upper
    # bound of people, so the rate is a lower bound)
    "_clickers": (
        ("v_clickers", "viewers"),
        ("pt_product_clickers", PLATFORM),
        ("p_clicks", "products"),
    ),
    # product CTR: room-level people where known, else the products' sums (人数 variant either way)
    "_exposed": (("pt_product_exposed", PLATFORM), ("p_exposed", "products")),
    "_product_clicks": (
        ("v_clickers", "viewers"),
        ("pt_product_clickers", PLATFORM),
        ("p_clicks", "products"),
    ),
    "_paid_gmv_attr": (("tr_paid_gmv", "traffic"),),
    "_imp_spend": (("tr_imp_spend", "traffic"),),
    "_paid_impressions": (("tr_impressions", "traffic"),),
}

# each ratio KPI: (numerator base, denominator base, multiplier)
RATIOS: dict[str, tuple[str, str, float]] = {
    "avg_watch_s": ("_watch_total", "viewers", 1.0),
    "impression_watch_rate": ("viewers", "impressions", 1.0),
    "returning_rate": ("_returning", "viewers", 1.0),
    "follower_share": ("_followers", "viewers", 1.0),
    "follower_rate": ("new_followers", "viewers", 1.0),
    "interaction_rate": ("_interacting", "viewers", 1.0),
    "comment_rate": ("_commenters", "viewers", 1.0),
    "product_ctr": ("_product_clicks", "_exposed", 1.0),
    "click_to_order": ("buyers", "_clickers", 1.0),
    "conversion_rate": ("buyers", "viewers", 1.0),
    "refund_rate": ("refund_amount", "gmv", 1.0),
    "aov": ("paid_gmv", "buyers", 1.0),  # one basis: paid amount over paying buyers
    "unit_price": ("gmv", "units", 1.0),
    "uv_value": ("gmv", "viewers", 1.0),
    "gpm": ("gmv", "views", 1000.0),
    "roi": ("gmv", "ad_spend", 1.0),
    "ad_roi": ("_paid_gmv_attr", "ad_spend", 1.0),
    "cpm": ("_imp_spend", "_paid_impressions", 1000.0),
}


def _col_or_null(cols: set[str], name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Float64) if name in cols else pl.lit(None, dtype=pl.Float64)


def _base_exprs(cols: set[str]) -> list[pl.Expr]:
    out: list[pl.Expr] = []
    for key, cands in BASES.items():
        vals = [_col_or_null(cols, c) for c, _ in cands]
        value = pl.coalesce(vals) if len(vals) > 1 else vals[0]
        src: pl.Expr = pl.lit(None, dtype=pl.String)
        for (_c, lab), v in reversed(list(zip(cands, vals, strict=True))):
            src = pl.when(v.is_not_null()).then(pl.lit(lab)).otherwise(src)
        out += [value.alias(key), src.alias(f"src_{key}")]
    return out


def _ratio_exprs(cols: set[str]) -> list[pl.Expr]:
    out: list[pl.Expr] = []
    for key, (num, den, mult) in RATIOS.items():
        n, d = pl.col(num), pl.col(den)
        own = (
            pl.when(n.is_not_null() & d.is_not_null() & (d > 0)).then(n * mult / d).otherwise(None)
        )
        fallback = _col_or_null(cols, f"pt_{key}")
        sn, sd = pl.col(f"src_{num}"), pl.col(f"src_{den}")
        own_src = pl.when(sn == sd).then(sn).otherwise(pl.concat_str([sn, pl.lit("/"), sd]))
        src = (
            pl.when(own.is_not_null())
            .then(own_src)
            .when(fallback.is_not_null())
            .then(pl.lit(PLATFORM))
            .otherwise(None)
        )
        out += [pl.coalesce(own, fallback).alias(key), src.alias(f"src_{key}")]
    return out


def kpi_frame(
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame], *, with_sources: bool = False
) -> pl.DataFrame:
    """Session KPIs of every session in ``tables['sessions']``: one row per session.

    ``tables`` maps canonical table names (``sessions`` required; ``viewers``, ``orders``,
    ``trend``, ``products``, ``traffic``, ``session_totals`` optional) to frames. Columns:
    session_id, room, host, start_ts, as_of, then every key of :data:`METRICS`; with
    ``with_sources`` also ``src_<key>`` naming where each value came from.
    """

    def lazy(name: str) -> pl.LazyFrame:
        df = tables.get(name)
        if df is None:
            return schema.empty(name).lazy()
        return df.lazy() if isinstance(df, pl.DataFrame) else df

    sessions = lazy("sessions")
    scols = sessions.collect_schema().names()
    base = sessions.select(
        "session_id",
        "room",
        pl.col("host") if "host" in scols else pl.lit(None, dtype=pl.String).alias("host"),
        "start_ts",
        ((pl.col("end_ts") - pl.col("start_ts")).dt.total_seconds() / 60.0).alias("duration_min"),
        pl.col("end_ts").alias("_end_ts"),
    )
    parts = [
        _viewer_aggs(lazy("viewers")),
        _trend_aggs(lazy("trend")),
        _order_aggs(lazy("orders")),
        _product_aggs(lazy("products")),
        _traffic_aggs(lazy("traffic")),
        _totals_wide(lazy("session_totals")),
    ]
    lf = base
    for p in parts:
        lf = lf.join(p, on="session_id", how="left")
    cols = set(lf.collect_schema().names())
    lf = lf.with_columns(_base_exprs(cols))
    lf = lf.with_columns(_ratio_exprs(cols))
    lf = lf.with_columns(
        (pl.col("gmv") - pl.col("refund_amount")).alias("_net_own"),
    ).with_columns(
        pl.coalesce(pl.col("_net_own"), _col_or_null(cols, "pt_net_gmv")).alias("net_gmv"),
        pl.when(pl.col("_net_own").is_not_null())
        .then(
            pl.when(pl.col("src_gmv") == pl.col("src_refund_amount"))
            .then(pl.col("src_gmv"))
            .otherwise(pl.concat_str([pl.col("src_gmv"), pl.lit("−"), pl.col("src_refund_amount")]))
        )
        .when(_col_or_null(cols, "pt_net_gmv").is_not_null())
        .then(pl.lit(PLATFORM))
        .otherwise(None)
        .alias("src_net_gmv"),
        pl.lit("sessions").alias("src_duration_min"),
        pl.coalesce(pl.col("o_last_ts"), pl.col("_end_ts")).alias("as_of"),
    )
    keys = list(KPI_KEYS)
    select = ["session_id", "room", "host", "start_ts", "as_of", *keys]
    if with_sources:
        select += [f"src_{k}" for k in keys]
    return lf.select(select).sort("start_ts", "session_id").collect()


def kpi_table(
    store: str | os.PathLike[str] | None = None,
    session_ids: list[str] | None = None,
    *,
    with_sources: bool = False,
) -> pl.DataFrame:
    """One row per session of the store (or of ``session_ids``) with every KPI (see :func:`kpi_frame`)."""
    from helpers.data.store import scan_table

    names = ("sessions", "viewers", "orders", "trend", "products", "traffic", "session_totals")
    tables: dict[str, pl.LazyFrame] = {}
    for name in names:
        lf = scan_table(
            name, store, session_ids=list(session_ids) if session_ids is not None else None
        )
        if session_ids is not None:
            lf = lf.filter(pl.col("session_id").is_in(list(session_ids)))
        tables[name] = lf
    # casts as the model declares (scan_table does not conform)
    tables["sessions"] = tables["sessions"].with_columns(
        pl.col("start_ts").dt.convert_time_zone(schema.TZ),
        pl.col("end_ts").dt.convert_time_zone(schema.TZ),
    )
    return kpi_frame(tables, with_sources=with_sources)


def session_tables(s: Session) -> dict[str, pl.DataFrame]:
    """The canonical tables of a loaded session as a ``kpi_frame`` input."""
    info = {k: v for k, v in s.info.items() if k in schema.TABLES["sessions"].dtypes}
    sessions = schema.conform("sessions", pl.DataFrame([info]))
    return {
        "sessions": sessions,
        "viewers": s.viewers,
        "orders": s.orders,
        "trend": s.trend,
        "products": s.products,
        "traffic": s.traffic,
        "session_totals": s.totals,
    }


def session_kpis_with_sources(
    s: Session,
) -> tuple[dict[str, float | int | None], dict[str, str | None]]:
    """KPIs of one session and, per KPI, its source (viewers, orders, trend, products, traffic, platform)."""
    row = kpi_frame(session_tables(s), with_sources=True).row(0, named=True)
    values = {k: _plain(row[k], k) for k in KPI_KEYS}
    sources = {k: row[f"src_{k}"] for k in KPI_KEYS}
    return values, sources


def session_kpis(s: Session) -> dict[str, float | int | None]:
    """The summary.json KPIs of one session (``None`` where neither data nor platform total exist).

    Counts (viewers, buyers, orders ...) are ints; money and ratios are floats (ratios as fractions,
    not percent).
    """
    return session_kpis_with_sources(s)[0]


COUNT_KEYS = frozenset(
    {
        "viewers",
        "views",
        "impressions",
        "pcu",
        "buyers",
        "orders",
        "units",
        "new_followers",
        "product_exposed",
        "product_clickers",
    }
)


def _plain(v: float | None, key: str | None = None) -> float | int | None:
    """Counts as ints, everything else as floats, missing as None."""
    if v is None or v != v:
        return None
    if key in COUNT_KEYS:
        return round(v)
    return float(v)


def as_of(s: Session) -> object:
    """The data's as-of time: the latest order timestamp, else the session end."""
    if s.orders.height:
        return s.orders["ts"].max()
    return s.info.get("end_ts")


def glossary(keys: list[str] | None = None, lang: str = "zh") -> pl.DataFrame:
    """The glossary rows (name, formula, convention, unit) of the given metrics (all by default)."""
    rows = []
    for k in keys or KPI_KEYS:
        m = METRICS[k]
        rows.append(
            {
                "key": k,
                "name": m.zh if lang == "zh" else m.en,
                "zh": m.zh,
                "en": m.en,
                "formula": m.formula,
                "convention": m.convention,
                "unit": m.unit,
            }
        )
    return pl.DataFrame(rows)


def markdown() -> str:
    """docs/metrics.md: the glossary generated from :data:`METRICS`."""
    lines = [
        "# Metric glossary",
        "",
        "Generated from `src/helpers/metrics/definitions.py` by `python -m helpers.metrics.definitions > docs/metrics.md`; do not",
        "edit by hand. Every report computes these with `helpers.metrics.definitions` (one definition each). Ratios",
        "are stored as fractions in summary.json (0.05 = 5%). Source: each KPI is computed from",
        "viewer-level data (viewers, orders) where present, else the per-minute trend or product table,",
        "else the platform's own total (`session_totals`, source `platform`); summary.json's",
        "`kpi_sources` says which.",
        "",
        "| key | 中文 | English | formula | convention / notes | unit |",
        "|---|---|---|---|---|---|",
    ]
    for k, m in METRICS.items():
        lines.append(f"| `{k}` | {m.zh} | {m.en} | {m.formula} | {m.convention} | {m.unit} |")
    lines += [
        "",
        "## Category benchmarks",
        "",
        "From `src/helpers/resources/benchmarks.yaml` (`general` applies to every category; a category",
        "overrides or adds). The review flags a KPI outside its range on the bad side as an alert.",
        "",
        "| category | metric | low | high | source | cites |",
        "|---|---|---|---|---|---|",
    ]
    from helpers.metrics.benchmarks import _raw

    for cat, entries in _raw().items():
        for metric, b in (entries or {}).items():
            lines.append(
                f"| {cat} | `{metric}` | {b.get('low', '')} | {b.get('high', '')} | {b.get('source', '')} "
                f"| {b.get('cite', '')} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
