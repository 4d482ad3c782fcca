"""The weekly report's ``summary.json`` body (keys documented in ``docs/weekly.md``)."""

from __future__ import annotations

from typing import Any

import polars as pl

from helpers.weekly.alerts import alert_table
from helpers.weekly.data import WeekData, session_ids, trailing_mean
from helpers.weekly.report import WeekReport

HOST_KEYS = (
    "host",
    "sessions",
    "hours",
    "gmv_per_hour",
    "gmv_per_hour_lo",
    "gmv_per_hour_hi",
    "slots",
    "slot_index",
    "slot_index_lo",
    "slot_index_hi",
    "tier",
)


def _rows(df: pl.DataFrame | None) -> list[dict[str, Any]]:
    return df.to_dicts() if df is not None and df.height else []


def summary(
    data: WeekData,
    *,
    glance_df: pl.DataFrame | None = None,
    alerts_df: pl.DataFrame | None = None,
    hosts: pl.DataFrame | None = None,
    products: pl.DataFrame | None = None,
    links: pl.DataFrame | None = None,
    verdict: dict[str, Any] | None = None,
    gap: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The weekly ``summary.json``: the week, its sessions, KPIs and comparisons, the trailing weeks
    used, alerts, hosts, product stages, the verdict and its GMV decomposition. A section that did
    not run contributes empty values (``sections_skipped`` says why)."""
    glance_rows = _rows(glance_df)
    failed = [r["session_id"] for r in _rows(links) if r["status"] == "failed"]
    host_rows = [{k: r.get(k) for k in HOST_KEYS} for r in _rows(hosts)]
    stages = (
        dict(sorted(products.group_by("stage").len().iter_rows()))
        if products is not None and products.height
        else {}
    )
    return {
        "week": data.week,
        "basis": data.basis,
        "weeks_compared": data.weeks,
        "sessions": session_ids(data, data.week),
        "failed_sessions": failed,
        "unreadable_sessions": data.unreadable,
        "trailing": {"weeks": data.trailing_info(), "gmv_mean": trailing_mean(data, "gmv")[0]},
        "kpis": {r["metric"]: r["this_week"] for r in glance_rows},
        "wow_change": {r["metric"]: r["wow_change"] for r in glance_rows},
        "vs_trailing": {r["metric"]: r["vs_trailing"] for r in glance_rows},
        "alerts": _rows(alerts_df),
        "hosts": host_rows,
        "host_tiers": {r["host"]: r["tier"] for r in host_rows},
        "product_stages": stages,
        "verdict": verdict,
        "decomposition": gap or [],
    }


def build_summary(report: WeekReport) -> dict[str, Any]:
    """The weekly ``summary.json`` of an opened report (:func:`summary` of its sections' values;
    a section that did not run gives None)."""
    return summary(
        report.data,
        glance_df=report["week_glance"].value,
        alerts_df=alert_table(report["week_alerts"], report["week_hero_alerts"]),
        hosts=report["week_hosts"].value,
        products=report["week_products"].value,
        links=report["week_reviews"].value,
        verdict=report["week_verdict"].value,
        gap=report["week_gap"].value,
    )
