"""The computations behind each section of the session review (单场复盘).

One function per section, each taking a loaded :class:`~helpers.store.Session` and returning
aggregated frames (never raw rows) that a chart or a table shows as is:

- :func:`headline`: KPIs with sources and intervals, compared with targets, category benchmarks and
  the room's trailing sessions (alerts);
- :func:`minute_story`: per-minute online/entries/exits/orders/GMV, the run sheet, what was on
  screen each minute, peaks and troughs found automatically;
- :func:`retention`: Kaplan–Meier survival by minutes since entry (overall, by channel, new vs
  returning) and exit rates by what was on screen;
- :func:`funnel`: impressions → viewers → product exposure → click → order → paid → net of refunds,
  overall and per product;
- :func:`products`: ranking, product GPM, explanation effect (orders per minute inside vs outside a
  product's 讲解 windows, Poisson rate ratio with interval), hero/profit/traffic mix vs 3:5:2;
- :func:`traffic_sources`: per channel viewers, conversion (Wilson), GMV, UV value, spend, CPM, ROI;
  free vs paid;
- :func:`audience`: who watched vs who bought per dimension;
- :func:`integrity`: entry bursts with near-zero watch time and duplicated comment text, quantified;
- :func:`comment_intents`: intents per minute when :mod:`helpers.comments` is available;
- :func:`findings`: a ranked list of what to change next time, each with its supporting figure;
- :func:`build_summary`: the summary.json of the session report (keys in docs/summary.md).

Every metric comes from :mod:`helpers.metrics`; intervals from :mod:`helpers.stats`.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from . import metrics, stats
from .benchmarks import benchmarks
from .labels import t
from .store import Session

log = logging.getLogger(__name__)

SHORT_WATCH_S = 10.0  # "near-zero" watch time of a fabricated entry
POINT_EVENT_MIN = 3  # lottery / note without an end: treat as a window of this many minutes
PAID_CHANNELS = ("千川", "品牌投放", "其他投放", "随心推", "千川PC")
TRAILING_SESSIONS = 5
GMV_SWING = 0.30  # alert when GMV moves more than this against the trailing sessions
ROLE_NORM = {"hero": 0.3, "profit": 0.5, "traffic": 0.2}
SCREEN_PRIORITY = ("flash_sale", "lottery", "coupon", "explain", "note", "other")


def _f(x: Any) -> float | None:
    """A finite float or None."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _minute(col: str) -> pl.Expr:
    return pl.col(col).dt.truncate("1m")


def session_end(s: Session) -> datetime:
    return s.info["end_ts"]


def session_minutes(s: Session) -> float:
    return max((s.info["end_ts"] - s.info["start_ts"]).total_seconds() / 60.0, 1.0)


def per_viewer_gmv(s: Session) -> pl.DataFrame:
    """Placed GMV and order count per buyer (viewer_id), from the orders table."""
    if not s.has("orders") or "viewer_id" not in s.orders.columns:
        return pl.DataFrame(schema={"viewer_id": pl.String, "gmv": pl.Float64, "n_orders": pl.UInt32})
    return (
        s.orders.filter(pl.col("viewer_id").is_not_null())
        .group_by("viewer_id")
        .agg(pl.col("amount").sum().alias("gmv"), pl.len().alias("n_orders"))
        .sort("viewer_id")
    )


# ---------------------------------------------------------------------------------------------
# context


@dataclass
class Context:
    """What every section needs: the loaded session, its targets, the benchmark category, language."""

    session: Session
    targets: dict[str, float]
    category: str
    lang: str
    store: str | None


def open_review(session_id: str, store: str | None, targets: str = "", category: str = "general",
                lang: str = "zh") -> Context:
    """Validate the notebook's parameters and load the session (the latest in the store when
    ``session_id`` is empty). Raises ValueError/KeyError with a clear message."""
    from .benchmarks import _raw
    from .paths import resolve
    from .store import list_sessions, load_session
    from .targets import session_targets

    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    if category not in _raw():
        raise ValueError(f"unknown benchmark category {category!r}; categories: {', '.join(_raw())}")
    root = resolve(store) if store else None
    if root is not None and not root.exists():
        raise FileNotFoundError(f"store {root} does not exist (run `workbook ingest` or `workbook simulate` first)")
    if not session_id:
        known = list_sessions(root)
        if known.height == 0:
            raise KeyError(f"the store {root} holds no sessions")
        session_id = known["session_id"][-1]
        log.info("no session_id given: reviewing the latest session %s", session_id)
    s = load_session(session_id, root)
    tg = session_targets(s.info, resolve(targets) if targets else None, root)
    return Context(s, tg, category, lang, str(root) if root else None)


def data_note(ctx: Context) -> dict[str, Any]:
    """The facts the report's opening sentence states: room, host, times, as-of, tables present."""
    s = ctx.session
    present = [n for n in ("trend", "events", "products", "viewers", "orders", "comments", "traffic") if s.has(n)]
    missing = [n for n in ("trend", "events", "products", "viewers", "orders", "comments", "traffic") if not s.has(n)]
    return {"session_id": s.session_id, "room": s.info.get("room"), "host": s.info.get("host") or "–",
            "start": f"{s.info['start_ts']:%Y-%m-%d %H:%M}", "end": f"{s.info['end_ts']:%H:%M}",
            "as_of": f"{as_of(s):%Y-%m-%d %H:%M}" if as_of(s) else "–",
            "present": ", ".join(present) or "–", "missing": ", ".join(missing) or "–",
            "targets": len(ctx.targets), "category": ctx.category}


# ---------------------------------------------------------------------------------------------
# headline


@dataclass
class Headline:
    kpis: dict[str, float | int | None]
    sources: dict[str, str | None]
    intervals: dict[str, dict[str, Any]]
    table: pl.DataFrame
    alerts: list[dict[str, Any]]
    as_of: datetime | None
    trailing: dict[str, Any] = field(default_factory=dict)


def kpi_intervals(s: Session, kpis: dict[str, Any], *, seed: int = 0, n_boot: int = 1000) -> dict[str, dict[str, Any]]:
    """95% intervals of the review's ratios (Wilson for proportions, bootstrap for money ratios)."""
    out: dict[str, dict[str, Any]] = {}
    viewers = kpis.get("viewers")

    def wil(key: str, k: Any, n: Any) -> None:
        if k is None or n is None or n <= 0 or k > n or kpis.get(key) is None:
            return
        lo, hi = stats.wilson(round(k), round(n))
        out[key] = {"estimate": kpis[key], "lo": lo, "hi": hi, "method": "wilson"}

    if s.has("viewers"):
        v = s.viewers
        wil("conversion_rate", kpis.get("buyers"), viewers)
        wil("follower_rate", kpis.get("new_followers"), viewers)
        for key in ("interaction_rate", "comment_rate", "returning_rate"):
            if kpis.get(key) is None:
                continue
            wil(key, round(kpis[key] * viewers), viewers)
        if "product_clicks" in v.columns and kpis.get("buyers") is not None:
            clickers = int((v["product_clicks"].fill_null(0) > 0).sum())
            wil("click_to_order", kpis["buyers"], clickers)
    if s.has("products") and kpis.get("product_ctr") is not None:
        p = s.products
        wil("product_ctr", p["clicks_uv"].sum(), p["exposures_uv"].sum())
    buyers = per_viewer_gmv(s)
    if s.has("viewers") and buyers.height and viewers:
        gmv = buyers["gmv"].to_numpy()
        pad = max(int(viewers) - gmv.size, 0)
        uv = stats.bootstrap_ratio(np.concatenate([gmv, np.zeros(pad)]), n_boot=n_boot, seed=seed)
        out["uv_value"] = {"estimate": kpis.get("uv_value"), "lo": uv.lo, "hi": uv.hi, "method": "bootstrap"}
        if kpis.get("views") and kpis.get("gpm") is not None:
            scale = 1000.0 * int(viewers) / kpis["views"]
            out["gpm"] = {"estimate": kpis["gpm"], "lo": uv.lo * scale, "hi": uv.hi * scale,
                          "method": "bootstrap (views fixed)"}
    if buyers.height:
        aov = stats.bootstrap_ratio(buyers["gmv"].to_numpy(), n_boot=n_boot, seed=seed + 1)
        out["aov"] = {"estimate": kpis.get("aov"), "lo": aov.lo, "hi": aov.hi, "method": "bootstrap"}
    if s.has("orders") and kpis.get("refund_rate") is not None:
        o = s.orders
        ref = (pl.coalesce(pl.col("refund_amount"), pl.when(pl.col("status") == "refunded").then(pl.col("amount")).otherwise(0.0))
               if "refund_amount" in o.columns else pl.when(pl.col("status") == "refunded").then(pl.col("amount")).otherwise(0.0))
        r = o.select(ref.alias("r"), pl.col("amount"))
        rr = stats.bootstrap_ratio(r["r"].to_numpy(), r["amount"].to_numpy(), n_boot=n_boot, seed=seed + 2)
        out["refund_rate"] = {"estimate": kpis["refund_rate"], "lo": rr.lo, "hi": rr.hi, "method": "bootstrap"}
    return out


def trailing_sessions(s: Session, store: str | os.PathLike[str] | None, n: int = TRAILING_SESSIONS) -> pl.DataFrame:
    """KPIs of the room's previous ``n`` sessions in the store (empty if none)."""
    if store is None:
        return pl.DataFrame()
    from .store import list_sessions

    sess = list_sessions(store)
    prev = sess.filter((pl.col("room") == s.info["room"]) & (pl.col("start_ts") < s.info["start_ts"]))
    ids = prev.sort("start_ts")["session_id"].tail(n).to_list()
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


def headline(s: Session, targets: dict[str, float] | None = None, category: str = "general",
             store: str | os.PathLike[str] | None = None, *, seed: int = 0) -> Headline:
    """KPIs with their sources and intervals; comparisons with targets, benchmarks and the room's
    trailing sessions; alerts are the comparisons on the bad side."""
    kpis, sources = metrics.session_kpis_with_sources(s)
    ivs = kpi_intervals(s, kpis, seed=seed)
    bms = benchmarks(category)
    targets = targets or {}
    rows: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    for key in metrics.KPI_KEYS:
        value = kpis.get(key)
        tgt, bm = targets.get(key), bms.get(key)
        if value is None and tgt is None:
            continue
        iv = ivs.get(key)
        row = {"metric": key, "value": _f(value), "lo": _f(iv["lo"]) if iv else None,
               "hi": _f(iv["hi"]) if iv else None, "target": tgt, "target_flag": None,
               "benchmark": bm.reference if bm else None, "benchmark_flag": None,
               "benchmark_low": bm.low if bm else None, "benchmark_high": bm.high if bm else None,
               "source": sources.get(key)}
        if tgt is not None and value is not None:
            flag, bad = _target_flag(key, float(value), tgt, iv)
            row["target_flag"] = flag
            if bad:
                alerts.append({"metric": key, "value": value, "target": tgt, "kind": "target", "flag": flag,
                               "gap": (value - tgt) / tgt if tgt else None,
                               "significant": not flag.endswith("_noise")})
        if bm is not None and value is not None:
            row["benchmark_flag"] = bm.flag(value)
            if bm.is_bad(value):
                alerts.append({"metric": key, "value": value, "benchmark": bm.reference, "kind": "benchmark",
                               "flag": bm.flag(value), "low": bm.low, "high": bm.high,
                               "source": bm.source, "cite": bm.cite,
                               "gap": (value - bm.reference) / bm.reference if bm.reference else None})
        rows.append(row)
    trailing: dict[str, Any] = {}
    prev = trailing_sessions(s, store)
    if prev.height and kpis.get("gmv") is not None:
        base = prev["gmv"].drop_nulls().mean()
        if base:
            change = (kpis["gmv"] - base) / base
            trailing = {"sessions": prev.height, "gmv_mean": base, "gmv_change": change}
            if abs(change) > GMV_SWING:
                alerts.append({"metric": "gmv", "value": kpis["gmv"], "benchmark": base, "kind": "trailing",
                               "flag": "above" if change > 0 else "below", "gap": change,
                               "sessions": prev.height})
    table = pl.DataFrame(rows, schema={"metric": pl.String, "value": pl.Float64, "lo": pl.Float64,
                                       "hi": pl.Float64, "target": pl.Float64, "target_flag": pl.String,
                                       "benchmark": pl.Float64, "benchmark_flag": pl.String,
                                       "benchmark_low": pl.Float64, "benchmark_high": pl.Float64,
                                       "source": pl.String})
    return Headline(kpis, sources, ivs, table, alerts, as_of(s), trailing)


def as_of(s: Session) -> datetime | None:
    """The data's as-of time: the latest order/refund time in the data, else the session end."""
    return metrics.as_of(s)


def headline_table(h: Headline, lang: str = "zh", keys: tuple[str, ...] | None = None) -> pl.DataFrame:
    """The headline table for display: formatted values (percent for ratios), flags in words."""
    keys = keys or ("gmv", "paid_gmv", "net_gmv", "refund_rate", "viewers", "views", "pcu", "acu",
                    "avg_watch_s", "buyers", "orders", "conversion_rate", "uv_value", "gpm", "aov",
                    "follower_rate", "interaction_rate", "product_ctr", "click_to_order", "ad_spend", "roi")
    rows = []
    byk = {r["metric"]: r for r in h.table.iter_rows(named=True)}
    for k in keys:
        r = byk.get(k)
        if r is None:
            continue
        fmt = lambda v, k=k: format_value(k, v)  # noqa: E731
        flags = [t(r["target_flag"], lang) if r["target_flag"] else "",
                 t(r["benchmark_flag"], lang) if r["benchmark_flag"] else ""]
        unit = metrics.METRICS[k].unit
        suffix = UNIT_TEXT.get(unit, ("", ""))[0 if lang == "zh" else 1]
        rows.append({
            t("metric", lang): metrics.label(k, lang) + (f" ({suffix})" if suffix else ""),
            t("value", lang): fmt(r["value"]),
            t("interval", lang): f"{fmt(r['lo'])} – {fmt(r['hi'])}" if r["lo"] is not None else "",
            t("target", lang): fmt(r["target"]) if r["target"] is not None else "",
            t("benchmark", lang): _bench_text(k, r),
            t("flag", lang): " · ".join(f for f in flags if f),
            t("source", lang): r["source"] or "",
        })
    return pl.DataFrame(rows)


UNIT_TEXT = {"元": ("元", "yuan"), "秒": ("秒", "s"), "分钟": ("分钟", "min")}


def _bench_text(key: str, r: dict[str, Any]) -> str:
    lo, hi = r.get("benchmark_low"), r.get("benchmark_high")
    if lo is not None and hi is not None:
        return f"{format_value(key, lo)} – {format_value(key, hi)}"
    if lo is not None:
        return f"≥ {format_value(key, lo)}"
    if hi is not None:
        return f"≤ {format_value(key, hi)}"
    return ""


def format_value(key: str, v: Any) -> str:
    """A metric value as printed in reports (:func:`helpers.labels.format_metric`)."""
    from .labels import format_metric

    return format_metric(key, _f(v))


# ---------------------------------------------------------------------------------------------
# minute story


@dataclass
class MinuteStory:
    minutes: pl.DataFrame  # minute_ts, online, entries, exits, orders, gmv, on_screen, kind, product_id
    events: pl.DataFrame  # start_ts, end_ts, kind, product_id, label, name
    extrema: pl.DataFrame  # minute_ts, series, kind (peak/trough), value, on_screen


def _products_names(s: Session) -> dict[str, str]:
    if not s.has("products"):
        return {}
    return dict(zip(s.products["product_id"].to_list(), s.products["name"].to_list(), strict=True))


def run_sheet(s: Session) -> pl.DataFrame:
    """The session's events with an end for every event (point events last POINT_EVENT_MIN minutes)
    and the explained product's name."""
    cols = {"start_ts": s.events.schema.get("start_ts", pl.Datetime("us", "Asia/Shanghai"))}
    if not s.has("events"):
        return pl.DataFrame(schema={"start_ts": cols["start_ts"], "end_ts": cols["start_ts"], "kind": pl.String,
                                    "product_id": pl.String, "label": pl.String, "name": pl.String})
    ev = s.events
    for c in ("end_ts", "product_id", "label"):
        if c not in ev.columns:
            ev = ev.with_columns(pl.lit(None).cast(pl.String if c != "end_ts" else ev.schema["start_ts"]).alias(c))
    names = _products_names(s)
    ev = ev.with_columns(
        pl.coalesce(pl.col("end_ts"), pl.col("start_ts") + timedelta(minutes=POINT_EVENT_MIN)).alias("end_ts"),
        pl.col("product_id").replace_strict(names, default=None, return_dtype=pl.String).alias("name"),
    )
    return ev.select("start_ts", "end_ts", "kind", "product_id", "label", "name").sort("start_ts", "kind")


def screen_timeline(s: Session, minutes: pl.Series) -> pl.DataFrame:
    """What was on screen each minute: the highest-priority active event (flash sale, lottery,
    coupon, 讲解 of a product), ``none`` otherwise."""
    mins = pl.DataFrame({"minute_ts": minutes})
    ev = run_sheet(s)
    if ev.height == 0:
        return mins.with_columns(pl.lit("none").alias("kind"), pl.lit(None, dtype=pl.String).alias("product_id"),
                                 pl.lit("none").alias("on_screen"))
    prio = {k: i for i, k in enumerate(SCREEN_PRIORITY)}
    active = (
        mins.join(ev, how="cross")
        .filter((pl.col("start_ts") <= pl.col("minute_ts") + timedelta(seconds=59)) & (pl.col("end_ts") > pl.col("minute_ts")))
        .with_columns(pl.col("kind").replace_strict(prio, default=len(prio), return_dtype=pl.Int64).alias("_p"))
        .sort("minute_ts", "_p", "start_ts")
        .group_by("minute_ts", maintain_order=True)
        .first()
        .select("minute_ts", "kind", "product_id", "name", "label")
    )
    out = mins.join(active, on="minute_ts", how="left").with_columns(pl.col("kind").fill_null("none"))
    return out.with_columns(
        pl.when(pl.col("kind") == "explain")
        .then(pl.concat_str([pl.lit("explain: "), pl.coalesce(pl.col("name"), pl.col("product_id"), pl.lit("?"))]))
        .otherwise(pl.col("kind"))
        .alias("on_screen")
    ).select("minute_ts", "kind", "product_id", "on_screen")


def minute_frame(s: Session) -> pl.DataFrame:
    """Per-minute series: online (trend), entries/exits (trend, else viewers), orders/GMV (orders,
    else trend). Minutes span the session."""
    start = s.info["start_ts"]
    end = s.info["end_ts"]
    grid = pl.DataFrame({"minute_ts": pl.datetime_range(start.replace(second=0, microsecond=0), end, "1m",
                                                        time_zone=str(start.tzinfo), eager=True,
                                                        closed="left")})
    grid = grid.with_columns(pl.col("minute_ts").dt.cast_time_unit("us"))
    tr = s.trend
    out = grid
    if s.has("trend"):
        keep = [c for c in ("online", "entries", "exits") if c in tr.columns]
        out = out.join(tr.select("minute_ts", *keep), on="minute_ts", how="left")
    if "online" not in out.columns:
        out = out.with_columns(pl.lit(None, dtype=pl.Int64).alias("online"))
    if s.has("viewers"):
        v = s.viewers
        if "entries" not in out.columns or out["entries"].null_count() == out.height:
            ent = v.group_by(_minute("enter_ts").alias("minute_ts")).agg(pl.len().cast(pl.Int64).alias("entries"))
            out = out.drop("entries", strict=False).join(ent, on="minute_ts", how="left")
        if ("exits" not in out.columns or out["exits"].null_count() == out.height) and "leave_ts" in v.columns:
            ex = v.group_by(_minute("leave_ts").alias("minute_ts")).agg(pl.len().cast(pl.Int64).alias("exits"))
            out = out.drop("exits", strict=False).join(ex, on="minute_ts", how="left")
    for c in ("entries", "exits"):
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.Int64).alias(c))
    if s.has("orders"):
        o = s.orders.group_by(_minute("ts").alias("minute_ts")).agg(
            pl.len().cast(pl.Int64).alias("orders"), pl.col("amount").sum().alias("gmv"))
        out = out.join(o, on="minute_ts", how="left").with_columns(
            pl.col("orders").fill_null(0), pl.col("gmv").fill_null(0.0))
    elif s.has("trend") and "orders" in tr.columns:
        out = out.join(tr.select("minute_ts", "orders", *(["gmv"] if "gmv" in tr.columns else [])),
                       on="minute_ts", how="left")
    for c, dt in (("orders", pl.Int64), ("gmv", pl.Float64)):
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=dt).alias(c))
    return out.sort("minute_ts")


def find_extrema(minutes: pl.DataFrame, series: str, *, n: int = 3, smooth: int = 5,
                 min_prominence: float = 0.15, distance: int = 10) -> pl.DataFrame:
    """Peaks and troughs of a per-minute series (scipy ``find_peaks`` on a centred rolling mean).

    Prominence must reach ``min_prominence`` of the series' range; at most ``n`` of each, the most
    prominent, at least ``distance`` minutes apart.
    """
    from scipy.signal import find_peaks

    empty = pl.DataFrame(schema={"minute_ts": minutes.schema["minute_ts"], "series": pl.String,
                                 "kind": pl.String, "value": pl.Float64, "prominence": pl.Float64})
    if series not in minutes.columns or minutes[series].null_count() == minutes.height or minutes.height < 5:
        return empty
    y = minutes[series].fill_null(0).cast(pl.Float64).rolling_mean(smooth, center=True, min_samples=1).to_numpy()
    rng = float(np.nanmax(y) - np.nanmin(y))
    if rng <= 0:
        return empty
    rows = []
    for kind, sign in (("peak", 1.0), ("trough", -1.0)):
        idx, props = find_peaks(sign * y, prominence=min_prominence * rng, distance=distance)
        top = np.argsort(-props["prominences"], kind="stable")[:n]
        for i in sorted(idx[top]):
            j = int(np.flatnonzero(idx == i)[0])
            rows.append({"minute_ts": minutes["minute_ts"][int(i)], "series": series, "kind": kind,
                         "value": float(y[i]), "prominence": float(props["prominences"][j])})
    if not rows:
        return empty
    return pl.DataFrame(rows, schema=empty.schema).sort("minute_ts")


def screen_label(on_screen: str | None, lang: str = "zh") -> str:
    """What was on screen, in words: ``explain: X`` → ``讲解 X`` / ``explaining X``; kinds translated."""
    if not on_screen:
        return "–"
    if on_screen.startswith("explain: "):
        return ("讲解 " if lang == "zh" else "explaining ") + on_screen.removeprefix("explain: ")
    return t(on_screen, lang)


def minute_story(s: Session) -> MinuteStory:
    """The minute story: per-minute series with what was on screen, the run sheet, and the peaks
    and troughs of online viewers and orders (annotated with what was on screen then)."""
    mins = minute_frame(s)
    screen = screen_timeline(s, mins["minute_ts"])
    mins = mins.join(screen, on="minute_ts", how="left")
    orders_peaks = find_extrema(mins, "orders", n=3, smooth=3).filter(pl.col("kind") == "peak")
    ext = pl.concat([find_extrema(mins, "online"), orders_peaks])
    ext = ext.join(mins.select("minute_ts", "on_screen"), on="minute_ts", how="left").sort("minute_ts", "series")
    return MinuteStory(mins, run_sheet(s), ext)


# ---------------------------------------------------------------------------------------------
# retention


@dataclass
class Retention:
    curves: pl.DataFrame  # group_kind, group, minute, survival
    summary: pl.DataFrame  # group_kind, group, viewers, median_min, still_5, still_30
    leaving: pl.DataFrame  # on_screen, minutes, online, exits, exit_rate, index, ratio lo hi p


def _durations(s: Session) -> pl.DataFrame:
    """Viewer watch durations in minutes and whether the viewer was still there at the end (censored)."""
    v = s.viewers
    end = s.info["end_ts"]
    left = (pl.col("leave_ts") if "leave_ts" in v.columns else
            pl.col("enter_ts") + pl.duration(seconds=pl.col("watch_s")))
    return v.select(
        (pl.col("watch_s") / 60.0).round(1).clip(0.0).alias("dur"),
        (left.fill_null(pl.col("enter_ts")) < pl.lit(end) - timedelta(minutes=1)).alias("event"),
        pl.col("source").fill_null("?").alias("channel") if "source" in v.columns else pl.lit("?").alias("channel"),
        (pl.when(pl.col("returning")).then(pl.lit("returning")).otherwise(pl.lit("new"))
         if "returning" in v.columns else pl.lit("all")).alias("newret"),
    )


def _km(d: pl.DataFrame, grid: np.ndarray) -> tuple[np.ndarray, float]:
    """Kaplan–Meier survival on ``grid`` and the median (statsmodels, frequency-weighted)."""
    from statsmodels.duration.survfunc import SurvfuncRight

    agg = d.group_by("dur", "event").agg(pl.len().alias("n")).sort("dur", "event")
    sf = SurvfuncRight(agg["dur"].to_numpy(), agg["event"].cast(pl.Int8).to_numpy(),
                       freq_weights=agg["n"].to_numpy().astype(float))
    times, surv = sf.surv_times, sf.surv_prob
    pos = np.searchsorted(times, grid, side="right") - 1
    curve = np.where(pos >= 0, surv[np.clip(pos, 0, None)], 1.0)
    below = np.flatnonzero(surv <= 0.5 + 1e-9)
    median = float(times[below[0]]) if below.size else float("nan")
    return curve, median


def retention(s: Session, *, max_minutes: int = 60, min_viewers: int = 30) -> Retention:
    """Share of entering viewers still watching t minutes after entry (Kaplan–Meier, viewers still
    there at the end censored), overall, by channel and new vs returning; plus exit rates by what was
    on screen (Poisson rate ratio against the rest of the session)."""
    curves: list[pl.DataFrame] = []
    summary: list[dict[str, Any]] = []
    if s.has("viewers"):
        d = _durations(s)
        grid = np.arange(0, max_minutes + 1, dtype=float)
        groups: list[tuple[str, str, pl.DataFrame]] = [("all", "all", d)]
        for col, kind in (("channel", "channel"), ("newret", "newret")):
            for (g,), part in sorted(d.partition_by(col, as_dict=True).items(), key=lambda kv: str(kv[0])):
                if part.height >= min_viewers and g not in ("?", "all"):
                    groups.append((kind, str(g), part))
        for kind, g, part in groups:
            curve, median = _km(part, grid)
            curves.append(pl.DataFrame({"group_kind": kind, "group": g, "minute": grid, "survival": curve}))
            summary.append({"group_kind": kind, "group": g, "viewers": part.height, "median_min": median,
                            "still_5": float(curve[5]) if max_minutes >= 5 else None,
                            "still_30": float(curve[30]) if max_minutes >= 30 else None})
    curves_df = pl.concat(curves) if curves else pl.DataFrame(
        schema={"group_kind": pl.String, "group": pl.String, "minute": pl.Float64, "survival": pl.Float64})
    summary_df = pl.DataFrame(summary, schema={"group_kind": pl.String, "group": pl.String, "viewers": pl.Int64,
                                               "median_min": pl.Float64, "still_5": pl.Float64,
                                               "still_30": pl.Float64})
    return Retention(curves_df, summary_df, leaving_by_screen(s))


TENURE_BUCKETS = (0.0, 1.0, 3.0, 10.0, 30.0, math.inf)  # minutes since entry


def _exposure_per_minute(a: np.ndarray, z: np.ndarray, n_min: int) -> np.ndarray:
    """Viewer-minutes of presence in each minute [m, m+1) of intervals [a, z) (minutes from start):
    F(t) = Σ clip(t − a, 0, z − a) evaluated at integer t from binned counts and sums."""
    t = np.arange(n_min + 1, dtype=float)

    def cum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.clip(np.floor(x).astype(np.int64) + 1, 0, n_min + 1)  # x < t  <=>  floor(x) + 1 <= t
        cnt = np.bincount(idx, minlength=n_min + 2)[: n_min + 1].cumsum()
        tot = np.bincount(idx, weights=x, minlength=n_min + 2)[: n_min + 1].cumsum()
        return cnt, tot

    na, sa = cum(a)
    nz, sz = cum(z)
    f = (t * na - sa) - (t * nz - sz)
    return np.diff(f)


def expected_exits(s: Session, minutes: pl.Series) -> pl.DataFrame | None:
    """Per minute, observed exits and the exits expected from how long each present viewer had
    been watching (the session's own exit hazard per tenure band 0–1, 1–3, 3–10, 10–30, 30+ min,
    indirect standardisation). Early bouncers leave fast whatever is on screen; comparing observed
    with expected removes that. Viewers still there in the last minute are not exits. None without
    viewer-level enter/leave times."""
    if not s.has("viewers"):
        return None
    v = s.viewers
    start = minutes.min()
    n_min = minutes.len()
    left = pl.col("leave_ts") if "leave_ts" in v.columns else pl.col("enter_ts") + pl.duration(seconds=pl.col("watch_s"))
    d = v.select(((pl.col("enter_ts") - start).dt.total_microseconds() / 6e7).alias("e"),
                 ((left.fill_null(pl.col("enter_ts")) - start).dt.total_microseconds() / 6e7).alias("l"))
    e = np.clip(d["e"].to_numpy(), 0, n_min)
    lv = np.clip(d["l"].to_numpy(), 0, n_min)
    lv = np.maximum(lv, e)
    exited = lv < n_min - 1  # still there in the last minute: censored
    observed = np.bincount(np.floor(lv[exited]).astype(np.int64), minlength=n_min)[:n_min]
    expected = np.zeros(n_min)
    for lo, hi in itertools.pairwise(TENURE_BUCKETS):
        a = e + lo
        z = np.minimum(e + hi, lv)
        keep = z > a
        if not keep.any():
            continue
        expo = _exposure_per_minute(a[keep], z[keep], n_min)
        exits_b = int((exited & (lv >= e + lo) & (lv < e + hi)).sum())
        total = expo.sum()
        if total > 0:
            expected += expo * (exits_b / total)
    return pl.DataFrame({"minute_ts": minutes, "exits": observed.astype(np.int64), "expected": expected,
                         "exposure": _exposure_per_minute(e, lv, n_min)})


def leaving_by_screen(s: Session, story: MinuteStory | None = None, *, min_minutes: int = 2) -> pl.DataFrame:
    """Where viewers left, against what was on screen: per on-screen item, exits observed vs
    expected (``obs_exp`` = O/E, 1 = as the session's tenure-specific exit rate predicts) and the
    Poisson rate ratio against the rest of the session with its 95% interval, widened for the
    clustering of exits (quasi-Poisson ``dispersion`` of the per-minute counts; ``method =
    standardised``). Without viewer-level times: the trend's exits per online viewer-minute
    relative to the session (``method = trend``)."""
    mins = (story or minute_story(s)).minutes
    std = expected_exits(s, mins["minute_ts"])
    schema = {"on_screen": pl.String, "kind": pl.String, "minutes": pl.Int64, "exits": pl.Int64,
              "expected": pl.Float64, "exit_rate": pl.Float64, "obs_exp": pl.Float64, "lo": pl.Float64,
              "hi": pl.Float64, "p_value": pl.Float64, "method": pl.String, "dispersion": pl.Float64}
    if std is not None and std["exits"].sum() > 0:
        m = mins.select("minute_ts", "on_screen", "kind").join(std, on="minute_ts", how="left")
        m = m.with_columns(pl.col("exits").fill_null(0), pl.col("expected").fill_null(0.0),
                           pl.col("exposure").fill_null(0.0))
        method, denom = "standardised", "expected"
    else:
        m = mins.filter(pl.col("online").is_not_null() & pl.col("exits").is_not_null() & (pl.col("online") > 0))
        if m.height == 0:
            return pl.DataFrame(schema=schema)
        total_rate = m["exits"].sum() / m["online"].sum()
        m = m.with_columns((pl.col("online") * total_rate).alias("expected"), pl.col("online").cast(pl.Float64).alias("exposure"))
        method, denom = "trend", "expected"
    tot_o, tot_e = int(m["exits"].sum()), float(m[denom].sum())
    # exits cluster (viewers who came together leave together): quasi-Poisson dispersion of the
    # per-minute counts around expectation widens every interval by sqrt(phi)
    mm = m.filter(pl.col("expected") > 0)
    phi = max(1.0, float((((mm["exits"] - mm["expected"]) ** 2) / mm["expected"]).sum()) / max(mm.height - 1, 1))
    g = (m.group_by("on_screen", "kind")
         .agg(pl.len().alias("minutes"), pl.col("exits").sum(), pl.col("expected").sum(), pl.col("exposure").sum())
         .filter(pl.col("minutes") >= min_minutes))
    rows = []
    for r in g.iter_rows(named=True):
        rr = stats.overdispersed(stats.rate_ratio(int(r["exits"]), float(r["expected"]), tot_o - int(r["exits"]),
                                                  tot_e - float(r["expected"])), phi)
        rows.append({"on_screen": r["on_screen"], "kind": r["kind"], "minutes": r["minutes"], "exits": r["exits"],
                     "expected": r["expected"], "exit_rate": r["exits"] / r["exposure"] if r["exposure"] else None,
                     "obs_exp": r["exits"] / r["expected"] if r["expected"] else None,
                     "lo": _f(rr.lo), "hi": _f(rr.hi), "p_value": _f(rr.p_value), "method": method,
                     "dispersion": phi})
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(rows, schema=schema).sort(["obs_exp", "on_screen"], descending=[True, False], nulls_last=True)


# ---------------------------------------------------------------------------------------------
# funnel


@dataclass
class Funnel:
    stages: pl.DataFrame  # stage, count, of_previous, of_top, source
    products: pl.DataFrame  # product_id, name, exposures_uv, clicks_uv, buyers, ctr, click_to_order


def funnel(s: Session, kpis: dict[str, Any] | None = None) -> Funnel:
    """Impressions → viewers → product exposure → click → order → paid → net of refunds (people),
    and per product exposure → click → buyers. ``kpis``: the session's KPIs if already computed."""
    if kpis is None:
        kpis, _ = metrics.session_kpis_with_sources(s)
    stages: list[tuple[str, float | None, str]] = [
        ("impressions", kpis.get("impressions"), "platform"),
        ("viewers", kpis.get("viewers"), "viewers"),
    ]
    clicked: tuple[str, float | None, str] | None = None
    if s.has("viewers") and "product_clicks" in s.viewers.columns:
        clicked = ("clicked", float((s.viewers["product_clicks"].fill_null(0) > 0).sum()), "viewers")
    elif s.has("products") and "clicks_uv" in s.products.columns:
        clicked = ("clicked", _f(s.products["clicks_uv"].max()), "products (most-clicked product, lower bound)")
    # people shown any product are not exported per viewer: the most-exposed product's count is a
    # lower bound, shown only when it does not contradict the clickers (else it would mislead)
    if s.has("products") and "exposures_uv" in s.products.columns:
        exposed = _f(s.products["exposures_uv"].max())
        if exposed is not None and (clicked is None or clicked[1] is None or exposed >= clicked[1]):
            stages.append(("product_exposed", exposed, "products (most-exposed product, lower bound)"))
    if clicked is not None:
        stages.append(clicked)
    if s.has("orders") and "viewer_id" in s.orders.columns:
        o = s.orders.filter(pl.col("viewer_id").is_not_null())
        placed = o["viewer_id"].n_unique()
        net = o.filter(pl.col("status") == "paid")["viewer_id"].n_unique()
        stages += [("ordered", float(placed), "orders"), ("paid", kpis.get("buyers"), "orders"),
                   ("net_of_refunds", float(net), "orders")]
    else:
        stages.append(("paid", kpis.get("buyers"), "platform totals"))
    rows, top, prev = [], None, None
    for name, count, src in stages:
        if count is None:
            continue
        top = top or count
        rows.append({"stage": name, "count": float(count), "of_previous": count / prev if prev else None,
                     "of_top": count / top if top else None, "source": src})
        prev = count
    st = pl.DataFrame(rows, schema={"stage": pl.String, "count": pl.Float64, "of_previous": pl.Float64,
                                    "of_top": pl.Float64, "source": pl.String})
    return Funnel(st, product_table(s))


# ---------------------------------------------------------------------------------------------
# products


@dataclass
class Products:
    ranking: pl.DataFrame
    explain: pl.DataFrame
    mix: pl.DataFrame


def product_table(s: Session) -> pl.DataFrame:
    """Per product: exposure → click → buyers, GMV (orders table where present), share of GMV,
    product GPM (GMV × 1000 / exposed viewers), refund rate; ranked by GMV."""
    if not s.has("products"):
        return pl.DataFrame()
    p = s.products
    for c, dt in (("exposures_uv", pl.Int64), ("clicks_uv", pl.Int64), ("buyers", pl.Int64), ("orders", pl.Int64),
                  ("units", pl.Int64), ("gmv", pl.Float64), ("refund_amount", pl.Float64), ("role", pl.String),
                  ("price", pl.Float64)):
        if c not in p.columns:
            p = p.with_columns(pl.lit(None, dtype=dt).alias(c))
    if s.has("orders") and "product_id" in s.orders.columns:
        o = s.orders
        ref = pl.coalesce(pl.col("refund_amount"), pl.when(pl.col("status") == "refunded").then(pl.col("amount"))
                          .otherwise(0.0)) if "refund_amount" in o.columns else pl.lit(0.0)
        agg = o.group_by("product_id").agg(
            pl.len().alias("o_orders"), pl.col("amount").sum().alias("o_gmv"), ref.sum().alias("o_refund"),
            (pl.col("viewer_id").n_unique() if "viewer_id" in o.columns else pl.lit(None)).alias("o_buyers"),
            (pl.col("units").sum() if "units" in o.columns else pl.lit(None)).alias("o_units"))
        p = p.join(agg, on="product_id", how="left").with_columns(
            pl.coalesce("o_gmv", "gmv").alias("gmv"), pl.coalesce("o_orders", "orders").alias("orders"),
            pl.coalesce("o_refund", "refund_amount").alias("refund_amount"),
            pl.coalesce("buyers", "o_buyers").alias("buyers"), pl.coalesce("o_units", "units").alias("units"))
    total = p["gmv"].sum() or None
    out = p.select(
        "product_id", "name", "role", "price", "exposures_uv", "clicks_uv", "buyers", "orders", "units",
        pl.col("gmv").fill_null(0.0),
        (pl.col("gmv").fill_null(0.0) / total if total else pl.lit(None, dtype=pl.Float64)).alias("share_gmv"),
        (pl.col("clicks_uv") / pl.col("exposures_uv")).alias("ctr"),
        (pl.col("buyers") / pl.col("clicks_uv")).alias("click_to_order"),
        (pl.col("gmv") * 1000.0 / pl.col("exposures_uv")).alias("gpm"),
        (pl.col("refund_amount") / pl.col("gmv")).alias("refund_rate"),
    ).with_columns(pl.col(c).fill_nan(None) for c in ("ctr", "click_to_order", "gpm", "refund_rate"))
    out = out.sort(["gmv", "product_id"], descending=[True, False])
    return out.with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))


def explanation_effect(s: Session, *, min_orders: int = 1) -> pl.DataFrame:
    """Per explained product: orders per minute of that product during its 讲解 windows vs outside
    them, with the Poisson rate ratio, its 95% interval and p-value."""
    schema = {"product_id": pl.String, "name": pl.String, "windows": pl.Int64, "minutes_in": pl.Float64,
              "orders_in": pl.Int64, "orders_out": pl.Int64, "rate_in": pl.Float64, "rate_out": pl.Float64,
              "ratio": pl.Float64, "lo": pl.Float64, "hi": pl.Float64, "p_value": pl.Float64}
    if not (s.has("events") and s.has("orders")) or "product_id" not in s.orders.columns:
        return pl.DataFrame(schema=schema)
    ev = run_sheet(s).filter((pl.col("kind") == "explain") & pl.col("product_id").is_not_null())
    if ev.height == 0:
        return pl.DataFrame(schema=schema)
    total_min = session_minutes(s)
    o = s.orders.filter(pl.col("product_id").is_in(ev["product_id"].unique().to_list())).select("product_id", "ts")
    inside = (o.join(ev.select("product_id", "start_ts", "end_ts"), on="product_id")
              .filter((pl.col("ts") >= pl.col("start_ts")) & (pl.col("ts") < pl.col("end_ts")))
              .group_by("product_id").agg(pl.len().alias("orders_in")))
    # windows of one product do not overlap in a run sheet; clip to the session
    win = ev.group_by("product_id").agg(
        pl.len().alias("windows"),
        ((pl.col("end_ts") - pl.col("start_ts")).dt.total_seconds().sum() / 60.0).alias("minutes_in"),
        pl.col("name").first())
    tot = o.group_by("product_id").agg(pl.len().alias("orders_total"))
    w = (win.join(tot, on="product_id", how="left").join(inside, on="product_id", how="left")
         .with_columns(pl.col("orders_total", "orders_in").fill_null(0)))
    rows = []
    for r in w.sort("product_id").iter_rows(named=True):
        if r["orders_total"] < min_orders:
            continue
        k_in, k_out = int(r["orders_in"]), int(r["orders_total"] - r["orders_in"])
        t_in = min(float(r["minutes_in"]), total_min)
        t_out = max(total_min - t_in, 1e-9)
        rr = stats.rate_ratio(k_in, t_in, k_out, t_out)
        rows.append({"product_id": r["product_id"], "name": r["name"], "windows": r["windows"], "minutes_in": t_in,
                     "orders_in": k_in, "orders_out": k_out, "rate_in": k_in / t_in if t_in else None,
                     "rate_out": k_out / t_out, "ratio": _f(rr.ratio), "lo": _f(rr.lo), "hi": _f(rr.hi),
                     "p_value": _f(rr.p_value)})
    return pl.DataFrame(rows, schema=schema).sort(["ratio", "product_id"], descending=[True, False], nulls_last=True)


def product_mix(ranking: pl.DataFrame) -> pl.DataFrame:
    """Hero / profit / traffic-driver mix: products and GMV share per role vs the 3:5:2 norm."""
    if ranking.height == 0 or ranking["role"].null_count() == ranking.height:
        return pl.DataFrame(schema={"role": pl.String, "products": pl.Int64, "share_products": pl.Float64,
                                    "gmv": pl.Float64, "share_gmv": pl.Float64, "norm": pl.Float64})
    g = ranking.group_by(pl.col("role").fill_null("?")).agg(pl.len().cast(pl.Int64).alias("products"),
                                                            pl.col("gmv").sum())
    return g.with_columns(
        (pl.col("products") / pl.col("products").sum()).alias("share_products"),
        (pl.col("gmv") / pl.col("gmv").sum()).alias("share_gmv"),
        pl.col("role").replace_strict(ROLE_NORM, default=None, return_dtype=pl.Float64).alias("norm"),
    ).select("role", "products", "share_products", "gmv", "share_gmv", "norm").sort("role")


def products(s: Session) -> Products:
    """Products: ranking (exposure → click → order, product GPM), explanation effect, role mix."""
    ranking = product_table(s)
    return Products(ranking, explanation_effect(s), product_mix(ranking))


# ---------------------------------------------------------------------------------------------
# traffic sources


def traffic_sources(s: Session) -> pl.DataFrame:
    """Per channel: paid?, viewers, share, buyers, conversion (Wilson interval), GMV, UV value,
    average watch, spend, CPM, ROI; plus ``free`` and ``paid`` total rows (``level='total'``)."""
    cols = {"channel": pl.String, "paid": pl.Boolean, "viewers": pl.Int64, "buyers": pl.Int64,
            "gmv": pl.Float64, "avg_watch_s": pl.Float64, "spend": pl.Float64, "impressions": pl.Int64}
    tr = s.traffic
    if s.has("viewers") and "source" in s.viewers.columns:
        pv = per_viewer_gmv(s)
        v = s.viewers.select("viewer_id", pl.col("source").fill_null("?").alias("channel"), "watch_s").join(
            pv, on="viewer_id", how="left")
        base = v.group_by("channel").agg(
            pl.len().cast(pl.Int64).alias("viewers"), pl.col("gmv").is_not_null().sum().cast(pl.Int64).alias("buyers"),
            pl.col("gmv").fill_null(0.0).sum().alias("gmv"), pl.col("watch_s").mean().alias("avg_watch_s"))
        if s.has("traffic"):
            extra = tr.select("channel", *[c for c in ("paid", "spend", "impressions") if c in tr.columns])
            base = base.join(extra, on="channel", how="left")
    elif s.has("traffic"):
        base = tr.select("channel", "viewers", *[c for c in ("paid", "spend", "impressions", "gmv") if c in tr.columns])
        base = base.with_columns(pl.col("orders").alias("buyers") if "orders" in tr.columns else pl.lit(None, dtype=pl.Int64).alias("buyers"))
    else:
        return pl.DataFrame(schema={**cols, "level": pl.String})
    for c, dt in cols.items():
        if c not in base.columns:
            base = base.with_columns(pl.lit(None, dtype=dt).alias(c))
    base = base.with_columns(
        pl.coalesce(pl.col("paid"), pl.col("channel").is_in(list(PAID_CHANNELS))).alias("paid"),
        pl.lit("channel").alias("level"),
    ).select(*cols, "level")
    totals = (base.group_by("paid").agg(
        pl.col("viewers").sum(), pl.col("buyers").sum(), pl.col("gmv").sum(),
        ((pl.col("avg_watch_s") * pl.col("viewers")).sum() / pl.col("viewers").sum()).alias("avg_watch_s"),
        pl.col("spend").sum(), pl.col("impressions").sum())
        .with_columns(pl.when(pl.col("paid")).then(pl.lit("paid")).otherwise(pl.lit("free")).alias("channel"),
                      pl.lit("total").alias("level"))
        .select(*cols, "level"))
    out = pl.concat([base.sort(["paid", "viewers", "channel"], descending=[False, True, False]),
                     totals.sort("paid")], how="vertical_relaxed")
    all_viewers = base["viewers"].sum()
    out = out.with_columns(
        (pl.col("viewers") / all_viewers).alias("share"),
        (pl.col("buyers") / pl.col("viewers")).alias("conversion"),
        (pl.col("gmv") / pl.col("viewers")).alias("uv_value"),
        pl.when(pl.col("impressions") > 0).then(pl.col("spend") * 1000.0 / pl.col("impressions")).alias("cpm"),
        pl.when(pl.col("spend") > 0).then(pl.col("gmv") / pl.col("spend")).alias("roi"),
    )
    ci = [stats.wilson(int(b), int(n)) if b is not None and n else (None, None)
          for b, n in zip(out["buyers"].to_list(), out["viewers"].to_list(), strict=True)]
    return out.with_columns(pl.Series("conv_lo", [c[0] for c in ci], dtype=pl.Float64),
                            pl.Series("conv_hi", [c[1] for c in ci], dtype=pl.Float64))


# ---------------------------------------------------------------------------------------------
# audience


AUDIENCE_DIMENSIONS = ("age_band", "gender", "region", "device", "source", "was_follower", "returning")
LEVEL_ORDER: dict[str, tuple[str, ...]] = {
    "region": ("一线", "新一线", "二线", "三线", "四线及以下"),
    "age_band": ("18-23", "24-30", "31-40", "41-50", "50+"),
    "device": ("android", "ios", "pc"),
    "gender": ("female", "male", "unknown"),
}


def audience(s: Session) -> pl.DataFrame:
    """Who watched vs who bought: per dimension and level, viewers, buyers, shares, conversion with a
    Wilson interval, and the index buyer share / viewer share (>1: over-represented among buyers)."""
    schema = {"dimension": pl.String, "level": pl.String, "viewers": pl.Int64, "buyers": pl.Int64,
              "viewer_share": pl.Float64, "buyer_share": pl.Float64, "conversion": pl.Float64,
              "lo": pl.Float64, "hi": pl.Float64, "index": pl.Float64}
    if not s.has("viewers"):
        return pl.DataFrame(schema=schema)
    pv = per_viewer_gmv(s).select("viewer_id", pl.lit(True).alias("bought"))
    v = s.viewers.join(pv, on="viewer_id", how="left").with_columns(pl.col("bought").fill_null(False))
    n_all, b_all = v.height, int(v["bought"].sum())
    parts = []
    for dim in AUDIENCE_DIMENSIONS:
        if dim not in v.columns or v[dim].null_count() == v.height:
            continue
        order = {lv: i for i, lv in enumerate(LEVEL_ORDER.get(dim, ()))}
        g = (v.group_by(pl.col(dim).cast(pl.String).fill_null("?").alias("level"))
             .agg(pl.len().cast(pl.Int64).alias("viewers"), pl.col("bought").sum().cast(pl.Int64).alias("buyers"))
             .with_columns(pl.lit(dim).alias("dimension"),
                           pl.col("level").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_o"))
             .sort("_o", "level").drop("_o"))
        parts.append(g)
    if not parts:
        return pl.DataFrame(schema=schema)
    out = pl.concat(parts).with_columns(
        (pl.col("viewers") / n_all).alias("viewer_share"),
        (pl.col("buyers") / b_all if b_all else pl.lit(None, dtype=pl.Float64)).alias("buyer_share"),
        (pl.col("buyers") / pl.col("viewers")).alias("conversion"),
    ).with_columns((pl.col("buyer_share") / pl.col("viewer_share")).alias("index"))
    ci = [stats.wilson(int(b), int(n)) for b, n in zip(out["buyers"].to_list(), out["viewers"].to_list(), strict=True)]
    out = out.with_columns(pl.Series("lo", [c[0] for c in ci]), pl.Series("hi", [c[1] for c in ci]))
    return out.select(list(schema))


# ---------------------------------------------------------------------------------------------
# integrity


@dataclass
class Integrity:
    per_minute: pl.DataFrame  # minute_ts, entries, short_entries, short_share, baseline, robust_z, burst
    bursts: dict[str, Any]
    duplicates: pl.DataFrame  # text, comments, authors, first_ts, last_ts
    duplicate_summary: dict[str, Any]
    suspects: pl.DataFrame = field(default_factory=pl.DataFrame)  # pseudonymised sample of burst entrants


def entry_bursts(s: Session, *, short_s: float = SHORT_WATCH_S, window: int = 31, p_max: float = 1e-4,
                 min_ratio: float = 2.0, min_short_share: float = 0.5) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Minutes whose entries jump far above the rolling median of entries (at least ``min_ratio``×,
    Poisson upper-tail p < ``p_max``) while most of those entrants watched less than ``short_s``
    seconds: the signature of fabricated traffic (a lottery's burst of real viewers stays longer).
    Returns the per-minute frame and a summary (burst minutes, suspect viewers, share, their buyers)."""
    from scipy.stats import poisson

    empty = pl.DataFrame(schema={"minute_ts": pl.Datetime("us", "Asia/Shanghai"), "entries": pl.Int64,
                                 "short_entries": pl.Int64, "short_share": pl.Float64, "baseline": pl.Float64,
                                 "p_value": pl.Float64, "burst": pl.Boolean})
    if not s.has("viewers"):
        return empty, {"available": False}
    v = s.viewers
    pm = (v.group_by(_minute("enter_ts").alias("minute_ts"))
          .agg(pl.len().cast(pl.Int64).alias("entries"),
               (pl.col("watch_s") < short_s).sum().cast(pl.Int64).alias("short_entries"))
          .sort("minute_ts"))
    e = pm["entries"].cast(pl.Float64)
    base = e.rolling_median(window, center=True, min_samples=1).clip(lower_bound=1.0)
    pvals = poisson.sf(e.to_numpy() - 1, base.to_numpy())
    pm = pm.with_columns(
        (pl.col("short_entries") / pl.col("entries")).alias("short_share"),
        base.alias("baseline"),
        pl.Series("p_value", pvals, dtype=pl.Float64),
    ).with_columns(((pl.col("p_value") < p_max) & (pl.col("entries") >= min_ratio * pl.col("baseline"))
                    & (pl.col("short_share") >= min_short_share)).alias("burst"))
    b = pm.filter(pl.col("burst"))
    burst_min = b["minute_ts"].to_list()
    in_burst = v.filter(_minute("enter_ts").is_in(b["minute_ts"].implode()) & (pl.col("watch_s") < short_s))
    buyers = per_viewer_gmv(s)
    bought = in_burst.join(buyers, on="viewer_id", how="inner").height if buyers.height else 0
    excess = float((b["entries"] - b["baseline"]).clip(lower_bound=0).sum()) if b.height else 0.0
    summary = {
        "available": True,
        "burst_minutes": b.height,
        "suspect_viewers": in_burst.height,
        "suspect_share": in_burst.height / v.height if v.height else None,
        "excess_entries": excess,
        "suspect_buyers": bought,
        "short_watch_viewers": int((v["watch_s"] < short_s).sum()),
        "short_watch_share": float((v["watch_s"] < short_s).mean()),
        "first_burst": burst_min[0] if burst_min else None,
    }
    return pm, summary


def _norm_text() -> pl.Expr:
    return pl.col("text").cast(pl.String).str.strip_chars().str.replace_all(r"\s+", "")


def duplicate_comments(s: Session, *, min_authors: int = 5, window: str = "5m", min_chars: int = 10,
                       p_max: float = 1e-6, top: int = 10) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Bought comments: the same long text (``min_chars`` or more, short cheers like "来了" are
    organic) from ``min_authors`` or more accounts inside one ``window``, far more often than the
    text's own rate over the show predicts (Poisson p < ``p_max`` given the window's share of all
    comments). Popular phrases repeat all show long; bought ones arrive together. Returns the flagged
    texts (their comments inside flagged windows) and the share of all comments they make up."""
    from scipy.stats import poisson

    schema = {"text": pl.String, "comments": pl.Int64, "authors": pl.Int64,
              "first_ts": pl.Datetime("us", "Asia/Shanghai"), "last_ts": pl.Datetime("us", "Asia/Shanghai")}
    if not s.has("comments"):
        return pl.DataFrame(schema=schema), {"available": False}
    c = s.comments.with_columns(_norm_text().alias("norm"), pl.col("ts").dt.truncate(window).alias("bucket"))
    if "viewer_id" not in c.columns:
        c = c.with_columns(pl.int_range(pl.len()).cast(pl.String).alias("viewer_id"))
    total = c.height
    per_bucket = c.group_by("bucket").agg(pl.len().alias("n_bucket"))
    long = c.filter(pl.col("norm").str.len_chars() >= min_chars)
    per_text = long.group_by("norm").agg(pl.len().alias("n_text"))
    cells = (long.group_by("norm", "bucket").agg(pl.len().alias("c"), pl.col("viewer_id").n_unique().alias("a"))
             .join(per_text, on="norm").join(per_bucket, on="bucket")
             .with_columns((pl.col("n_text") * pl.col("n_bucket") / total).alias("expected"))
             .filter(pl.col("a") >= min_authors))
    if cells.height:
        cells = cells.with_columns(pl.Series("p", poisson.sf(cells["c"].to_numpy() - 1, cells["expected"].to_numpy())))
        hot = cells.filter(pl.col("p") < p_max).select("norm", "bucket")
    else:
        hot = pl.DataFrame(schema={"norm": pl.String, "bucket": c.schema["bucket"]})
    flagged = long.join(hot, on=["norm", "bucket"], how="inner")
    g = (flagged.group_by("norm")
         .agg(pl.col("text").first(), pl.len().cast(pl.Int64).alias("comments"),
              pl.col("viewer_id").n_unique().cast(pl.Int64).alias("authors"),
              pl.col("ts").min().alias("first_ts"), pl.col("ts").max().alias("last_ts"))
         .sort(["comments", "norm"], descending=[True, False]))
    dup_n = int(g["comments"].sum()) if g.height else 0
    summary = {"available": True, "comments": total, "duplicated_comments": dup_n,
               "duplicated_share": dup_n / total if total else None, "texts": g.height,
               "top_text": g["text"][0] if g.height else None}
    return g.select(list(schema)).head(top), summary


def integrity(s: Session, *, sample: int = 8) -> Integrity:
    """Integrity signals: entry bursts with near-zero watch time, duplicated comment text, and a
    sample of the suspect entrants with pseudonymised ids (:func:`helpers.privacy.pseudonymise`)."""
    from .privacy import pseudonymise

    pm, bursts = entry_bursts(s)
    dups, dsum = duplicate_comments(s)
    suspects = pl.DataFrame()
    minutes = pm.filter(pl.col("burst"))["minute_ts"] if pm.height else pl.Series([], dtype=pl.Datetime)
    if minutes.len():
        cols = [c for c in ("viewer_id", "enter_ts", "watch_s", "source", "device") if c in s.viewers.columns]
        suspects = (s.viewers.filter(_minute("enter_ts").is_in(minutes.implode()) & (pl.col("watch_s") < SHORT_WATCH_S))
                    .select(cols).sort("enter_ts", "viewer_id").head(sample))
        suspects = suspects.with_columns(pseudonymise(suspects["viewer_id"]))
    return Integrity(pm, bursts, dups, dsum, suspects)


# ---------------------------------------------------------------------------------------------
# comments (optional)


def comment_intents(s: Session, *, top: int = 6) -> pl.DataFrame | None:
    """Comments per minute by intent (``helpers.comments.classify_frame``), or None when that module
    is unavailable or the session has no comments. Intents beyond the ``top`` most frequent are
    grouped as ``other``."""
    if not s.has("comments"):
        return None
    try:
        from .comments import classify_frame  # type: ignore[attr-defined]
    except ImportError:
        try:
            from .comments.classify import classify_frame  # type: ignore[no-redef]
        except ImportError:
            log.info("helpers.comments not available: comment intents skipped")
            return None
    try:
        c = classify_frame(s.comments.select("ts", "text"), "text", tokens=False)
    except TypeError:
        c = classify_frame(s.comments.select("ts", "text"), "text")
    if "intent" not in c.columns:
        return None
    freq = c["intent"].fill_null("other").value_counts(sort=True)
    keep = freq.filter(pl.col("intent") != "other")["intent"].head(top).to_list()
    return (c.with_columns(_minute("ts").alias("minute_ts"),
                           pl.when(pl.col("intent").is_in(keep)).then(pl.col("intent")).otherwise(pl.lit("other"))
                           .alias("intent"))
            .group_by("minute_ts", "intent").agg(pl.len().cast(pl.Int64).alias("comments"))
            .sort("minute_ts", "intent"))


def top_comments(s: Session, *, n: int = 10, min_chars: int = 2) -> pl.DataFrame:
    """The most frequent comment texts (as posted, escaped when shown) with counts and authors."""
    schema = {"text": pl.String, "comments": pl.Int64, "authors": pl.Int64}
    if not s.has("comments"):
        return pl.DataFrame(schema=schema)
    c = s.comments.with_columns(_norm_text().alias("norm")).filter(pl.col("norm").str.len_chars() >= min_chars)
    author = pl.col("viewer_id").n_unique() if "viewer_id" in c.columns else pl.len()
    return (c.group_by("norm").agg(pl.col("text").first(), pl.len().cast(pl.Int64).alias("comments"),
                                   author.cast(pl.Int64).alias("authors"))
            .sort(["comments", "norm"], descending=[True, False]).head(n).select(list(schema)))


# ---------------------------------------------------------------------------------------------
# findings

FINDING_TEXT: dict[str, tuple[str, str]] = {
    "target_missed": ("{metric}未达目标：实际 {value}，目标 {target}（差距 {gap}）。",
                      "{metric} missed its target: {value} vs {target} ({gap})."),
    "benchmark_bad": ("{metric} {value}，{side}行业基准 {benchmark}（{cite}）。",
                      "{metric} is {value}, {side} the benchmark {benchmark} ({cite})."),
    "gmv_swing": ("成交金额较前 {n} 场均值变动 {gap}，需核查原因。",
                  "GMV moved {gap} against the previous {n} sessions' mean: find out why."),
    "exit_spike": ("「{screen}」期间离开的观众是按停留时长预期的 {index} 倍：调整这段内容或缩短时长。",
                   "During “{screen}” {index}× as many viewers left as their time in the room predicts: rework or shorten it."),
    "explain_weak": ("讲解「{name}」期间该商品每分钟订单仅为讲解外的 {ratio} 倍（无显著提升）：改进话术或换品。",
                     "Explaining “{name}” did not lift its orders ({ratio}× the rate outside): rework the pitch or the product."),
    "explain_strong": ("讲解「{name}」使该商品每分钟订单提升到 {ratio} 倍：多讲、提前讲。",
                       "Explaining “{name}” lifted its orders {ratio}×: explain it more and earlier."),
    "channel_weak": ("渠道「{channel}」转化率 {conv}，低于整体 {overall}：复核投放人群或减少预算。",
                     "Channel “{channel}” converts {conv} vs {overall} overall: review its targeting or budget."),
    "cpm_high": ("渠道「{channel}」千次展示费用 {cpm} 元，高于平均 20% 以上。",
                 "Channel “{channel}” costs {cpm} yuan CPM, more than 20% over the average."),
    "mix_off": ("{role}商品贡献 {share} 的成交，偏离 3:5:2 建议（{norm}）。",
                "{role} products make {share} of GMV against the 3:5:2 norm ({norm})."),
    "burst": ("发现 {minutes} 个疑似刷量分钟：{viewers} 名观众（{share}）观看不足 10 秒，应从流量评估中剔除。",
              "{minutes} suspected burst minute(s): {viewers} viewers ({share}) watched under 10 s; exclude them when judging traffic."),
    "dup_comments": ("{share} 的弹幕是多账号重复文本（如「{text}」），疑似刷评。",
                     "{share} of comments are the same text from many accounts (e.g. “{text}”): likely bought comments."),
    "retention_weak": ("「{group}」渠道观众中位停留仅 {median} 分钟，远低于整体 {overall} 分钟。",
                       "Viewers from “{group}” stayed a median {median} min vs {overall} min overall."),
}


def _pct(x: float | None, d: int = 1) -> str:
    return "–" if x is None else f"{x * 100:+.{d}f}%" if x < 0 or x > 0 else "0%"


def _share(x: float | None, d: int = 1) -> str:
    return "–" if x is None else f"{x * 100:.{d}f}%"


def findings(head: Headline, story: MinuteStory | None = None, ret: Retention | None = None,
             prods: Products | None = None, traffic: pl.DataFrame | None = None,
             integ: Integrity | None = None, *, lang: str = "zh", top: int = 8) -> list[dict[str, Any]]:
    """A ranked list of what to change next time. Each candidate has a score (size of the gap,
    weighted by how sure we are), a text in the language, the metric and value behind it, and the
    section whose figure supports it."""
    zh = lang == "zh"
    cands: list[dict[str, Any]] = []

    def add(kind: str, score: float, key: str, val: Any, figure: str, /, **kw: Any) -> None:
        text = FINDING_TEXT[kind][0 if zh else 1].format(**kw)
        cands.append({"kind": kind, "score": float(score), "text": text, "metric": key,
                      "value": _f(val), "figure": figure})

    for a in head.alerts:
        key = a["metric"]
        gap = abs(a.get("gap") or 0.0)
        if a["kind"] == "target":
            add("target_missed", gap * (1.0 if a.get("significant") else 0.4), key, a["value"], "headline",
                metric=t(key, lang), value=format_value(key, a["value"]), target=format_value(key, a["target"]),
                gap=_pct(a.get("gap")))
        elif a["kind"] == "benchmark":
            side = ("低于" if a["flag"] == "below" else "高于") if zh else a["flag"]
            add("benchmark_bad", 0.8 * gap, key, a["value"], "headline", metric=t(key, lang),
                value=format_value(key, a["value"]), side=side, benchmark=format_value(key, a["benchmark"]),
                cite=a.get("cite", ""))
        elif a["kind"] == "trailing":
            add("gmv_swing", gap, key, a["value"], "headline", n=a.get("sessions"), gap=_pct(a.get("gap")))
    if ret is not None and ret.leaving.height:
        worst = ret.leaving.filter((pl.col("obs_exp") > 1.3) & (pl.col("lo") > 1.0) & (pl.col("kind") != "none"))
        for r in worst.head(2).iter_rows(named=True):
            screen = screen_label(r["on_screen"], lang)
            add("exit_spike", 0.5 * (r["obs_exp"] - 1.0), "exit_obs_exp", r["obs_exp"], "retention",
                screen=screen, index=f"{r['obs_exp']:.2f}")
    if ret is not None and ret.summary.height:
        overall = ret.summary.filter(pl.col("group_kind") == "all")["median_min"]
        ov = _f(overall[0]) if overall.len() else None
        if ov:
            ch = ret.summary.filter((pl.col("group_kind") == "channel") & (pl.col("median_min") < 0.5 * ov)
                                    & (pl.col("viewers") >= 100))
            for r in ch.sort("median_min").head(1).iter_rows(named=True):
                add("retention_weak", 0.5 * (1 - r["median_min"] / ov), "median_watch_min", r["median_min"], "retention",
                    group=r["group"], median=f"{r['median_min']:.1f}", overall=f"{ov:.1f}")
    if prods is not None and prods.explain.height:
        ex = prods.explain.filter(pl.col("ratio").is_not_null())
        weak = ex.filter((pl.col("hi") < 1.5) & ((pl.col("orders_in") + pl.col("orders_out")) >= 5)).sort("ratio")
        for r in weak.head(1).iter_rows(named=True):
            add("explain_weak", 0.5, "explanation_effect", r["ratio"], "products", name=r["name"] or r["product_id"],
                ratio=f"{r['ratio']:.2f}")
        strong = ex.filter(pl.col("lo") > 1.0).sort("ratio", descending=True)
        for r in strong.head(1).iter_rows(named=True):
            add("explain_strong", min(0.3, 0.05 * r["ratio"]), "explanation_effect", r["ratio"], "products",
                name=r["name"] or r["product_id"], ratio=f"{r['ratio']:.2f}")
    if prods is not None and prods.mix.height:
        for r in prods.mix.filter(pl.col("norm").is_not_null()).iter_rows(named=True):
            dev = (r["share_gmv"] or 0) - r["norm"]
            if abs(dev) > 0.15:
                add("mix_off", abs(dev), "share_gmv", r["share_gmv"], "products", role=t(r["role"], lang),
                    share=_share(r["share_gmv"]), norm=_share(r["norm"], 0))
    if traffic is not None and traffic.height:
        ch = traffic.filter(pl.col("level") == "channel")
        tot_b, tot_v = ch["buyers"].sum(), ch["viewers"].sum()
        overall = tot_b / tot_v if tot_v else None
        if overall:
            weak = ch.filter((pl.col("conv_hi") < overall) & (pl.col("viewers") >= 0.05 * tot_v)).sort("conversion")
            for r in weak.head(1).iter_rows(named=True):
                add("channel_weak", 1 - r["conversion"] / overall, "conversion_rate", r["conversion"], "traffic",
                    channel=r["channel"], conv=_share(r["conversion"], 2), overall=_share(overall, 2))
        cpm = ch.filter(pl.col("cpm").is_not_null())
        if cpm.height:
            avg = cpm["spend"].sum() * 1000.0 / cpm["impressions"].sum()
            for r in cpm.filter(pl.col("cpm") > 1.2 * avg).iter_rows(named=True):
                add("cpm_high", r["cpm"] / avg - 1, "cpm", r["cpm"], "traffic", channel=r["channel"],
                    cpm=f"{r['cpm']:.1f}")
    if integ is not None:
        b = integ.bursts
        if b.get("burst_minutes"):
            add("burst", 1.0 + (b.get("suspect_share") or 0), "suspect_share", b.get("suspect_share"), "integrity",
                minutes=b["burst_minutes"], viewers=b["suspect_viewers"], share=_share(b.get("suspect_share")))
        d = integ.duplicate_summary
        if d.get("duplicated_comments") and (d.get("duplicated_share") or 0) > 0.005:
            add("dup_comments", 0.6 + (d.get("duplicated_share") or 0), "duplicated_share", d.get("duplicated_share"),
                "integrity", share=_share(d.get("duplicated_share")), text=(d.get("top_text") or "")[:30])
    cands.sort(key=lambda c: (-c["score"], c["kind"], c["metric"]))
    out = []
    for i, c in enumerate(cands[:top], start=1):
        out.append({"rank": i, **{k: c[k] for k in ("text", "metric", "value", "figure", "kind")},
                    "score": round(c["score"], 4)})
    return out


# ---------------------------------------------------------------------------------------------
# display


def display_frame(df: pl.DataFrame, lang: str = "zh", *, time_fmt: str = "%H:%M:%S") -> pl.DataFrame:
    """A result frame made readable: times as clock strings, codes (stages, kinds, roles, screens,
    dimensions, new/returning) in words. Column names are translated by :func:`show`."""
    from .labels import stage

    out = df
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Datetime):
            out = out.with_columns(pl.col(name).dt.strftime(time_fmt))
    words = {"stage": lambda v: stage(v, lang), "on_screen": lambda v: screen_label(v, lang),
             "role": lambda v: t(v, lang), "dimension": lambda v: t(v, lang), "kind": lambda v: t(v, lang),
             "group_kind": lambda v: {"all": t("all", lang), "channel": t("channel", lang),
                                      "newret": f"{t('new', lang)}/{t('returning', lang)}"}.get(v, v)}
    for name, fn in words.items():
        if name in out.columns and out.schema[name] == pl.String:
            out = out.with_columns(pl.col(name).map_elements(fn, return_dtype=pl.String, skip_nulls=True))
    if "group" in out.columns and "group_kind" in df.columns:
        out = out.with_columns(pl.when(df["group_kind"].is_in(["newret", "all"]))
                               .then(pl.col("group").map_elements(lambda v: t(v, lang), return_dtype=pl.String))
                               .otherwise(pl.col("group")).alias("group"))
    return out


def show(df: pl.DataFrame, caption: str | None, lang: str = "zh", **kw: Any) -> Any:
    """:func:`helpers.nb.show_table` of :func:`display_frame` with headers in the language."""
    from . import nb
    from .labels import columns

    return nb.show_table(display_frame(df, lang), caption, rename=columns(df.columns, lang), **kw)


# ---------------------------------------------------------------------------------------------
# summary


def build_summary(s: Session, head: Headline, found: list[dict[str, Any]],
                  integ: Integrity | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The session report's summary.json (keys documented in docs/summary.md). No viewer ids."""
    info = s.info
    out: dict[str, Any] = {"session_id": s.session_id, "room": info.get("room"), "host": info.get("host"),
                           "platform": info.get("platform"), "start_ts": info.get("start_ts"),
                           "end_ts": info.get("end_ts"), "as_of": head.as_of}
    out |= dict(head.kpis)
    out["kpi_sources"] = dict(head.sources)
    out["intervals"] = {k: {"lo": _f(v["lo"]), "hi": _f(v["hi"]), "method": v["method"]}
                        for k, v in head.intervals.items()}
    out["alerts"] = [{k: v for k, v in a.items()} for a in head.alerts]
    out["findings"] = [{k: f[k] for k in ("rank", "text", "metric", "value", "figure")} for f in found]
    if head.trailing:
        out["trailing"] = head.trailing
    if integ is not None:
        out["integrity"] = {"bursts": {k: v for k, v in integ.bursts.items()},
                            "duplicate_comments": {k: v for k, v in integ.duplicate_summary.items()}}
    if extra:
        out |= extra
    return out
