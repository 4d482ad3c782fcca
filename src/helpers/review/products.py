"""Products: ranking, product GPM, explanation effect, hero/profit/traffic mix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from helpers.data.store import Session
from helpers.metrics import stats
from helpers.present import sections
from helpers.review.common import ROLE_NORM, _f, session_minutes
from helpers.review.story import run_sheet


@dataclass
class Products:
    ranking: pl.DataFrame
    explain: pl.DataFrame
    mix: pl.DataFrame


# product columns a ranking shows, added as nulls where the export lacks them
PRODUCT_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "exposures_uv": pl.Int64,
    "clicks_uv": pl.Int64,
    "buyers": pl.Int64,
    "orders": pl.Int64,
    "units": pl.Int64,
    "gmv": pl.Float64,
    "refund_amount": pl.Float64,
    "role": pl.String,
    "price": pl.Float64,
}


def _order_totals(o: pl.DataFrame) -> pl.DataFrame:
    """Per product from order lines: orders, GMV (placed), refunds, buyers (where order lines name
    them) and units."""
    ref = (
        pl.coalesce(
            pl.col("refund_amount"),
            pl.when(pl.col("status") == "refunded").then(pl.col("amount")).otherwise(0.0),
        )
        if "refund_amount" in o.columns
        else pl.lit(0.0)
    )
    buyers = (
        pl.when(pl.col("viewer_id").is_not_null().any()).then(
            pl.col("viewer_id").drop_nulls().n_unique()
        )
        if "viewer_id" in o.columns
        else pl.lit(None)
    )
    return o.group_by("product_id").agg(
        pl.len().alias("o_orders"),
        pl.col("amount").sum().alias("o_gmv"),
        ref.sum().alias("o_refund"),
        buyers.alias("o_buyers"),
        (pl.col("units").sum() if "units" in o.columns else pl.lit(None)).alias("o_units"),
    )


def _with_orders(s: Session, p: pl.DataFrame) -> pl.DataFrame:
    """The product table with orders, GMV and refunds from order lines where they name products
    (the product export's buyers are kept where it has them)."""
    if not (s.has("orders") and "product_id" in s.orders.columns):
        return p
    return p.join(_order_totals(s.orders), on="product_id", how="left").with_columns(
        pl.coalesce("o_gmv", "gmv").alias("gmv"),
        pl.coalesce("o_orders", "orders").alias("orders"),
        pl.coalesce("o_refund", "refund_amount").alias("refund_amount"),
        pl.coalesce("buyers", "o_buyers").alias("buyers"),
        pl.coalesce("o_units", "units").alias("units"),
    )


@sections.section("review.products", needs=["products"])
def product_table(s: Session) -> pl.DataFrame:
    """Per product: exposure → click → buyers, GMV (orders table where present), share of GMV,
    product GPM (GMV × 1000 / exposed viewers), refund rate; ranked by GMV."""
    if not s.has("products"):
        return pl.DataFrame()
    p = s.products.with_columns(
        pl.lit(None, dtype=dt).alias(c)
        for c, dt in PRODUCT_COLUMNS.items()
        if c not in s.products.columns
    )
    p = _with_orders(s, p)
    total = p["gmv"].sum() or None
    share = pl.col("gmv").fill_null(0.0) / total if total else pl.lit(None, dtype=pl.Float64)
    out = p.select(
        "product_id",
        "name",
        "role",
        "price",
        "exposures_uv",
        "clicks_uv",
        "buyers",
        "orders",
        "units",
        pl.col("gmv").fill_null(0.0),
        share.alias("share_gmv"),
        (pl.col("clicks_uv") / pl.col("exposures_uv")).alias("ctr"),
        (pl.col("buyers") / pl.col("clicks_uv")).alias("click_to_order"),
        (pl.col("gmv") * 1000.0 / pl.col("exposures_uv")).alias("gpm"),
        (pl.col("refund_amount") / pl.col("gmv")).alias("refund_rate"),
    ).with_columns(
        pl.col(c).fill_nan(None) for c in ("ctr", "click_to_order", "gpm", "refund_rate")
    )
    out = out.sort(["gmv", "product_id"], descending=[True, False])
    return out.with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))


EXPLAIN_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "product_id": pl.String,
    "name": pl.String,
    "windows": pl.Int64,
    "minutes_in": pl.Float64,
    "orders_in": pl.Int64,
    "orders_out": pl.Int64,
    "rate_in": pl.Float64,
    "rate_out": pl.Float64,
    "ratio": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
    "p_value": pl.Float64,
    "reliable": pl.Boolean,
}


def _explained_orders(ev: pl.DataFrame, o: pl.DataFrame) -> pl.DataFrame:
    """Per explained product: its windows, minutes explained, its orders in all and inside them."""
    inside = (
        o.join(ev.select("product_id", "start_ts", "end_ts"), on="product_id")
        .filter((pl.col("ts") >= pl.col("start_ts")) & (pl.col("ts") < pl.col("end_ts")))
        .group_by("product_id")
        .agg(pl.len().alias("orders_in"))
    )
    # windows of one product do not overlap in a run sheet
    seconds = (pl.col("end_ts") - pl.col("start_ts")).dt.total_seconds()
    win = ev.group_by("product_id").agg(
        pl.len().alias("windows"),
        (seconds.sum() / 60.0).alias("minutes_in"),
        pl.col("name").first(),
    )
    tot = o.group_by("product_id").agg(pl.len().alias("orders_total"))
    return (
        win.join(tot, on="product_id", how="left")
        .join(inside, on="product_id", how="left")
        .with_columns(pl.col("orders_total", "orders_in").fill_null(0))
    )


def _effect_row(r: dict[str, Any], total_min: float) -> dict[str, Any]:
    """One product's orders per minute inside vs outside its windows (clipped to the session)."""
    k_in, k_out = int(r["orders_in"]), int(r["orders_total"] - r["orders_in"])
    t_in = min(float(r["minutes_in"]), total_min)
    t_out = max(total_min - t_in, 1e-9)
    rr = stats.rate_ratio(k_in, t_in, k_out, t_out)
    return {
        "product_id": r["product_id"],
        "name": r["name"],
        "windows": r["windows"],
        "minutes_in": t_in,
        "orders_in": k_in,
        "orders_out": k_out,
        "rate_in": k_in / t_in if t_in else None,
        "rate_out": k_out / t_out,
        "ratio": _f(rr.ratio),
        "lo": _f(rr.lo),
        "hi": _f(rr.hi),
        "p_value": _f(rr.p_value),
        "reliable": lift_reliable(rr.lo, rr.hi, k_out),
    }


@sections.section("review.explain", needs=["events.product_id", "orders.product_id"])
def explanation_effect(s: Session, *, min_orders: int = 1) -> pl.DataFrame:
    """Per explained product: orders per minute of that product during its 讲解 windows vs outside
    them, with the Poisson rate ratio, its 95% interval and p-value."""
    if not (s.has("events") and s.has("orders")) or "product_id" not in s.orders.columns:
        return pl.DataFrame(schema=EXPLAIN_SCHEMA)
    ev = run_sheet(s).filter((pl.col("kind") == "explain") & pl.col("product_id").is_not_null())
    if ev.height == 0:
        return pl.DataFrame(schema=EXPLAIN_SCHEMA)
    total_min = session_minutes(s)
    o = s.orders.filter(pl.col("product_id").is_in(ev["product_id"].unique().to_list())).select(
        "product_id", "ts"
    )
    w = _explained_orders(ev, o).filter(pl.col("orders_total") >= min_orders)
    rows = [_effect_row(r, total_min) for r in w.sort("product_id").iter_rows(named=True)]
    return pl.DataFrame(rows, schema=EXPLAIN_SCHEMA).sort(
        ["ratio", "product_id"], descending=[True, False], nulls_last=True
    )


MIN_BASE_ORDERS = 5  # a lift needs at least this many orders in its base (outside the windows)
MAX_LIFT_SPREAD = 10.0  # ... and a 95% interval no wider than hi/lo = 10, else "too little data"


def lift_reliable(lo: float | None, hi: float | None, base_orders: int | None) -> bool:
    """Whether a rate ratio can be shown as a number: a finite interval with hi/lo ≤
    :data:`MAX_LIFT_SPREAD` and at least :data:`MIN_BASE_ORDERS` orders in its base."""
    lo, hi = _f(lo), _f(hi)
    return (
        (base_orders or 0) >= MIN_BASE_ORDERS
        and lo is not None
        and hi is not None
        and lo > 0
        and hi / lo <= MAX_LIFT_SPREAD
    )


def _epoch_ns(ts: pl.Series) -> np.ndarray:
    """Instants as nanoseconds since the epoch (any time unit or zone: the same instant compares
    equal; a null is NaN, inside no window), for comparing many windows without a query each."""
    return ts.dt.epoch("ns").to_numpy()


def _window_rows(ev: pl.DataFrame, o: pl.DataFrame, total_min: float) -> list[dict[str, Any]]:
    rows = []
    for (pid,), wins in (
        ev.sort("start_ts").partition_by("product_id", as_dict=True, maintain_order=True).items()
    ):
        po = o.filter(pl.col("product_id") == pid)
        ts, amount = _epoch_ns(po["ts"]), po["amount"]
        starts, ends = _epoch_ns(wins["start_ts"]), _epoch_ns(wins["end_ts"])
        masks = [(ts >= a) & (ts < b) for a, b in zip(starts, ends, strict=True)]
        in_any = np.logical_or.reduce(masks) if masks else np.zeros(len(ts), dtype=bool)
        out = amount.filter(pl.Series(~in_any & po["ts"].is_not_null().to_numpy()))
        t_out = max(
            total_min - float((wins["end_ts"] - wins["start_ts"]).dt.total_seconds().sum()) / 60,
            1e-9,
        )
        k_out, g_out = out.len(), float(out.sum())
        first: tuple[int, float] | None = None
        for nth, (w, mask) in enumerate(zip(wins.iter_rows(named=True), masks, strict=True), 1):
            inside = amount.filter(pl.Series(mask))
            t_in = max((w["end_ts"] - w["start_ts"]).total_seconds() / 60, 1e-9)
            rr = stats.rate_ratio(inside.len(), t_in, k_out, t_out)
            first = first or (inside.len(), t_in)  # a repeat is also compared with the first
            vf = stats.rate_ratio(inside.len(), t_in, *first) if nth > 1 else None
            rows.append(
                {
                    "product_id": pid,
                    "name": w["name"],
                    "nth": nth,
                    "start_ts": w["start_ts"],
                    "minutes": t_in,
                    "orders_in": inside.len(),
                    "orders_out": k_out,
                    "orders_per_min_in": inside.len() / t_in,
                    "orders_per_min_out": k_out / t_out,
                    "gmv_per_min_in": float(inside.sum()) / t_in,
                    "gmv_per_min_out": g_out / t_out,
                    "lift": _f(rr.ratio),
                    "lo": _f(rr.lo),
                    "hi": _f(rr.hi),
                    "reliable": lift_reliable(rr.lo, rr.hi, k_out),
                    "vs_first": _f(vf.ratio) if vf else None,
                    "vs_first_lo": _f(vf.lo) if vf else None,
                    "vs_first_hi": _f(vf.hi) if vf else None,
                    "first_orders": first[0],
                    "gmv_per_min_first": None,
                }
            )
    return rows


@sections.section("review.windows", needs=["events.product_id", "orders.product_id"])
def explanation_windows(s: Session) -> pl.DataFrame:
    """Each 讲解 window: the explained product's orders and GMV (placed) per minute inside the
    window vs outside all of its windows, the rate ratio ``lift`` with its 95% interval, and
    ``reliable`` (:func:`lift_reliable`; else the report says "too little data")."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "product_id": pl.String,
        "name": pl.String,
        "nth": pl.Int64,
        "start_ts": pl.Datetime("us", "Asia/Shanghai"),
        "minutes": pl.Float64,
        "orders_in": pl.Int64,
        "orders_out": pl.Int64,
        "orders_per_min_in": pl.Float64,
        "orders_per_min_out": pl.Float64,
        "gmv_per_min_in": pl.Float64,
        "gmv_per_min_out": pl.Float64,
        "lift": pl.Float64,
        "lo": pl.Float64,
        "hi": pl.Float64,
        "reliable": pl.Boolean,
        "vs_first": pl.Float64,
        "vs_first_lo": pl.Float64,
        "vs_first_hi": pl.Float64,
        "first_orders": pl.Int64,
        "gmv_per_min_first": pl.Float64,
    }
    if not (s.has("events") and s.has("orders")) or "product_id" not in s.orders.columns:
        return pl.DataFrame(schema=schema)
    ev = run_sheet(s).filter((pl.col("kind") == "explain") & pl.col("product_id").is_not_null())
    o = s.orders.filter(pl.col("product_id").is_in(ev["product_id"].unique().to_list())).select(
        "product_id", "ts", "amount"
    )
    rows = _window_rows(ev, o, session_minutes(s))
    out = pl.DataFrame(rows, schema=schema).sort("start_ts", "product_id")
    return out.with_columns(
        pl.col("gmv_per_min_in")
        .first()
        .over("product_id", order_by="nth")
        .alias("gmv_per_min_first")
    )


@sections.section("review.mix", needs=["products.role"])
def product_mix(ranking: pl.DataFrame) -> pl.DataFrame:
    """Hero / profit / traffic-driver mix: products and GMV share per role vs the 3:5:2 norm."""
    if ranking.height == 0 or ranking["role"].null_count() == ranking.height:
        return pl.DataFrame(
            schema={
                "role": pl.String,
                "products": pl.Int64,
                "share_products": pl.Float64,
                "gmv": pl.Float64,
                "share_gmv": pl.Float64,
                "norm": pl.Float64,
            }
        )
    g = ranking.group_by(pl.col("role").fill_null("?")).agg(
        pl.len().cast(pl.Int64).alias("products"), pl.col("gmv").sum()
    )
    return (
        g.with_columns(
            (pl.col("products") / pl.col("products").sum()).alias("share_products"),
            (pl.col("gmv") / pl.col("gmv").sum()).alias("share_gmv"),
            pl.col("role")
            .replace_strict(ROLE_NORM, default=None, return_dtype=pl.Float64)
            .alias("norm"),
        )
        .select("role", "products", "share_products", "gmv", "share_gmv", "norm")
        .sort("role")
    )


def products(s: Session) -> Products:
    """Products: ranking (exposure → click → order, product GPM), explanation effect, role mix."""
    ranking = product_table(s)
    return Products(ranking, explanation_effect(s), product_mix(ranking))
