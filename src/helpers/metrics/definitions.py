"""THE one definition of every live-commerce metric (METRICS.md), computed from canonical tables.

- :data:`METRICS`: registry ``key -> Metric`` (中文 name, English name, formula, platform
  convention, unit, direction), kept in :mod:`helpers.metrics.registry`. ``docs/metrics.md`` is
  generated from it (``python -m helpers.metrics.definitions``) and the reports' glossaries read it.
- :func:`kpi_frame`: the session KPIs of any number of sessions, vectorised with polars over the
  canonical tables (lazy), each KPI with its source. :func:`kpi_table` runs it on a store (the
  weekly report uses it), :func:`session_kpis` on one loaded :class:`~helpers.data.store.Session`.

Sources: each KPI is computed from viewer-level data where the export carried it (viewers, orders),
else from the per-minute trend or the product table, else it falls back to the platform's own total
(the store's ``session_totals`` table, source ``platform``), and the source says which
(the per-table candidates are computed in :mod:`helpers.metrics.aggregate`).

Conventions (where platforms disagree, documented per metric): GMV is the value of orders *placed*
(refunds not removed; all order statuses), paid GMV is what was paid (``paid`` and later
``refunded`` orders); GPM divides by views (PV, entries counting repeats), not viewers;
conversion is buyers / viewers (not Taobao's buyers / clickers); interaction rate divides by
viewers (not Compass's per-minute online count).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, cast

import polars as pl

from helpers.data import schema
from helpers.metrics import aggregate
from helpers.metrics.registry import BUYING_STATUSES, KPI_KEYS, METRICS, Metric

if TYPE_CHECKING:
    from helpers.data.store import Session

__all__ = [
    "BASES",
    "BUYING_STATUSES",
    "KPI_KEYS",
    "METRICS",
    "RATIOS",
    "Metric",
    "as_of",
    "glossary",
    "kpi_frame",
    "kpi_table",
    "label",
    "markdown",
    "session_kpis",
    "session_kpis_with_sources",
    "session_tables",
]

PLATFORM = "platform"


def label(key: str, lang: str = "zh") -> str:
    """The metric's display name in a language (the key itself if unknown)."""
    m = METRICS.get(key)
    return key if m is None else m.name(lang)


# --------------------------------------------------------------------------------------------
# combining sources


# each base KPI: candidate columns in order of preference, with the source label
BASES: dict[str, tuple[tuple[str, str], ...]] = {
    "viewers": (("v_viewers", "viewers"), ("pt_viewers", PLATFORM), ("tr_viewers", "traffic")),
    # PV needs repeat entries: per-viewer visits, else the channel table's views, else the
    # platform's
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


#: the per-table aggregations joined onto the sessions, by the canonical table they read
_AGGREGATIONS = (
    ("viewers", aggregate.viewer_aggs),
    ("trend", aggregate.trend_aggs),
    ("orders", aggregate.order_aggs),
    ("products", aggregate.product_aggs),
    ("traffic", aggregate.traffic_aggs),
    ("session_totals", aggregate.totals_wide),
)


def _lazy(tables: Mapping[str, pl.DataFrame | pl.LazyFrame], name: str) -> pl.LazyFrame:
    """Table ``name`` as a lazy frame (an empty one of the canonical schema when absent)."""
    df = tables.get(name)
    if df is None:
        return schema.empty(name).lazy()
    return df.lazy() if isinstance(df, pl.DataFrame) else df


def _session_base(sessions: pl.LazyFrame) -> pl.LazyFrame:
    """One row per session: its identity, start and end, and the duration in minutes."""
    has_host = "host" in sessions.collect_schema().names()
    return sessions.select(
        "session_id",
        "room",
        pl.col("host") if has_host else pl.lit(None, dtype=pl.String).alias("host"),
        "start_ts",
        ((pl.col("end_ts") - pl.col("start_ts")).dt.total_seconds() / 60.0).alias("duration_min"),
        pl.col("end_ts").alias("_end_ts"),
    )


def _net_and_time_exprs(cols: set[str]) -> list[pl.Expr]:
    """Net GMV (GMV − refunds, else the platform's), its source, and the data's as-of time."""
    gmv_src, refund_src = pl.col("src_gmv"), pl.col("src_refund_amount")
    platform_net = _col_or_null(cols, "pt_net_gmv")
    own_src = (
        pl.when(gmv_src == refund_src)
        .then(gmv_src)
        .otherwise(pl.concat_str([gmv_src, pl.lit("−"), refund_src]))
    )
    return [
        pl.coalesce(pl.col("_net_own"), platform_net).alias("net_gmv"),
        pl.when(pl.col("_net_own").is_not_null())
        .then(own_src)
        .when(platform_net.is_not_null())
        .then(pl.lit(PLATFORM))
        .otherwise(None)
        .alias("src_net_gmv"),
        pl.lit("sessions").alias("src_duration_min"),
        pl.coalesce(pl.col("o_last_ts"), pl.col("_end_ts")).alias("as_of"),
    ]


def kpi_frame(
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame], *, with_sources: bool = False
) -> pl.DataFrame:
    """Session KPIs of every session in ``tables['sessions']``: one row per session.

    ``tables`` maps canonical table names (``sessions`` required; ``viewers``, ``orders``,
    ``trend``, ``products``, ``traffic``, ``session_totals`` optional) to frames. Columns:
    session_id, room, host, start_ts, as_of, then every key of :data:`METRICS`; with
    ``with_sources`` also ``src_<key>`` naming where each value came from.
    """
    lf = _session_base(_lazy(tables, "sessions"))
    for name, aggregation in _AGGREGATIONS:
        lf = lf.join(aggregation(_lazy(tables, name)), on="session_id", how="left")
    cols = set(lf.collect_schema().names())
    lf = lf.with_columns(_base_exprs(cols))
    lf = lf.with_columns(_ratio_exprs(cols))
    lf = lf.with_columns((pl.col("gmv") - pl.col("refund_amount")).alias("_net_own"))
    lf = lf.with_columns(_net_and_time_exprs(cols))
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
    """One row per session of the store (or of ``session_ids``) with every KPI (see
    :func:`kpi_frame`)."""
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
    """KPIs of one session and, per KPI, its source (viewers, orders, trend, products, traffic,
    platform)."""
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


def as_of(s: Session) -> datetime | None:
    """The data's as-of time: the latest order timestamp, else the session end."""
    if s.orders.height:
        return cast(datetime, s.orders["ts"].max())
    return s.info.get("end_ts")


def glossary(keys: list[str] | None = None, lang: str = "zh") -> pl.DataFrame:
    """The glossary rows (name, formula, convention, unit) of the given metrics (all by default)."""
    rows = []
    for k in keys or KPI_KEYS:
        m = METRICS[k]
        rows.append(
            {
                "key": k,
                "name": m.name(lang),
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
        "Generated from `src/helpers/metrics/definitions.py` by "
        "`python -m helpers.metrics.definitions > docs/metrics.md`; do not",
        "edit by hand. Every report computes these with `helpers.metrics.definitions` "
        "(one definition each). Ratios",
        "are stored as fractions in summary.json (0.05 = 5%). Source: each KPI is computed from",
        "viewer-level data (viewers, orders) where present, "
        "else the per-minute trend or product table,",
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
        "From `src/helpers/resources/benchmarks.yaml` "
        "(`general` applies to every category; a category",
        "overrides or adds). The review flags a KPI outside its range on the bad side as an alert.",
        "",
        "| category | metric | low | high | source | cites |",
        "|---|---|---|---|---|---|",
    ]
    from helpers.metrics.benchmarks import _raw

    for cat, entries in _raw().items():
        for metric, b in (entries or {}).items():
            lines.append(
                f"| {cat} | `{metric}` | {b.get('low', '')} | {b.get('high', '')} "
                f"| {b.get('source', '')} | {b.get('cite', '')} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
