"""The verdict (结论): paid GMV against the target or the room's history, the gap in yuan with a 95%
interval, its decomposition viewers × conversion × AOV, and where it came from (paid vs free
traffic × followers vs non-followers, the 2×2 of Compass's self-broadcast diagnosis).

Basis: the verdict is on **paid GMV** (用户支付金额), so that viewers × conversion × AOV multiplies
out exactly with the one AOV definition of :mod:`helpers.metrics.definitions` (paid GMV / paying
buyers). Where the gap came from is :mod:`helpers.review.verdict_cells`; its words are
:mod:`helpers.review.verdict_text`.

- Reference: the session's ``paid_gmv`` target; else its ``gmv`` target (placed basis) scaled by the
  session's own paid/placed ratio; else the room's history: the previous sessions of the same room
  with paid GMV, viewers and buyers, the last :data:`TRAILING_SESSIONS` in the same time slot
  (:data:`helpers.metrics.slots.SLOTS`) when at least :data:`MIN_SAME_SLOT` exist, else the
  last :data:`TRAILING_SESSIONS` of any slot. The reference factors are pooled (Σbuyers/Σviewers,
  Σpaid/Σbuyers, mean viewers), so they multiply to the mean paid GMV exactly.
- Interval of the gap: ±1.96 × √(var(this GMV) + var(reference)), the session's GMV as a compound
  Poisson sum over paid orders (var = Σ amount²; without order lines buyers × AOV²), the history
  mean's standard error sd/√n (a target has none).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from helpers.data.store import Session
from helpers.metrics import definitions as metrics
from helpers.metrics.decompose import decompose, gmv_of
from helpers.metrics.decompose import method as split_method
from helpers.metrics.slots import slot_key, slot_of
from helpers.present import sections
from helpers.review.common import TRAILING_SESSIONS, _f
from helpers.review.verdict_cells import is_paid as is_paid  # actions reads it from here
from helpers.review.verdict_cells import source_cells

Z95 = 1.959963984540054
MIN_SAME_SLOT = 3
LOOKBACK = 12  # previous sessions of the room read when looking for same-slot ones


@dataclass
class Verdict:
    gmv: float
    reference: float
    reference_kind: str  # target | history
    gap: float
    gap_pct: float | None
    lo: float | None
    hi: float | None
    decomposition: list[dict[str, Any]]
    split: str  # lmdi | shapley
    basis: str  # how the reference was built: target, target_scaled, same_slot, recent
    sessions: list[str] = field(default_factory=list)  # the history sessions used
    cells: pl.DataFrame = field(default_factory=pl.DataFrame)  # paid/free × followers 2×2
    history: pl.DataFrame = field(default_factory=pl.DataFrame)  # KPI rows of the reference shows

    def summary(self) -> dict[str, Any]:
        """The ``verdict`` block of summary.json (keys in docs/summary.md)."""
        return {
            "gmv": self.gmv,
            "reference": self.reference,
            "reference_kind": self.reference_kind,
            "gap": self.gap,
            "gap_pct": self.gap_pct,
            "lo": self.lo,
            "hi": self.hi,
        }


def factors(kpis: dict[str, Any]) -> dict[str, float] | None:
    """viewers, conversion (paying buyers / viewers), aov (paid GMV / paying buyers) of a KPI row;
    None without paid GMV, viewers and buyers."""
    paid, viewers, buyers = (
        _f(kpis.get("paid_gmv")),
        _f(kpis.get("viewers")),
        _f(kpis.get("buyers")),
    )
    if paid is None or not viewers or buyers is None:
        return None
    return {
        "viewers": viewers,
        "conversion": buyers / viewers,
        "aov": paid / buyers if buyers else 0.0,
    }


def _kpi_rows(store: str | os.PathLike[str], ids: list[str]) -> list[pl.DataFrame]:
    """KPI rows of ``ids``: all at once, else one at a time leaving out an unreadable session."""
    try:
        return [metrics.kpi_table(store, ids)] if ids else []
    except (OSError, pl.exceptions.PolarsError):
        pass
    rows = []
    for sid in ids:
        try:
            rows.append(metrics.kpi_table(store, [sid]))
        except (OSError, pl.exceptions.PolarsError):
            continue
    return rows


def history(
    s: Session, store: str | os.PathLike[str] | None, n: int = TRAILING_SESSIONS
) -> tuple[pl.DataFrame, str]:
    """KPI rows of the reference sessions and the rule that chose them: ``same_slot`` or
    ``recent``."""
    if store is None:
        return pl.DataFrame(), "recent"
    from helpers.data.store import list_sessions

    prev = list_sessions(store).filter(
        (pl.col("room") == s.info["room"]) & (pl.col("start_ts") < s.info["start_ts"])
    )
    ids = prev.sort("start_ts", "session_id")["session_id"].tail(LOOKBACK).to_list()
    rows = _kpi_rows(store, ids)
    if not rows:
        return pl.DataFrame(), "recent"
    kp = (
        pl.concat(rows, how="vertical_relaxed")
        .sort("start_ts", "session_id")
        .filter((pl.col("paid_gmv") > 0) & (pl.col("viewers") > 0) & pl.col("buyers").is_not_null())
    )
    this = slot_key(s.info["start_ts"].hour)
    same = kp.filter(slot_of(pl.col("start_ts").dt.hour()) == this)
    if same.height >= MIN_SAME_SLOT:
        return same.tail(n), "same_slot"
    return kp.tail(n), "recent"


def _pooled(kp: pl.DataFrame) -> dict[str, float]:
    v, b, g = float(kp["viewers"].sum()), float(kp["buyers"].sum()), float(kp["paid_gmv"].sum())
    return {"viewers": v / kp.height, "conversion": b / v, "aov": g / b if b else 0.0}


def _gmv_variance(s: Session, f: dict[str, float]) -> float:
    """Variance of this session's paid GMV as a compound Poisson sum over its paid orders."""
    if s.has("orders"):
        o = s.orders.filter(pl.col("status").is_in(list(metrics.BUYING_STATUSES)))
        return float((o["amount"] ** 2).sum())
    return f["viewers"] * f["conversion"] * f["aov"] ** 2


def _target_reference(
    tg: dict[str, float], kpis: dict[str, Any], cur: dict[str, float]
) -> tuple[float, dict[str, float], str] | None:
    """The target GMV on the paid basis and reference factors multiplying to it: targeted viewers
    and conversion where set, else this session's own; AOV is what the target then implies."""
    if tg.get("paid_gmv"):
        ref, basis = float(tg["paid_gmv"]), "target"
    elif tg.get("gmv") and kpis.get("gmv") and kpis.get("paid_gmv"):
        ref, basis = float(tg["gmv"]) * kpis["paid_gmv"] / kpis["gmv"], "target_scaled"
    else:
        return None
    v = float(tg.get("viewers") or cur["viewers"])
    c = float(tg.get("conversion_rate") or cur["conversion"] or 1.0)
    return ref, {"viewers": v, "conversion": c, "aov": ref / (v * c)}, basis


@sections.section(
    "review.verdict",
    needs=["orders|session_totals.metric|trend.paid_gmv", "viewers|session_totals.metric|traffic"],
)
def verdict(
    s: Session,
    targets: dict[str, float] | None = None,
    store: str | os.PathLike[str] | None = None,
    *,
    kpis: dict[str, Any] | None = None,
) -> Verdict:
    """The verdict of a session (see the module docstring for the reference and the interval)."""
    kpis = kpis if kpis is not None else metrics.session_kpis(s)
    cur = factors(kpis)
    if cur is None:
        raise ValueError("paid GMV, viewers and buyers are needed for the verdict")
    gmv = gmv_of(cur)
    hist, rule = history(s, store)
    tref = _target_reference(targets or {}, kpis, cur)
    ref_var = 0.0
    if tref is not None:
        ref, ref_f, basis = tref
        kind, used = "target", []
    elif hist.height:
        ref_f, kind, basis = _pooled(hist), "history", rule
        ref, used = gmv_of(ref_f), hist["session_id"].to_list()
        sd = _f(hist["paid_gmv"].std())
        ref_var = (sd**2 / hist.height) if hist.height >= 2 and sd is not None else 0.0
    else:
        raise sections.Unavailable("verdict.no_reference")
    gap = gmv - ref
    half = Z95 * math.sqrt(_gmv_variance(s, cur) + ref_var)
    parts = decompose(cur, ref_f)
    return Verdict(
        gmv,
        ref,
        kind,
        gap,
        gap / ref if ref else None,
        gap - half,
        gap + half,
        parts,
        split_method(cur, ref_f),
        basis,
        used,
        source_cells(s, store, hist["session_id"].to_list() if hist.height else []),
        hist,
    )


# ---------------------------------------------------------------------------------------------
# the Compass five-step funnel against the room's history and the category benchmark

FUNNEL_STEPS = (
    ("impressions", "impressions"),
    ("viewers", "viewers"),
    ("product_exposed", "product_exposed"),
    ("clicked", "product_clickers"),
    ("paid", "buyers"),
)


def funnel_steps(stages: pl.DataFrame) -> list[dict[str, Any]]:
    """The five Compass steps ``{step, count, rate}``: the rate is the share of the previous step
    present (null for the first); a step the funnel does not have has a null count and rate."""
    by = {r["stage"]: r for r in stages.iter_rows(named=True)}
    out, prev = [], None
    for step, _ in FUNNEL_STEPS:
        r = by.get(step)
        count = r["count"] if r is not None else None
        out.append(
            {
                "step": step,
                "count": count,
                "rate": count / prev if count is not None and prev else None,
            }
        )
        prev = count if count is not None else prev
    return out


def funnel_comparison(
    rates: pl.DataFrame, hist: pl.DataFrame, category: str = "general"
) -> pl.DataFrame:
    """Each named step rate of the funnel (``Funnel.rates``) with the room's pooled history
    (Σ numerator / Σ denominator over the reference sessions) and the category benchmark, and
    whether history lies outside the rate's 95% interval (``below``/``above``/``within``)."""
    from helpers.metrics.benchmarks import benchmarks

    kpi = dict(FUNNEL_STEPS)
    bms = benchmarks(category)
    rows = []
    for r in rates.iter_rows(named=True):
        num, den = kpi.get(r["numerator"]), kpi.get(r["denominator"])
        h = None
        if hist.height and num in hist.columns and den in hist.columns:
            pair = hist.select(num, den).drop_nulls()
            h = (
                float(pair[num].sum()) / float(pair[den].sum())
                if pair.height and pair[den].sum()
                else None
            )
        flag = (
            None
            if h is None
            else ("below" if r["hi"] < h else "above" if r["lo"] > h else "within")
        )
        bm = bms.get(r["metric"])
        rows.append(
            {
                "metric": r["metric"],
                "rate": r["rate"],
                "lo": r["lo"],
                "hi": r["hi"],
                "history": h,
                "vs_history": flag,
                "benchmark_low": bm.low if bm else None,
                "benchmark_high": bm.high if bm else None,
                "benchmark_flag": bm.flag(r["rate"]) if bm else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "metric": pl.String,
            "rate": pl.Float64,
            "lo": pl.Float64,
            "hi": pl.Float64,
            "history": pl.Float64,
            "vs_history": pl.String,
            "benchmark_low": pl.Float64,
            "benchmark_high": pl.Float64,
            "benchmark_flag": pl.String,
        },
    )
