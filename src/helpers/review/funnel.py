"""The room funnel from room-level counts: 直播间曝光 → 观看 → 商品曝光 → 商品点击 → 成交, then
placed → paid → net of refunds where order lines name their buyers.

Every count is a room-level KPI of :mod:`helpers.metrics.definitions` (viewer rows, else the
platform's ``session_totals``); a single product's counts never stand in for the room's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from helpers.data.store import Session
from helpers.metrics import definitions as metrics
from helpers.metrics import stats
from helpers.present import sections
from helpers.review.products import product_table

# the step rates the funnel names, as (metric key, numerator stage, denominator stage)
STEP_RATES = (
    ("impression_watch_rate", "viewers", "impressions"),
    ("exposed_rate", "product_exposed", "viewers"),
    ("product_ctr", "clicked", "product_exposed"),
    ("click_to_order", "paid", "clicked"),
    ("conversion_rate", "paid", "viewers"),
)


@dataclass
class Funnel:
    stages: pl.DataFrame  # stage, count, of_previous, of_top, source
    products: pl.DataFrame  # product_id, name, exposures_uv, clicks_uv, buyers, ctr, click_to_order
    rates: pl.DataFrame  # metric, numerator, denominator, rate, lo, hi (Wilson)
    dropped: list[str] = field(
        default_factory=list
    )  # stages left out: more people than the step before


def _stages(
    s: Session, kpis: dict[str, Any], sources: dict[str, Any]
) -> list[tuple[str, Any, str | None]]:
    out: list[tuple[str, Any, str | None]] = [
        ("impressions", kpis.get("impressions"), sources.get("impressions")),
        ("viewers", kpis.get("viewers"), sources.get("viewers")),
        ("product_exposed", kpis.get("product_exposed"), sources.get("product_exposed")),
        ("clicked", kpis.get("product_clickers"), sources.get("product_clickers")),
    ]
    o = s.orders
    if s.has("orders") and "viewer_id" in o.columns and o["viewer_id"].null_count() < o.height:
        o = o.filter(pl.col("viewer_id").is_not_null())
        placed = o["viewer_id"].n_unique()
        net = o.filter(pl.col("status") == "paid")["viewer_id"].n_unique()
        out += [
            ("ordered", float(placed), "orders"),
            ("paid", kpis.get("buyers"), sources.get("buyers")),
            ("net_of_refunds", float(net), "orders"),
        ]
    else:
        out.append(("paid", kpis.get("buyers"), sources.get("buyers")))
    return out


def _rates(counts: dict[str, float]) -> pl.DataFrame:
    rows = []
    for key, num, den in STEP_RATES:
        k, n = counts.get(num), counts.get(den)
        if k is None or not n or not 0 <= k <= n:
            continue
        lo, hi = stats.wilson(round(k), round(n))
        rows.append(
            {"metric": key, "numerator": num, "denominator": den, "rate": k / n, "lo": lo, "hi": hi}
        )
    return pl.DataFrame(
        rows,
        schema={
            "metric": pl.String,
            "numerator": pl.String,
            "denominator": pl.String,
            "rate": pl.Float64,
            "lo": pl.Float64,
            "hi": pl.Float64,
        },
    )


@sections.section("review.funnel", needs=["viewers|session_totals|traffic"])
def funnel(
    s: Session, kpis: dict[str, Any] | None = None, sources: dict[str, Any] | None = None
) -> Funnel:
    """The room funnel (people) with each step's share of the previous and of the first, and the
    named step rates (曝光-观看率, 商品曝光-点击率, 商品点击-成交率 ...) with Wilson intervals.
    ``kpis``/``sources``: the session's KPIs and their sources if already computed."""
    if kpis is None or sources is None:
        kpis, sources = metrics.session_kpis_with_sources(s)
    rows, top, prev = [], None, None
    counts: dict[str, float] = {}
    dropped: list[str] = []
    for name, count, src in _stages(s, kpis, sources):
        if count is None:
            continue
        counts[name] = float(count)
        if (
            prev is not None and count > prev
        ):  # not a count of the same people (e.g. summed over products)
            dropped.append(name)
            continue
        top = top or count
        rows.append(
            {
                "stage": name,
                "count": float(count),
                "of_previous": count / prev if prev else None,
                "of_top": count / top if top else None,
                "source": src,
            }
        )
        prev = count
    st = pl.DataFrame(
        rows,
        schema={
            "stage": pl.String,
            "count": pl.Float64,
            "of_previous": pl.Float64,
            "of_top": pl.Float64,
            "source": pl.String,
        },
    )
    return Funnel(st, product_table(s), _rates(counts), dropped)
