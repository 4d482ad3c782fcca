"""Ranked actions for page 1 of the review: rules (``resources/actions.yaml``) over computed
results.

:func:`candidates` turns the review's results (verdict, explanation windows, traffic, retention,
promotions, refunds) into plain rows, one list per ``source``; :func:`evaluate` applies the rules to
them (pure: no session, no I/O), gives each action its estimated yuan impact, evidence anchor and
confidence (from the row's 95% interval), and :func:`rank` keeps the three to five that matter most
(impact × confidence weight, at most two per kind). Two rules live in code, not in the rules file:
an action never proposes spending less on a free channel, and a ROI under the floor of
:func:`~helpers.review.common.roi_reliable` is never acted on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import polars as pl

from helpers.metrics import stats
from helpers.paths import RESOURCES, read_yaml
from helpers.present import sections
from helpers.present.i18n import t
from helpers.review.common import _f, roi_reliable
from helpers.review.story import screen_label
from helpers.review.verdict import Verdict, is_paid

#: Actions of these kinds spend less on a channel: only ever allowed for a paid channel.
BUDGET_CUT_KINDS = frozenset({"paid_budget"})
WEIGHTS = {"high": 1.0, "medium": 0.6, "low": 0.3}
PER_KIND = 2
TOP = 5


@cache
def rules() -> tuple[dict[str, Any], ...]:
    """The action rules of ``resources/actions.yaml``."""
    return tuple(read_yaml(RESOURCES / "actions.yaml")["rules"])


# ---------------------------------------------------------------------------------------------
# the engine (pure)


def _resolve(v: Any, row: Mapping[str, Any]) -> Any:
    return row.get(v[1:]) if isinstance(v, str) and v.startswith("$") else v


_OPS = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "ne": lambda a, b: a != b,
}


def matches(row: Mapping[str, Any], when: Mapping[str, Any]) -> bool:
    """Whether a row meets every condition (missing or null values never match)."""
    for field, cond in when.items():
        value = row.get(field)
        if value is None:
            return False
        if isinstance(cond, Mapping):
            for op, ref in cond.items():
                ref = _resolve(ref, row)
                if ref is None or not _OPS[op](value, ref):
                    return False
        elif value != _resolve(cond, row):
            return False
    return True


def confidence(
    estimate: float | None, lo: float | None, hi: float | None, null: float | None
) -> str:
    """high: the 95% interval excludes the no-effect value and spans at most 3× (ratio scale);
    medium: it excludes it; low: it does not, or there is no interval."""
    lo, hi, null = _f(lo), _f(hi), _f(null)
    if lo is None or hi is None or null is None or null <= 0 or not (hi < null or lo > null):
        return "low"
    return "high" if lo > 0 and hi / lo <= 3.0 else "medium"


def _action(rule: Mapping[str, Any], row: Mapping[str, Any], lang: str) -> dict[str, Any] | None:
    impact = _f(row.get(rule["impact"]))
    if impact is None or impact <= 0:
        return None
    iv = rule.get("interval", {})
    null = iv.get("neutral")
    conf = confidence(
        _f(row.get(iv.get("estimate"))),
        row.get(iv.get("lo")),
        row.get(iv.get("hi")),
        row.get(null) if isinstance(null, str) else null,
    )
    out = {
        "kind": rule["kind"],
        "rule": rule["id"],
        "text": rule["text"][lang].format(**row),
        "impact_yuan": round(impact, 2),
        "confidence": conf,
        "evidence": rule["evidence"],
    }
    if row.get("channel") is not None:
        out |= {"channel": row["channel"], "paid": bool(row.get("paid"))}
    return out


def allowed(action: Mapping[str, Any]) -> bool:
    """The code-level rules: no budget cut on a free channel (or on no channel at all)."""
    return not (action["kind"] in BUDGET_CUT_KINDS and action.get("paid") is not True)


def evaluate(
    results: Mapping[str, Sequence[Mapping[str, Any]]],
    lang: str = "zh",
    rule_set: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Every action the rules produce from ``results`` (``source`` → rows), unranked."""
    out = []
    for rule in rule_set if rule_set is not None else rules():
        for row in results.get(rule["source"], ()):
            if matches(row, rule.get("when", {})):
                act = _action(rule, row, lang)
                if act is not None and allowed(act):
                    out.append(act)
    return out


def rank(
    acts: Sequence[Mapping[str, Any]], top: int = TOP, per_kind: int = PER_KIND
) -> list[dict[str, Any]]:
    """The ``top`` actions by impact × confidence weight, at most ``per_kind`` of a kind."""
    order = sorted(
        acts, key=lambda a: (-a["impact_yuan"] * WEIGHTS[a["confidence"]], a["rule"], a["text"])
    )
    kept: list[dict[str, Any]] = []
    for a in order:
        if sum(k["kind"] == a["kind"] for k in kept) < per_kind:
            kept.append({**a, "rank": len(kept) + 1})
        if len(kept) == top:
            break
    return kept


# ---------------------------------------------------------------------------------------------
# candidate rows from the review's results


def _decomposition_rows(
    v: Verdict,
    intervals: Mapping[str, Mapping[str, Any]],
    kpis: Mapping[str, Any],
    best_window: str,
    worst_cell: str,
) -> list[dict[str, Any]]:
    rows = []
    for p in v.decomposition:
        lo = hi = None
        if p["factor"] == "conversion" and kpis.get("buyers") is not None and kpis.get("viewers"):
            lo, hi = stats.wilson(round(kpis["buyers"]), round(kpis["viewers"]))
        elif p["factor"] == "viewers":
            lo, hi = stats.poisson_count(round(p["value"]))
        elif p["factor"] == "aov" and "aov" in intervals:
            lo, hi = intervals["aov"].get("lo"), intervals["aov"].get("hi")
        ref = p["reference"]
        rows.append(
            {
                **p,
                "lo": _f(lo),
                "hi": _f(hi),
                "lost": -p["contribution"],
                "change": p["value"] / ref - 1 if ref else None,
                "best_window": best_window,
                "worst_cell": worst_cell,
            }
        )
    return rows


def _worst_cell(v: Verdict, lang: str) -> str:
    c = v.cells
    if c.height == 0 or "ref_viewers" not in c.columns:
        return "–"
    c = c.with_columns((pl.col("ref_viewers") - pl.col("viewers")).alias("_drop")).filter(
        pl.col("_drop").is_not_null()
    )
    if c.height == 0:
        return "–"
    r = c.sort(["_drop", "traffic_type", "audience"], descending=[True, False, False]).row(
        0, named=True
    )
    names = {"followers": "value_follower", "non_followers": "value_not_follower"}
    return (
        "·".join(
            t(x, lang)
            for x in (r["traffic_type"], names.get(r["audience"], r["audience"]))
            if x != "all"
        )
        or "–"
    )


def _window_rows(windows: pl.DataFrame | None) -> tuple[list[dict[str, Any]], str]:
    if windows is None or windows.height == 0:
        return [], "–"
    rows = []
    for r in windows.iter_rows(named=True):
        rows.append(
            {
                **r,
                "start": f"{r['start_ts']:%H:%M}",
                "name": r["name"] or r["product_id"],
                "lost": max((r["gmv_per_min_first"] or 0) - r["gmv_per_min_in"], 0) * r["minutes"],
                "gain": max(r["gmv_per_min_in"] - r["gmv_per_min_out"], 0) * r["minutes"],
            }
        )
    good = [r for r in rows if r["reliable"]] or rows
    best = max(good, key=lambda r: (r["gmv_per_min_in"], r["start"]))
    return rows, f"{best['name']} {best['start']}"


def _channel_rows(
    traffic: pl.DataFrame | None, per_buyer: float | None, per_order: float | None, lang: str
) -> list[dict[str, Any]]:
    """Per channel: its rate against the room's, the yuan that gap is worth, ROI and its floor.
    The rate is buyers per viewer where viewer rows name channels, else the export's orders per
    viewer."""
    if traffic is None or traffic.height == 0:
        return []
    count, rate = (
        ("buyers", "conversion") if "conversion" in traffic.columns else ("orders", "order_rate")
    )
    if rate not in traffic.columns:
        return []
    value = per_buyer if count == "buyers" else per_order
    ch = traffic.filter(pl.col("level") == "channel")
    flags = {c: p for c, p in ch.select("channel", "paid").iter_rows() if p is not None}
    tv, tb = float(ch["viewers"].sum()), float(ch[count].sum())
    overall = tb / tv if tv else None
    shown = (lambda x: f"{x:.2%}") if count == "buyers" else (lambda x: f"{x:.3f}")
    rows = []
    for r in ch.iter_rows(named=True):
        spend, gmv, k, x = _f(r.get("spend")), _f(r.get("gmv")), r.get(count), _f(r.get(rate))
        roi = gmv / spend if spend and gmv is not None else None
        lo_k, hi_k = stats.poisson_count(int(k)) if k else (None, None)
        rows.append(
            {
                **r,
                "paid": is_paid(r["channel"], flags),
                "conversion": x,
                "overall": overall,
                "rate_label": t(rate if rate == "order_rate" else "conversion", lang),
                "rate_text": shown(x) if x is not None else "–",
                "overall_text": shown(overall) if overall is not None else "–",
                "lost": (overall - x) * r["viewers"] * value
                if overall is not None and x is not None and value is not None
                else None,
                "roi": roi,
                "roi_reliable": roi_reliable(spend, k),
                "roi_lo": roi * lo_k / k if roi is not None and k and lo_k is not None else None,
                "roi_hi": roi * hi_k / k if roi is not None and k and hi_k is not None else None,
                "loss": spend - gmv if spend and gmv is not None else None,
            }
        )
    return rows


def _exit_rows(
    leaving: pl.DataFrame | None, uv_paid: float | None, lang: str
) -> list[dict[str, Any]]:
    if leaving is None or leaving.height == 0 or not uv_paid:
        return []
    return [
        {
            **r,
            "screen": screen_label(r["on_screen"], lang),
            "excess": r["exits"] - r["expected"],
            "lost": (r["exits"] - r["expected"]) * uv_paid,
        }
        for r in leaving.filter(pl.col("kind") != "none").iter_rows(named=True)
    ]


def _refund_rows(
    kpis: Mapping[str, Any],
    intervals: Mapping[str, Mapping[str, Any]],
    benchmark_high: float | None,
) -> list[dict[str, Any]]:
    rate, gmv = _f(kpis.get("refund_rate")), _f(kpis.get("gmv"))
    if rate is None or gmv is None or benchmark_high is None:
        return []
    iv = intervals.get("refund_rate", {})
    return [
        {
            "rate": rate,
            "lo": _f(iv.get("lo")),
            "hi": _f(iv.get("hi")),
            "benchmark_high": benchmark_high,
            "excess": (rate - benchmark_high) * gmv,
        }
    ]


def candidates(
    v: Verdict | None,
    kpis: Mapping[str, Any],
    intervals: Mapping[str, Mapping[str, Any]],
    *,
    windows: pl.DataFrame | None = None,
    traffic: pl.DataFrame | None = None,
    leaving: pl.DataFrame | None = None,
    coupons: pl.DataFrame | None = None,
    category: str = "general",
    lang: str = "zh",
) -> dict[str, list[dict[str, Any]]]:
    """The rows each rule ``source`` scans, from the review's computed results (``category``: the
    benchmark category whose refund-rate ceiling the refund rule compares with)."""
    from helpers.metrics.benchmarks import benchmarks

    bm = benchmarks(category).get("refund_rate")
    win, best = _window_rows(windows)
    viewers, paid = _f(kpis.get("viewers")), _f(kpis.get("paid_gmv"))
    aov, orders = _f(kpis.get("aov")), _f(kpis.get("orders"))
    out: dict[str, list[dict[str, Any]]] = {
        "windows": win,
        "channels": _channel_rows(
            traffic, aov, paid / orders if paid is not None and orders else None, lang
        ),
        "exits": _exit_rows(
            leaving, paid / viewers if paid is not None and viewers else None, lang
        ),
        "coupons": []
        if coupons is None
        else [
            {**r, "gain": max(r["gmv_per_min_in"] - r["gmv_per_min_out"], 0) * r["minutes"]}
            for r in coupons.iter_rows(named=True)
        ],
        "refund": _refund_rows(kpis, intervals, bm.high if bm else None),
        "decomposition": []
        if v is None
        else _decomposition_rows(v, intervals, kpis, best, _worst_cell(v, lang)),
    }
    return out


@sections.section("review.actions")
def actions(
    results: Mapping[str, Sequence[Mapping[str, Any]]], lang: str = "zh", top: int = TOP
) -> list[dict[str, Any]]:
    """The ranked actions (three to five where the data support them) of :func:`candidates`'
    rows."""
    acts = rank(evaluate(results, lang), top=top)
    for a in acts:
        if not math.isfinite(a["impact_yuan"]):
            raise ValueError(f"action {a['rule']} has no finite impact")
    return acts


def decision_summary(
    v: Verdict | None,
    acts: Sequence[Mapping[str, Any]],
    windows: pl.DataFrame | None,
    funnel_steps: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The decision keys of the session review's summary.json (docs/summary.md): ``verdict``,
    ``decomposition``, ``actions``, ``explanations`` (a lift that is not ``reliable`` is null) and
    ``funnel``."""
    keys = ("kind", "text", "impact_yuan", "confidence", "evidence", "channel", "paid")
    expl = (
        []
        if windows is None
        else [
            {
                "product_id": r["product_id"],
                "start": r["start_ts"].isoformat(),
                "lift": r["lift"] if r["reliable"] else None,
                "lo": r["lo"],
                "hi": r["hi"],
                "reliable": r["reliable"],
            }
            for r in windows.iter_rows(named=True)
        ]
    )
    return {
        "verdict": v.summary() if v is not None else None,
        "decomposition": []
        if v is None
        else [
            {k: p[k] for k in ("factor", "value", "reference", "contribution")}
            for p in v.decomposition
        ],
        "actions": [{k: a[k] for k in keys if k in a} for a in acts],
        "explanations": expl,
        "funnel": [dict(f) for f in funnel_steps],
    }
