"""Promotions: coupons (the GMV they ran with, claims and use), flash-sale sell-through, 福袋
lotteries (entries they pulled in, how long those entrants stayed).

Windows come from the run sheet (:func:`~helpers.review.story.run_sheet`); per-minute orders, GMV
and entries from :func:`~helpers.review.story.minute_frame` (order lines, else the minute trend).
Each window's rate against the minutes outside every window of its kind is a Poisson rate ratio with
its 95% interval, "too little data" by :func:`~helpers.review.products.lift_reliable`. The
platform's coupon figures (消费券引导支付金额, 占比, 补贴金额, 使用量 of the session list) come from
``session_totals`` when the export carried them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from helpers.data.store import Session
from helpers.metrics import stats
from helpers.present import sections
from helpers.review.common import _f
from helpers.review.products import lift_reliable
from helpers.review.story import minute_frame, run_sheet

COUPON_TOTALS = ("coupon_gmv", "coupon_gmv_share", "coupon_subsidy", "coupon_uses")
WINDOW_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "label": pl.String,
    "start_ts": pl.Datetime("us", "Asia/Shanghai"),
    "minutes": pl.Float64,
    "orders_in": pl.Int64,
    "orders_per_min_in": pl.Float64,
    "orders_per_min_out": pl.Float64,
    "gmv_per_min_in": pl.Float64,
    "gmv_per_min_out": pl.Float64,
    "lift": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
    "reliable": pl.Boolean,
}


@dataclass
class Promotions:
    coupons: pl.DataFrame  # per coupon window: orders and GMV per minute inside vs outside
    coupon_totals: dict[str, float] = field(default_factory=dict)  # the platform's 消费券 figures
    flash: pl.DataFrame = field(default_factory=pl.DataFrame)  # per flash sale: units, sell-through
    lotteries: pl.DataFrame = field(default_factory=pl.DataFrame)  # per 福袋: entries, stay


def _inside(minutes: pl.DataFrame, start: Any, end: Any) -> pl.Expr:
    return (pl.col("minute_ts") >= start.replace(second=0, microsecond=0)) & (
        pl.col("minute_ts") < end
    )


def _rate_rows(
    minutes: pl.DataFrame, ev: pl.DataFrame, count: str, money: str | None
) -> list[dict[str, Any]]:
    """Per window: the per-minute ``count`` (and ``money``) inside vs outside all windows."""
    if ev.height == 0 or minutes[count].null_count() == minutes.height:
        return []
    any_in = pl.any_horizontal(
        [_inside(minutes, a, b) for a, b in ev.select("start_ts", "end_ts").iter_rows()]
    )
    out_m = minutes.filter(~any_in)
    t_out, k_out = max(out_m.height, 1), int(out_m[count].fill_null(0).sum())
    g_out = float(out_m[money].fill_null(0).sum()) if money else 0.0
    rows = []
    for r in ev.iter_rows(named=True):
        m = minutes.filter(_inside(minutes, r["start_ts"], r["end_ts"]))
        t_in, k_in = max(m.height, 1), int(m[count].fill_null(0).sum())
        rr = stats.rate_ratio(k_in, t_in, k_out, t_out)
        rows.append(
            {
                "label": r["label"] or r["name"] or r["kind"],
                "start_ts": r["start_ts"],
                "minutes": float(t_in),
                "orders_in": k_in,
                "orders_per_min_in": k_in / t_in,
                "orders_per_min_out": k_out / t_out,
                "gmv_per_min_in": float(m[money].fill_null(0).sum()) / t_in if money else None,
                "gmv_per_min_out": g_out / t_out if money else None,
                "lift": _f(rr.ratio),
                "lo": _f(rr.lo),
                "hi": _f(rr.hi),
                "reliable": lift_reliable(rr.lo, rr.hi, k_out),
            }
        )
    return rows


def coupon_windows(s: Session, minutes: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per coupon window: orders and GMV per minute while it ran vs outside every coupon window."""
    minutes = minutes if minutes is not None else minute_frame(s)
    ev = run_sheet(s).filter(pl.col("kind") == "coupon")
    return pl.DataFrame(_rate_rows(minutes, ev, "orders", "gmv"), schema=WINDOW_SCHEMA)


def coupon_totals(s: Session) -> dict[str, float]:
    """The platform's coupon figures present in ``session_totals`` (metric → value)."""
    if not s.has("session_totals"):
        return {}
    t = s.totals.filter(pl.col("metric").is_in(list(COUPON_TOTALS)) & pl.col("value").is_not_null())
    return {m: float(v) for m, v in t.select("metric", "value").sort("metric").iter_rows()}


def flash_sales(s: Session) -> pl.DataFrame:
    """Per flash sale (秒杀) of a product: orders and units of that product in the window, and the
    sell-through (units / the products table's ``stock``, when the export carried it)."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "label": pl.String,
        "start_ts": pl.Datetime("us", "Asia/Shanghai"),
        "minutes": pl.Float64,
        "orders_in": pl.Int64,
        "units_in": pl.Int64,
        "stock": pl.Float64,
        "sell_through": pl.Float64,
    }
    ev = run_sheet(s).filter((pl.col("kind") == "flash_sale") & pl.col("product_id").is_not_null())
    if ev.height == 0 or not s.has("orders") or "product_id" not in s.orders.columns:
        return pl.DataFrame(schema=schema)
    stock = (
        {p: _f(v) for p, v in s.products.select("product_id", "stock").iter_rows()}
        if s.has("products") and "stock" in s.products.columns
        else {}
    )
    rows = []
    for r in ev.iter_rows(named=True):
        o = s.orders.filter(
            (pl.col("product_id") == r["product_id"])
            & (pl.col("ts") >= r["start_ts"])
            & (pl.col("ts") < r["end_ts"])
        )
        units = int(o["units"].fill_null(1).sum()) if "units" in o.columns else o.height
        st = stock.get(r["product_id"])
        rows.append(
            {
                "label": r["label"] or r["name"],
                "start_ts": r["start_ts"],
                "minutes": (r["end_ts"] - r["start_ts"]).total_seconds() / 60,
                "orders_in": o.height,
                "units_in": units,
                "stock": st,
                "sell_through": units / st if st else None,
            }
        )
    return pl.DataFrame(rows, schema=schema)


def lotteries(s: Session, minutes: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per 福袋: entries per minute while it ran vs outside every lottery, and (viewer rows) the
    median stay of the viewers who entered during it against everybody else."""
    minutes = minutes if minutes is not None else minute_frame(s)
    ev = run_sheet(s).filter(pl.col("kind") == "lottery")
    base = pl.DataFrame(_rate_rows(minutes, ev, "entries", None), schema=WINDOW_SCHEMA).select(
        "label",
        "start_ts",
        "minutes",
        pl.col("orders_per_min_in").alias("entries_per_min_in"),
        pl.col("orders_per_min_out").alias("entries_per_min_out"),
        "lift",
        "lo",
        "hi",
        "reliable",
    )
    stays: list[tuple[float | None, float | None]] = []
    v = s.viewers if s.has("viewers") else None
    for r in ev.iter_rows(named=True):
        if v is None or base.height == 0:
            stays.append((None, None))
            continue
        inside = (pl.col("enter_ts") >= r["start_ts"]) & (pl.col("enter_ts") < r["end_ts"])
        stays.append(
            (_f(v.filter(inside)["watch_s"].median()), _f(v.filter(~inside)["watch_s"].median()))
        )
    if base.height == 0:
        return base.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("median_stay_in"),
            pl.lit(None, dtype=pl.Float64).alias("median_stay_out"),
        )
    return base.with_columns(
        pl.Series(
            "median_stay_in",
            [a / 60 if a is not None else None for a, _ in stays],
            dtype=pl.Float64,
        ),
        pl.Series(
            "median_stay_out",
            [b / 60 if b is not None else None for _, b in stays],
            dtype=pl.Float64,
        ),
    )


@sections.section("review.promotions", needs=["events"])
def promotions(s: Session) -> Promotions:
    """Coupons, flash sales and lotteries of the session (see the module docstring)."""
    minutes = minute_frame(s)
    return Promotions(
        coupon_windows(s, minutes), coupon_totals(s), flash_sales(s), lotteries(s, minutes)
    )


def lift_text(
    lift: float | None, lo: float | None, hi: float | None, reliable: bool | None, lang: str = "zh"
) -> str:
    """A lift as printed: ``3.1× (2.6–3.8)``, or "too little data" when it is not reliable."""
    from helpers.present.i18n import t

    if not reliable or lift is None or lo is None or hi is None:
        return t("too_little_data", lang)
    return f"{lift:.2f}× ({lo:.2f}–{hi:.2f})"


def with_lift_text(df: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """``df`` with its ``lift``, ``lo``, ``hi``, ``reliable`` columns replaced by one printed
    ``lift`` column (:func:`lift_text`), so an unreliable lift never shows as a number."""
    texts = [
        lift_text(r["lift"], r["lo"], r["hi"], r["reliable"], lang)
        for r in df.select("lift", "lo", "hi", "reliable").iter_rows(named=True)
    ]
    keep = [c for c in df.columns if c not in ("lo", "hi", "reliable")]
    return df.select(keep).with_columns(pl.Series("lift", texts, dtype=pl.String))
