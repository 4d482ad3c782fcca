"""Alerts of the week: a session's GMV against the trailing weeks' sessions, UV value under the
category benchmark, a hero product selling less than in its own previous sessions."""

from __future__ import annotations

from typing import Any, cast

import polars as pl

from helpers.present import sections
from helpers.present.i18n import t
from helpers.weekly.data import WeekData, pooled
from helpers.weekly.glance import rel

GMV_ALERT = 0.30  # a session's GMV this far (±) from the trailing sessions' mean GMV
HERO_DROP = 0.15  # a hero product's sales per session down at least this much vs its own past
HERO_SHARE = 0.10  # a product with this share of its previous sessions' GMV counts as a hero
ALERT_SCHEMA = {
    "level": pl.String,
    "rule": pl.String,
    "subject": pl.String,
    "value": pl.Float64,
    "reference": pl.Float64,
    "change": pl.Float64,
}


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return (
        pl.DataFrame(rows, schema=ALERT_SCHEMA).select(list(ALERT_SCHEMA))
        if rows
        else pl.DataFrame(schema=ALERT_SCHEMA)
    )


@sections.section("week_alerts", needs=["sessions"])
def alerts(data: WeekData, category: str = "general") -> pl.DataFrame:
    """A session's GMV ±:data:`GMV_ALERT` against the mean GMV of the sessions of the trailing weeks
    with data (``data.trailing``); UV value under the category benchmark (per session and week)."""
    from helpers.metrics.benchmarks import benchmarks

    rows: list[dict[str, Any]] = []
    week, trail = data.this_week, data.trailing_units()
    has_gmv = trail.height and "gmv" in trail.columns and trail["gmv"].null_count() < trail.height
    mean = float(cast(float, trail["gmv"].mean())) if has_gmv else None
    for r in week.iter_rows(named=True):
        change = rel(r.get("gmv"), mean)
        if change is not None and abs(change) >= GMV_ALERT:
            rows.append(
                {
                    "rule": "gmv_vs_trailing",
                    "subject": r["session_id"],
                    "value": r["gmv"],
                    "reference": mean,
                    "change": change,
                    "level": "warning" if change < 0 else "info",
                }
            )
    bench = benchmarks(category).get("uv_value")
    if bench is not None:
        for r in week.iter_rows(named=True):
            if bench.is_bad(r.get("uv_value")):
                rows.append(
                    {
                        "rule": "uv_value_below_benchmark",
                        "subject": r["session_id"],
                        "value": r["uv_value"],
                        "reference": bench.reference,
                        "change": rel(r["uv_value"], bench.reference),
                        "level": "warning",
                    }
                )
        wk = pooled(week, "uv_value") if week.height else None
        if bench.is_bad(wk):
            rows.append(
                {
                    "rule": "uv_value_below_benchmark",
                    "subject": data.week,
                    "value": wk,
                    "reference": bench.reference,
                    "change": rel(wk, bench.reference),
                    "level": "warning",
                }
            )
    return _frame(rows)


def _products(data: WeekData) -> pl.DataFrame:
    """Product rows of the window's sessions with week and start, ``gmv``/``units``/``role`` always
    present (null where the export lacked them)."""
    from helpers.weekly.data import week_tables

    ids = data.ids()
    if not ids or data.basis != "sessions":
        return pl.DataFrame()
    p = week_tables(data.store, ids)["products"].collect()
    missing = {"gmv": pl.Float64, "units": pl.Int64, "role": pl.String}
    p = p.with_columns(
        [pl.lit(None, dtype=t).alias(c) for c, t in missing.items() if c not in p.columns]
    )
    s = data.kpis.select("session_id", "week", "start_ts")
    return p.join(s, on="session_id", how="inner")


def sales_measure(p: pl.DataFrame) -> str:
    """``units`` when the product table carries units, else ``gmv``."""
    return "units" if p.height and p["units"].null_count() < p.height else "gmv"


@sections.section("week_hero_alerts", needs=["sessions", "products.units|products.gmv"])
def hero_drops(data: WeekData) -> pl.DataFrame:
    """Hero products of the week (planned as hero, or ≥ :data:`HERO_SHARE` of their previous
    sessions' GMV) whose sales per session (units, else GMV) fell at least :data:`HERO_DROP`
    against their own previous sessions in the window (same ``product_id``)."""
    p = _products(data)
    cols = {
        "product_id": pl.String,
        "name": pl.String,
        "sessions": pl.Int64,
        "previous_sessions": pl.Int64,
        "per_session": pl.Float64,
        "per_session_before": pl.Float64,
        "change": pl.Float64,
        "measure": pl.String,
    }
    if p.height == 0:
        return pl.DataFrame(schema=cols)
    m = sales_measure(p)
    p = p.with_columns(
        pl.col(m).cast(pl.Float64).alias("_sales"),
        (pl.col("gmv") / pl.col("gmv").sum().over("session_id")).alias("_share"),
    )
    now, before = p.filter(pl.col("week") == data.week), p.filter(pl.col("week") < data.week)
    cur = now.group_by("product_id").agg(
        pl.col("name").first(),
        pl.len().cast(pl.Int64).alias("sessions"),
        pl.col("_sales").fill_null(0.0).mean().alias("per_session"),
        (pl.col("role") == "hero").any().alias("_planned_now"),
    )
    prev = before.group_by("product_id").agg(
        pl.len().cast(pl.Int64).alias("previous_sessions"),
        pl.col("_sales").mean().alias("per_session_before"),
        (pl.col("role") == "hero").any().alias("_planned_before"),
        pl.col("_share").mean().alias("_share_before"),
    )
    out = cur.join(prev, on="product_id", how="inner").filter(
        pl.col("_planned_now").fill_null(False)
        | pl.col("_planned_before").fill_null(False)
        | (pl.col("_share_before").fill_null(0.0) >= HERO_SHARE)
    )
    out = out.with_columns(
        (pl.col("per_session") / pl.col("per_session_before") - 1).alias("change"),
        pl.lit(m).alias("measure"),
    )
    out = out.filter(pl.col("change") <= -HERO_DROP)
    return out.select(list(cols)).sort(["change", "product_id"])


def hero_alert_rows(drops: pl.DataFrame) -> pl.DataFrame:
    """:func:`hero_drops` as alert rows (value and reference: sales per session)."""
    rows = [
        {
            "rule": "hero_product_down",
            "subject": f"{r['product_id']} {r['name']}",
            "value": r["per_session"],
            "reference": r["per_session_before"],
            "change": r["change"],
            "level": "warning",
        }
        for r in drops.iter_rows(named=True)
    ]
    return _frame(rows)


def alert_table(
    alerts_out: sections.Outcome, hero_out: sections.Outcome | None = None
) -> pl.DataFrame | None:
    """The week's alerts: the ``week_alerts`` rows and the ``week_hero_alerts`` rows of the sections
    that ran (None when neither did)."""
    parts = [alerts_out.value] if alerts_out.ok else []
    if hero_out is not None and hero_out.ok:
        parts.append(hero_alert_rows(hero_out.value))
    return pl.concat(parts) if parts else None


def alert_rules(lang: str = "zh", category: str = "general") -> str:
    """The alert rules, from :data:`GMV_ALERT` and :data:`HERO_DROP`."""
    return t("wr_alert_rules", lang).format(
        gmv=f"{GMV_ALERT:.0%}", hero=f"{HERO_DROP:.0%}", category=category
    )


def rule_name(rule: str, lang: str = "zh") -> str:
    """An alert rule's short name, with its threshold from the constants."""
    return t(f"wr_rule_{rule}", lang).format(gmv=f"{GMV_ALERT:.0%}", hero=f"{HERO_DROP:.0%}")
