"""Headline KPIs with sources and intervals against targets, benchmarks and trailing sessions."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from helpers.data.store import Session
from helpers.metrics import definitions as metrics
from helpers.metrics import stats
from helpers.metrics.benchmarks import Benchmark, benchmarks
from helpers.present import sections
from helpers.present.i18n import t
from helpers.review.common import GMV_SWING, TRAILING_SESSIONS, _f, per_viewer_gmv, roi_reliable
from helpers.review.display import format_value

log = logging.getLogger(__name__)


@dataclass
class Headline:
    kpis: dict[str, float | int | None]
    sources: dict[str, str | None]
    intervals: dict[str, dict[str, Any]]
    table: pl.DataFrame
    alerts: list[dict[str, Any]]
    as_of: datetime | None
    trailing: dict[str, Any] = field(default_factory=dict)


def _iv(estimate: Any, lo: float, hi: float, method: str) -> dict[str, Any]:
    return {"estimate": estimate, "lo": lo, "hi": hi, "method": method}


def _count_intervals(kpis: dict[str, Any], products: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Wilson intervals of the proportions, from the counts behind each KPI (viewer rows or the
    platform's totals: whatever :mod:`helpers.metrics.definitions` took the KPI from)."""
    out: dict[str, dict[str, Any]] = {}
    viewers = kpis.get("viewers")

    def wil(key: str, k: Any, n: Any) -> None:
        if k is None or n is None or n <= 0 or k < 0 or k > n or kpis.get(key) is None:
            return
        out[key] = _iv(kpis[key], *stats.wilson(round(k), round(n)), "wilson")

    wil("conversion_rate", kpis.get("buyers"), viewers)
    wil("follower_rate", kpis.get("new_followers"), viewers)
    for key in ("interaction_rate", "comment_rate", "returning_rate"):
        if kpis.get(key) is not None and viewers:
            wil(key, round(kpis[key] * viewers), viewers)
    c2o, buyers = kpis.get("click_to_order"), kpis.get("buyers")
    if c2o and buyers:  # the clickers the KPI divided by: buyers / rate
        wil("click_to_order", buyers, round(buyers / c2o))
    ctr = kpis.get("product_ctr")
    if ctr is not None:  # the counts the KPI was computed from: room level, else the products' sums
        pairs = [(kpis.get("product_clickers"), kpis.get("product_exposed"))]
        if {"clicks_uv", "exposures_uv"} <= set(products.columns):
            pairs.append((products["clicks_uv"].sum(), products["exposures_uv"].sum()))
        for k, n in pairs:
            if k is not None and n and abs(k / n - ctr) < 1e-9:
                wil("product_ctr", k, n)
                break
    return out


def _money_intervals(
    s: Session, kpis: dict[str, Any], seed: int, n_boot: int
) -> dict[str, dict[str, Any]]:
    """UV value, GPM and AOV: bootstrap over buyers (padded with the non-buying viewers) where
    order lines name their buyers; else an exact Poisson interval on the order count with the
    average order value fixed."""
    out: dict[str, dict[str, Any]] = {}
    viewers, views, gmv = kpis.get("viewers"), kpis.get("views"), kpis.get("gmv")
    buyers = per_viewer_gmv(s)
    scale = 1000.0 * viewers / views if viewers and views else None
    uv: tuple[float, float] | None = None
    if buyers.height and viewers:
        g = buyers["gmv"].to_numpy()
        b = stats.bootstrap_ratio(
            np.concatenate([g, np.zeros(max(int(viewers) - g.size, 0))]), n_boot=n_boot, seed=seed
        )
        uv, method = (b.lo, b.hi), "bootstrap"
    elif viewers and gmv and kpis.get("orders"):
        k = int(kpis["orders"])
        lo_k, hi_k = stats.poisson_count(k)
        uv, method = (
            (gmv * lo_k / k / viewers, gmv * hi_k / k / viewers),
            "poisson (orders, AOV fixed)",
        )
    if uv is not None and kpis.get("uv_value") is not None:
        out["uv_value"] = _iv(kpis["uv_value"], *uv, method)
        if scale and kpis.get("gpm") is not None:
            out["gpm"] = _iv(kpis["gpm"], uv[0] * scale, uv[1] * scale, f"{method} (views fixed)")
    paying = per_viewer_gmv(s, paid_only=True)  # AOV's one basis: paid GMV per paying buyer
    if paying.height and kpis.get("aov") is not None:
        a = stats.bootstrap_ratio(paying["gmv"].to_numpy(), n_boot=n_boot, seed=seed + 1)
        out["aov"] = _iv(kpis["aov"], a.lo, a.hi, "bootstrap")
    return out


def _refund_interval(
    s: Session, kpis: dict[str, Any], seed: int, n_boot: int
) -> dict[str, dict[str, Any]]:
    if not s.has("orders") or kpis.get("refund_rate") is None:
        return {}
    o = s.orders
    refunded = pl.when(pl.col("status") == "refunded").then(pl.col("amount")).otherwise(0.0)
    ref = (
        pl.coalesce(pl.col("refund_amount"), refunded) if "refund_amount" in o.columns else refunded
    )
    r = o.select(ref.alias("r"), pl.col("amount"))
    rr = stats.bootstrap_ratio(
        r["r"].to_numpy(), r["amount"].to_numpy(), n_boot=n_boot, seed=seed + 2
    )
    return {"refund_rate": _iv(kpis["refund_rate"], rr.lo, rr.hi, "bootstrap")}


def kpi_intervals(
    s: Session, kpis: dict[str, Any], *, seed: int = 0, n_boot: int = 1000
) -> dict[str, dict[str, Any]]:
    """95% intervals of the review's ratios: Wilson for proportions from their counts, bootstrap
    (or a Poisson interval on the order count) for money ratios; viewer rows are not needed."""
    return {
        **_count_intervals(kpis, s.products),
        **_money_intervals(s, kpis, seed, n_boot),
        **_refund_interval(s, kpis, seed, n_boot),
    }


def trailing_sessions(
    s: Session, store: str | os.PathLike[str] | None, n: int = TRAILING_SESSIONS
) -> pl.DataFrame:
    """KPIs of the room's previous ``n`` sessions in the store (empty if none)."""
    if store is None:
        return pl.DataFrame()
    from helpers.data.store import list_sessions

    sess = list_sessions(store)
    prev = sess.filter(
        (pl.col("room") == s.info["room"]) & (pl.col("start_ts") < s.info["start_ts"])
    )
    ids = prev.sort("start_ts")["session_id"].tail(n).to_list()
    if not ids:
        return pl.DataFrame()
    try:  # all at once (the rows come out in start order, as one at a time would give them)
        return metrics.kpi_table(store, ids)
    except (OSError, pl.exceptions.PolarsError):
        pass
    rows = []
    for sid in ids:  # one at a time: a session whose files cannot be read is left out, not fatal
        try:
            rows.append(metrics.kpi_table(store, [sid]))
        except (OSError, pl.exceptions.PolarsError) as exc:
            log.warning("trailing comparison leaves out %s: %s", sid, exc)
    return pl.concat(rows, how="vertical_relaxed") if rows else pl.DataFrame()


def _target_flag(key: str, value: float, target: float, iv: dict | None) -> tuple[str, bool]:
    hib = metrics.METRICS[key].higher_is_better
    met = value <= target if hib is False else value >= target
    noise = iv is not None and _f(iv.get("lo")) is not None and iv["lo"] <= target <= iv["hi"]
    flag = ("met" if met else "missed") + ("_noise" if noise else "")
    return flag, not met


HEADLINE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "metric": pl.String,
    "value": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
    "target": pl.Float64,
    "target_flag": pl.String,
    "benchmark": pl.Float64,
    "benchmark_flag": pl.String,
    "benchmark_low": pl.Float64,
    "benchmark_high": pl.Float64,
    "source": pl.String,
}


def _target_alert(key: str, value: Any, tgt: float, flag: str) -> dict[str, Any]:
    return {
        "metric": key,
        "value": value,
        "target": tgt,
        "kind": "target",
        "flag": flag,
        "gap": (value - tgt) / tgt if tgt else None,
        "significant": not flag.endswith("_noise"),
    }


def _benchmark_alert(key: str, value: Any, bm: Benchmark) -> dict[str, Any]:
    return {
        "metric": key,
        "value": value,
        "benchmark": bm.reference,
        "kind": "benchmark",
        "flag": bm.flag(value),
        "low": bm.low,
        "high": bm.high,
        "source": bm.source,
        "cite": bm.cite,
        "gap": (value - bm.reference) / bm.reference if bm.reference else None,
    }


def _kpi_row(
    key: str, value: Any, iv: dict[str, Any] | None, tgt: float | None, bm: Benchmark | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One KPI's headline row, and its alerts: a missed target, a benchmark on the bad side."""
    row = {
        "metric": key,
        "value": _f(value),
        "lo": _f(iv["lo"]) if iv else None,
        "hi": _f(iv["hi"]) if iv else None,
        "target": tgt,
        "target_flag": None,
        "benchmark": bm.reference if bm else None,
        "benchmark_flag": None,
        "benchmark_low": bm.low if bm else None,
        "benchmark_high": bm.high if bm else None,
    }
    alerts = []
    if tgt is not None and value is not None:
        flag, bad = _target_flag(key, float(value), tgt, iv)
        row["target_flag"] = flag
        if bad:
            alerts.append(_target_alert(key, value, tgt, flag))
    if bm is not None and value is not None:
        row["benchmark_flag"] = bm.flag(value)
        if bm.is_bad(value):
            alerts.append(_benchmark_alert(key, value, bm))
    return row, alerts


def _trailing(
    s: Session, store: str | os.PathLike[str] | None, gmv: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """GMV against the mean of the room's trailing sessions, and the alert when it swung more
    than :data:`GMV_SWING`."""
    prev = trailing_sessions(s, store)
    if not prev.height or gmv is None:
        return {}, []
    base = prev["gmv"].drop_nulls().mean()
    if not base:
        return {}, []
    change = (gmv - base) / base
    trailing = {"sessions": prev.height, "gmv_mean": base, "gmv_change": change}
    if abs(change) <= GMV_SWING:
        return trailing, []
    alert = {
        "metric": "gmv",
        "value": gmv,
        "benchmark": base,
        "kind": "trailing",
        "flag": "above" if change > 0 else "below",
        "gap": change,
        "sessions": prev.height,
    }
    return trailing, [alert]


@sections.section("review.headline")
def headline(
    s: Session,
    targets: dict[str, float] | None = None,
    category: str = "general",
    store: str | os.PathLike[str] | None = None,
    *,
    seed: int = 0,
) -> Headline:
    """KPIs with their sources and intervals; comparisons with targets, benchmarks and the room's
    trailing sessions; alerts are the comparisons on the bad side."""
    kpis, sources = metrics.session_kpis_with_sources(s)
    ivs = kpi_intervals(s, kpis, seed=seed)
    bms = benchmarks(category)
    targets = targets or {}
    rows: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    for key in metrics.KPI_KEYS:
        value, tgt = kpis.get(key), targets.get(key)
        if value is None and tgt is None:
            continue
        row, found = _kpi_row(key, value, ivs.get(key), tgt, bms.get(key))
        rows.append({**row, "source": sources.get(key)})
        alerts += found
    trailing, swing = _trailing(s, store, kpis.get("gmv"))
    table = pl.DataFrame(rows, schema=HEADLINE_SCHEMA)
    return Headline(kpis, sources, ivs, table, alerts + swing, as_of(s), trailing)


def empty_headline(s: Session) -> Headline:
    """A headline with no KPIs (what the later sections get when the headline itself failed)."""
    table = pl.DataFrame(
        schema={
            "metric": pl.String,
            "value": pl.Float64,
            "lo": pl.Float64,
            "hi": pl.Float64,
            "target": pl.Float64,
            "target_flag": pl.String,
        }
    )
    return Headline(
        dict.fromkeys(metrics.KPI_KEYS), dict.fromkeys(metrics.KPI_KEYS), {}, table, [], as_of(s)
    )


def as_of(s: Session) -> datetime | None:
    """The data's as-of time: the latest order/refund time in the data, else the session end."""
    return metrics.as_of(s)


HEADLINE_KEYS = (
    "gmv",
    "paid_gmv",
    "net_gmv",
    "refund_rate",
    "viewers",
    "views",
    "pcu",
    "acu",
    "avg_watch_s",
    "buyers",
    "orders",
    "conversion_rate",
    "uv_value",
    "gpm",
    "aov",
    "follower_rate",
    "interaction_rate",
    "product_ctr",
    "click_to_order",
    "ad_spend",
    "roi",
)
# the units a headline label names after the metric, and their catalogue keys
UNIT_TEXT: dict[str, str] = {unit: f"unit.{unit}" for unit in ("元", "秒", "分钟")}


def _display_row(h: Headline, k: str, r: dict[str, Any], lang: str) -> dict[str, str]:
    """One KPI of the headline table in words; a ROI on too little spend or too few orders shows
    as "too little data", without interval or flags."""
    too_little = k in ("roi", "ad_roi") and not roi_reliable(
        h.kpis.get("ad_spend"), h.kpis.get("orders")
    )
    if too_little:
        r = {**r, "lo": None, "target_flag": None, "benchmark_flag": None}

    def fmt(v: Any) -> str:
        if too_little:
            return t("too_little_data", lang) if v is not None else "–"
        return format_value(k, v)

    flags = [t(r[f], lang) for f in ("target_flag", "benchmark_flag") if r[f]]
    unit = metrics.METRICS[k].unit
    suffix = t(UNIT_TEXT[unit], lang) if unit in UNIT_TEXT else ""
    return {
        t("metric", lang): metrics.label(k, lang) + (f" ({suffix})" if suffix else ""),
        t("value", lang): fmt(r["value"]),
        t("interval", lang): f"{fmt(r['lo'])} – {fmt(r['hi'])}" if r["lo"] is not None else "",
        t("target", lang): fmt(r["target"]) if r["target"] is not None else "",
        t("benchmark", lang): _bench_text(k, r),
        t("flag", lang): " · ".join(flags),
        t("source", lang): r["source"] or "",
    }


def headline_table(
    h: Headline, lang: str = "zh", keys: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """The headline table for display (``keys``, default :data:`HEADLINE_KEYS`): formatted values
    (percent for ratios), flags in words."""
    byk = {r["metric"]: r for r in h.table.iter_rows(named=True)}
    rows = [_display_row(h, k, byk[k], lang) for k in keys or HEADLINE_KEYS if k in byk]
    return pl.DataFrame(rows)


def _bench_text(key: str, r: dict[str, Any]) -> str:
    lo, hi = r.get("benchmark_low"), r.get("benchmark_high")
    if lo is not None and hi is not None:
        return f"{format_value(key, lo)} – {format_value(key, hi)}"
    if lo is not None:
        return f"≥ {format_value(key, lo)}"
    if hi is not None:
        return f"≤ {format_value(key, hi)}"
    return ""
